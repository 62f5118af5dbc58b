#include "nn/linear.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/gemm.hpp"
#include "core/tape.hpp"
#include "nn/init.hpp"

namespace tg::nn {

using detail::gemm;

static void check_linear_args(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_defined("linear", x);
  check_defined("linear", weight);
  check_dtype("linear", x, DType::f32);
  check_dtype("linear", weight, DType::f32);
  if (weight.dim() != 2) fail("linear: the weight must be 2-D [out, in], got shape {}", weight.shape());
  if (x.dim() < 1 || x.size(-1) != weight.size(1))
    fail("linear: input of shape {} should end in in_features={} (weight {})", x.shape(), weight.size(1),
         weight.shape());
  if (bias.defined()) {
    check_dtype("linear", bias, DType::f32);
    if (!(bias.shape() == Shape{weight.size(0)}))
      fail("linear: the bias has shape {}, expected [{}] (weight {})", bias.shape(), weight.size(0), weight.shape());
  }
}

// y = x W^T + b       x: [M, in] (leading dims flattened)  W: [out, in]  b: [out]  y: [M, out]
// dx += dy W          dW += dy^T x          db += sum over the M rows of dy
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_linear_args(x, weight, bias);
  const int64_t in = weight.size(1), out = weight.size(0), m = x.numel() / std::max<int64_t>(in, 1);
  Shape out_shape = x.shape();
  out_shape[out_shape.size() - 1] = out;
  Tensor y = empty(out_shape);
  float* py = y.f32();
  if (bias.defined())  // start from b in every row, then add x W^T on top (beta = 1)
    for (int64_t r = 0; r < m; ++r) std::memcpy(py + r * out, bias.f32(), size_t(out) * sizeof(float));
  gemm(false, true, m, out, in, x.f32(), weight.f32(), bias.defined() ? 1.0f : 0.0f, py);

  auto backward = [m, in, out](Node& n) {
    const float* dy = n.grad_out();
    // beta 0 on a gradient's first write (no zero-fill), 1 to add to an earlier one (see GradTarget)
    if (GradTarget dx = n.grad_in_all(0)) gemm(false, false, m, in, out, dy, n.input(1).f32(), dx.beta(), dx.data);
    if (GradTarget dw = n.grad_in_all(1)) gemm(true, false, out, in, m, dy, n.input(0).f32(), dw.beta(), dw.data);
    if (n.inputs.size() < 3) return;
    if (float* db = n.grad_in(2))
      for (int64_t r = 0; r < m; ++r)
        for (int64_t o = 0; o < out; ++o) db[o] += dy[r * out + o];
  };
  if (bias.defined()) record("linear", y, {x, weight, bias}, backward);
  else record("linear", y, {x, weight}, backward);
  return y;
}

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias) {
  if (in_features < 0 || out_features < 0)
    fail("Linear: in_features and out_features must be >= 0, got {} and {}", in_features, out_features);
  const double bound = in_features > 0 ? 1.0 / std::sqrt(double(in_features)) : 0.0;
  weight = empty({out_features, in_features});
  init::uniform_(weight, -bound, bound);
  register_parameter("weight", weight);
  if (with_bias) {
    bias = empty({out_features});
    init::uniform_(bias, -bound, bound);
    register_parameter("bias", bias);
  }
}

}  // namespace tg::nn
