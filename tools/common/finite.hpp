#pragma once
// Training stops at the first step whose loss or gradient is not finite (nan, inf): a diverging run
// would otherwise save NaN weights and exit 0. The tools check both after backward(), before the
// optimizer's step, so the parameters are still the last finite ones.
#include <string>

#include "nn/module.hpp"

namespace tg {

// The name of the first parameter whose gradient (dense or row-sparse) holds a nan or inf, or "".
std::string first_nonfinite_gradient(const nn::Module& model);

// What is not finite after a step's backward, or "" when nothing: "the loss is nan" (or inf), else
// "the gradient of fc.weight is not finite" (first_nonfinite_gradient, looked at only for a finite loss).
std::string nonfinite_step(double loss, const nn::Module& model);

// The error of a non-finite step: "step 12: the loss is nan ...; ... --skip-nonfinite skips such steps".
// `what` is "the loss is nan" or "the gradient of fc.weight is not finite".
[[noreturn]] void fail_nonfinite(int64_t step, const std::string& what, const std::string& kept);

}  // namespace tg
