#pragma once
// Helpers shared by the optimizer tests: parameters and gradients set by hand (as backward() would
// leave them), the optim.safetensors fixture runs, and the save / load / resume check.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "core/ops.hpp"
#include "core/safetensors.hpp"
#include "core/sparse_grad.hpp"
#include "optim/optimizer.hpp"
#include "tests/fixture.hpp"

namespace tg::test {

// A fresh leaf that requires grad, holding a copy of values.
inline Tensor make_param(const Tensor& values) {
  Tensor param = tensor(values.to_vector(), values.shape());
  param.requires_grad_();
  return param;
}

// A plain copy of the values (no grad, off the tape).
inline Tensor snapshot(const Tensor& t) { return tensor(t.to_vector(), t.shape()); }

// Sets the dense gradient of param to a copy of grad.
inline void set_grad(Tensor& param, const Tensor& grad) { param.set_grad(grad.clone().detach()); }

// Replaces the row-sparse gradient of param by rows (any order, repeats summed) with values [n, D].
inline void set_sparse_grad(Tensor& param, const std::vector<int64_t>& rows, const Tensor& values) {
  param.impl()->sparse_grad.reset();
  accumulate_sparse_grad(*param.impl(), rows.data(), int64_t(rows.size()), values.f32());
}

// Replaces the dense gradient of param by rows held apart (TensorImpl::grad_rows, as an Embedding's
// backward leaves them): rows (any order, repeats summed) with values [n, D]; every other row is 0.
inline void set_grad_rows(Tensor& param, const std::vector<int64_t>& rows, const Tensor& values) {
  param.zero_grad();
  accumulate_rows(param.impl()->grad_rows, param.shape(), rows.data(), int64_t(rows.size()), values.f32());
}

// Same dtype, shape and bytes.
inline bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.f32(), b.f32(), size_t(a.numel()) * sizeof(float)) == 0;
}

// A deterministic, non-trivial gradient for step `step` of parameter `which`: [shape].
inline Tensor made_up_grad(const Shape& shape, int which, int step) {
  std::vector<float> values(size_t(shape.numel()));
  for (size_t i = 0; i < values.size(); ++i) values[i] = float(std::sin(0.37 * double(i) + 1.3 * step + which));
  return tensor(std::move(values), shape);
}

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;
using SetGradients = std::function<void(std::vector<Tensor>& params, int step)>;

// Runs case `name` of optim.safetensors for a dense optimizer: from p0, three steps with gradients
// grad1..grad3, the parameter compared with after1..after3 (1e-5 relative, 1e-6 absolute).
inline void check_fixture_case(const std::string& name, const MakeOptimizer& make) {
  Fixture fixture("optim");
  Tensor param = make_param(fixture[name + ".p0"]);
  auto optimizer = make({param});
  for (int k = 1; k <= 3; ++k) {
    set_grad(param, fixture[fmt::format("{}.grad{}", name, k)]);
    optimizer->step();
    INFO(name, " after step ", k);
    check_close(param, fixture[fmt::format("{}.after{}", name, k)]);
  }
}

// Dense gradients for every parameter at every step.
inline void set_dense_gradients(std::vector<Tensor>& params, int step) {
  for (size_t i = 0; i < params.size(); ++i) set_grad(params[i], made_up_grad(params[i].shape(), int(i), step));
}

// Trains a [6, 3] and a [5] parameter for `total` steps without a break, and again with the
// optimizer state written to a safetensors file after `split` steps and loaded into a fresh
// optimizer over fresh copies of the parameters. The lr is halved after the first step, so the saved
// lr matters too. Both runs must end bit for bit equal.
inline void check_resume_is_bit_exact(const MakeOptimizer& make,
                                      const SetGradients& set_gradients = set_dense_gradients, int split = 2,
                                      int total = 5) {
  auto fresh_params = [] {
    return std::vector<Tensor>{make_param(made_up_grad({6, 3}, 7, 0)), make_param(made_up_grad({5}, 8, 0))};
  };
  auto train = [&](optim::Optimizer& optimizer, std::vector<Tensor>& params, int from, int to) {
    for (int step = from; step < to; ++step) {
      set_gradients(params, step);
      optimizer.step();
      if (step == 0) optimizer.set_lr(optimizer.lr() * 0.5);
    }
  };

  std::vector<Tensor> uninterrupted = fresh_params();
  auto optimizer = make(uninterrupted);
  train(*optimizer, uninterrupted, 0, total);

  std::vector<Tensor> first_half = fresh_params();
  auto before = make(first_half);
  train(*before, first_half, 0, split);
  const std::string path =
      (std::filesystem::temp_directory_path() / fmt::format("tg_optim_resume_{}.safetensors", getpid())).string();
  save_safetensors(path, before->state_tensors(), before->state_metadata());
  SafetensorsFile file = load_safetensors(path);
  std::filesystem::remove(path);

  std::vector<Tensor> second_half = {make_param(first_half[0]), make_param(first_half[1])};
  auto after = make(second_half);
  after->load_state(file.tensors, file.metadata);
  CHECK(after->lr() == before->lr());
  train(*after, second_half, split, total);
  for (size_t i = 0; i < uninterrupted.size(); ++i) {
    INFO("parameter ", i);
    CHECK(bit_equal(second_half[i], uninterrupted[i]));
    CHECK(after->steps(i) == optimizer->steps(i));
  }
  const auto want = optimizer->state_tensors(), got = after->state_tensors();
  REQUIRE(got.size() == want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    CHECK(got[k].first == want[k].first);
    CHECK(bit_equal(got[k].second, want[k].second));
  }
}

}  // namespace tg::test
