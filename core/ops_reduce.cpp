// Reductions and softmax. Every op over one dim views x as [outer, size, inner] (detail::split_at)
// and works along the middle axis.
#include <cmath>
#include <limits>

#include "core/kernels.hpp"
#include "core/ops.hpp"
#include "core/tape.hpp"

namespace tg {

using detail::split_at;

static Shape reduced_shape(const Shape& s, int dim, bool keepdim) {
  Shape out = s;
  if (keepdim)
    out[dim] = 1;
  else
    out.erase(dim);
  return out;
}

// y = sum(x)        x: [*] -> []      dx += dy
// (Backward functions that write every element of dx take it with n.grad_in_all: `store` is = when
// theirs is the gradient's first write, += after; see GradTarget in core/tape.hpp.)
Tensor sum(const Tensor& x) {
  check_dtype("sum", x, DType::f32);
  double total = 0;  // accumulate in double: a float sum of 1e6 values loses digits
  const float* px = x.f32();
  for (int64_t i = 0; i < x.numel(); ++i) total += px[i];
  Tensor y = scalar(total);
  record("sum", y, {x}, [](Node& n) {
    GradTarget dx = n.grad_in_all(0);
    const float dy = n.grad_out()[0];
    const int64_t count = n.input(0).numel();
    dx.write([&](auto store) { for (int64_t i = 0; i < count; ++i) store(dx.data[i], dy); });
  });
  return y;
}

// y = mean(x)       dx += dy / numel
Tensor mean(const Tensor& x) {
  check_dtype("mean", x, DType::f32);
  if (x.numel() == 0) fail("mean: the tensor is empty (shape {})", x.shape());
  return mul(sum(x), 1.0 / double(x.numel()));
}

// y[o, i] = scale * sum_k x[o, k, i]       dx[o, k, i] += scale * dy[o, i]
static Tensor sum_dim_scaled(const char* op, const Tensor& x, int dim, bool keepdim, bool average) {
  check_dtype(op, x, DType::f32);
  dim = normalize_dim(op, dim, x.shape());
  const auto parts_ = split_at(x.shape(), dim);
  const int64_t outer = parts_.outer, size = parts_.size, inner = parts_.inner;  // not a structured binding: clang 14 cannot capture those
  if (average && size == 0) fail("{}: dim {} of shape {} is empty", op, dim, x.shape());
  const float scale = average ? 1.0f / float(size) : 1.0f;
  Tensor y = zeros(reduced_shape(x.shape(), dim, keepdim));
  const float* px = x.f32();
  float* py = y.f32();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < size; ++k)
      for (int64_t i = 0; i < inner; ++i) py[o * inner + i] += px[(o * size + k) * inner + i];
  if (average)
    for (int64_t i = 0; i < y.numel(); ++i) py[i] *= scale;
  record(op, y, {x}, [outer, size, inner, scale](Node& n) {
    GradTarget dx = n.grad_in_all(0);
    const float* dy = n.grad_out();
    dx.write([&](auto store) {
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t k = 0; k < size; ++k)
          for (int64_t i = 0; i < inner; ++i) store(dx.data[(o * size + k) * inner + i], scale * dy[o * inner + i]);
    });
  });
  return y;
}

Tensor sum(const Tensor& x, int dim, bool keepdim) { return sum_dim_scaled("sum", x, dim, keepdim, false); }
Tensor mean(const Tensor& x, int dim, bool keepdim) { return sum_dim_scaled("mean", x, dim, keepdim, true); }

// values[o, i] = max_k x[o, k, i], indices[o, i] = the first k reaching it.
// dx[o, indices[o, i], i] += dy[o, i]
std::pair<Tensor, Tensor> max(const Tensor& x, int dim, bool keepdim) {
  check_dtype("max", x, DType::f32);
  dim = normalize_dim("max", dim, x.shape());
  const auto parts_ = split_at(x.shape(), dim);
  const int64_t outer = parts_.outer, size = parts_.size, inner = parts_.inner;  // not a structured binding: clang 14 cannot capture those
  if (size == 0) fail("max: dim {} of shape {} is empty", dim, x.shape());
  Shape out_shape = reduced_shape(x.shape(), dim, keepdim);
  Tensor values = empty(out_shape), idx = empty(out_shape, DType::i64);
  const float* px = x.f32();
  float* pv = values.f32();
  int64_t* pi = idx.i64();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      float best_value = px[o * size * inner + i];
      for (int64_t k = 1; k < size; ++k) {
        float v = px[(o * size + k) * inner + i];
        if (v > best_value || (std::isnan(v) && !std::isnan(best_value))) best = k, best_value = v;
      }
      pv[o * inner + i] = best_value;
      pi[o * inner + i] = best;
    }
  record("max", values, {x, idx}, [outer, size, inner](Node& n) {
    float* dx = n.grad_in(0);
    const float* dy = n.grad_out();
    const int64_t* pi = n.input(1).i64();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) dx[(o * size + pi[o * inner + i]) * inner + i] += dy[o * inner + i];
  });
  return {values, idx};
}

