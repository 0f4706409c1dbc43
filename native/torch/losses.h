// The two training objectives. Both reduce to the mean over the batch of a per-example loss.
#pragma once
#include <ATen/core/Tensor.h>

namespace earshot::torchnet {

enum class Loss { Mse, Quadratic };

// mean_i |yhat_i - y_i|^2, the squared error summed over the F outputs.
//   yhat, y: [batch, F]
at::Tensor mseLoss(const at::Tensor& yhat, const at::Tensor& y);

// mean_i (yhat_i' A_i yhat_i - 2 yhat_i' b_i): the paper's weighted prediction error (WPE) for song i
// with A_i and b_i gathered from the WMF user factors and confidences; it differs from the WPE by a
// term that does not depend on yhat.
//   yhat, b: [batch, F]; a: [batch, F, F], symmetric positive semi-definite
at::Tensor quadraticLoss(const at::Tensor& yhat, const at::Tensor& a, const at::Tensor& b);

}  // namespace earshot::torchnet
