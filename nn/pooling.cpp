// Masked pooling over time. Every op first turns lengths or a mask into one flag per (row, step),
// then loops over the valid steps only, so padded steps are never read.
#include "nn/pooling.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/kernels.hpp"
#include "core/tape.hpp"

namespace tg::nn {

namespace {

// The checked shape of x [B, T, D] and which of its steps are valid: valid[b * T + t] is 1 or 0.
struct Steps {
  int64_t B = 0, T = 0, D = 0;
  std::vector<uint8_t> valid;
};

Steps steps_from_lengths(const char* op, const Tensor& x, const Tensor& lengths, Steps s) {
  if (!(lengths.shape() == Shape{s.B}))
    fail("{}: lengths has shape {}, expected [{}] (one per row of x {})", op, lengths.shape(), s.B, x.shape());
  const int64_t* len = lengths.i64();
  for (int64_t b = 0; b < s.B; ++b) {
    if (len[b] < 0) fail("{}: length {} at position [{}] is negative", op, len[b], b);
    if (len[b] > s.T)
      fail("{}: length {} at position [{}] is greater than T={} of x {}", op, len[b], b, s.T, x.shape());
    for (int64_t t = 0; t < len[b]; ++t) s.valid[size_t(b * s.T + t)] = 1;
  }
  return s;
}

Steps steps_from_mask(const char* op, const Tensor& x, const Tensor& mask, Steps s) {
  if (!(mask.shape() == Shape{s.B, s.T}))
    fail("{}: mask has shape {}, expected [{}, {}] (the [B, T] of x {})", op, mask.shape(), s.B, s.T, x.shape());
  const float* m = mask.f32();
  for (int64_t i = 0; i < s.B * s.T; ++i) {
    if (m[i] != 0.0f && m[i] != 1.0f)
      fail("{}: mask value {} at position [{}, {}] is not 0 or 1", op, m[i], i / s.T, i % s.T);
    s.valid[size_t(i)] = m[i] == 1.0f;
  }
  return s;
}

Steps valid_steps(const char* op, const Tensor& x, const Tensor& lengths_or_mask) {
  check_defined(op, x);
  check_defined(op, lengths_or_mask);
  check_dtype(op, x, DType::f32);
  if (x.dim() != 3) fail("{}: x must be [B, T, D], got {}", op, x.shape());
  Steps s{x.size(0), x.size(1), x.size(2), std::vector<uint8_t>(size_t(x.size(0) * x.size(1)), 0)};
  if (lengths_or_mask.dtype() == DType::i64) return steps_from_lengths(op, x, lengths_or_mask, std::move(s));
  return steps_from_mask(op, x, lengths_or_mask, std::move(s));
}

// out[b] = scale_b * sum_{valid t} x[b, t]        dx[b, t] += scale_b * dy[b]  (valid t)
// scale_b is 1 (sum) or 1 / max(count_b, 1) (mean).
Tensor pool_sum(const char* op, const Tensor& x, const Tensor& lengths_or_mask, bool average) {
  Steps s = valid_steps(op, x, lengths_or_mask);
  const int64_t B = s.B, T = s.T, D = s.D;
  std::vector<float> scale(size_t(B), 1.0f);
  if (average)
    for (int64_t b = 0; b < B; ++b) {
      int64_t count = 0;
      for (int64_t t = 0; t < T; ++t) count += s.valid[size_t(b * T + t)];
      scale[size_t(b)] = 1.0f / float(std::max<int64_t>(count, 1));
    }
  Tensor y = zeros({B, D});
  const float* px = x.f32();
  float* py = y.f32();
  detail::parallel_for(B, x.numel(), [&](int64_t b) {
    float* out = py + b * D;
    for (int64_t t = 0; t < T; ++t)
      if (s.valid[size_t(b * T + t)])
        for (int64_t d = 0; d < D; ++d) out[d] += px[(b * T + t) * D + d];
    for (int64_t d = 0; d < D; ++d) out[d] *= scale[size_t(b)];
  });
  record(op, y, {x}, [s = std::move(s), scale = std::move(scale)](Node& n) {
    const int64_t B = s.B, T = s.T, D = s.D;
    const float* dy = n.grad_out();
    // A masked step's gradient is exactly 0 (not 0 * dy, which is NaN for an infinite dy): on the
    // gradient's first write it is stored as 0, so no zero-fill is needed; later writes leave it.
    GradTarget dx = n.grad_in_all(0);
    dx.write([&](auto store) {
      detail::parallel_for(B, B * T * D, [&](int64_t b) {
        for (int64_t t = 0; t < T; ++t) {
          float* dx_step = dx.data + (b * T + t) * D;
          if (s.valid[size_t(b * T + t)])
            for (int64_t d = 0; d < D; ++d) store(dx_step[d], scale[size_t(b)] * dy[b * D + d]);
          else if (dx.first)
            std::fill_n(dx_step, D, 0.0f);
        }
      });
    });
  });
  return y;
}

// Records the backward of an op whose out[b, d] is x[b, step[b, d], d] (0 where step is -1):
// dx[b, step[b, d], d] += dy[b, d]
void record_gather(const char* op, Tensor& y, const Tensor& x, std::vector<int64_t> step) {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2);
  record(op, y, {x}, [step = std::move(step), B, T, D](Node& n) {
    const float* dy = n.grad_out();
    float* dx = n.grad_in(0);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t d = 0; d < D; ++d) {
        const int64_t t = step[size_t(b * D + d)];
        if (t >= 0) dx[(b * T + t) * D + d] += dy[b * D + d];
      }
  });
}

