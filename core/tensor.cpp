#include "core/tensor.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include "core/buffer_cache.hpp"
#include "core/ops.hpp"
#include "core/pool.hpp"
#include "core/tape.hpp"

namespace tg {

const char* dtype_name(DType dt) { return dt == DType::f32 ? "float32" : "int64"; }
size_t dtype_size(DType dt) { return dt == DType::f32 ? 4 : 8; }

Storage::Storage(size_t n) : bytes(n) {
  // Up to 64 bytes: inside this object. Up to 4 KiB: malloc (16-byte aligned, and much cheaper than
  // aligned_alloc). Larger: 64-byte aligned for the vector kernels, from the buffer cache
  // (core/buffer_cache.hpp), so a training step does not fault in its large buffers again every time.
  if (n <= sizeof(small)) {
    data = small;
  } else if (n <= kMallocMax) {
    data = static_cast<std::byte*>(std::malloc(n));
  } else {
    data = static_cast<std::byte*>(detail::allocate_buffer(n));
  }
  if (!data) throw std::bad_alloc();
}
Storage::~Storage() {
  if (data == small) return;
  if (bytes <= kMallocMax) std::free(data);
  else detail::free_buffer(data, bytes);
}

// ---- element access ----

int64_t Tensor::size(int d) const { return shape()[normalize_dim("size", d, shape())]; }

template <typename T>
static constexpr DType dtype_of() {
  return std::is_same_v<T, float> ? DType::f32 : DType::i64;
}

template <typename T>
T* Tensor::data() {
  if (!impl_) fail("data: the tensor is undefined");
  if (impl_->dtype != dtype_of<T>())
    fail("data: tensor is {}, asked for {}", dtype_name(impl_->dtype), dtype_name(dtype_of<T>()));
  return reinterpret_cast<T*>(impl_->storage->data) + impl_->offset;
}
template <typename T>
const T* Tensor::data() const {
  return const_cast<Tensor*>(this)->data<T>();
}
template float* Tensor::data<float>();
template int64_t* Tensor::data<int64_t>();
template const float* Tensor::data<float>() const;
template const int64_t* Tensor::data<int64_t>() const;

static double element(const Tensor& t, int64_t flat) {
  return t.dtype() == DType::f32 ? double(t.f32()[flat]) : double(t.i64()[flat]);
}

double Tensor::at(std::initializer_list<int64_t> index) const {
  check_defined("at", *this);
  if (int(index.size()) != dim()) fail("at: {} indices given for a tensor of shape {}", index.size(), shape());
  auto strides = contiguous_strides(shape());
  int64_t flat = 0;
  int d = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= shape()[d])
      fail("at: index {} at dim {} is out of range for a tensor of shape {}", i, d, shape());
    flat += i * strides[d++];
  }
  return element(*this, flat);
}

double Tensor::item() const {
  check_defined("item", *this);
  if (numel() != 1) fail("item: the tensor has {} elements (shape {}), expected 1", numel(), shape());
  return element(*this, 0);
}

std::vector<float> Tensor::to_vector() const {
  check_defined("to_vector", *this);
  std::vector<float> v(static_cast<size_t>(numel()));
  for (int64_t i = 0; i < numel(); ++i) v[size_t(i)] = float(element(*this, i));
  return v;
}

std::vector<int64_t> Tensor::to_indices() const {
  check_dtype("to_indices", *this, DType::i64);
  return std::vector<int64_t>(i64(), i64() + numel());
}

// ---- autograd handles ----

Tensor& Tensor::requires_grad_(bool on) {
  check_defined("requires_grad_", *this);
  if (on && dtype() != DType::f32) fail("requires_grad_: only float32 tensors can require grad, this one is {}", dtype_name(dtype()));
  if (!is_leaf()) fail("requires_grad_: only leaf tensors can change requires_grad; use detach() first");
  impl_->requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return impl_->grad ? Tensor(impl_->grad) : Tensor(); }

Tensor& Tensor::set_grad(const Tensor& g) {
  check_defined("set_grad", *this);
  impl_->sparse_grad.reset();
  if (!g.defined()) {
    impl_->grad.reset();
    return *this;
  }
  check_dtype("set_grad", g, DType::f32);
  if (!(g.shape() == shape())) fail("set_grad: the gradient has shape {}, expected {} (the tensor's)", g.shape(), shape());
  impl_->grad = g.detach().take_impl();
  return *this;
}

void Tensor::zero_grad() {
  impl_->grad.reset();
  impl_->sparse_grad.reset();
}

