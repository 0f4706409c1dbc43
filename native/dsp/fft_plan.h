// Tables for earshot's real FFT (power spectrum of one windowed frame), built once per
// configuration; the per-frame kernel (dsp_kernels.inc) only reads them.
//
// Algorithm (why it is fast without FFTW): a real frame of nFft samples is packed into
// n = nFft/2 complex points z[m] = x[2m] + i x[2m+1]. The n-point complex FFT is split as
// n = 4 x n2 ("four-step"): four interleaved sub-FFTs of length n2 run side by side in the four lanes
// of a double vector (every instruction does useful work, no shuffles), then a twiddle multiply,
// a 4x4 transpose and a 4-point DFT across lanes. A final pass separates the real spectrum and
// takes |X|^2. Everything runs in double precision: float32 FFTs (FFTW's and numpy's alike) miss
// librosa's float64 mel power by up to 1e-2 relative in quiet bands of a loud frame, double keeps it
// below 1e-7 (measured on the shared librosa references).
#pragma once
#include <cstddef>
#include <vector>

namespace earshot {

struct FftPlan {
  int nFft = 0;    // real frame length (samples), a power of two in [kMinFft, kMaxFft]
  int n = 0;       // complex length nFft / 2
  int n2 = 0;      // lane sub-FFT length n / 4
  int log2n2 = 0;
  std::vector<double> window;    // nFft window coefficients (periodic Hann)
  std::vector<int> bitrev;       // n2: bit-reversed index, applied while packing
  std::vector<double> stageTw;   // radix-4 stages: per j < h: wr, wi, w2r, w2i, w3r, w3i
  std::vector<double> laneTwRe;  // n2*4: W_n^(lane*k2) at [k2*4 + lane]
  std::vector<double> laneTwIm;
  std::vector<double> postRe;    // n: W_nFft^k, splits the packed spectrum into the real one
  std::vector<double> postIm;

  static constexpr int kMinFft = 128;
  static constexpr int kMaxFft = 65536;
  explicit FftPlan(int nFft);
  int bins() const { return n + 1; }
};

// Per-stream working memory for one frame (allocated once, reused for every frame).
struct FftScratch {
  std::vector<double> re, im;    // lane-FFT data, n (+4 pad)
  std::vector<double> zr, zi;    // packed complex spectrum, n + 4 (zr[n] mirrors zr[0])
  explicit FftScratch(const FftPlan& p) : re(p.n + 4), im(p.n + 4), zr(p.n + 4), zi(p.n + 4) {}
};

}  // namespace earshot
