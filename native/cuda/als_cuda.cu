// GPU implicit ALS: one thread block per row solves (G + lambda I + sum (c-1) y y^T) x = sum c y by
// conjugate gradient, warm-started from the previous x, exactly as native/linalg/als_solver.cc's CPU CG
// (float arithmetic here, double there). G = Y^T Y is built once per half-iteration.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "als_cuda.h"

namespace {

void setErr(char* err, int len, const std::string& msg) {
  if (err && len > 0) { std::strncpy(err, msg.c_str(), len - 1); err[len - 1] = 0; }
}

#define CUDA_OK(call)                                                                   \
  do {                                                                                  \
    cudaError_t e_ = (call);                                                            \
    if (e_ != cudaSuccess) throw std::string(#call ": ") + cudaGetErrorString(e_);      \
  } while (0)

struct Side {  // one CSR (rows of the side being solved) on the device
  int rows = 0;
  int32_t *indptr = nullptr, *indices = nullptr;
  float* conf = nullptr;
};

// Block-wide sum; every thread gets the result. smem: one float per warp + 1.
__device__ float blockSum(float v, float* smem) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, nWarps = (blockDim.x + 31) >> 5;
  __syncthreads();
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    float s = 0.f;
    for (int w = 0; w < nWarps; ++w) s += smem[w];
    smem[32] = s;
  }
  __syncthreads();
  return smem[32];
}

// G[a][b] = sum_i Y[i][a] Y[i][b]: each block sums a slice of rows into a private copy in registers
// (thread t owns entries t, t + blockDim, ...), then adds it to G atomically.
__global__ void gramKernel(const float* Y, int n, int f, float* G) {
  const int perBlock = (n + gridDim.x - 1) / gridDim.x;
  const int begin = blockIdx.x * perBlock, end = min(n, begin + perBlock);
  for (int e = threadIdx.x; e < f * f; e += blockDim.x) {
    const int a = e / f, b = e % f;
    float s = 0.f;
    for (int i = begin; i < end; ++i) s += Y[(size_t)i * f + a] * Y[(size_t)i * f + b];
    atomicAdd(&G[e], s);
  }
}

__global__ void cgKernel(Side side, float* X, const float* Y, const float* G, int f, float lambda, int steps) {
  extern __shared__ float sh[];
  float* vec = sh;          // f floats: the vector being multiplied (x, then p)
  float* red = sh + f;      // 33 floats for blockSum
  const int row = blockIdx.x, a = threadIdx.x;
  const bool on = a < f;
  float* xr = X + (size_t)row * f;
  float x = on ? xr[a] : 0.f;

  // r = b - A x
  if (on) vec[a] = x;
  __syncthreads();
  float r = 0.f;
  if (on) {
    float gx = 0.f;
    for (int b = 0; b < f; ++b) gx += G[a * f + b] * vec[b];
    r = -gx - lambda * x;
  }
  for (int j = side.indptr[row]; j < side.indptr[row + 1]; ++j) {
    const float* y = Y + (size_t)side.indices[j] * f;
    const float c = side.conf[j];
    const float ya = on ? y[a] : 0.f;
    const float d = blockSum(ya * x, red);
    r += c * ya - (c - 1.f) * d * ya;
  }
  float p = r;
  float rs = blockSum(r * r, red);
  for (int it = 0; it < steps && rs > 1e-20f; ++it) {
    if (on) vec[a] = p;
    __syncthreads();
    float ap = 0.f;
    if (on) {
      for (int b = 0; b < f; ++b) ap += G[a * f + b] * vec[b];
      ap += lambda * p;
    }
    for (int j = side.indptr[row]; j < side.indptr[row + 1]; ++j) {
      const float* y = Y + (size_t)side.indices[j] * f;
      const float ya = on ? y[a] : 0.f;
      const float d = blockSum(ya * p, red);
      ap += (side.conf[j] - 1.f) * d * ya;
    }
    const float pAp = blockSum(p * ap, red);
    if (!(pAp > 0.f)) break;
    const float alpha = rs / pAp;
    x += alpha * p;
    r -= alpha * ap;
    const float rsNew = blockSum(r * r, red);
    p = r + (rsNew / rs) * p;
    rs = rsNew;
  }
  if (on) xr[a] = x;
}

}  // namespace

struct EarshotCudaAls {
  Side users, items;
  int factors = 0, cgSteps = 3;
  float lambda = 0.f;
  float *X = nullptr, *Y = nullptr, *G = nullptr;
  int nUsers = 0, nItems = 0;
};

