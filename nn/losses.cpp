// Loss functions. Each computes every element's (or row's) loss in one pass, reduces it, and records
// one node whose backward writes the input's gradient directly.
#include "nn/losses.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "core/fast_math.hpp"
#include "core/kernels.hpp"
#include "core/ops.hpp"
#include "core/tape.hpp"

namespace tg::nn {

namespace {

// ---- shared pieces ----

// Targets and weights are constants: no gradient flows into them, so one that needs one is a mistake.
void check_constant(const char* op, const Tensor& t, const char* what) {
  if (t.defined() && t.requires_grad())
    fail("{}: {} must not require grad (no gradient flows into it); pass {}.detach()", op, what, what);
}

// The result of a reduction over per-element losses: the losses themselves (none), their sum or
// their mean (total / divisor; 0 when divisor is 0, e.g. every target ignored).
Tensor reduce(const Tensor& losses, Reduction reduction, double divisor) {
  if (reduction == Reduction::none) return losses;
  double total = 0;  // in double and in order: deterministic, and a float sum of many terms loses digits
  const float* l = losses.f32();
  const int64_t count = losses.numel();
  for (int64_t i = 0; i < count; ++i) total += l[i];
  if (reduction == Reduction::mean) total = divisor > 0 ? total / divisor : 0.0;
  return scalar(total);
}

// dL/d(loss_i) for each element i of the unreduced losses, from the gradient dy of the result:
// dy[i] (none), dy (sum), dy / divisor (mean; 0 when divisor is 0). One value per element, so that
// the backward loops read a plain array and vectorize.
std::vector<float> upstream(const Node& n, Reduction reduction, double divisor, int64_t count) {
  const float* dy = n.grad_out();
  if (reduction == Reduction::none) return std::vector<float>(dy, dy + count);
  double scale = 1.0;
  if (reduction == Reduction::mean) scale = divisor > 0 ? 1.0 / divisor : 0.0;
  return std::vector<float>(size_t(count), float(dy[0] * scale));
}

// ---- binary losses ----

// Checks the (input, targets) pair of an elementwise loss: both f32 of the same shape.
void check_pair(const char* op, const Tensor& input, const char* input_name, const Tensor& targets) {
  check_defined(op, input);
  check_defined(op, targets);
  check_dtype(op, input, DType::f32);
  check_dtype(op, targets, DType::f32);
  if (!(input.shape() == targets.shape()))
    fail("{}: {} {} and targets {} must have the same shape", op, input_name, input.shape(), targets.shape());
  check_constant(op, targets, "targets");
}

// One float per element of `shape`: w broadcast to it, or all ones when w is undefined.
std::vector<float> expand_weight(const char* op, const Tensor& w, const Shape& shape, const char* what) {
  std::vector<float> out(size_t(shape.numel()), 1.0f);
  if (!w.defined()) return out;
  check_dtype(op, w, DType::f32);
  check_constant(op, w, what);
  if (!(broadcast_shapes(op, shape, w.shape()) == shape))
    fail("{}: {} {} does not broadcast to the input's shape {}", op, what, w.shape(), shape);
  const float* pw = w.f32();
  detail::broadcast_for_each(shape, w.shape(), Shape{}, Shape{},
                             [&](int64_t o, int64_t iw, int64_t, int64_t) { out[size_t(o)] = pw[iw]; });
  return out;
}

// exp, log1p and sigmoid: core/fast_math.hpp.
using detail::exp_nonpositive;
using detail::log1p_unit;

// log(1 + e^-|x|), the shared part of softplus(x) = max(x, 0) + it and softplus(-x) = max(-x, 0) + it.
// softplus(+inf) = inf, softplus(-inf) = 0.
inline float softplus_tail(float x) { return log1p_unit(exp_nonpositive(-std::fabs(x))); }

// c * v, where a zero coefficient wins over an infinite v (0 * inf = 0, not NaN): a term that
// does not take part in the loss contributes nothing.
inline float weighted_term(float c, float v) { return c == 0.0f ? 0.0f : c * v; }

}  // namespace

// loss_i = -w_i (y_i max(log p_i, -100) + (1 - y_i) max(log(1 - p_i), -100))     p, y: [*]
// dp_i  += dloss_i * w_i (p_i - y_i) / max(p_i (1 - p_i), 1e-12)
Tensor bce(const Tensor& probs, const Tensor& targets, const BceOptions& options) {
  const Reduction reduction = options.reduction;
  check_pair("bce", probs, "probs", targets);
  const float *p = probs.f32(), *y = targets.f32();
  const int64_t count = probs.numel();
  for (int64_t i = 0; i < count; ++i)
    if (!(p[i] >= 0.0f && p[i] <= 1.0f))
      fail("bce: probability {} at position {} is outside [0, 1] (pass logits to bce_with_logits)", p[i],
           position_of(i, probs.shape()));
  std::vector<float> w = expand_weight("bce", options.weight, probs.shape(), "weight");
  Tensor losses = empty(probs.shape());
  float* l = losses.f32();
  const float* wp = w.data();
  detail::parallel_for(count, [=](int64_t i) {
    const float log_p = std::max(std::log(p[i]), -100.0f), log_q = std::max(std::log1p(-p[i]), -100.0f);
    l[i] = -wp[i] * (y[i] * log_p + (1.0f - y[i]) * log_q);
  });
  Tensor loss = reduce(losses, reduction, double(count));
  record("bce", loss, {probs, targets}, [w = std::move(w), reduction, count](Node& n) {
    const float *p = n.input(0).f32(), *y = n.input(1).f32();
    GradTarget dp = n.grad_in_all(0);
    if (!dp) return;  // only the targets require grad: bce has no gradient for them (nor has PyTorch's)
    const std::vector<float> up = upstream(n, reduction, double(count), count);
    const float *g = up.data(), *wp = w.data();
    dp.write([&](auto store) {
      detail::parallel_for(count, [&](int64_t i) { store(dp.data[i], g[i] * (p[i] - y[i]) / std::max((1.0f - p[i]) * p[i], 1e-12f) * wp[i]); });
    });
  });
  return loss;
}

// loss_i = w_i (pw_i y_i softplus(-x_i) + (1 - y_i) softplus(x_i))               x, y: [*]
// dx_i  += dloss_i * w_i ((pw_i y_i + 1 - y_i) sigmoid(x_i) - pw_i y_i)
Tensor bce_with_logits(const Tensor& logits, const Tensor& targets, const BceWithLogitsOptions& options) {
  const Reduction reduction = options.reduction;
  check_pair("bce_with_logits", logits, "logits", targets);
  std::vector<float> w = expand_weight("bce_with_logits", options.weight, logits.shape(), "weight");
  std::vector<float> pw = expand_weight("bce_with_logits", options.pos_weight, logits.shape(), "pos_weight");
  const float *x = logits.f32(), *y = targets.f32();
  const int64_t count = logits.numel();
  Tensor losses = empty(logits.shape());
  float* l = losses.f32();
  const float *wp = w.data(), *pwp = pw.data();
  detail::parallel_for(count, [=](int64_t i) {
    const float tail = softplus_tail(x[i]);
    const float softplus_neg = std::max(-x[i], 0.0f) + tail, softplus_pos = std::max(x[i], 0.0f) + tail;
    l[i] = weighted_term(wp[i], weighted_term(pwp[i] * y[i], softplus_neg) + weighted_term(1.0f - y[i], softplus_pos));
  });
  Tensor loss = reduce(losses, reduction, double(count));
  record("bce_with_logits", loss, {logits, targets},
         [w = std::move(w), pw = std::move(pw), reduction, count](Node& n) {
           const float *x = n.input(0).f32(), *y = n.input(1).f32();
           float* dx = n.grad_in(0);
           const std::vector<float> up = upstream(n, reduction, double(count), count);
           const float *g = up.data(), *wp = w.data(), *pwp = pw.data();
           detail::parallel_for(count, [=](int64_t i) {
             const float positive = pwp[i] * y[i];
             dx[i] += g[i] * wp[i] * ((positive + 1.0f - y[i]) * detail::sigmoid(x[i]) - positive);
           });
         });
  return loss;
}

// ---- classification losses ----

namespace {

// Where the classes sit in the input: class c of row r = (o, i) is element (o * classes + c) * inner + i,
// and row r's target is targets[o * inner + i] (r itself). Classes last: inner = 1.
struct ClassLayout {
  int64_t outer = 1, classes = 1, inner = 1;
  int64_t rows() const { return outer * inner; }
  int64_t first(int64_t r) const { return (r / inner) * classes * inner + r % inner; }  // class 0 of row r
};

// Reads the layout from the shapes, as PyTorch: input [N, C] with targets [N], or [N, C, d1, ...] with
// targets [N, d1, ...] (classes on dim 1), or [C] with a 0-dim target. Anything else names both shapes.
ClassLayout class_layout(const char* op, const Tensor& input, const char* input_name, const Tensor& targets) {
  check_defined(op, input);
  check_defined(op, targets);
  check_dtype(op, input, DType::f32);
  check_dtype(op, targets, DType::i64);
  const Shape& s = input.shape();
  ClassLayout layout;
  if (s.size() == 1 && targets.dim() == 0) {  // one example: [C] and its class
    layout.classes = s[0];
    return layout;
  }
  if (s.size() < 2)
    fail("{}: {} must be [N, C], [N, C, d1, ...] or [C] with a 0-dim target, got {}", op, input_name, s);
  Shape expected = s;  // the input's shape without the class dim
  expected.erase(1);
  if (targets.shape() != expected) {
    Shape classes_last = s;
    classes_last.erase(s.size() - 1);
    const bool looks_classes_last = s.size() >= 3 && targets.shape() == classes_last;
    fail("{}: {} {} and targets {} do not match: expected targets {} (classes on dim 1, as PyTorch){}", op,
         input_name, s, targets.shape(), expected,
         looks_classes_last ? fmt::format("; for classes last, pass {}.reshape({{-1, {}}}) and targets.reshape({{-1}})",
                                          input_name, s.back())
                            : "");
  }
  layout.outer = s[0];
  layout.classes = s[1];
  for (int d = 2; d < s.size(); ++d) layout.inner *= s[d];
  check_constant(op, targets, "targets");
  return layout;
}

// Every target is a class in [0, classes) or ignore_index.
void check_targets(const char* op, const Tensor& targets, int64_t classes, int64_t ignore_index) {
  const int64_t* t = targets.i64();
  for (int64_t r = 0; r < targets.numel(); ++r)
    if (t[r] != ignore_index && (t[r] < 0 || t[r] >= classes))
      fail("{}: target {} at position {} is out of range for {} classes", op, t[r], position_of(r, targets.shape()),
           classes);
}

// Optional class weights: f32 [classes], constant.
void check_class_weight(const char* op, const Tensor& weight, int64_t classes) {
  if (!weight.defined()) return;
  check_dtype(op, weight, DType::f32);
  if (!(weight.shape() == Shape{classes}))
    fail("{}: class weight has shape {}, expected [{}] (one per class)", op, weight.shape(), classes);
  check_constant(op, weight, "weight");
}

// The weight of each class, all ones without class weights.
std::vector<float> class_weights(const Tensor& weight, int64_t classes) {
  if (!weight.defined()) return std::vector<float>(size_t(classes), 1.0f);
  return std::vector<float>(weight.f32(), weight.f32() + classes);
}

// Calls row_fn(r, first, stride) for every row r whose target is not ignored, where class c of the row
// is element first + c * stride. With classes last (inner = 1) the stride is the compile-time constant
// 1, so the row loops inside row_fn become SIMD code; [N, C, d] layouts take the strided version.
template <typename RowFn>
void for_each_kept_row(const ClassLayout& layout, const int64_t* t, int64_t ignore, RowFn row_fn) {
  const int64_t rows = layout.rows();
  detail::parallel_for(rows, rows * layout.classes, [&](int64_t r) {
    if (t[r] == ignore) return;  // never read: an ignored row may hold anything
    if (layout.inner == 1)
      row_fn(r, layout.first(r), std::integral_constant<int64_t, 1>());
    else
      row_fn(r, layout.first(r), layout.inner);
  });
}

// log sum_c e^row[c * stride] over C >= 1 classes, shifted by the row's max so that no exp overflows.
template <typename Stride>
float row_log_sum_exp(const float* row, int64_t C, Stride stride) {
  float m = row[0];
#pragma omp simd reduction(max : m)
  for (int64_t c = 1; c < C; ++c) m = m > row[c * stride] ? m : row[c * stride];
  float z = 0;
#pragma omp simd reduction(+ : z)
  for (int64_t c = 0; c < C; ++c) z += exp_nonpositive(row[c * stride] - m);
  return m + std::log(z);
}

// The mean's denominator: the summed weight of the kept rows' targets (their count without weights).
double kept_weight(const Tensor& targets, int64_t ignore_index, const std::vector<float>& w) {
  double total = 0;
  const int64_t* t = targets.i64();
  for (int64_t r = 0; r < targets.numel(); ++r)
    if (t[r] != ignore_index) total += w[size_t(t[r])];
  return total;
}

}  // namespace

// Per row r with target t, log p_c = x_c - lse, lse = log sum_c exp(x_c), e = label_smoothing:
//   loss_r = (1 - e) w_t (-log p_t) + e/C sum_c w_c (-log p_c)        (0 for an ignored row)
//   dx_c  += dloss_r * (p_c ((1 - e) w_t + e/C sum_k w_k) - (1 - e) w_t [c = t] - e/C w_c)
// logits: [N, C] / [N, C, d...] / [B, T, C]     targets: [N] / [N, d...] / [B, T]
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& options) {
  const char* op = "cross_entropy";
  const ClassLayout layout = class_layout(op, logits, "logits", targets);
  const int64_t C = layout.classes, ignore = options.ignore_index;
  check_targets(op, targets, C, ignore);
  check_class_weight(op, options.weight, C);
  if (!(options.label_smoothing >= 0.0 && options.label_smoothing <= 1.0))
    fail("{}: label_smoothing {} is outside [0, 1]", op, options.label_smoothing);
  std::vector<float> w = class_weights(options.weight, C);
  const auto e = float(options.label_smoothing), smooth = e / float(C);
  float w_sum = 0;
  for (float wc : w) w_sum += wc;

  const float* x = logits.f32();
  const int64_t* t = targets.i64();
  std::vector<float> lse(static_cast<size_t>(layout.rows()));  // log-sum-exp of each row, kept for the backward
  Tensor losses = zeros(targets.shape());
  float* l = losses.f32();
  for_each_kept_row(layout, t, ignore, [&](int64_t r, int64_t first, auto stride) {
    const float* row = x + first;
    const float log_z = row_log_sum_exp(row, C, stride);
    lse[size_t(r)] = log_z;
    l[r] = (1.0f - e) * w[size_t(t[r])] * (log_z - row[t[r] * stride]);
    if (e > 0) {
      float weighted_x = 0;
#pragma omp simd reduction(+ : weighted_x)
      for (int64_t c = 0; c < C; ++c) weighted_x += w[size_t(c)] * row[c * stride];
      l[r] += smooth * (log_z * w_sum - weighted_x);  // sum_c w_c (lse - x_c)
    }
  });
  const double divisor = kept_weight(targets, ignore, w);
  Tensor loss = reduce(losses, options.reduction, divisor);
  record(op, loss, {logits, targets},
         [layout, lse = std::move(lse), w = std::move(w), e, smooth, w_sum, ignore, divisor,
          reduction = options.reduction](Node& n) {
           const int64_t C = layout.classes;
           const float* x = n.input(0).f32();
           const int64_t* t = n.input(1).i64();
           float* dx = n.grad_in(0);
           const std::vector<float> up = upstream(n, reduction, divisor, layout.rows());
           for_each_kept_row(layout, t, ignore, [&](int64_t r, int64_t first, auto stride) {
             // Every value the loop reads is a local, so that the compiler keeps it in a register.
             const float g = up[size_t(r)], target_part = (1.0f - e) * w[size_t(t[r])];
             const float p_scale = g * (target_part + smooth * w_sum), row_lse = lse[size_t(r)], g_smooth = g * smooth;
             const float *row = x + first, *wc = w.data();
             float* d = dx + first;
#pragma omp simd
             for (int64_t c = 0; c < C; ++c)
               d[c * stride] += p_scale * exp_nonpositive(row[c * stride] - row_lse) - g_smooth * wc[c];
             d[t[r] * stride] -= g * target_part;
           });
         });
  return loss;
}

