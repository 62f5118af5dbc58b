#include "core/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/half.hpp"
#include "core/buffer_cache.hpp"
#include "core/ops.hpp"
#include "core/pool.hpp"
#include "core/sparse_grad.hpp"
#include "core/tape.hpp"

namespace tg {

// Switches without default: adding a DType makes the compiler point here.
const char* dtype_name(DType dt) {
  switch (dt) {
    case DType::f32: return "float32";
    case DType::i64: return "int64";
    case DType::f16: return "float16";
    case DType::bf16: return "bfloat16";
    case DType::i8: return "int8";
  }
  return "unknown";
}
size_t dtype_size(DType dt) {
  switch (dt) {
    case DType::f32: return 4;
    case DType::i64: return 8;
    case DType::f16: case DType::bf16: return 2;
    case DType::i8: return 1;
  }
  return 0;
}
bool is_floating(DType dt) { return dt == DType::f32 || dt == DType::f16 || dt == DType::bf16; }

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
  if constexpr (std::is_same_v<T, float>) return DType::f32;
  else if constexpr (std::is_same_v<T, int8_t>) return DType::i8;
  else return DType::i64;
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
template int8_t* Tensor::data<int8_t>();
template const float* Tensor::data<float>() const;
template const int64_t* Tensor::data<int64_t>() const;
template const int8_t* Tensor::data<int8_t>() const;

uint16_t* Tensor::half_bits(DType want) {
  if (!impl_) fail("data: the tensor is undefined");
  if (impl_->dtype != want) fail("data: tensor is {}, asked for {}", dtype_name(impl_->dtype), dtype_name(want));
  return reinterpret_cast<uint16_t*>(impl_->storage->data) + impl_->offset;
}

std::byte* Tensor::raw_data() {
  if (!impl_) fail("data: the tensor is undefined");
  return impl_->storage->data + impl_->offset * dtype_size(impl_->dtype);
}

// Element `flat` of any dtype, as a double (exact for every dtype but i64 beyond 2^53).
static double element(const Tensor& t, int64_t flat) {
  switch (t.dtype()) {
    case DType::f32: return t.f32()[flat];
    case DType::i64: return double(t.i64()[flat]);
    case DType::f16: return half_to_float(t.f16()[flat]);
    case DType::bf16: return bfloat16_to_float(t.bf16()[flat]);
    case DType::i8: return t.i8()[flat];
  }
  return 0;
}

// Stores value as element `flat` of t: rounded (float dtypes) or truncated and clamped (integers).
static void store_element(Tensor& t, int64_t flat, double value) {
  auto to_integer = [](double v, double lo, double hi) { return std::isnan(v) ? 0.0 : std::clamp(std::trunc(v), lo, hi); };
  switch (t.dtype()) {
    case DType::f32: t.f32()[flat] = float(value); break;
    case DType::i64: t.i64()[flat] = int64_t(to_integer(value, -0x1p63, 0x1p63 - 1024)); break;
    case DType::f16: t.f16()[flat] = float_to_half(float(value)); break;
    case DType::bf16: t.bf16()[flat] = float_to_bfloat16(float(value)); break;
    case DType::i8: t.i8()[flat] = int8_t(to_integer(value, -128, 127)); break;
  }
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
  if (on && !is_floating(dtype()))
    fail("requires_grad_: only floating-point tensors (float32, float16, bfloat16) can require grad, this one is {}",
         dtype_name(dtype()));
  if (!is_leaf()) fail("requires_grad_: only leaf tensors can change requires_grad; use detach() first");
  impl_->requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const {
  if (impl_->grad_rows) {  // rows held apart (an embedding's backward): written into the dense gradient now
    if (!impl_->grad) impl_->grad = zeros(shape()).take_impl();
    add_rows(*impl_->grad_rows, Tensor(impl_->grad).f32(), numel() / std::max<int64_t>(shape()[0], 1));
    impl_->grad_rows.reset();
  }
  return impl_->grad ? Tensor(impl_->grad) : Tensor();
}

Tensor& Tensor::set_grad(const Tensor& g) {
  check_defined("set_grad", *this);
  impl_->sparse_grad.reset();
  impl_->grad_rows.reset();
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
  impl_->grad_rows.reset();
}

Tensor Tensor::detach() const {
  auto d = make_impl();
  d->storage = impl_->storage;
  d->offset = impl_->offset;
  d->shape = impl_->shape;
  d->dtype = impl_->dtype;
  return Tensor(d);
}

// ---- dtype conversion ----

Tensor Tensor::to(DType target) const {
  check_defined("to", *this);
  if (dtype() == target) return *this;
  Tensor out = empty(shape(), target);
  const int64_t n = numel();
  // The conversions a reduced-precision table needs have their own loops (F16C where available);
  // the rest go element by element through double.
  if (dtype() == DType::f32 && target == DType::f16) floats_to_half(f32(), out.f16(), n);
  else if (dtype() == DType::f32 && target == DType::bf16) floats_to_bfloat16(f32(), out.bf16(), n);
  else if (dtype() == DType::f16 && target == DType::f32) half_to_floats(f16(), out.f32(), n);
  else if (dtype() == DType::bf16 && target == DType::f32) bfloat16_to_floats(bf16(), out.f32(), n);
  else
    for (int64_t i = 0; i < n; ++i) store_element(out, i, element(*this, i));
  return out;
}

Tensor& Tensor::set_data(const Tensor& source) {
  check_defined("set_data", *this);
  check_defined("set_data", source);
  if (!(source.shape() == shape()))
    fail("set_data: the new data has shape {}, expected {} (the tensor's)", source.shape(), shape());
  if (requires_grad() && !is_floating(source.dtype()))
    fail("set_data: a tensor that requires grad cannot hold {} data; call requires_grad_(false) first",
         dtype_name(source.dtype()));
  impl_->storage = source.impl()->storage;
  impl_->offset = source.impl()->offset;
  impl_->dtype = source.dtype();
  return *this;
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
  if (dtype == DType::f32) {
    std::fill_n(t.f32(), t.numel(), float(value));
  } else if (dtype == DType::i64) {
    std::fill_n(t.i64(), t.numel(), int64_t(value));
  } else {
    for (int64_t i = 0; i < t.numel(); ++i) store_element(t, i, value);
  }
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
    store_element(t, i, v);
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
