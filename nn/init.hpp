#pragma once
// Parameter initialisers, as torch.nn.init. Each fills a float32 tensor in place from tapegrad's
// seeded generator (tg::manual_seed), is never recorded on the tape, and returns the tensor.
// The distributions and their scales match PyTorch; the random values do not (other generator).
//
//   init::xavier_uniform_(fc.weight);                         // U(-a, a), a = sqrt(6 / (in + out))
//   init::kaiming_normal_(w, 0, FanMode::fan_in, Nonlinearity::relu);
//   init::orthogonal_(lstm_w);                                // rows (or columns) orthonormal
#include <utility>

#include "core/random.hpp"
#include "core/tensor.hpp"

namespace tg::nn::init {

enum class Nonlinearity { linear, sigmoid, tanh, relu, leaky_relu };
enum class FanMode { fan_in, fan_out };

// The recommended gain of torch.nn.init.calculate_gain: linear and sigmoid 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + negative_slope^2)) (negative_slope defaults to 0.01 there, as in PyTorch).
double calculate_gain(Nonlinearity nonlinearity, double negative_slope = 0.01);

// (fan_in, fan_out) of a weight [out, in, k...]: in * prod(k) and out * prod(k). Needs >= 2 dims.
std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t);

// U(low, high) and N(mean, std): the very functions of core/random.hpp, under torch.nn.init's names.
using tg::normal_;
using tg::uniform_;
Tensor& zeros_(Tensor& t);

// Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)); N(0, gain * sqrt(2 / (fan_in + fan_out))).
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0);
Tensor& xavier_normal_(Tensor& t, double gain = 1.0);

// He: std = gain / sqrt(fan) with gain = calculate_gain(nonlinearity, a) and fan chosen by mode;
// uniform draws from U(-sqrt(3) std, sqrt(3) std). Defaults as PyTorch's.
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                         Nonlinearity nonlinearity = Nonlinearity::leaky_relu);
Tensor& kaiming_normal_(Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                        Nonlinearity nonlinearity = Nonlinearity::leaky_relu);

// t viewed as [rows, cols] (cols = numel / rows) becomes gain * Q with orthonormal columns when
// rows >= cols (Q^T Q = I) or orthonormal rows when rows < cols (Q Q^T = I), as torch.nn.init.orthogonal_:
// the QR decomposition of a N(0, 1) matrix with R's diagonal made positive.
Tensor& orthogonal_(Tensor& t, double gain = 1.0);

}  // namespace tg::nn::init
