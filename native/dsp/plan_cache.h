// Building an FFT plan or a mel filterbank costs far more than a frame (tens of microseconds of
// cos/exp for 128 x 513 weights), and both are immutable: processors share them per configuration.
// Thread-safe; used only when a processor is created, never per frame.
#pragma once
#include <memory>

#include "dsp/fft_plan.h"
#include "dsp/mel_filterbank.h"

namespace earshot {

std::shared_ptr<const FftPlan> sharedFftPlan(int nFft);
std::shared_ptr<const MelFilterbank> sharedMelFilterbank(const MelBankOptions& o);

}  // namespace earshot
