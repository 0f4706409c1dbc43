#!/usr/bin/env bash
# Builds the CUDA ALS library and the check program, then runs it. Needs nvcc and a GPU.
#   bench/gpu/run-check.sh [scale]    (scale 1.0 = Last.fm-360K shape: 358,868 x 292,385, 17.5M nnz)
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build-cuda
arch=${CUDA_ARCH:-native}
nvcc -O3 -std=c++17 -arch="$arch" -shared -Xcompiler -fPIC -o build-cuda/libearshot_cuda.so native/cuda/als_cuda.cu
# The CPU side links the ALS solvers with their kernel tables (linalg_kernels: baseline + AVX2+FMA on
# x86-64, chosen at run time through the DSP dispatcher, as in the addon).
cpu_sources=(native/linalg/als_solver.cc native/linalg/als_cg.cc native/linalg/linalg_kernels_generic.cc
  native/dsp/dsp_dispatch.cc native/dsp/dsp_kernels_generic.cc)
avx2=()
if [ "$(uname -m)" = x86_64 ]; then
  for k in linalg/linalg_kernels_avx2 dsp/dsp_kernels_avx2; do
    g++ -O3 -std=c++17 -mavx2 -mfma -Wno-psabi -Inative -DEARSHOT_HAVE_AVX2_KERNELS=1 -c "native/$k.cc" -o "build-cuda/${k#*/}.o"
    avx2+=("build-cuda/${k#*/}.o")
  done
  avx2_define=-DEARSHOT_HAVE_AVX2_KERNELS=1
fi
g++ -O3 -std=c++17 -pthread -Wno-psabi -Inative ${avx2_define:-} -o build-cuda/als_cuda_check bench/gpu/als_cuda_check.cc \
  "${cpu_sources[@]}" "${avx2[@]}" -Lbuild-cuda -learshot_cuda -Wl,-rpath,"$PWD/build-cuda"
build-cuda/als_cuda_check "${1:-1.0}"
