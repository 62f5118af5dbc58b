#pragma once
// fmt::print("{}\n", t) prints a tensor as PyTorch does, with its shape:
//   tensor([[ 0.1000, -1.2000],
//           [ 2.0000,  3.0000]], shape=[2, 2], requires_grad)
// Large tensors (> 1000 elements) show the first and last 3 entries of each dim around "...".
#include <string>

#include <fmt/format.h>

#include "core/tensor.hpp"

namespace tg {
std::string to_string(const Tensor& t);
}

template <>
struct fmt::formatter<tg::Tensor> : fmt::formatter<std::string_view> {
  auto format(const tg::Tensor& t, format_context& ctx) const -> decltype(ctx.out()) {
    return fmt::format_to(ctx.out(), "{}", tg::to_string(t));
  }
};
