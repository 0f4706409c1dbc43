#include "losses.h"

#include <ATen/ATen.h>

namespace earshot::torchnet {

at::Tensor mseLoss(const at::Tensor& yhat, const at::Tensor& y) {
  return (yhat - y).square().sum(1).mean();
}

at::Tensor quadraticLoss(const at::Tensor& yhat, const at::Tensor& a, const at::Tensor& b) {
  // yhat_i' A_i: one [1, F] x [F, F] product per example, batched.
  const at::Tensor yA = at::bmm(yhat.unsqueeze(1), a).squeeze(1);
  return ((yA - 2 * b) * yhat).sum(1).mean();
}

}  // namespace earshot::torchnet
