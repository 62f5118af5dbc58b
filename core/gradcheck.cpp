#include "core/gradcheck.hpp"

#include <cmath>

#include "core/random.hpp"
#include "core/tape.hpp"

namespace tg {

// L = sum(y * r), accumulated in double.
static double weighted_sum(const Tensor& y, const std::vector<float>& r) {
  double total = 0;
  const float* py = y.f32();
  for (size_t i = 0; i < r.size(); ++i) total += double(py[i]) * r[i];
  return total;
}

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, double eps, double atol,
                          double rtol) {
  // The analytic side: one backward with the random weights r as the output gradient.
  Tensor y = f(inputs);
  check_dtype("gradcheck", y, DType::f32);
  Generator local(1234);  // its own generator: a check must not move the user's random stream
  std::vector<float> r(size_t(y.numel()));
  for (float& v : r) v = float(local.uniform() * 2.0 - 1.0);
  for (const Tensor& x : inputs) const_cast<Tensor&>(x).zero_grad();
  if (y.requires_grad()) y.backward(tensor(r, y.shape()));

  GradcheckResult result;
  for (size_t j = 0; j < inputs.size(); ++j) {
    Tensor x = inputs[j];
    GradcheckResult::Worst worst;
    if (x.dtype() != DType::f32 || !x.requires_grad()) {
      result.worst.push_back(worst);
      continue;
    }
    Tensor analytic = x.grad();
    float* px = x.f32();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float saved = px[i];
      double up, down;
      {
        NoGradGuard no_grad;
        px[i] = saved + float(eps);
        up = weighted_sum(f(inputs), r);
        px[i] = saved - float(eps);
        down = weighted_sum(f(inputs), r);
        px[i] = saved;
      }
      // The step actually taken in float32 may differ slightly from 2 * eps.
      const double step = double(saved + float(eps)) - double(saved - float(eps));
      const double numeric = (up - down) / step;
      const double a = analytic.defined() ? analytic.f32()[i] : 0.0;
      const double err = std::fabs(a - numeric);
      const double excess = err - (atol + rtol * std::fabs(numeric));
      if (worst.index < 0 || excess > worst.excess) worst = {i, a, numeric, err, excess};
    }
    if (worst.excess > 0 || std::isnan(worst.abs_err)) result.ok = false;
    result.report += fmt::format("input {} {}: worst at {}: analytic {:.6g} numeric {:.6g} |diff| {:.3g}{}\n", j,
                                 x.shape(), worst.index, worst.analytic, worst.numeric, worst.abs_err,
                                 worst.excess > 0 ? " FAIL" : "");
    result.worst.push_back(worst);
  }
  for (const Tensor& x : inputs) const_cast<Tensor&>(x).zero_grad();
  return result;
}

}  // namespace tg
