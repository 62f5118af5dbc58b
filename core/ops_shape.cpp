// Ops that move or select elements without arithmetic: reshape (a view), concat/stack/narrow
// (copies), index_select (the embedding lookup), masked_fill and where.
#include <cstring>

#include "core/kernels.hpp"
#include "core/ops.hpp"
#include "core/tape.hpp"

namespace tg {

using detail::split_at;

// y = x viewed with a new shape (same storage)      dx += dy (same element order)
Tensor reshape(const Tensor& x, Shape shape) {
  check_defined("reshape", x);
  int infer = -1;
  int64_t known = 1;
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      if (infer >= 0) fail("reshape: only one dimension can be -1, got {}", shape);
      infer = d;
    } else {
      known *= shape[d];
    }
  }
  if (infer >= 0 && known != 0 && x.numel() % known == 0) shape[infer] = x.numel() / known;
  if (shape.numel() != x.numel() || (infer >= 0 && shape[infer] < 0))
    fail("reshape: cannot view shape {} ({} elements) as {}", x.shape(), x.numel(), shape);
  auto impl = make_impl();
  impl->storage = x.impl()->storage;
  impl->offset = x.impl()->offset;
  impl->shape = shape;
  impl->dtype = x.dtype();
  Tensor y(impl);
  record("reshape", y, {x}, [](Node& n) {
    GradTarget dx = n.grad_in_all(0);
    const float* dy = n.grad_out();
    const int64_t count = n.output.numel();
    dx.write([&](auto store) { for (int64_t i = 0; i < count; ++i) store(dx.data[i], dy[i]); });
  });
  return y;
}

Tensor flatten(const Tensor& x) { return reshape(x, Shape{x.numel()}); }

Tensor unsqueeze(const Tensor& x, int dim) {
  check_defined("unsqueeze", x);
  int nd = x.dim() + 1;
  if (dim < -nd || dim >= nd) fail("unsqueeze: dim {} is out of range for a tensor of shape {}", dim, x.shape());
  Shape s = x.shape();
  s.insert(dim < 0 ? dim + nd : dim, 1);
  return reshape(x, s);
}

Tensor squeeze(const Tensor& x, int dim) {
  check_defined("squeeze", x);
  dim = normalize_dim("squeeze", dim, x.shape());
  if (x.size(dim) != 1) fail("squeeze: dim {} of shape {} has size {}, expected 1", dim, x.shape(), x.size(dim));
  Shape s = x.shape();
  s.erase(dim);
  return reshape(x, s);
}

Tensor squeeze(const Tensor& x) {
  check_defined("squeeze", x);
  Shape s;
  for (int64_t d : x.shape())
    if (d != 1) s.push_back(d);
  return reshape(x, s);
}

// y = copy of x      dx += dy
Tensor Tensor::clone() const {
  check_defined("clone", *this);
  Tensor y = empty(shape(), dtype());
  std::memcpy(y.impl()->storage->data, impl()->storage->data + impl()->offset * dtype_size(dtype()),
              size_t(numel()) * dtype_size(dtype()));
  record("clone", y, {*this}, [](Node& n) {
    GradTarget dx = n.grad_in_all(0);
    const float* dy = n.grad_out();
    const int64_t count = n.output.numel();
    dx.write([&](auto store) { for (int64_t i = 0; i < count; ++i) store(dx.data[i], dy[i]); });
  });
  return y;
}

