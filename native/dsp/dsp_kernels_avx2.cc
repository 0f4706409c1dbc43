// AVX2+FMA build of the per-frame kernels (compiled with -mavx2 -mfma, see binding.gyp); only
// called after dsp_dispatch.cc checked the CPU.
#define EARSHOT_KERNEL_NS kernels_avx2
#define EARSHOT_KERNEL_ISA "avx2"
#include "dsp/dsp_kernels.inc"
