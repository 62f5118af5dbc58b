// Matrix products through OpenBLAS. Row-major throughout; leading dims of `a` are flattened, so
// [B, T, K] x [K, N] is one [B*T, K] x [K, N] sgemm.
#include "core/gemm.hpp"
#include "core/ops.hpp"
#include "core/tape.hpp"

namespace tg {

using detail::gemm;

// y = a b        a: [..., K]  b: [K, N]  y: [..., N]
// da += dy b^T   db += a^T dy        (a, dy viewed as [M, K] and [M, N] with M = numel(a) / K)
Tensor matmul(const Tensor& a, const Tensor& b) {
  check_dtype("matmul", a, DType::f32);
  check_dtype("matmul", b, DType::f32);
  if (a.dim() < 2 || b.dim() != 2)
    fail("matmul: {} x {}: expected a matrix (or [B, T, K] batch) times a matrix", a.shape(), b.shape());
  const int64_t k = a.shape().back(), n = b.size(1), m = a.numel() / std::max<int64_t>(k, 1);
  if (k != b.size(0)) fail("matmul: {} x {}: inner dimensions {} and {} differ", a.shape(), b.shape(), k, b.size(0));
  Shape out_shape = a.shape();
  out_shape[out_shape.size() - 1] = n;
  Tensor y = empty(out_shape);
  gemm(false, false, m, n, k, a.f32(), b.f32(), 0.0f, y.f32());
  record("matmul", y, {a, b}, [m, n, k](Node& node) {
    const float* dy = node.grad_out();
    // beta 0 on a gradient's first write (no zero-fill), 1 to add to an earlier one (see GradTarget)
    if (GradTarget da = node.grad_in_all(0)) gemm(false, true, m, k, n, dy, node.input(1).f32(), da.beta(), da.data);
    if (GradTarget db = node.grad_in_all(1)) gemm(true, false, k, n, m, node.input(0).f32(), dy, db.beta(), db.data);
  });
  return y;
}

// y[j, i] = x[i, j]      x: [M, N]  y: [N, M]      dx[i, j] += dy[j, i]
Tensor transpose(const Tensor& x) {
  check_dtype("transpose", x, DType::f32);
  if (x.dim() != 2) fail("transpose: expected a 2-D tensor, got shape {}", x.shape());
  const int64_t rows = x.size(0), cols = x.size(1);
  Tensor y = empty(Shape{cols, rows});
  detail::transpose_into(rows, cols, x.f32(), y.f32());
  record("transpose", y, {x}, [rows, cols](Node& n) {
    float* dx = n.grad_in(0);
    const float* dy = n.grad_out();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) dx[i * cols + j] += dy[j * rows + i];
  });
  return y;
}

}  // namespace tg