Tensor Tensor::detach() const {
  auto d = make_impl();
  d->storage = impl_->storage;
  d->offset = impl_->offset;
  d->shape = impl_->shape;
  d->dtype = impl_->dtype;
  return Tensor(d);
}

Tensor& Tensor::set_name(std::string name) {
  impl_->name = std::move(name);
  return *this;
}

// ---- creation ----

std::shared_ptr<TensorImpl> make_impl() {
  return std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>{});
}

Tensor empty(Shape shape, DType dtype) {
  for (int64_t d : shape)
    if (d < 0) fail("empty: shape {} has a negative dimension", shape);
  auto impl = make_impl();
  impl->storage =
      std::allocate_shared<Storage>(detail::PoolAllocator<Storage>{},
                                    size_t(checked_mul(shape.numel(), int64_t(dtype_size(dtype)), "empty")));
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor zeros(Shape shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.impl()->storage->data, 0, t.impl()->storage->bytes);
  return t;
}

Tensor full(Shape shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  if (dtype == DType::f32)
    std::fill_n(t.f32(), t.numel(), float(value));
  else
    std::fill_n(t.i64(), t.numel(), int64_t(value));
  return t;
}

Tensor ones(Shape shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }

Tensor tensor(std::vector<float> values, Shape shape) {
  if (int64_t(values.size()) != shape.numel())
    fail("tensor: {} values given for shape {}, which holds {}", values.size(), shape, shape.numel());
  Tensor t = empty(shape);
  std::copy(values.begin(), values.end(), t.f32());
  return t;
}
Tensor tensor(std::vector<float> values) {
  Shape s{int64_t(values.size())};
  return tensor(std::move(values), s);
}

Tensor indices(std::vector<int64_t> values, Shape shape) {
  if (int64_t(values.size()) != shape.numel())
    fail("indices: {} values given for shape {}, which holds {}", values.size(), shape, shape.numel());
  Tensor t = empty(shape, DType::i64);
  std::copy(values.begin(), values.end(), t.i64());
  return t;
}
Tensor indices(std::vector<int64_t> values) {
  Shape s{int64_t(values.size())};
  return indices(std::move(values), s);
}

Tensor scalar(double value) { return full(Shape{}, value); }

Tensor arange(int64_t end, DType dtype) { return arange(0, double(end), 1, dtype); }

Tensor arange(double start, double end, double step, DType dtype) {
  if (step == 0 || (end - start) / step < 0) fail("arange: cannot go from {} to {} in steps of {}", start, end, step);
  auto n = int64_t(std::ceil((end - start) / step));
  Tensor t = empty(Shape{n}, dtype);
  for (int64_t i = 0; i < n; ++i) {
    double v = start + double(i) * step;
    if (dtype == DType::f32) t.f32()[i] = float(v); else t.i64()[i] = int64_t(v);
  }
  return t;
}

void check_defined(const char* op, const Tensor& t) {
  if (!t.defined()) fail("{}: the tensor is undefined", op);
}

void check_dtype(const char* op, const Tensor& t, DType want) {
  check_defined(op, t);
  if (t.dtype() != want)
    fail("{}: expected a {} tensor, got {} (shape {})", op, dtype_name(want), dtype_name(t.dtype()), t.shape());
}

// ---- method forms of ops ----
Tensor Tensor::reshape(Shape s) const { return tg::reshape(*this, s); }
Tensor Tensor::flatten() const { return tg::flatten(*this); }
Tensor Tensor::unsqueeze(int d) const { return tg::unsqueeze(*this, d); }
Tensor Tensor::squeeze() const { return tg::squeeze(*this); }
Tensor Tensor::squeeze(int d) const { return tg::squeeze(*this, d); }
Tensor Tensor::t() const { return tg::transpose(*this); }
Tensor Tensor::sum() const { return tg::sum(*this); }
Tensor Tensor::sum(int d, bool keepdim) const { return tg::sum(*this, d, keepdim); }
Tensor Tensor::mean() const { return tg::mean(*this); }
Tensor Tensor::mean(int d, bool keepdim) const { return tg::mean(*this, d, keepdim); }
Tensor Tensor::exp() const { return tg::exp(*this); }
Tensor Tensor::log() const { return tg::log(*this); }
Tensor Tensor::sqrt() const { return tg::sqrt(*this); }
Tensor Tensor::tanh() const { return tg::tanh(*this); }
Tensor Tensor::sigmoid() const { return tg::sigmoid(*this); }
Tensor Tensor::relu() const { return tg::relu(*this); }
Tensor Tensor::pow(double e) const { return tg::pow(*this, e); }

}  // namespace tg
