#pragma once
// Loading the PyTorch fixtures (tests/fixtures/*.safetensors, see tests/fixtures/README.md) and
// comparing tensors against them.
#include <cmath>
#include <string>

#include <doctest/doctest.h>

#include "core/safetensors.hpp"
#include "core/format.hpp"

namespace tg::test {

// One fixture file; fixture["padding.grad.weight"] is a tensor of it (a clear failure if absent).
struct Fixture {
  explicit Fixture(const std::string& family)
      : file(load_safetensors(std::string(TG_TEST_DIR) + "/fixtures/" + family + ".safetensors")) {}
  Tensor operator[](const std::string& name) const {
    auto it = file.tensors.find(name);
    if (it == file.tensors.end()) fail("fixture: no tensor named '{}'", name);
    return it->second;
  }
  bool has(const std::string& name) const { return file.tensors.count(name) > 0; }
  SafetensorsFile file;
};

// Every element of got within atol + rtol * |want| of want; reports the worst element.
inline void check_close(const Tensor& got, const Tensor& want, double rtol = 1e-5, double atol = 1e-6) {
  REQUIRE(got.defined());
  REQUIRE(want.defined());
  REQUIRE_MESSAGE(got.shape() == want.shape(), fmt::format("shape {} vs expected {}", got.shape(), want.shape()));
  auto g = got.to_vector(), w = want.to_vector();
  int64_t worst = -1;
  double worst_excess = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    double excess = std::fabs(double(g[i]) - w[i]) - (atol + rtol * std::fabs(w[i]));
    if (std::isnan(g[i]) != std::isnan(w[i])) excess = INFINITY;
    if (excess > worst_excess) worst_excess = excess, worst = int64_t(i);
  }
  CHECK_MESSAGE(worst < 0, fmt::format("element {}: got {} expected {}", worst, worst < 0 ? 0 : g[size_t(worst)],
                                       worst < 0 ? 0 : w[size_t(worst)]));
}

}  // namespace tg::test
