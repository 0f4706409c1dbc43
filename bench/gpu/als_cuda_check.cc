// GPU ALS check (run on a CUDA machine; see bench/gpu/run-check.sh): the CUDA CG solver against the
// CPU CG solver (native/linalg/als_cg.cc) from the same start on a random implicit-feedback problem,
// then seconds per iteration for both at a larger shape. Prints one JSON line at the end.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "linalg/als_cg.h"
#include "linalg/als_solver.h"
#include "cuda/als_cuda.h"

using namespace earshot;

struct Csr { std::vector<int32_t> indptr, indices; std::vector<float> conf; int rows = 0, cols = 0; };

// Power-law item popularity and user activity, log confidence of heavy-tailed counts.
static Csr randomPlays(int users, int items, long nnzTarget, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<double> pop(items);
  for (int i = 0; i < items; ++i) pop[i] = 1.0 / std::pow(i + 1.0, 0.8);
  std::discrete_distribution<int> item(pop.begin(), pop.end());
  std::lognormal_distribution<double> activity(0.0, 1.0);
  std::vector<double> act(users);
  double sum = 0;
  for (auto& a : act) sum += (a = activity(rng));
  std::geometric_distribution<int> count(0.3);
  Csr m; m.rows = users; m.cols = items; m.indptr.push_back(0);
  std::vector<int> row;
  for (int u = 0; u < users; ++u) {
    const int n = std::max(1, std::min(items / 2, static_cast<int>(act[u] / sum * nnzTarget)));
    row.clear();
    for (int k = 0; k < n; ++k) row.push_back(item(rng));
    std::sort(row.begin(), row.end());
    row.erase(std::unique(row.begin(), row.end()), row.end());
    for (int i : row) { m.indices.push_back(i); m.conf.push_back(1.0f + 2.0f * std::log1p((1 + count(rng)) / 1e-6f)); }
    m.indptr.push_back(static_cast<int32_t>(m.indices.size()));
  }
  return m;
}

static Csr transpose(const Csr& m) {
  Csr t; t.rows = m.cols; t.cols = m.rows; t.indptr.assign(m.cols + 1, 0);
  for (int32_t c : m.indices) t.indptr[c + 1]++;
  for (int c = 0; c < m.cols; ++c) t.indptr[c + 1] += t.indptr[c];
  std::vector<int32_t> fill(t.indptr.begin(), t.indptr.end() - 1);
  t.indices.resize(m.indices.size()); t.conf.resize(m.indices.size());
  for (int r = 0; r < m.rows; ++r)
    for (int j = m.indptr[r]; j < m.indptr[r + 1]; ++j) { const int d = fill[m.indices[j]]++; t.indices[d] = r; t.conf[d] = m.conf[j]; }
  return t;
}

static void cpuSweep(const Csr& m, float* X, const float* Y, int f, double lambda, int steps, int threads) {
  AlsProblem pr{m.indptr.data(), m.indices.data(), m.conf.data(), m.rows, Y, m.cols, f, lambda};
  alsSweepCg(pr, X, steps, threads);
}

static double lossOf(const Csr& m, const float* X, const float* Y, int f, double lambda) {
  AlsProblem pr{m.indptr.data(), m.indices.data(), m.conf.data(), m.rows, Y, m.cols, f, lambda};
  std::vector<double> G;
  gramMatrix(Y, m.cols, f, G);
  double l = rowsLoss(pr, G.data(), X, 0, m.rows);
  for (size_t i = 0; i < (size_t)m.cols * f; ++i) l += lambda * Y[i] * Y[i];
  return l;
}

static double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

