#pragma once
// Gradient check: compares the tape's gradients with central differences
//   dL/dx[i] ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)
// where L = sum(f(inputs) * r) for a fixed random r (so non-scalar outputs are checked too).
// Every float input with requires_grad is checked; an element passes when
//   |analytic - numeric| <= atol + rtol * |numeric|.
// Values are float32, so eps ~ 1e-3 and tolerances ~ 1e-2 are the useful range.
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace tg {

struct GradcheckResult {
  struct Worst {
    int64_t index = -1;  // flat index of the worst element in this input (-1 if not checked)
    double analytic = 0, numeric = 0, abs_err = 0, excess = 0;  // excess > 0 means it failed
  };
  bool ok = true;
  std::vector<Worst> worst;  // one per input
  std::string report;        // "input 0 [2, 3]: worst at 4: analytic 0.1 numeric 0.1002 ..." per input
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, double eps = 1e-3,
                          double atol = 1e-3, double rtol = 1e-2);

}  // namespace tg