static void upload(Side& s, const int32_t* indptr, const int32_t* indices, const float* conf, int rows) {
  s.rows = rows;
  const size_t nnz = indptr[rows];
  CUDA_OK(cudaMalloc(&s.indptr, sizeof(int32_t) * (rows + 1)));
  CUDA_OK(cudaMalloc(&s.indices, sizeof(int32_t) * (nnz ? nnz : 1)));
  CUDA_OK(cudaMalloc(&s.conf, sizeof(float) * (nnz ? nnz : 1)));
  CUDA_OK(cudaMemcpy(s.indptr, indptr, sizeof(int32_t) * (rows + 1), cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(s.indices, indices, sizeof(int32_t) * nnz, cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(s.conf, conf, sizeof(float) * nnz, cudaMemcpyHostToDevice));
}

static void freeSide(Side& s) { cudaFree(s.indptr); cudaFree(s.indices); cudaFree(s.conf); }

static void halfIteration(EarshotCudaAls* c, Side& side, float* solve, const float* fixed, int nFixed) {
  const int f = c->factors;
  CUDA_OK(cudaMemset(c->G, 0, sizeof(float) * f * f));
  gramKernel<<<256, 256>>>(fixed, nFixed, f, c->G);
  CUDA_OK(cudaGetLastError());
  const int threads = ((f + 31) / 32) * 32;
  if (side.rows > 0) cgKernel<<<side.rows, threads, sizeof(float) * (f + 33)>>>(side, solve, fixed, c->G, f, c->lambda, c->cgSteps);
  CUDA_OK(cudaGetLastError());
}

extern "C" {

EarshotCudaAls* earshot_cuda_als_create(const int32_t* ui, const int32_t* ux, const float* uc, int users, const int32_t* ii,
                                        const int32_t* ix, const float* ic, int items, int factors, double lambda, int cgSteps,
                                        const float* X0, const float* Y0, char* err, int errLen) {
  auto* c = new EarshotCudaAls();
  try {
    if (factors < 1 || factors > 1024) throw std::string("factors must be in 1..1024 on the GPU");
    c->factors = factors; c->lambda = static_cast<float>(lambda); c->cgSteps = cgSteps;
    c->nUsers = users; c->nItems = items;
    upload(c->users, ui, ux, uc, users);
    upload(c->items, ii, ix, ic, items);
    CUDA_OK(cudaMalloc(&c->X, sizeof(float) * (size_t)users * factors + 4));
    CUDA_OK(cudaMalloc(&c->Y, sizeof(float) * (size_t)items * factors + 4));
    CUDA_OK(cudaMalloc(&c->G, sizeof(float) * factors * factors));
    CUDA_OK(cudaMemcpy(c->X, X0, sizeof(float) * (size_t)users * factors, cudaMemcpyHostToDevice));
    CUDA_OK(cudaMemcpy(c->Y, Y0, sizeof(float) * (size_t)items * factors, cudaMemcpyHostToDevice));
    return c;
  } catch (const std::string& e) {
    setErr(err, errLen, e);
    earshot_cuda_als_destroy(c);
    return nullptr;
  }
}

int earshot_cuda_als_iterate(EarshotCudaAls* c, char* err, int errLen) {
  try {
    halfIteration(c, c->users, c->X, c->Y, c->nItems);
    halfIteration(c, c->items, c->Y, c->X, c->nUsers);
    CUDA_OK(cudaDeviceSynchronize());
    return 0;
  } catch (const std::string& e) {
    setErr(err, errLen, e);
    return 1;
  }
}

int earshot_cuda_als_download(EarshotCudaAls* c, float* X, float* Y, char* err, int errLen) {
  try {
    CUDA_OK(cudaMemcpy(X, c->X, sizeof(float) * (size_t)c->nUsers * c->factors, cudaMemcpyDeviceToHost));
    CUDA_OK(cudaMemcpy(Y, c->Y, sizeof(float) * (size_t)c->nItems * c->factors, cudaMemcpyDeviceToHost));
    return 0;
  } catch (const std::string& e) {
    setErr(err, errLen, e);
    return 1;
  }
}

void earshot_cuda_als_destroy(EarshotCudaAls* c) {
  if (!c) return;
  freeSide(c->users); freeSide(c->items);
  cudaFree(c->X); cudaFree(c->Y); cudaFree(c->G);
  delete c;
}

int earshot_cuda_device_info(char* name, int nameLen, double* memoryBytes, char* err, int errLen) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) { setErr(err, errLen, e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device"); return 1; }
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) { setErr(err, errLen, "cudaGetDeviceProperties failed"); return 1; }
  setErr(name, nameLen, prop.name);
  *memoryBytes = static_cast<double>(prop.totalGlobalMem);
  return 0;
}

}  // extern "C"
