#pragma once
// Gradient clipping by the total norm, as torch.nn.utils.clip_grad_norm_.
//
//   double norm = optim::clip_grad_norm(model.parameters(), 1.0);
//
// The norm is taken over every gradient of `params` together, as if concatenated into one vector:
// dense gradients and the values of row-sparse ones (a parameter with both counts their sum). It is
// accumulated in double. When total_norm > max_norm every gradient is scaled in place by
// max_norm / (total_norm + 1e-6). Parameters without a gradient are skipped; an empty set gives 0.
//
// A non-finite total norm (a gradient holds inf or nan) is returned as it is and nothing is scaled,
// so NaN never spreads to the other gradients; with error_if_nonfinite it throws tg::Error instead.
#include <vector>

#include "core/tensor.hpp"

namespace tg::optim {

// norm_type: p > 0 for the p-norm, or INFINITY for the largest absolute value.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                      bool error_if_nonfinite = false);

// The total norm alone, nothing scaled.
double grad_norm(const std::vector<Tensor>& params, double norm_type = 2.0);

}  // namespace tg::optim
