#include "optim/clip.hpp"

#include <algorithm>
#include <cmath>

#include "core/kernels.hpp"
#include "core/ops.hpp"
#include "core/sparse_grad.hpp"

namespace tg::optim {

// Sums are taken over fixed chunks (in parallel when large) and the chunk sums added in order, so
// the norm is the same for any number of threads.
constexpr int64_t kChunk = 1 << 14;

// sum |x[i]|^p over x: [n], in double.
static double sum_of_powers(const float* x, int64_t n, double p) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(size_t(chunks), 0.0);
  detail::parallel_for(chunks, n, [&](int64_t c) {
    const int64_t begin = c * kChunk, end = std::min(n, begin + kChunk);
    // omp simd lets the sum run in vector lanes: a fixed order for a given build.
    double sum = 0;
    if (p == 2) {
#pragma omp simd reduction(+ : sum)
      for (int64_t i = begin; i < end; ++i) sum += double(x[i]) * double(x[i]);
    } else if (p == 1) {
#pragma omp simd reduction(+ : sum)
      for (int64_t i = begin; i < end; ++i) sum += std::fabs(double(x[i]));
    } else {
      for (int64_t i = begin; i < end; ++i) sum += std::pow(std::fabs(double(x[i])), p);
    }
    partial[size_t(c)] = sum;
  });
  double total = 0;
  for (double sum : partial) total += sum;
  return total;
}

// max |x[i]| over x: [n]; NaN if any element is NaN.
static double max_abs(const float* x, int64_t n) {
  double largest = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double a = std::fabs(double(x[i]));
    if (std::isnan(a)) return NAN;
    largest = std::max(largest, a);
  }
  return largest;
}

// The whole gradient of a parameter as one array: the dense one, the sparse values, or (both
// present) their sum made dense. Undefined when the parameter has no gradient.
static Tensor whole_gradient(const Tensor& param) {
  const Tensor grad = param.grad();
  const RowSparseGrad* sparse = param.sparse_grad();
  if (!sparse) return grad;
  if (!grad.defined()) return sparse->values;
  return add(grad, to_dense(*sparse, param.shape()));
}

double grad_norm(const std::vector<Tensor>& params, double norm_type) {
  if (!(norm_type > 0)) fail("clip_grad_norm: norm_type must be > 0 or INFINITY, got {}", norm_type);
  const bool infinity_norm = std::isinf(norm_type);
  double total = 0;  // the largest |g| so far, or the sum of |g|^p
  for (const Tensor& param : params) {
    const Tensor g = whole_gradient(param);
    if (!g.defined()) continue;
    if (!infinity_norm) {
      total += sum_of_powers(g.f32(), g.numel(), norm_type);
      continue;
    }
    const double largest = max_abs(g.f32(), g.numel());
    if (std::isnan(largest) || largest > total) total = largest;
  }
  if (infinity_norm) return total;
  return norm_type == 2 ? std::sqrt(total) : std::pow(total, 1 / norm_type);
}

// x: [n] *= scale, in place.
static void scale_in_place(float* x, int64_t n, float scale) {
  detail::parallel_for(n, [=](int64_t i) { x[i] *= scale; });
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm, double norm_type,
                      bool error_if_nonfinite) {
  if (!(max_norm >= 0)) fail("clip_grad_norm: max_norm must be >= 0, got {}", max_norm);
  const double total = grad_norm(params, norm_type);
  if (!std::isfinite(total)) {
    if (error_if_nonfinite)
      fail("clip_grad_norm: the total {}-norm of the gradients is {} (a gradient holds inf or nan), so "
           "they cannot be clipped",
           norm_type, total);
    return total;
  }
  const double coef = max_norm / (total + 1e-6);
  if (coef >= 1) return total;
  for (const Tensor& param : params) {
    Tensor grad = param.grad();
    if (grad.defined()) scale_in_place(grad.f32(), grad.numel(), float(coef));
    if (const RowSparseGrad* sparse = param.sparse_grad()) {
      Tensor values = sparse->values;
      scale_in_place(values.f32(), values.numel(), float(coef));
    }
  }
  return total;
}

}  // namespace tg::optim