// Shared forward of softmax and log_softmax along the middle axis of [outer, size, inner]:
// subtract the max (so exp never overflows), then normalise.
static Tensor softmax_forward(const char* op, const Tensor& x, int dim, bool log_space, detail::DimSplit& split) {
  check_dtype(op, x, DType::f32);
  dim = normalize_dim(op, dim, x.shape());
  split = split_at(x.shape(), dim);
  const auto parts_ = split;
  const int64_t outer = parts_.outer, size = parts_.size, inner = parts_.inner;  // not a structured binding: clang 14 cannot capture those
  Tensor y = empty(x.shape());
  const float* px = x.f32();
  float* py = y.f32();
  const int64_t rows = outer * inner;
  auto normalize_row = [&](int64_t r) {
      const int64_t o = r / inner, i = r % inner;
      const float* row = px + o * size * inner + i;
      float* out = py + o * size * inner + i;
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < size; ++k) m = std::max(m, row[k * inner]);
      if (std::isinf(m) && m < 0) m = 0;  // a row of all -inf: keep it NaN-free where possible
      double z = 0;
      for (int64_t k = 0; k < size; ++k) z += std::exp(double(row[k * inner] - m));
      if (log_space) {
        auto log_z = float(std::log(z));
        for (int64_t k = 0; k < size; ++k) out[k * inner] = row[k * inner] - m - log_z;
      } else {
        auto inv_z = float(1.0 / z);
        for (int64_t k = 0; k < size; ++k) out[k * inner] = std::exp(row[k * inner] - m) * inv_z;
      }
  };
  if (x.numel() >= detail::kParallelMin) {
#pragma omp parallel for
    for (int64_t r = 0; r < rows; ++r) normalize_row(r);
  } else {
    for (int64_t r = 0; r < rows; ++r) normalize_row(r);
  }
  return y;
}

// y = softmax(x)        dx = y * (dy - sum_k(dy * y))
Tensor softmax(const Tensor& x, int dim) {
  detail::DimSplit split;
  Tensor y = softmax_forward("softmax", x, dim, false, split);
  record("softmax", y, {x}, [split](Node& n) {
    const auto parts_ = split;
  const int64_t outer = parts_.outer, size = parts_.size, inner = parts_.inner;  // not a structured binding: clang 14 cannot capture those
    const float *py = n.out().f32(), *dy = n.grad_out();
    float* dx = n.grad_in(0);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t base = o * size * inner + i;
        double dot = 0;
        for (int64_t k = 0; k < size; ++k) dot += double(dy[base + k * inner]) * py[base + k * inner];
        for (int64_t k = 0; k < size; ++k)
          dx[base + k * inner] += py[base + k * inner] * (dy[base + k * inner] - float(dot));
      }
  });
  return y;
}

// y = log_softmax(x)    dx = dy - exp(y) * sum_k(dy)
Tensor log_softmax(const Tensor& x, int dim) {
  detail::DimSplit split;
  Tensor y = softmax_forward("log_softmax", x, dim, true, split);
  record("log_softmax", y, {x}, [split](Node& n) {
    const auto parts_ = split;
  const int64_t outer = parts_.outer, size = parts_.size, inner = parts_.inner;  // not a structured binding: clang 14 cannot capture those
    const float *py = n.out().f32(), *dy = n.grad_out();
    float* dx = n.grad_in(0);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t base = o * size * inner + i;
        double total = 0;
        for (int64_t k = 0; k < size; ++k) total += dy[base + k * inner];
        for (int64_t k = 0; k < size; ++k)
          dx[base + k * inner] += dy[base + k * inner] - std::exp(py[base + k * inner]) * float(total);
      }
  });
  return y;
}

}  // namespace tg
