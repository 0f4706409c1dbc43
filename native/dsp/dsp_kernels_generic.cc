// Baseline-ISA build of the per-frame kernels (SSE2 on x86-64, NEON on arm64).
#define EARSHOT_KERNEL_NS kernels_generic
#define EARSHOT_KERNEL_ISA "generic"
#include "dsp/dsp_kernels.inc"
