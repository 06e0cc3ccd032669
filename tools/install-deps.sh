#!/usr/bin/env bash
# Installs everything axevo needs to build and test on Debian 12 (bookworm).
# Runs apt-get as root, or through sudo when not root.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config   # toolchain (the cmodel plugin also uses cc)
  libboost-dev libboost-program-options-dev      # Boost.DLL (plugins), Program_options (CLI)
  libyaml-cpp-dev                                # YAML metadata and configs
  libssl-dev                                     # SHA-256 of tables (libcrypto)
  libpng-dev                                     # PNG heat maps and plots
  zlib1g-dev                                     # gzip-compressed idx datasets
  catch2                                         # Catch2 v2 tests, run through ctest
  libeigen3-dev                                  # float GEMM (reference executor)
  libonnx-dev libprotobuf-dev protobuf-compiler  # ONNX model frontend
  libpagmo-dev                                   # multi-objective search (NSGA-II, MOEA/D, NSPSO, MACO)
  libonnx-testdata                               # ONNX's own backend test cases (conformance test)
  dataset-fashion-mnist                          # the datasets of the shipped models
  libbenchmark-dev                               # Google Benchmark: bench/axevo_bench
  libdnnl-dev                                    # oneDNN: the exact int8 reference in bench/axevo_bench
  ocl-icd-opencl-dev                             # OpenCL headers: Debian's oneDNN CMake config requires them
)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "axevo: dependencies installed"
