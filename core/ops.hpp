#pragma once
// Every differentiable op of the core. Each is defined next to its backward in one of
//   ops_elementwise.cpp  add sub mul div neg, scalar forms, exp log sqrt pow tanh sigmoid relu clamp
//   ops_reduce.cpp       sum mean max softmax log_softmax
//   ops_matmul.cpp       matmul transpose
//   ops_shape.cpp        reshape flatten unsqueeze squeeze concat stack narrow select index_select masked_fill where
// Shapes follow PyTorch. Binary ops broadcast as NumPy does; the gradient is summed back to each
// input's shape. A dim may be negative (-1 = last).
#include <utility>
#include <vector>

#include "core/tensor.hpp"

namespace tg {

// ---- elementwise, broadcasting ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor neg(const Tensor& x);
Tensor add(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
Tensor rsub(double s, const Tensor& a);  // s - a
Tensor rdiv(double s, const Tensor& a);  // s / a

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, double s);
Tensor operator+(double s, const Tensor& a);
Tensor operator-(const Tensor& a, double s);
Tensor operator-(double s, const Tensor& a);
Tensor operator*(const Tensor& a, double s);
Tensor operator*(double s, const Tensor& a);
Tensor operator/(const Tensor& a, double s);
Tensor operator/(double s, const Tensor& a);

// The shape a and b broadcast to, or "<op>: shapes [2, 3] and [4] cannot be broadcast".
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// ---- elementwise, unary ----
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor pow(const Tensor& x, double exponent);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor clamp(const Tensor& x, double min, double max);  // gradient 1 where min <= x <= max

// ---- reductions ----
Tensor sum(const Tensor& x);                                  // -> []
Tensor sum(const Tensor& x, int dim, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int dim, bool keepdim = false);
// Largest value along dim and its index (the first one on ties); gradient flows to that index.
std::pair<Tensor, Tensor> max(const Tensor& x, int dim, bool keepdim = false);
Tensor softmax(const Tensor& x, int dim);      // stable: exp(x - max) / sum
Tensor log_softmax(const Tensor& x, int dim);  // stable: x - max - log(sum(exp(x - max)))

// ---- matrix products ----
// [M, K] x [K, N] -> [M, N];  [B, T, K] x [K, N] -> [B, T, N]. One cblas_sgemm forward,
// two backward (dA = dY B^T, dB = A^T dY).
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor transpose(const Tensor& x);  // 2-D: [M, N] -> [N, M] (a copy)

// ---- shape ----
Tensor reshape(const Tensor& x, Shape shape);  // shares storage; one dim may be -1
Tensor flatten(const Tensor& x);
Tensor unsqueeze(const Tensor& x, int dim);
Tensor squeeze(const Tensor& x);           // drops every dim of size 1 (a view)
Tensor squeeze(const Tensor& x, int dim);
// x[..., index, ...] along dim, that dim removed (PyTorch's x.select(dim, index), e.g. o[:, -1, :] is
// select(o, 1, -1)). A negative index counts from the end. A copy; dx[..., index, ...] += dy.
Tensor select(const Tensor& x, int dim, int64_t index);
Tensor concat(const std::vector<Tensor>& xs, int dim);
Tensor stack(const std::vector<Tensor>& xs, int dim);
Tensor narrow(const Tensor& x, int dim, int64_t start, int64_t length);  // a copy
// Rows of a table by index: table [V, D...], idx i64 of any shape [*] -> [*, D...].
// This is the embedding lookup; the gradient adds each output row into its table row.
Tensor index_select(const Tensor& table, const Tensor& idx);
// Throws "<op>: index 12 at position [1, 0] is out of range for <bound_name>=10" unless every
// index of idx (i64) is in [0, bound).
void check_index_range(const char* op, const Tensor& idx, int64_t bound, const char* bound_name);
// mask: same shape as x or broadcastable to it; nonzero = true (f32 or i64).
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
// cond ? a : b, all three broadcast together; nonzero = true.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

}  // namespace tg
