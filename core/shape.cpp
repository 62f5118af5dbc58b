#include "core/shape.hpp"

#include "core/error.hpp"

namespace tg {

void fail_size_overflow(int64_t a, int64_t b, const char* what) {
  fail("{}: the size {} x {} does not fit in 64 bits (about {:.3g} x {:.3g})", what, a, b, double(a), double(b));
}

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::span<const int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const int64_t> dims) {
  if (dims.size() > kMaxDims) fail("shape: {} dimensions given, at most {} are supported", dims.size(), kMaxDims);
  for (int64_t d : dims) push_back(d);
}

void Shape::push_back(int64_t d) {
  if (ndim_ == kMaxDims) fail("shape: more than {} dimensions are not supported", kMaxDims);
  // -1 is allowed so reshape can infer a dim; creating a tensor checks that no dim is negative.
  if (d < -1) fail("shape: dimension {} is negative ({})", ndim_, d);
  dims_[ndim_++] = d;
}

void Shape::insert(int at, int64_t d) {
  push_back(d);
  std::rotate(dims_.begin() + at, dims_.begin() + ndim_ - 1, dims_.begin() + ndim_);
}

void Shape::erase(int at) {
  std::copy(dims_.begin() + at + 1, dims_.begin() + ndim_, dims_.begin() + at);
  --ndim_;
}

std::array<int64_t, Shape::kMaxDims> contiguous_strides(const Shape& s) {
  std::array<int64_t, Shape::kMaxDims> st{};
  int64_t acc = 1;
  for (int i = s.size() - 1; i >= 0; --i) {
    st[i] = acc;
    acc = checked_mul(acc, std::max<int64_t>(s[i], 0), "strides");
  }
  return st;
}

std::string position_of(int64_t flat, const Shape& shape) {
  auto strides = contiguous_strides(shape);
  std::string out = "[";
  for (int d = 0; d < shape.size(); ++d) {
    out += fmt::format("{}{}", d ? ", " : "", flat / strides[d]);
    flat %= strides[d];
  }
  return out + "]";
}

int normalize_dim(const char* op, int dim, const Shape& s) {
  int n = s.size();
  if (dim < -n || dim >= n) fail("{}: dim {} is out of range for a tensor of shape {}", op, dim, s);
  return dim < 0 ? dim + n : dim;
}

}  // namespace tg
