#!/usr/bin/env bash
# Builds the CUDA ALS library and the check program, then runs it. Needs nvcc and a GPU.
#   bench/gpu/run-check.sh [scale]    (scale 1.0 = Last.fm-360K shape: 358,868 x 292,385, 17.5M nnz)
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build-cuda
arch=${CUDA_ARCH:-native}
nvcc -O3 -std=c++17 -arch="$arch" -shared -Xcompiler -fPIC -o build-cuda/libearshot_cuda.so native/cuda/als_cuda.cu
g++ -O3 -std=c++17 -pthread -Inative -o build-cuda/als_cuda_check bench/gpu/als_cuda_check.cc native/linalg/als_solver.cc \
  -Lbuild-cuda -learshot_cuda -Wl,-rpath,"$PWD/build-cuda"
build-cuda/als_cuda_check "${1:-1.0}"
