#include "nn/init.hpp"

#include <cmath>
#include <vector>

#include "core/random.hpp"

namespace tg::nn::init {

static void check_float(const char* op, const Tensor& t) {
  check_defined(op, t);
  check_dtype(op, t, DType::f32);
}

double calculate_gain(Nonlinearity nonlinearity, double negative_slope) {
  switch (nonlinearity) {
    case Nonlinearity::linear:
    case Nonlinearity::sigmoid: return 1.0;
    case Nonlinearity::tanh: return 5.0 / 3.0;
    case Nonlinearity::relu: return std::sqrt(2.0);
    case Nonlinearity::leaky_relu: return std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
  }
  fail("calculate_gain: unknown nonlinearity {}", int(nonlinearity));
}

std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t) {
  check_defined("fan_in_and_fan_out", t);
  if (t.dim() < 2)
    fail("fan_in_and_fan_out: needs a tensor with at least 2 dims [out, in, ...], got shape {}", t.shape());
  int64_t receptive_field = 1;  // prod of the dims after [out, in] (convolution kernels)
  for (int d = 2; d < t.dim(); ++d) receptive_field *= t.size(d);
  return {t.size(1) * receptive_field, t.size(0) * receptive_field};
}


Tensor& zeros_(Tensor& t) {
  check_float("zeros_", t);
  std::fill_n(t.f32(), t.numel(), 0.0f);
  return t;
}

Tensor& xavier_uniform_(Tensor& t, double gain) {
  check_float("xavier_uniform_", t);
  auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  const double bound = gain * std::sqrt(6.0 / double(fan_in + fan_out));
  return init::uniform_(t, -bound, bound);
}

Tensor& xavier_normal_(Tensor& t, double gain) {
  check_float("xavier_normal_", t);
  auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  return init::normal_(t, 0.0, gain * std::sqrt(2.0 / double(fan_in + fan_out)));
}

static double kaiming_std(const char* op, const Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity) {
  check_float(op, t);
  auto [fan_in, fan_out] = fan_in_and_fan_out(t);
  const int64_t fan = mode == FanMode::fan_in ? fan_in : fan_out;
  if (fan == 0) fail("{}: the fan of a tensor of shape {} is 0", op, t.shape());
  return calculate_gain(nonlinearity, a) / std::sqrt(double(fan));
}

Tensor& kaiming_uniform_(Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity) {
  const double bound = std::sqrt(3.0) * kaiming_std("kaiming_uniform_", t, a, mode, nonlinearity);
  return init::uniform_(t, -bound, bound);
}

Tensor& kaiming_normal_(Tensor& t, double a, FanMode mode, Nonlinearity nonlinearity) {
  return init::normal_(t, 0.0, kaiming_std("kaiming_normal_", t, a, mode, nonlinearity));
}

// Modified Gram-Schmidt on the columns of a tall N(0, 1) matrix [m, n] (m >= n), in double:
// column k loses its projection on every earlier q_j, then is normalised. The result is the Q of
// the QR decomposition whose R has a positive diagonal (what PyTorch gets after its sign fix).
static std::vector<std::vector<double>> orthonormal_columns(int64_t m, int64_t n) {
  Generator& g = default_generator();
  std::vector<std::vector<double>> q(static_cast<size_t>(n), std::vector<double>(static_cast<size_t>(m)));
  for (auto& column : q)
    for (double& v : column) v = g.normal();
  for (size_t k = 0; k < q.size(); ++k) {
    for (size_t j = 0; j < k; ++j) {
      double dot = 0;
      for (int64_t i = 0; i < m; ++i) dot += q[j][size_t(i)] * q[k][size_t(i)];
      for (int64_t i = 0; i < m; ++i) q[k][size_t(i)] -= dot * q[j][size_t(i)];
    }
    double norm = 0;
    for (double v : q[k]) norm += v * v;
    norm = std::sqrt(norm);
    for (double& v : q[k]) v /= norm;
  }
  return q;
}

Tensor& orthogonal_(Tensor& t, double gain) {
  check_float("orthogonal_", t);
  if (t.dim() < 2) fail("orthogonal_: needs a tensor with at least 2 dims, got shape {}", t.shape());
  const int64_t rows = t.size(0), cols = t.numel() / std::max<int64_t>(rows, 1);
  if (t.numel() == 0) return t;
  // Tall case: columns of [rows, cols] orthonormal. Wide case: the transpose is tall, so rows.
  const bool tall = rows >= cols;
  auto q = orthonormal_columns(tall ? rows : cols, tall ? cols : rows);
  float* p = t.f32();
  for (int64_t k = 0; k < int64_t(q.size()); ++k)
    for (int64_t i = 0; i < int64_t(q[size_t(k)].size()); ++i) {
      const float v = float(gain * q[size_t(k)][size_t(i)]);
      if (tall) p[i * cols + k] = v;  // column k
      else p[k * cols + i] = v;       // row k
    }
  return t;
}

}  // namespace tg::nn::init
