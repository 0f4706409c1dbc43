// The per-frame hot kernels, one table per instruction set (dsp_kernels.inc compiled twice).
// None of them allocates, locks or blocks: all memory comes from plans and scratch built earlier.
#pragma once
#include "dsp/fft_plan.h"
#include "dsp/mel_filterbank.h"

namespace earshot {

struct DspKernels {
  const char* isa;
  // frame: nFft samples (float), windowed by plan.window; writes plan.bins() power values |X_k|^2.
  void (*powerSpectrum)(const FftPlan& plan, FftScratch& s, const float* frame, float* power);
  // power: bank.nBins values -> out: bank.nMels mel energies. tmp: 8 * bank.nGroups floats.
  void (*applyMel)(const MelFilterbank& bank, const float* power, float* out, float* tmp);
  // In place: x = 10 log10(max(x, amin)) - offsetDb   (librosa power_to_db without top_db).
  void (*powerToDb)(float* x, int n, float amin, float offsetDb);
  // In place: x = log1p(c * x).
  void (*log1pScaled)(float* x, int n, float c);
};

namespace kernels_generic { extern const DspKernels table; }
#ifdef EARSHOT_HAVE_AVX2_KERNELS
namespace kernels_avx2 { extern const DspKernels table; }
#endif

// The kernels for this CPU (AVX2+FMA when present), unless EARSHOT_SIMD=generic is set or
// selectKernels() chose otherwise. selectKernels("generic" | "avx2" | "auto") returns false when the
// request cannot be met (AVX2 not built or not supported by this CPU).
const DspKernels& activeKernels();
bool selectKernels(const char* name);

}  // namespace earshot