// y = [x0, x1, ...] joined along dim       each dx_j += its slice of dy
// Every input is [outer, size_j, inner]; y is [outer, sum_j size_j, inner].
Tensor concat(const std::vector<Tensor>& xs, int dim) {
  if (xs.empty()) fail("concat: no tensors given");
  const Shape& first = xs[0].shape();
  dim = normalize_dim("concat", dim, first);
  Shape out_shape = first;
  out_shape[dim] = 0;
  for (size_t j = 0; j < xs.size(); ++j) {
    check_dtype("concat", xs[j], DType::f32);
    const Shape& s = xs[j].shape();
    bool same = s.size() == first.size();
    for (int d = 0; same && d < s.size(); ++d) same = d == dim || s[d] == first[d];
    if (!same) fail("concat: tensor {} has shape {}, expected {} except along dim {}", j, s, first, dim);
    out_shape[dim] += s[dim];
  }
  const auto parts_ = split_at(out_shape, dim);
  const int64_t outer = parts_.outer, total = parts_.size, inner = parts_.inner;  // not a structured binding: clang 14 cannot capture those
  Tensor y = empty(out_shape);
  int64_t at = 0;  // where tensor j starts along dim
  for (const Tensor& x : xs) {
    const int64_t block = x.size(dim) * inner;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(y.f32() + (o * total * inner) + at * inner, x.f32() + o * block, size_t(block) * sizeof(float));
    at += x.size(dim);
  }
  record("concat", y, xs, [outer, total, inner, dim](Node& n) {
    const float* dy = n.grad_out();
    int64_t at = 0;
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      const int64_t block = n.inputs[j].shape()[dim] * inner;
      if (float* dx = n.grad_in(int(j)))
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t e = 0; e < block; ++e) dx[o * block + e] += dy[o * total * inner + at * inner + e];
      at += n.inputs[j].shape()[dim];
    }
  });
  return y;
}

Tensor stack(const std::vector<Tensor>& xs, int dim) {
  if (xs.empty()) fail("stack: no tensors given");
  std::vector<Tensor> expanded;
  for (size_t j = 0; j < xs.size(); ++j) {
    if (!(xs[j].shape() == xs[0].shape()))
      fail("stack: tensor {} has shape {}, expected {} like tensor 0", j, xs[j].shape(), xs[0].shape());
    expanded.push_back(unsqueeze(xs[j], dim));
  }
  return concat(expanded, dim);
}

// y = x[..., start : start + length, ...] along dim (a copy)      dx[slice] += dy
Tensor narrow(const Tensor& x, int dim, int64_t start, int64_t length) {
  check_dtype("narrow", x, DType::f32);
  dim = normalize_dim("narrow", dim, x.shape());
  if (start < 0 || length < 0 || start + length > x.size(dim))
    fail("narrow: [{}, {}) is out of range for dim {} of size {} (shape {})", start, start + length, dim,
         x.size(dim), x.shape());
  const auto parts_ = split_at(x.shape(), dim);
  const int64_t outer = parts_.outer, size = parts_.size, inner = parts_.inner;  // not a structured binding: clang 14 cannot capture those
  Shape out_shape = x.shape();
  out_shape[dim] = length;
  Tensor y = empty(out_shape);
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(y.f32() + o * length * inner, x.f32() + (o * size + start) * inner, size_t(length * inner) * sizeof(float));
  record("narrow", y, {x}, [outer, size, inner, start, length](Node& n) {
    float* dx = n.grad_in(0);
    const float* dy = n.grad_out();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t e = 0; e < length * inner; ++e) dx[(o * size + start) * inner + e] += dy[o * length * inner + e];
  });
  return y;
}

// y = x[..., index, ...] (dim removed) = narrow(x, dim, index, 1) without that dim
Tensor select(const Tensor& x, int dim, int64_t index) {
  check_defined("select", x);
  dim = normalize_dim("select", dim, x.shape());
  const int64_t size = x.size(dim);
  if (index < -size || index >= size)
    fail("select: index {} is out of range for dim {} of size {} (shape {})", index, dim, size, x.shape());
  return squeeze(narrow(x, dim, index < 0 ? index + size : index, 1), dim);
}

void check_index_range(const char* op, const Tensor& idx, int64_t bound, const char* bound_name) {
  check_dtype(op, idx, DType::i64);
  const int64_t* p = idx.i64();
  for (int64_t j = 0; j < idx.numel(); ++j)
    if (p[j] < 0 || p[j] >= bound)
      fail("{}: index {} at position {} is out of range for {}={}", op, p[j], position_of(j, idx.shape()), bound_name, bound);
}

