// What the training tools share beyond the CLI: the non-finite gradient check, the memory estimate's
// numbers, and --resume's settings (tools/common/finite.hpp, memory.hpp, resume.hpp).
#include <doctest/doctest.h>

#include <limits>

#include "core/ops.hpp"
#include "nn/embedding.hpp"
#include "nn/linear.hpp"
#include "tests/scratch.hpp"
#include "tools/common/finite.hpp"
#include "tools/common/memory.hpp"
#include "tools/common/resume.hpp"

using tg::test::error_of;

TEST_CASE("first_nonfinite_gradient names the first parameter whose gradient holds nan or inf") {
  tg::nn::Linear fc(2, 1);
  tg::Tensor x = tg::tensor({1.0f, 2.0f}, {1, 2});
  fc.forward(x).sum().backward();
  CHECK(tg::first_nonfinite_gradient(fc) == "");
  tg::Tensor bad = tg::tensor({1.0f, std::numeric_limits<float>::infinity()}, {1, 2});
  fc.weight.zero_grad();
  fc.weight.set_grad(bad);
  CHECK(tg::first_nonfinite_gradient(fc) == "weight");
  CHECK(error_of([] { tg::fail_nonfinite(7, "the loss is nan", "nothing was saved"); }).find("step 7: the loss is nan") == 0);
}

TEST_CASE("nonfinite_step names the loss first, then the first non-finite gradient, else nothing") {
  tg::nn::Linear fc(2, 1);
  fc.forward(tg::tensor({1.0f, 2.0f}, {1, 2})).sum().backward();
  CHECK(tg::nonfinite_step(0.5, fc) == "");
  CHECK(tg::nonfinite_step(std::numeric_limits<double>::quiet_NaN(), fc) == "the loss is nan");
  CHECK(tg::nonfinite_step(std::numeric_limits<double>::infinity(), fc) == "the loss is inf");
  fc.weight.zero_grad();
  fc.weight.set_grad(tg::tensor({1.0f, std::numeric_limits<float>::infinity()}, {1, 2}));
  CHECK(tg::nonfinite_step(0.5, fc) == "the gradient of weight is not finite");
  CHECK(tg::nonfinite_step(std::numeric_limits<double>::quiet_NaN(), fc) == "the loss is nan");
}

TEST_CASE("first_nonfinite_gradient sees a nan in an embedding gradient held as rows, and leaves it held") {
  tg::nn::Embedding embedding(100, 3);
  tg::Tensor ids = tg::indices({5, 7}, {2});
  embedding.forward(ids).sum().backward();
  REQUIRE(embedding.weight.grad_rows() != nullptr);
  CHECK(tg::first_nonfinite_gradient(embedding) == "");
  CHECK(embedding.weight.grad_rows() != nullptr);  // checked as rows, not written out into [100, 3]
  embedding.weight.zero_grad();
  tg::Tensor y = embedding.forward(ids);
  (y * std::numeric_limits<float>::quiet_NaN()).sum().backward();
  CHECK(tg::first_nonfinite_gradient(embedding) == "weight");
}

TEST_CASE("human_bytes prints sane numbers") {
  CHECK(tg::human_bytes(512) == "512 bytes");
  CHECK(tg::human_bytes(756e9) == "756 GB");
  CHECK(tg::human_bytes(1e308) == "1e+284 YB");  // not 309 digits
}

TEST_CASE("check_fits_in_memory refuses with the numbers") {
  tg::MemoryEstimate need{.parameters = 5e20, .optimizer = 0, .activations = 0, .data = 0};
  std::string e = error_of([&] { tg::check_fits_in_memory(need); });
  if (tg::machine_memory_bytes() > 0) CHECK(e.find("this run needs 500 EB") == 0);
  CHECK(error_of([] { tg::check_fits_in_memory({}); }) == "(no error)");
}

TEST_CASE("compare_settings: fixed settings must match, changed ones are listed (issue 10's --lr)") {
  tg::RunSettings saved{.fixed = {{"seed", "1"}}, .changeable = {{"lr", "0.05"}, {"epochs", "2"}}};
  tg::models::TrainState state;
  tg::store_settings(saved, state);
  tg::RunSettings here = saved;
  CHECK(tg::compare_settings("s", here, state) == "");
  here.changeable["lr"] = "0.1";
  CHECK(tg::compare_settings("s", here, state) == "--lr 0.1 (was 0.05)");
  here.fixed["seed"] = std::string("2");  // not "2": a false -Wrestrict from GCC 12
  CHECK(error_of([&] { tg::compare_settings("s", here, state); }) ==
        "s: --seed is 2 here but 1 in the run being resumed (it cannot change on --resume)");
}

TEST_CASE("extra_number parses with a check, not std::stod") {
  tg::models::TrainState state;
  state.extra = {{"seconds", "12.5"}, {"bad", "3abc"}, {"huge", "1e999"}};
  CHECK(tg::extra_number(state, "seconds", 0, "s") == 12.5);
  CHECK(tg::extra_number(state, "missing", -1, "s") == -1);
  CHECK(error_of([&] { tg::extra_number(state, "bad", 0, "s"); }) == "s: 'bad' is '3abc', expected a finite number");
  CHECK(error_of([&] { tg::extra_number(state, "huge", 0, "s"); }).find("expected a finite number") != std::string::npos);
}
