// Baseline-ISA build of the linear-algebra micro-kernels (SSE2 on x86-64, NEON on arm64), and the
// dispatcher that follows the DSP kernels' choice.
#include <cstring>

#include "dsp/dsp_kernels.h"
#include "linalg/linalg_kernels.h"

#define EARSHOT_LINALG_NS linalg_generic
#define EARSHOT_LINALG_ISA "generic"
#include "linalg/linalg_kernels.inc"

namespace earshot {

const LinalgKernels& activeLinalgKernels() {
#ifdef EARSHOT_HAVE_AVX2_KERNELS
  if (std::strcmp(activeKernels().isa, "avx2") == 0) return linalg_avx2::table;
#endif
  return linalg_generic::table;
}

}  // namespace earshot
