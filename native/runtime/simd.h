// Portable SIMD vocabulary for the DSP kernels: GCC/Clang vector extensions.
// The same kernel source is compiled once for the baseline ISA (SSE2 on x86-64, NEON on arm64:
// the compiler splits 256-bit vectors into two halves) and once with AVX2+FMA, then chosen at load
// time (dsp_dispatch.cc). Loads and stores go through memcpy so no pointer needs 32-byte alignment.
#pragma once
#include <cstdint>
#include <cstring>

namespace earshot {

typedef float f32x8 __attribute__((vector_size(32)));
typedef float f32x4 __attribute__((vector_size(16)));
typedef int32_t i32x8 __attribute__((vector_size(32)));

#if defined(__AVX__)
// One 256-bit register per f64x4.
typedef double f64x4 __attribute__((vector_size(32)));
static inline f64x4 make4(double a, double b, double c, double d) { return f64x4{a, b, c, d}; }
static inline f64x4 splat4(double x) { return f64x4{x, x, x, x}; }
// [a0 b0 a2 b2], [a1 b1 a3 b3], [a0 a1 b0 b1], [a2 a3 b2 b3], [a3 a2 a1 a0]
static inline f64x4 interleaveEven(f64x4 a, f64x4 b) { return __builtin_shufflevector(a, b, 0, 4, 2, 6); }
static inline f64x4 interleaveOdd(f64x4 a, f64x4 b) { return __builtin_shufflevector(a, b, 1, 5, 3, 7); }
static inline f64x4 lowHalves(f64x4 a, f64x4 b) { return __builtin_shufflevector(a, b, 0, 1, 4, 5); }
static inline f64x4 highHalves(f64x4 a, f64x4 b) { return __builtin_shufflevector(a, b, 2, 3, 6, 7); }
static inline f64x4 reverse4(f64x4 a) { return __builtin_shufflevector(a, a, 3, 2, 1, 0); }
static inline f32x4 toFloat4(f64x4 a) { return __builtin_convertvector(a, f32x4); }
#else
// 128-bit ISAs (SSE2, NEON): a pair of native 2-lane vectors. Letting the compiler split a 256-bit
// vector type instead spills through the stack (measured 7x slower on SSE2).
typedef double f64x2 __attribute__((vector_size(16)));
struct f64x4 {
  f64x2 lo, hi;
};
static inline f64x4 operator+(f64x4 a, f64x4 b) { return {a.lo + b.lo, a.hi + b.hi}; }
static inline f64x4 operator-(f64x4 a, f64x4 b) { return {a.lo - b.lo, a.hi - b.hi}; }
static inline f64x4 operator*(f64x4 a, f64x4 b) { return {a.lo * b.lo, a.hi * b.hi}; }
static inline f64x4 make4(double a, double b, double c, double d) { return {f64x2{a, b}, f64x2{c, d}}; }
static inline f64x4 splat4(double x) { return {f64x2{x, x}, f64x2{x, x}}; }
static inline f64x4 interleaveEven(f64x4 a, f64x4 b) {
  return {__builtin_shufflevector(a.lo, b.lo, 0, 2), __builtin_shufflevector(a.hi, b.hi, 0, 2)};
}
static inline f64x4 interleaveOdd(f64x4 a, f64x4 b) {
  return {__builtin_shufflevector(a.lo, b.lo, 1, 3), __builtin_shufflevector(a.hi, b.hi, 1, 3)};
}
static inline f64x4 lowHalves(f64x4 a, f64x4 b) { return {a.lo, b.lo}; }
static inline f64x4 highHalves(f64x4 a, f64x4 b) { return {a.hi, b.hi}; }
static inline f64x4 reverse4(f64x4 a) {
  return {__builtin_shufflevector(a.hi, a.hi, 1, 0), __builtin_shufflevector(a.lo, a.lo, 1, 0)};
}
static inline f32x4 toFloat4(f64x4 a) {
  return f32x4{static_cast<float>(a.lo[0]), static_cast<float>(a.lo[1]), static_cast<float>(a.hi[0]), static_cast<float>(a.hi[1])};
}
#endif

static inline f64x4 load4(const double* p) { f64x4 v; std::memcpy(&v, p, sizeof v); return v; }
static inline void store4(double* p, f64x4 v) { std::memcpy(p, &v, sizeof v); }
static inline f32x8 load8(const float* p) { f32x8 v; std::memcpy(&v, p, sizeof v); return v; }
static inline void store8(float* p, f32x8 v) { std::memcpy(p, &v, sizeof v); }
static inline f32x4 load4f(const float* p) { f32x4 v; std::memcpy(&v, p, sizeof v); return v; }
static inline f32x8 splat8(float x) { return f32x8{x, x, x, x, x, x, x, x}; }

}  // namespace earshot