// loss_r = -w_t x[r, t]       dx[r, t] += -dloss_r * w_t       (0 for an ignored row)
Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, const NllLossOptions& options) {
  const char* op = "nll_loss";
  const ClassLayout layout = class_layout(op, log_probs, "log_probs", targets);
  const int64_t ignore = options.ignore_index;
  check_targets(op, targets, layout.classes, ignore);
  check_class_weight(op, options.weight, layout.classes);
  std::vector<float> w = class_weights(options.weight, layout.classes);
  const float* x = log_probs.f32();
  const int64_t* t = targets.i64();
  Tensor losses = zeros(targets.shape());
  float* l = losses.f32();
  for (int64_t r = 0; r < layout.rows(); ++r)
    if (t[r] != ignore) l[r] = -w[size_t(t[r])] * x[layout.first(r) + t[r] * layout.inner];
  const double divisor = kept_weight(targets, ignore, w);
  Tensor loss = reduce(losses, options.reduction, divisor);
  record(op, loss, {log_probs, targets},
         [layout, w = std::move(w), ignore, divisor, reduction = options.reduction](Node& n) {
           const int64_t* t = n.input(1).i64();
           float* dx = n.grad_in(0);
           const std::vector<float> up = upstream(n, reduction, divisor, layout.rows());
           for (int64_t r = 0; r < layout.rows(); ++r)
             if (t[r] != ignore) dx[layout.first(r) + t[r] * layout.inner] -= up[size_t(r)] * w[size_t(t[r])];
         });
  return loss;
}

int64_t accuracy(const Tensor& logits, const Tensor& targets, int64_t ignore_index) {
  const ClassLayout layout = class_layout("accuracy", logits, "logits", targets);
  check_targets("accuracy", targets, layout.classes, ignore_index);
  const float* x = logits.f32();
  const int64_t* t = targets.i64();
  int64_t correct = 0;
  for (int64_t r = 0; r < layout.rows(); ++r) {
    if (t[r] == ignore_index) continue;
    const float* row = x + layout.first(r);
    int64_t best = 0;
    for (int64_t c = 1; c < layout.classes; ++c)
      if (row[c * layout.inner] > row[best * layout.inner]) best = c;
    correct += best == t[r];
  }
  return correct;
}

}  // namespace tg::nn
