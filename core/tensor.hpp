#pragma once
// Tensor: a handle to contiguous row-major storage with a shape, a dtype and (for float tensors
// that take part in training) a gradient and a place on the tape.
//
//   Tensor w = tg::randn({3, 2}).requires_grad_();   // a leaf parameter
//   Tensor y = tg::matmul(x, w);                       // recorded on the tape
//   y.sum().backward();                                // w.grad() now holds dL/dw
//
// Copying a Tensor copies the handle, not the data (as in PyTorch). reshape() shares storage.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/shape.hpp"

namespace tg {

// The element type is a runtime field, not a template parameter. f32 for values and gradients,
// i64 for indices; f16 and bf16 (core/half.hpp) and i8 (core/quantize.hpp) store embedding tables
// in less memory. Ops compute in f32: one given another dtype throws "<op>: expected a float32
// tensor, got float16 ..." (check_dtype), never reads the bytes as f32. Tensor::to converts.
enum class DType : uint8_t { f32, i64, f16, bf16, i8 };
const char* dtype_name(DType dt);  // PyTorch's names: "float32", "int64", "float16", "bfloat16", "int8"
size_t dtype_size(DType dt);       // bytes per element: 4, 8, 2, 2, 1
bool is_floating(DType dt);        // f32, f16, bf16: the dtypes a tensor that requires grad may have

// A byte buffer, shared by every tensor that views it.
// Buffers of up to 64 bytes live inside the Storage object itself, so a small tensor costs one
// allocation less (the tape's per-op overhead is mostly allocations).
struct Storage {
  explicit Storage(size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  std::byte* data;
  size_t bytes;
  alignas(16) std::byte small[64];
  static constexpr size_t kMallocMax = 4096;  // larger buffers come from core/buffer_cache.hpp
};

struct TensorImpl;

// A gradient that touches only some rows of a [V, D...] table, as Embedding(sparse=true) produces:
// rows[k] is a row index (sorted, unique), values[k] its summed gradient. See core/sparse_grad.hpp.
struct RowSparseGrad;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  size_t offset = 0;  // in elements, for views into a larger buffer
  Shape shape;
  DType dtype = DType::f32;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // dense gradient, same shape, f32; null until backward reaches it
  std::shared_ptr<RowSparseGrad> sparse_grad;
  // Part of the dense gradient, held as rows: an embedding's backward into a table puts the rows it
  // touched here instead of zero-filling and scattering into a dense [V, D] `grad`. The dense gradient
  // is `grad` (zero where null) plus these rows; Tensor::grad() writes them into `grad` when asked,
  // and Adam reads them as they are (a zero gradient for every other row, without reading it).
  std::shared_ptr<RowSparseGrad> grad_rows;
  // Where this tensor was made on the tape: node index and the tape's epoch. node < 0: a leaf.
  int64_t node = -1;
  uint64_t epoch = 0;
  std::string name;  // optional, shown in to_dot()

  // The first element as f32, unchecked: for code that holds an impl (a gradient), not a handle.
  float* f32_data() const { return reinterpret_cast<float*>(storage->data) + offset; }
};

// A new, empty TensorImpl (no storage yet), from a per-thread pool (core/pool.hpp): every op makes
// one, so this is on the tape's hot path.
std::shared_ptr<TensorImpl> make_impl();

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (like an empty std::optional)
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  int dim() const { return impl_->shape.size(); }
  int64_t size(int d) const;  // d may be negative
  int64_t numel() const { return impl_->shape.numel(); }
  DType dtype() const { return impl_->dtype; }

  // Raw element pointers; T must match the dtype (float for f32, int64_t for i64, int8_t for i8) or
  // tg::Error. f16 and bf16 elements are uint16_t bit patterns: f16() and bf16() (core/half.hpp).
  template <typename T> T* data();
  template <typename T> const T* data() const;
  float* f32() { return data<float>(); }
  const float* f32() const { return data<float>(); }
  int64_t* i64() { return data<int64_t>(); }
  const int64_t* i64() const { return data<int64_t>(); }
  int8_t* i8() { return data<int8_t>(); }
  const int8_t* i8() const { return data<int8_t>(); }
  uint16_t* f16() { return half_bits(DType::f16); }
  const uint16_t* f16() const { return const_cast<Tensor*>(this)->half_bits(DType::f16); }
  uint16_t* bf16() { return half_bits(DType::bf16); }
  const uint16_t* bf16() const { return const_cast<Tensor*>(this)->half_bits(DType::bf16); }
  // The first element's bytes, whatever the dtype (for I/O and memcpy).
  std::byte* raw_data();
  const std::byte* raw_data() const { return const_cast<Tensor*>(this)->raw_data(); }
  int64_t nbytes() const { return numel() * int64_t(dtype_size(dtype())); }  // as PyTorch's Tensor.nbytes