// One step of a running arg-max: best[d], best_step[d] become row[d], t where row[d] is larger or NaN,
// unless best[d] is NaN already (so the first NaN wins, as in torch.max). Written with comparisons
// and restrict pointers (the arrays never overlap) so that it vectorizes.
void take_larger(const float* __restrict row, int64_t t, float* __restrict best, int64_t* __restrict best_step,
                 int64_t D) {
  for (int64_t d = 0; d < D; ++d) {
    const bool take = best[d] == best[d] && !(row[d] <= best[d]);
    best[d] = take ? row[d] : best[d];
    best_step[d] = take ? t : best_step[d];
  }
}

}  // namespace

Tensor masked_sum(const Tensor& x, const Tensor& lengths_or_mask) {
  return pool_sum("masked_sum", x, lengths_or_mask, false);
}

Tensor masked_mean(const Tensor& x, const Tensor& lengths_or_mask) {
  return pool_sum("masked_mean", x, lengths_or_mask, true);
}

// out[b, d] = x[b, step[b, d], d], step[b, d] the arg-max over valid t (the first on ties, the first
// NaN if any); out 0 and step -1 for a row without valid steps.
Tensor masked_max(const Tensor& x, const Tensor& lengths_or_mask) {
  Steps s = valid_steps("masked_max", x, lengths_or_mask);
  const int64_t B = s.B, T = s.T, D = s.D;
  const float* px = x.f32();
  Tensor y = zeros({B, D});
  float* py = y.f32();
  std::vector<int64_t> step(size_t(B * D), -1);
  detail::parallel_for(B, x.numel(), [&](int64_t b) {
    float* best = py + b * D;
    int64_t* best_step = step.data() + b * D;
    bool seen = false;  // has row b had a valid step yet?
    for (int64_t t = 0; t < T; ++t) {
      if (!s.valid[size_t(b * T + t)]) continue;
      const float* row = px + (b * T + t) * D;
      if (seen) {
        take_larger(row, t, best, best_step, D);
      } else {
        std::copy(row, row + D, best);
        std::fill(best_step, best_step + D, t);
        seen = true;
      }
    }
  });
  record_gather("masked_max", y, x, std::move(step));
  return y;
}

// out[b] = x[b, t_b], t_b the last valid step of row b; out 0 for a row without valid steps.
Tensor last_valid(const Tensor& x, const Tensor& lengths_or_mask) {
  Steps s = valid_steps("last_valid", x, lengths_or_mask);
  const int64_t B = s.B, T = s.T, D = s.D;
  const float* px = x.f32();
  Tensor y = zeros({B, D});
  float* py = y.f32();
  std::vector<int64_t> step(size_t(B * D), -1);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = T - 1; t >= 0; --t)
      if (s.valid[size_t(b * T + t)]) {
        std::copy(px + (b * T + t) * D, px + (b * T + t + 1) * D, py + b * D);
        std::fill(step.begin() + b * D, step.begin() + (b + 1) * D, t);
        break;
      }
  record_gather("last_valid", y, x, std::move(step));
  return y;
}

}  // namespace tg::nn
