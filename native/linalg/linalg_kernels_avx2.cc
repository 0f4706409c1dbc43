// AVX2+FMA build of the linear-algebra micro-kernels (compiled with -mavx2 -mfma, see binding.gyp);
// only called after dsp_dispatch.cc checked the CPU.
#define EARSHOT_LINALG_NS linalg_avx2
#define EARSHOT_LINALG_ISA "avx2"
#include "linalg/linalg_kernels.inc"
