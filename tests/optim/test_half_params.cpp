// Optimizers on a float16 / bfloat16 embedding table: the update is computed in float32 (float32
// gradient and moments) and rounded once when stored; no float32 master copy is kept.
#include <cmath>
#include <cstring>

#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"
#include "optim/adam.hpp"
#include "optim/lazy_adam.hpp"
#include "optim/sgd.hpp"

using namespace tg;

namespace {

// One step of `make` on a table of `dtype`, and the same step on a float32 table holding the same
// (already rounded) values: the reduced table must equal the float32 result rounded once.
template <typename MakeOptimizer>
void check_one_rounding(DType dtype, bool sparse, MakeOptimizer make) {
  manual_seed(31);
  nn::Embedding reduced(40, 16, {.sparse = sparse});
  reduced.to(dtype);
  nn::Embedding exact(40, 16, {.sparse = sparse});
  exact.load_state_dict(reduced.state_dict());  // the reduced values, exactly, in float32
  Tensor ids = indices({3, 9, 3, 17});
  Tensor grad_output = randn({4, 16});
  auto opt_reduced = make(reduced.trainable_parameters());
  auto opt_exact = make(exact.trainable_parameters());
  for (int step = 0; step < 3; ++step) {
    opt_reduced->zero_grad();
    opt_exact->zero_grad();
    reduced.forward(ids).backward(grad_output);
    exact.forward(ids).backward(grad_output);
    opt_reduced->step();
    opt_exact->step();
    // The next step starts from the stored (rounded) values on both sides.
    exact.load_state_dict(reduced.state_dict());
  }
  CHECK(reduced.weight.dtype() == dtype);
  for (const auto& [name, buffer] : opt_reduced->state_tensors()) CHECK(buffer.dtype() == DType::f32);
  // Redo the last step in float32 and round: bit-identical to what the reduced table holds.
  opt_exact->zero_grad();
  CHECK(std::memcmp(exact.weight.to(dtype).raw_data(), reduced.weight.raw_data(), size_t(reduced.weight.nbytes())) == 0);
  // And the table moved where it was looked up, and nowhere else.
  manual_seed(31);
  nn::Embedding start(40, 16);
  start.to(dtype);
  const std::vector<float> first = start.weight.to_vector(), now = reduced.weight.to_vector();
  int moved_touched = 0, moved_untouched = 0;
  for (int64_t r = 0; r < 40; ++r)
    for (int64_t e = 0; e < 16; ++e) {
      const bool moved = first[size_t(r * 16 + e)] != now[size_t(r * 16 + e)];
      (r == 3 || r == 9 || r == 17 ? moved_touched : moved_untouched) += moved;
    }
  CHECK(moved_touched > 40);  // of 48 elements: nearly all moved (lr 0.05 is many float16 steps)
  CHECK(moved_untouched == 0);
}

}  // namespace

TEST_CASE("Adam trains a float16 and a bfloat16 table: float32 moments, one rounding per step") {
  for (DType dtype : {DType::f16, DType::bf16}) {
    CAPTURE(dtype_name(dtype));
    check_one_rounding(dtype, false, [](std::vector<Tensor> p) { return std::make_unique<optim::Adam>(p, 0.05); });
  }
}

TEST_CASE("SGD with momentum and lazy Adam (sparse rows) train a float16 table") {
  check_one_rounding(DType::f16, false, [](std::vector<Tensor> p) {
    return std::make_unique<optim::SGD>(p, 0.5, optim::SGDOptions{.momentum = 0.9});
  });
  check_one_rounding(DType::f16, true, [](std::vector<Tensor> p) { return std::make_unique<optim::LazyAdam>(p, 0.05); });
}

TEST_CASE("without a master copy, updates below half a float16 step are lost (as with PyTorch's .half())") {
  Tensor w = full({4}, 1.0).to(DType::f16).requires_grad_();
  optim::SGD sgd({w}, 1.0);
  w.set_grad(full({4}, 0x1p-13));  // 1 - 2^-13: less than half of float16's step below 1 (2^-11)
  sgd.step();
  CHECK(w.to_vector() == std::vector<float>{1, 1, 1, 1});
  w.set_grad(full({4}, 0x1p-10));  // a whole step: kept
  sgd.step();
  CHECK(w.to_vector()[0] == 1.0f - 0x1p-10f);
}
