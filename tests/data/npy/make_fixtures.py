#!/usr/bin/python3
"""Writes the small .npy fixtures of tests/test_datasets.cpp with NumPy itself, so the
reader is checked against the reference writer.  Run from this folder; outputs committed."""
import numpy as np

x = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2) / 8.0 - 1.0
np.save("x_f32.npy", x)
np.save("x_f64.npy", x.astype(np.float64))
np.save("y_i64.npy", np.array([3, 1], dtype=np.int64))
np.save("y_i32_col.npy", np.array([[0], [2]], dtype=np.int32))
np.save("x_u8.npy", np.array([[[0, 255], [51, 102]]], dtype=np.uint8))  # 1 sample 2x2
np.save("y_u8.npy", np.array([7], dtype=np.uint8))
np.save("x_fortran.npy", np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
np.save("y_float.npy", np.array([1.0, 2.0], dtype=np.float32))
