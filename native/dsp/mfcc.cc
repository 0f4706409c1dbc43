#include "dsp/mfcc.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace earshot {

void mfccFromMelDb(const float* melDb, size_t frames, int nMels, int nMfcc, float* out) {
  if (nMfcc < 1 || nMfcc > nMels) throw std::range_error("nMfcc must be in 1..nMels (" + std::to_string(nMels) + "), got " + std::to_string(nMfcc));
  // Orthonormal DCT-II basis: c_k = s_k sum_m x_m cos(pi k (2m + 1) / (2M)), s_0 = sqrt(1/M), s_k = sqrt(2/M).
  std::vector<double> basis(static_cast<size_t>(nMfcc) * nMels);
  for (int k = 0; k < nMfcc; ++k) {
    const double s = std::sqrt((k == 0 ? 1.0 : 2.0) / nMels);
    for (int m = 0; m < nMels; ++m) basis[static_cast<size_t>(k) * nMels + m] = s * std::cos(M_PI * k * (2 * m + 1) / (2.0 * nMels));
  }
  for (size_t f = 0; f < frames; ++f) {
    const float* x = melDb + f * nMels;
    for (int k = 0; k < nMfcc; ++k) {
      const double* b = basis.data() + static_cast<size_t>(k) * nMels;
      double acc = 0.0;
      for (int m = 0; m < nMels; ++m) acc += b[m] * x[m];
      out[f * nMfcc + k] = static_cast<float>(acc);
    }
  }
}

std::vector<double> savgolWeights(int width, int order, int t) {
  // Normal equations of the least-squares fit, positions centred on the window for conditioning:
  // a = (V^T V)^-1 V^T y with V[i][q] = (i - c)^q. Derivative `order` at t: sum_q a_q q!/(q-order)! (t - c)^(q-order).
  const int p = order + 1;
  const double c = (width - 1) / 2.0;
  std::vector<double> ata(static_cast<size_t>(p) * p, 0.0);
  for (int i = 0; i < width; ++i)
    for (int a = 0; a < p; ++a)
      for (int b = 0; b < p; ++b) ata[a * p + b] += std::pow(i - c, a) * std::pow(i - c, b);
  // Invert (p <= width is small) by Gauss-Jordan with partial pivoting.
  std::vector<double> inv(static_cast<size_t>(p) * p, 0.0);
  for (int a = 0; a < p; ++a) inv[a * p + a] = 1.0;
  for (int col = 0; col < p; ++col) {
    int piv = col;
    for (int r = col + 1; r < p; ++r) if (std::fabs(ata[r * p + col]) > std::fabs(ata[piv * p + col])) piv = r;
    for (int k = 0; k < p; ++k) { std::swap(ata[col * p + k], ata[piv * p + k]); std::swap(inv[col * p + k], inv[piv * p + k]); }
    const double d = ata[col * p + col];
    for (int k = 0; k < p; ++k) { ata[col * p + k] /= d; inv[col * p + k] /= d; }
    for (int r = 0; r < p; ++r) {
      if (r == col) continue;
      const double f = ata[r * p + col];
      for (int k = 0; k < p; ++k) { ata[r * p + k] -= f * ata[col * p + k]; inv[r * p + k] -= f * inv[col * p + k]; }
    }
  }
  // d/dx^order of x^q at (t - c).
  std::vector<double> dq(p, 0.0);
  for (int q = order; q < p; ++q) {
    double fall = 1.0;
    for (int r = 0; r < order; ++r) fall *= (q - r);
    dq[q] = fall * std::pow(t - c, q - order);
  }
  std::vector<double> w(width, 0.0);
  for (int i = 0; i < width; ++i)
    for (int q = 0; q < p; ++q) {
      double coeff = 0.0;  // row q of (V^T V)^-1 V^T at column i
      for (int b = 0; b < p; ++b) coeff += inv[q * p + b] * std::pow(i - c, b);
      w[i] += dq[q] * coeff;
    }
  return w;
}

void savgolDelta(const float* x, size_t frames, int nCoeffs, int width, int order, float* out) {
  if (width < 3 || width % 2 == 0) throw std::range_error("delta width must be an odd integer >= 3, got " + std::to_string(width));
  // The normal equations below lose all accuracy past order ~12 (relative error 4e-2 at 16, 1e6 at 24,
  // measured on exact polynomials) and cost width^2 order^2: order 1000 ran for hours. librosa's
  // deltas are order 1 and 2; 8 keeps the error below 1e-9.
  constexpr int kMaxOrder = 8;
  if (order < 1 || order >= width || order > kMaxOrder) {
    throw std::range_error("delta order must be in 1..min(width-1, " + std::to_string(kMaxOrder) + "), got " + std::to_string(order));
  }
  if (frames < static_cast<size_t>(width)) {
    throw std::range_error("delta with mode 'interp' needs at least width=" + std::to_string(width) + " frames, got " + std::to_string(frames));
  }
  const int half = width / 2;
  std::vector<std::vector<double>> w(width);
  for (int t = 0; t < width; ++t) w[t] = savgolWeights(width, order, t);
  for (size_t f = 0; f < frames; ++f) {
    // Interior frames use the centred window; the first and last `half` frames evaluate the fit
    // through the first / last `width` frames at their own position (scipy's mode='interp').
    size_t start;
    int t;
    if (f < static_cast<size_t>(half)) { start = 0; t = static_cast<int>(f); }
    else if (f + half >= frames) { start = frames - width; t = static_cast<int>(f - start); }
    else { start = f - half; t = half; }
    const std::vector<double>& wt = w[t];
    for (int k = 0; k < nCoeffs; ++k) {
      double acc = 0.0;
      for (int i = 0; i < width; ++i) acc += wt[i] * x[(start + i) * nCoeffs + k];
      out[f * nCoeffs + k] = static_cast<float>(acc);
    }
  }
}

}  // namespace earshot