  // A copy in another dtype, as PyTorch's Tensor.to(dtype); the same tensor when the dtype already
  // matches. f32 -> f16/bf16 rounds to nearest even; float -> integer truncates toward zero (as a C++
  // cast, clamped to the integer's range). Not recorded on the tape.
  Tensor to(DType dtype) const;
  // Makes this tensor hold source's data (storage, shape, dtype), keeping its identity: its
  // requires_grad, gradient and every handle that shares it (a Module's registry) see the new data.
  // PyTorch's `param.data = source`. Used to change a parameter's dtype in place (Module::half()).
  Tensor& set_data(const Tensor& source);

  // Element access by multi-index (checked), for tests and small programs: t.at({1, 2}).
  double at(std::initializer_list<int64_t> index) const;
  double item() const;  // the value of a one-element tensor
  std::vector<float> to_vector() const;  // f32 values (i64 converted), row-major
  std::vector<int64_t> to_indices() const;  // i64 values

  // Autograd.
  bool requires_grad() const { return impl_->requires_grad; }
  Tensor& requires_grad_(bool on = true);  // only on leaves, like PyTorch
  bool is_leaf() const { return impl_->node < 0; }
  Tensor grad() const;                       // undefined until a backward() reaches this tensor
  // A dense gradient exists (in `grad` or as pending rows), without writing the rows out as grad() does.
  bool has_dense_grad() const { return impl_->grad || impl_->grad_rows; }
  const RowSparseGrad* grad_rows() const { return impl_->grad_rows.get(); }  // see TensorImpl::grad_rows
  // Sets the dense gradient (PyTorch's `p.grad = g`, libtorch's `mutable_grad() = g`): g must be f32 with
  // this tensor's shape; it is shared, not copied, so later backward passes accumulate into it. An
  // undefined g drops the gradient. Any row-sparse gradient is dropped too.
  Tensor& set_grad(const Tensor& g);
  const RowSparseGrad* sparse_grad() const { return impl_->sparse_grad.get(); }  // null unless sparse
  void zero_grad();                          // drops the gradient (PyTorch's set_to_none)
  void backward(bool retain_graph = false);  // on a one-element tensor
  void backward(const Tensor& grad_output, bool retain_graph = false);
  Tensor detach() const;  // same storage, cut from the tape
  Tensor clone() const;   // a copy of the data, differentiable

  Tensor& set_name(std::string name);
  const std::string& name() const { return impl_->name; }

  // Ops written as methods (the full list is in core/ops.hpp).
  Tensor reshape(Shape shape) const;
  Tensor view(Shape shape) const { return reshape(shape); }
  Tensor flatten() const;
  Tensor unsqueeze(int dim) const;
  Tensor squeeze() const;  // every dim of size 1
  Tensor squeeze(int dim) const;
  Tensor t() const;  // 2-D transpose
  Tensor sum() const;
  Tensor sum(int dim, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int dim, bool keepdim = false) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor pow(double exponent) const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  std::shared_ptr<TensorImpl> take_impl() && { return std::move(impl_); }  // from a temporary, no copy

 private:
  uint16_t* half_bits(DType want);
  std::shared_ptr<TensorImpl> impl_;
};

// ---- creation ----
Tensor empty(Shape shape, DType dtype = DType::f32);  // uninitialised
Tensor zeros(Shape shape, DType dtype = DType::f32);
Tensor ones(Shape shape, DType dtype = DType::f32);
Tensor full(Shape shape, double value, DType dtype = DType::f32);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor tensor(std::vector<float> values, Shape shape);  // f32; values.size() must equal shape.numel()
Tensor tensor(std::vector<float> values);               // 1-D
Tensor indices(std::vector<int64_t> values, Shape shape);  // i64
Tensor indices(std::vector<int64_t> values);               // 1-D
Tensor scalar(double value);                               // a 0-dim f32 tensor
Tensor arange(int64_t end, DType dtype = DType::i64);      // 0, 1, ..., end-1
Tensor arange(double start, double end, double step, DType dtype = DType::f32);

// Throws "<op>: expected a float32 tensor, got int64" (or i64) unless t has the dtype.
void check_dtype(const char* op, const Tensor& t, DType want);
void check_defined(const char* op, const Tensor& t);

}  // namespace tg
