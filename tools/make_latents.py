#!/usr/bin/python3
"""Writes models/dcgan_latents.npy (1,000 standard-normal latent vectors of size 32, seed 0)
and models/dcgan_latents_labels.npy (-1: unlabeled), the inputs `configs/dcgan.yaml` feeds
the generator to measure the fidelity (MSE, PSNR) of its 8-bit emulation against float."""
import numpy as np

rng = np.random.default_rng(0)
np.save("models/dcgan_latents.npy", rng.standard_normal((1000, 32)).astype(np.float32))
np.save("models/dcgan_latents_labels.npy", np.full((1000,), -1, dtype=np.int64))
