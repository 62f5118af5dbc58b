#pragma once
// Shape: up to 8 dimensions stored inline (no heap allocation per tensor).
#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include <fmt/format.h>

namespace tg {

// a * b for sizes (element counts, byte counts), both >= 0. When the product does not fit in int64 it
// throws tg::Error naming `what` and both factors: "empty: 4611686018427387904 x 8 bytes overflows
// 64 bits". Every size product in core/ goes through it (or through Shape::numel, which uses it).
// Inline, and the throw out of line: Tensor::numel() runs it once a dim, several times per op.
[[noreturn]] void fail_size_overflow(int64_t a, int64_t b, const char* what);
inline int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  int64_t product = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &product)) [[unlikely]]
    fail_size_overflow(a, b, what);
  return product;
}

class Shape {
 public:
  static constexpr int kMaxDims = 8;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(std::span<const int64_t> dims);

  int size() const { return ndim_; }
  int64_t operator[](int i) const { return dims_[i]; }
  int64_t& operator[](int i) { return dims_[i]; }
  const int64_t* begin() const { return dims_.data(); }
  const int64_t* end() const { return dims_.data() + ndim_; }
  int64_t back() const { return dims_[ndim_ - 1]; }

  // The product of the dims, checked: throws instead of wrapping. -1 while a dim is -1 (a reshape
  // target whose dim is still to be inferred).
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim_; ++i) {
      if (dims_[i] < 0) return -1;
      n = checked_mul(n, dims_[i], "shape");
    }
    return n;
  }
  void push_back(int64_t d);
  void insert(int at, int64_t d);
  void erase(int at);

  friend bool operator==(const Shape& a, const Shape& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  std::array<int64_t, kMaxDims> dims_{};
  int ndim_ = 0;
};

// Row-major strides in elements: strides([2,3,4]) = [12,4,1].
std::array<int64_t, Shape::kMaxDims> contiguous_strides(const Shape& s);

// "[3, 7]": the multi-index of element `flat` of a contiguous tensor of `shape`, for error messages.
std::string position_of(int64_t flat, const Shape& shape);

// A dim argument of an op may be negative (-1 = last); returns it in [0, ndim) or throws
// "<op>: dim 3 is out of range for a tensor of shape [2, 4]".
int normalize_dim(const char* op, int dim, const Shape& s);

}  // namespace tg

// fmt::print("{}", shape) prints "[2, 3, 4]".
template <>
struct fmt::formatter<tg::Shape> : fmt::formatter<std::string_view> {
  auto format(const tg::Shape& s, format_context& ctx) const -> decltype(ctx.out()) {
    auto out = fmt::format_to(ctx.out(), "[");
    for (int i = 0; i < s.size(); ++i) out = fmt::format_to(out, "{}{}", i ? ", " : "", s[i]);
    return fmt::format_to(out, "]");
  }
};