// y[j, :] = table[idx[j], :]       table: [V, D...]  idx: [*]  y: [*, D...]
// dtable[idx[j], :] += dy[j, :]    (rows used twice get both gradients, in index order)
Tensor index_select(const Tensor& table, const Tensor& idx) {
  check_dtype("index_select", table, DType::f32);
  if (table.dim() < 1) fail("index_select: the table must have at least 1 dim, got shape {}", table.shape());
  check_index_range("index_select", idx, table.size(0), "table rows");
  const int64_t row = table.numel() / std::max<int64_t>(table.size(0), 1);
  Shape out_shape = idx.shape();
  for (int d = 1; d < table.dim(); ++d) out_shape.push_back(table.size(d));
  Tensor y = empty(out_shape);
  const int64_t* pi = idx.i64();
  for (int64_t j = 0; j < idx.numel(); ++j)
    std::memcpy(y.f32() + j * row, table.f32() + pi[j] * row, size_t(row) * sizeof(float));
  record("index_select", y, {table, idx}, [row](Node& n) {
    float* dtable = n.grad_in(0);
    const float* dy = n.grad_out();
    const Tensor& idx = n.input(1);
    const int64_t* pi = idx.i64();
    for (int64_t j = 0; j < idx.numel(); ++j)
      for (int64_t e = 0; e < row; ++e) dtable[pi[j] * row + e] += dy[j * row + e];
  });
  return y;
}

// Is element i of a mask true? Masks are f32 or i64; nonzero means true.
static bool truthy(const Tensor& mask, int64_t i) {
  return mask.dtype() == DType::f32 ? mask.f32()[i] != 0.0f : mask.i64()[i] != 0;
}

// y = mask ? value : x       x: [*]  mask: broadcastable to x      dx += dy where !mask
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_dtype("masked_fill", x, DType::f32);
  check_defined("masked_fill", mask);
  if (!(broadcast_shapes("masked_fill", x.shape(), mask.shape()) == x.shape()))
    fail("masked_fill: mask of shape {} does not broadcast to the input's shape {}", mask.shape(), x.shape());
  Tensor y = empty(x.shape());
  const float* px = x.f32();
  float* py = y.f32();
  detail::broadcast_for_each(x.shape(), mask.shape(), Shape{}, Shape{}, [&](int64_t o, int64_t im, int64_t, int64_t) {
    py[o] = truthy(mask, im) ? float(value) : px[o];
  });
  record("masked_fill", y, {x, mask}, [](Node& n) {
    float* dx = n.grad_in(0);
    const float* dy = n.grad_out();
    const Tensor& mask = n.input(1);
    detail::broadcast_for_each(n.output.shape(), mask.shape(), Shape{}, Shape{}, [&](int64_t o, int64_t im, int64_t, int64_t) {
      if (!truthy(mask, im)) dx[o] += dy[o];
    });
  });
  return y;
}

// y = cond ? a : b    (all three broadcast)      da += dy where cond, db += dy where !cond
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_defined("where", cond);
  check_dtype("where", a, DType::f32);
  check_dtype("where", b, DType::f32);
  Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  Tensor y = empty(shape);
  const float *pa = a.f32(), *pb = b.f32();
  float* py = y.f32();
  detail::broadcast_for_each(shape, cond.shape(), a.shape(), b.shape(), [&](int64_t o, int64_t ic, int64_t ia, int64_t ib) {
    py[o] = truthy(cond, ic) ? pa[ia] : pb[ib];
  });
  record("where", y, {cond, a, b}, [](Node& n) {
    const Tensor& cond = n.input(0);
    float *da = n.grad_in(1), *db = n.grad_in(2);
    const float* dy = n.grad_out();
    detail::broadcast_for_each(n.output.shape(), cond.shape(), n.inputs[1].shape(), n.inputs[2].shape(),
                               [&](int64_t o, int64_t ic, int64_t ia, int64_t ib) {
                                 if (truthy(cond, ic)) {
                                   if (da) da[ia] += dy[o];
                                 } else if (db) {
                                   db[ib] += dy[o];
                                 }
                               });
  });
  return y;
}

}  // namespace tg
