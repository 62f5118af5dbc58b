#include "optim/adam.hpp"

#include <algorithm>
#include <cmath>

#include "core/kernels.hpp"

namespace tg::optim {

// Throws "<kind>: ..." for a setting torch.optim.Adam also refuses.
static void check_options(const std::string& kind, const AdamOptions& o) {
  if (!(o.beta1 >= 0 && o.beta1 < 1)) fail("{}: beta1 must be in [0, 1), got {}", kind, o.beta1);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) fail("{}: beta2 must be in [0, 1), got {}", kind, o.beta2);
  if (!(o.eps >= 0)) fail("{}: eps must be >= 0, got {}", kind, o.eps);
  if (!(o.weight_decay >= 0)) fail("{}: weight_decay must be >= 0, got {}", kind, o.weight_decay);
}

Adam::Adam(std::vector<Tensor> params, double lr, AdamOptions options)
    : Adam("Adam", std::move(params), lr, options, false) {}

Adam::Adam(std::string kind, std::vector<Tensor> params, double lr, AdamOptions options, bool decoupled)
    : Optimizer(std::move(kind), std::move(params), lr), options_(options), decoupled_(decoupled) {
  check_options(this->kind(), options_);
}

AdamW::AdamW(std::vector<Tensor> params, double lr, AdamWOptions o)
    : Adam("AdamW", std::move(params), lr, {o.beta1, o.beta2, o.eps, o.weight_decay, o.amsgrad}, true) {}

std::vector<std::string> Adam::buffer_names() const {
  if (options_.amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

// param, grad, m, v, v_max: [n]. Scalars are computed in double and rounded to float once, as
// PyTorch passes Python floats to its float kernels.
void Adam::update(size_t index, Tensor& param, ParamState& state) {
  const Tensor grad = dense_grad(index);
  const int64_t n = param.numel();
  float* p = param.f32();
  const float* g = grad.f32();
  float* m = zero_buffer(state, "exp_avg", param).f32();
  float* v = zero_buffer(state, "exp_avg_sq", param).f32();
  float* v_max = options_.amsgrad ? zero_buffer(state, "max_exp_avg_sq", param).f32() : nullptr;

  const double t = double(state.steps);
  const float beta1 = float(options_.beta1), beta2 = float(options_.beta2);
  const float one_minus_beta1 = float(1 - options_.beta1), one_minus_beta2 = float(1 - options_.beta2);
  const float l2 = decoupled_ ? 0.f : float(options_.weight_decay);
  const float shrink = decoupled_ ? float(1 - lr() * options_.weight_decay) : 1.f;
  const float minus_step_size = float(-(lr() / (1 - std::pow(options_.beta1, t))));
  const float bias_correction2_sqrt = float(std::sqrt(1 - std::pow(options_.beta2, t)));
  const float eps = float(options_.eps);

  detail::parallel_for(n, [&](int64_t i) {
    if (shrink != 1.f) p[i] = p[i] * shrink;
    const float gi = l2 != 0 ? g[i] + l2 * p[i] : g[i];
    m[i] = m[i] * beta1 + one_minus_beta1 * gi;
    v[i] = v[i] * beta2 + one_minus_beta2 * gi * gi;
    float second = v[i];
    if (v_max) second = v_max[i] = std::max(v_max[i], v[i]);
    const float denom = std::sqrt(second) / bias_correction2_sqrt + eps;
    p[i] = p[i] + minus_step_size * m[i] / denom;
  });
}

std::map<std::string, std::string> Adam::hyperparameters() const {
  return {{"beta1", format_number(options_.beta1)},
          {"beta2", format_number(options_.beta2)},
          {"eps", format_number(options_.eps)},
          {"weight_decay", format_number(options_.weight_decay)},
          {"amsgrad", options_.amsgrad ? "true" : "false"}};
}

void Adam::set_hyperparameters(const std::map<std::string, std::string>& values) {
  AdamOptions read;
  read.beta1 = read_number(values, "beta1");
  read.beta2 = read_number(values, "beta2");
  read.eps = read_number(values, "eps");
  read.weight_decay = read_number(values, "weight_decay");
  read.amsgrad = read_bool(values, "amsgrad");
  check_options(kind(), read);
  options_ = read;
}

}  // namespace tg::optim
