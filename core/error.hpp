#pragma once
// tg::Error: the one exception type for user mistakes (bad shape, bad index, bad file).
// Its message names the op or file, what was given and what was expected, in one line.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace tg {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// fail("matmul: {} x {}: inner dimensions {} and {} differ", a, b, k1, k2)
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace tg
