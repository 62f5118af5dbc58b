// PyTorch-style printing: nested brackets, aligned columns, 4 decimals (or scientific notation when
// the magnitudes call for it), and "..." in the middle of long dims.
#include "core/format.hpp"

#include <cmath>

namespace tg {

namespace {

constexpr int64_t kSummarizeAbove = 1000;  // elements; PyTorch's threshold
constexpr int64_t kEdgeItems = 3;

struct Printer {
  const Tensor& t;
  bool summarize;
  bool scientific = false;
  int width = 0;
  std::string out;

  std::string element(int64_t flat) const {
    if (t.dtype() == DType::i64) return fmt::format("{}", t.i64()[flat]);
    float v = t.f32()[flat];
    return scientific ? fmt::format("{:.4e}", v) : fmt::format("{:.4f}", v);
  }

  // Indices of dim d to show: all, or the first and last kEdgeItems with a gap (-1) between.
  std::vector<int64_t> shown(int d) const {
    std::vector<int64_t> idx;
    int64_t n = t.shape()[d];
    if (!summarize || n <= 2 * kEdgeItems) {
      for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    } else {
      for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      idx.push_back(-1);
      for (int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }

  void print(int d, int64_t base, int indent) {
    const Shape& s = t.shape();
    auto strides = contiguous_strides(s);
    out += "[";
    auto idx = shown(d);
    for (size_t j = 0; j < idx.size(); ++j) {
      if (j > 0) {
        out += ",";
        if (d == s.size() - 1)
          out += " ";
        else
          out += std::string(size_t(s.size() - 1 - d), '\n') + std::string(size_t(indent + 1), ' ');
      }
      if (idx[j] < 0) {
        out += "...";
        continue;
      }
      if (d == s.size() - 1)
        out += fmt::format("{:>{}}", element(base + idx[j]), width);
      else
        print(d + 1, base + idx[j] * strides[d], indent + 1);
    }
    out += "]";
  }
};

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  if (t.dtype() != DType::f32 && t.dtype() != DType::i64) {  // f16, bf16, i8: their values, then the dtype
    std::string shown = to_string(t.to(t.dtype() == DType::i8 ? DType::i64 : DType::f32));
    if (t.dtype() == DType::i8) shown.erase(shown.find(", dtype=int64"), std::string(", dtype=int64").size());
    shown.insert(shown.size() - 1, fmt::format(", dtype={}", dtype_name(t.dtype())));
    return shown;
  }
  Printer p{t, t.numel() > kSummarizeAbove, false, 0, {}};
  if (t.dtype() == DType::f32) {
    float largest = 0, smallest = INFINITY;
    for (int64_t i = 0; i < t.numel(); ++i) {
      float a = std::fabs(t.f32()[i]);
      if (!std::isfinite(a)) continue;
      largest = std::max(largest, a);
      if (a > 0) smallest = std::min(smallest, a);
    }
    p.scientific = largest >= 1e8f || (largest > 0 && largest / smallest > 1e3f && smallest < 1e-4f);
  }
  // Column width from the elements that can be shown (the first and last kSummarizeAbove).
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (i == kSummarizeAbove && t.numel() > 2 * kSummarizeAbove) i = t.numel() - kSummarizeAbove;
    p.width = std::max(p.width, int(p.element(i).size()));
  }
  std::string body;
  if (t.dim() == 0) {
    body = p.element(0);
  } else {
    p.print(0, 0, int(std::string("tensor(").size()));
    body = p.out;
  }
  std::string extras = fmt::format(", shape={}", t.shape());
  if (t.dtype() == DType::i64) extras += ", dtype=int64";
  if (t.requires_grad()) extras += ", requires_grad";
  return "tensor(" + body + extras + ")";
}

}  // namespace tg
