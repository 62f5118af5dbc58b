#include "optim/lazy_adam.hpp"

#include <algorithm>
#include <cmath>

#include <vector>

#include "core/half.hpp"
#include "core/kernels.hpp"
#include "core/sparse_grad.hpp"

namespace tg::optim {

static void check_options(const LazyAdamOptions& o) {
  if (!(o.beta1 >= 0 && o.beta1 < 1)) fail("LazyAdam: beta1 must be in [0, 1), got {}", o.beta1);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) fail("LazyAdam: beta2 must be in [0, 1), got {}", o.beta2);
  if (!(o.eps >= 0)) fail("LazyAdam: eps must be >= 0, got {}", o.eps);
}

LazyAdam::LazyAdam(std::vector<Tensor> params, double lr, LazyAdamOptions options)
    : Optimizer("LazyAdam", std::move(params), lr), options_(options) {
  check_options(options_);
}

// The present rows of a step: row_index[k] (or k itself when row_index is null) with gradient
// values + k * width.
struct PresentRows {
  const int64_t* row_index;
  const float* values;
  int64_t count;
  int64_t width;
};

// The update's scalars, rounded to float once.
struct LazyAdamStep {
  float one_minus_beta1, one_minus_beta2, minus_step_size, eps;
};

// One present row: p, g, m, v [width]. __restrict pointers and scalars by value so the loop vectorises
// (through a lambda's captures it did not: p might alias m), and no errno for std::sqrt (never of a
// negative here), whose branch would stop the vectoriser too.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-math-errno")))
#endif
static void lazy_adam_row(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                          int64_t width, const LazyAdamStep s) {
  for (int64_t j = 0; j < width; ++j) {
    const float m_step = (g[j] - m[j]) * s.one_minus_beta1;
    const float v_step = (g[j] * g[j] - v[j]) * s.one_minus_beta2;
    const float numer = m_step + m[j];
    const float denom = std::sqrt(v_step + v[j]) + s.eps;
    m[j] = m[j] + m_step;
    v[j] = v[j] + v_step;
    p[j] = p[j] + s.minus_step_size * (numer / denom);
  }
}

// param, m, v: [V, width]; only the present rows are read and written. The operation order is
// torch.optim.SparseAdam's, with its scalars rounded to float once.
void LazyAdam::update(size_t index, Tensor& param, ParamState& state) {
  const RowSparseGrad* sparse = param.sparse_grad();
  const bool only_sparse = sparse && !param.has_dense_grad();
  Tensor made;
  const float* dense = only_sparse ? nullptr : dense_grad(index, made);
  const int64_t rows_in_param = param.dim() == 0 ? 1 : param.size(0);
  const int64_t width = param.numel() / std::max<int64_t>(rows_in_param, 1);
  const PresentRows present = only_sparse
      ? PresentRows{sparse->rows.i64(), sparse->values.f32(), sparse->rows.numel(), width}
      : PresentRows{nullptr, dense, rows_in_param, width};

  // p: the table as float32, or for a float16 / bfloat16 table its raw rows (converted row by row).
  const DType dtype = param.dtype();
  float* p = dtype == DType::f32 ? param.f32() : nullptr;
  uint16_t* p16 = dtype == DType::f16 ? param.f16() : dtype == DType::bf16 ? param.bf16() : nullptr;
  float* m = zero_buffer(state, "exp_avg", param).f32();
  float* v = zero_buffer(state, "exp_avg_sq", param).f32();
  const double t = double(state.steps);
  LazyAdamStep s;
  s.one_minus_beta1 = float(1 - options_.beta1), s.one_minus_beta2 = float(1 - options_.beta2);
  s.minus_step_size = float(-(lr() * std::sqrt(1 - std::pow(options_.beta2, t)) / (1 - std::pow(options_.beta1, t))));
  s.eps = float(options_.eps);

  constexpr int64_t kPrefetchAhead = 4;  // rows: 2, 4, 8 and 16 ahead all took W6s from 8.3 to 6.5-7.0 ms
  detail::parallel_for(present.count, present.count * width, [=](int64_t k) {
    const int64_t offset = (present.row_index ? present.row_index[k] : k) * width;
    if (present.row_index && k + kPrefetchAhead < present.count) {  // scattered rows: ask for a later one now
      const int64_t ahead = present.row_index[k + kPrefetchAhead];
      for (const float* buffer : {p, m, v})  // p is null for a float16 / bfloat16 table
        if (buffer) detail::prefetch_row(buffer, ahead, width, true);
    }
    const float* g = present.values + k * width;
    if (p) return lazy_adam_row(p + offset, g, m + offset, v + offset, width, s);
    std::vector<float> row(static_cast<size_t>(width));  // a reduced-precision row in float32, rounded once when stored back
    if (dtype == DType::f16) half_to_floats(p16 + offset, row.data(), width);
    else bfloat16_to_floats(p16 + offset, row.data(), width);
    lazy_adam_row(row.data(), g, m + offset, v + offset, width, s);
    if (dtype == DType::f16) floats_to_half(row.data(), p16 + offset, width);
    else floats_to_bfloat16(row.data(), p16 + offset, width);
  });
}

std::map<std::string, std::string> LazyAdam::hyperparameters() const {
  return {{"beta1", format_number(options_.beta1)},
          {"beta2", format_number(options_.beta2)},
          {"eps", format_number(options_.eps)}};
}

void LazyAdam::set_hyperparameters(const std::map<std::string, std::string>& values) {
  LazyAdamOptions read;
  read.beta1 = read_number(values, "beta1");
  read.beta2 = read_number(values, "beta2");
  read.eps = read_number(values, "eps");
  check_options(read);
  options_ = read;
}

}  // namespace tg::optim