int main(int argc, char** argv) {
  char err[512] = {0}, name[256] = {0};
  double mem = 0;
  if (earshot_cuda_device_info(name, sizeof name, &mem, err, sizeof err)) { std::printf("no GPU: %s\n", err); return 1; }
  std::printf("GPU: %s, %.1f GiB\n", name, mem / (1 << 30));
  const int threads = static_cast<int>(std::thread::hardware_concurrency());
  const double lambda = 0.1;
  const int steps = 3;

  // 1. Agreement: same start, 5 iterations on CPU (double) and GPU (float).
  {
    const int f = 32;
    Csr byUser = randomPlays(3000, 2000, 60000, 1), byItem = transpose(byUser);
    std::mt19937 rng(2); std::normal_distribution<float> nd(0.f, 0.01f);
    std::vector<float> X0((size_t)byUser.rows * f), Y0((size_t)byUser.cols * f);
    for (auto& v : X0) v = nd(rng);
    for (auto& v : Y0) v = nd(rng);
    std::vector<float> Xc = X0, Yc = Y0, Xg(X0.size()), Yg(Y0.size());
    EarshotCudaAls* ctx = earshot_cuda_als_create(byUser.indptr.data(), byUser.indices.data(), byUser.conf.data(), byUser.rows,
        byItem.indptr.data(), byItem.indices.data(), byItem.conf.data(), byItem.rows, f, lambda, steps, X0.data(), Y0.data(), err, sizeof err);
    if (!ctx) { std::printf("create failed: %s\n", err); return 1; }
    std::printf("iter  cpu_loss          gpu_loss          rel_diff   max_factor_diff\n");
    double lastRel = 0, lastMax = 0;
    for (int it = 1; it <= 5; ++it) {
      cpuSweep(byUser, Xc.data(), Yc.data(), f, lambda, steps, threads);
      cpuSweep(byItem, Yc.data(), Xc.data(), f, lambda, steps, threads);
      if (earshot_cuda_als_iterate(ctx, err, sizeof err) || earshot_cuda_als_download(ctx, Xg.data(), Yg.data(), err, sizeof err)) { std::printf("gpu failed: %s\n", err); return 1; }
      const double lc = lossOf(byUser, Xc.data(), Yc.data(), f, lambda), lg = lossOf(byUser, Xg.data(), Yg.data(), f, lambda);
      double mx = 0;
      for (size_t k = 0; k < Xc.size(); ++k) mx = std::max(mx, (double)std::fabs(Xc[k] - Xg[k]));
      for (size_t k = 0; k < Yc.size(); ++k) mx = std::max(mx, (double)std::fabs(Yc[k] - Yg[k]));
      lastRel = std::fabs(lc - lg) / lc; lastMax = mx;
      std::printf("%4d  %.10e  %.10e  %.2e   %.2e\n", it, lc, lg, lastRel, mx);
    }
    earshot_cuda_als_destroy(ctx);
    std::printf("AGREEMENT rel_loss_diff=%.3e max_factor_diff=%.3e\n", lastRel, lastMax);
  }

  // 2. Speed at a Last.fm-360K-like shape (scaled by argv[1], default 1.0).
  const double scale = argc > 1 ? std::atof(argv[1]) : 1.0;
  const int f = 64;
  Csr byUser = randomPlays(static_cast<int>(358868 * scale), static_cast<int>(292385 * scale), static_cast<long>(17.5e6 * scale), 3);
  Csr byItem = transpose(byUser);
  std::printf("shape: %d users x %d items, %zu nnz, %d factors, CPU threads %d\n", byUser.rows, byUser.cols, byUser.indices.size(), f, threads);
  std::mt19937 rng(4); std::normal_distribution<float> nd(0.f, 0.01f);
  std::vector<float> X((size_t)byUser.rows * f), Y((size_t)byUser.cols * f);
  for (auto& v : X) v = nd(rng);
  for (auto& v : Y) v = nd(rng);
  EarshotCudaAls* ctx = earshot_cuda_als_create(byUser.indptr.data(), byUser.indices.data(), byUser.conf.data(), byUser.rows,
      byItem.indptr.data(), byItem.indices.data(), byItem.conf.data(), byItem.rows, f, lambda, steps, X.data(), Y.data(), err, sizeof err);
  if (!ctx) { std::printf("create failed: %s\n", err); return 1; }
  std::vector<double> gpuT, cpuT;
  for (int it = 0; it < 6; ++it) {
    const double t0 = now();
    if (earshot_cuda_als_iterate(ctx, err, sizeof err)) { std::printf("gpu failed: %s\n", err); return 1; }
    gpuT.push_back(now() - t0);
  }
  earshot_cuda_als_destroy(ctx);
  for (int it = 0; it < 3; ++it) {
    const double t0 = now();
    cpuSweep(byUser, X.data(), Y.data(), f, lambda, steps, threads);
    cpuSweep(byItem, Y.data(), X.data(), f, lambda, steps, threads);
    cpuT.push_back(now() - t0);
  }
  std::sort(gpuT.begin() + 1, gpuT.end());
  std::sort(cpuT.begin(), cpuT.end());
  const double g = gpuT[1 + (gpuT.size() - 1) / 2], c = cpuT[cpuT.size() / 2];
  std::printf("seconds/iteration: gpu %.4f (median of iterations 2-6), cpu %.4f (median of 3, %d threads): gpu is %.1fx faster\n", g, c, threads, c / g);
  std::printf("{\"gpu\":\"%s\",\"gpu_s_per_iter\":%.5f,\"cpu_s_per_iter\":%.5f,\"cpu_threads\":%d,\"users\":%d,\"items\":%d,\"nnz\":%zu,\"factors\":%d}\n",
              name, g, c, threads, byUser.rows, byUser.cols, byUser.indices.size(), f);
  return 0;
}
