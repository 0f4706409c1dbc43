// Portable SIMD vocabulary for the DSP kernels: GCC/Clang vector extensions.
// The same kernel source is compiled once for the baseline ISA (SSE2 on x86-64, NEON on arm64:
// the compiler splits 256-bit vectors into two halves) and once with AVX2+FMA, then chosen at load
// time (dsp_dispatch.cc). Loads and stores go through memcpy so no pointer needs 32-byte alignment.
#pragma once
#include <cstdint>
#include <cstring>

namespace earshot {

typedef double f64x4 __attribute__((vector_size(32)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef float f32x4 __attribute__((vector_size(16)));
typedef int32_t i32x8 __attribute__((vector_size(32)));

static inline f64x4 load4(const double* p) { f64x4 v; std::memcpy(&v, p, sizeof v); return v; }
static inline void store4(double* p, f64x4 v) { std::memcpy(p, &v, sizeof v); }
static inline f32x8 load8(const float* p) { f32x8 v; std::memcpy(&v, p, sizeof v); return v; }
static inline void store8(float* p, f32x8 v) { std::memcpy(p, &v, sizeof v); }
static inline f32x4 load4f(const float* p) { f32x4 v; std::memcpy(&v, p, sizeof v); return v; }
static inline f64x4 splat4(double x) { return f64x4{x, x, x, x}; }
static inline f32x8 splat8(float x) { return f32x8{x, x, x, x, x, x, x, x}; }

}  // namespace earshot
