#include "optim/adam.hpp"

#include <algorithm>
#include <cmath>

#include "core/fast_math.hpp"
#include "core/kernels.hpp"
#include "core/sparse_grad.hpp"

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

// The update's scalars, rounded to float once.
struct AdamStep {
  float beta1, beta2, one_minus_beta1, one_minus_beta2, l2, shrink, minus_step_size, bias_correction2_sqrt,
      reciprocal_bias_correction2_sqrt, eps;
};

// Elements [begin, end) of one update. __restrict pointers and scalars by value, so the loop vectorises
// (through the references of a lambda it did not: every store might have changed a scalar, and dense
// Adam ran 15x slower). v_max: only with amsgrad, a separate loop (a conditional store stops the vectoriser).
// std::sqrt may set errno, a branch that also stops it: this loop never takes the root of a negative.
// The division by bias_correction2_sqrt gives the divider's bits without the divider (detail::divide_by:
// the root is 0 or above 2^-75); the other division has no fixed divisor and stays one.
// g holds the gradient of elements begin, begin + 1, ... (g[0] is element begin's). kZeroGrad: the
// gradient is 0 and g is not read (the same arithmetic with gi = 0: the same bits as a stored 0).
template <bool kL2, bool kAmsgrad, bool kZeroGrad>
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-math-errno", "fp-contract=off")))
#endif
static void adam_range(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                       float* __restrict v_max, int64_t begin, int64_t end, const AdamStep s) {
#ifdef __clang__
#pragma clang fp contract(off)
#endif
  for (int64_t i = begin; i < end; ++i) {
    const float pi = p[i] * s.shrink;  // shrink is 1 without AdamW: exact
    float gi = kZeroGrad ? 0.0f : g[i - begin];
    if constexpr (kL2) gi += s.l2 * pi;
    const float mi = m[i] * s.beta1 + s.one_minus_beta1 * gi;
    const float vi = v[i] * s.beta2 + s.one_minus_beta2 * gi * gi;
    float second = vi;
    if constexpr (kAmsgrad) second = v_max[i] = std::max(v_max[i], vi);
    const float denom =
        detail::divide_by(std::sqrt(second), s.bias_correction2_sqrt, s.reciprocal_bias_correction2_sqrt) + s.eps;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi + s.minus_step_size * mi / denom;
  }
}

// The operands of one parameter's update: p, m, v (v_max with amsgrad) [n], and its gradient either
// dense (g [n]) or as rows (rows [k] sorted, values [k, width]; every other row's gradient is 0).
struct AdamOperands {
  float* p;
  const float* g;
  float* m;
  float* v;
  float* v_max;
  const int64_t* rows = nullptr;
  const float* values = nullptr;
  int64_t row_count = 0, width = 1;
};

template <bool kL2, bool kAmsgrad>
static void adam_elements(const AdamOperands& o, int64_t begin, int64_t end, const AdamStep& s) {
  if (!o.rows) return adam_range<kL2, kAmsgrad, false>(o.p, o.g + begin, o.m, o.v, o.v_max, begin, end, s);
  // Rows [first, last): the runs between gradient rows with a zero gradient, each gradient row with its
  // values.
  const int64_t first = begin / o.width, last = end / o.width;
  int64_t k = std::lower_bound(o.rows, o.rows + o.row_count, first) - o.rows;
  int64_t row = first;
  for (; row < last; ++k) {
    const int64_t next = k < o.row_count ? std::min(o.rows[k], last) : last;
    adam_range<kL2, kAmsgrad, true>(o.p, nullptr, o.m, o.v, o.v_max, row * o.width, next * o.width, s);
    if (next == last) break;
    adam_range<kL2, kAmsgrad, false>(o.p, o.values + k * o.width, o.m, o.v, o.v_max, next * o.width, (next + 1) * o.width, s);
    row = next + 1;
  }
}

// param, grad, m, v, v_max: [n]. Scalars are computed in double and rounded to float once, as
// PyTorch passes Python floats to its float kernels. A gradient held as rows (an embedding's,
// TensorImpl::grad_rows) is read as it is: the other rows take g = 0 without a [n] gradient being
// zero-filled, scattered into and read, so the update is one pass reading and writing p, m and v.
void Adam::update(size_t index, Tensor& param, ParamState& state) {
  const int64_t n = param.numel();
  const RowSparseGrad* rows = param.grad_rows();
  const bool by_rows = rows && !param.impl()->grad && !param.sparse_grad();
  Tensor made;
  AdamOperands o;
  o.p = param.f32();
  o.g = by_rows ? nullptr : dense_grad(index, made);
  o.m = zero_buffer(state, "exp_avg", param).f32();
  o.v = zero_buffer(state, "exp_avg_sq", param).f32();
  o.v_max = options_.amsgrad ? zero_buffer(state, "max_exp_avg_sq", param).f32() : nullptr;
  if (by_rows) {
    o.rows = rows->rows.i64();
    o.values = rows->values.f32();
    o.row_count = rows->rows.numel();
    o.width = n / param.size(0);
  }

  const double t = double(state.steps);
  AdamStep s;
  s.beta1 = float(options_.beta1), s.beta2 = float(options_.beta2);
  s.one_minus_beta1 = float(1 - options_.beta1), s.one_minus_beta2 = float(1 - options_.beta2);
  s.l2 = decoupled_ ? 0.f : float(options_.weight_decay);
  s.shrink = decoupled_ ? float(1 - lr() * options_.weight_decay) : 1.f;
  s.minus_step_size = float(-(lr() / (1 - std::pow(options_.beta1, t))));
  s.bias_correction2_sqrt = float(std::sqrt(1 - std::pow(options_.beta2, t)));
  s.reciprocal_bias_correction2_sqrt = 1.0f / s.bias_correction2_sqrt;
  s.eps = float(options_.eps);

  // One chunk per parallel iteration: about 2^14 elements, whole rows when the gradient is by rows.
  const int64_t chunk = by_rows ? std::max<int64_t>(1, (int64_t(1) << 14) / o.width) * o.width : int64_t(1) << 14;
  detail::parallel_for((n + chunk - 1) / chunk, n, [=](int64_t c) {
    const int64_t begin = c * chunk, end = std::min(n, begin + chunk);
    if (s.l2 != 0) {
      if (o.v_max) adam_elements<true, true>(o, begin, end, s);
      else adam_elements<true, false>(o, begin, end, s);
    } else {
      if (o.v_max) adam_elements<false, true>(o, begin, end, s);
      else adam_elements<false, false>(o, begin, end, s);
    }
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
