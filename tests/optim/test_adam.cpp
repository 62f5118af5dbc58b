// Adam and AdamW, and the Optimizer base class they share with SGD and LazyAdam (state save / load).
#include <doctest/doctest.h>

#include "core/random.hpp"
#include "nn/embedding.hpp"
#include "optim/adam.hpp"
#include "optim/sgd.hpp"
#include "tests/optim/helpers.hpp"

using namespace tg;
using namespace tg::test;
using optim::Adam;
using optim::AdamW;

static MakeOptimizer adam(double lr, optim::AdamOptions options = {}) {
  return [=](std::vector<Tensor> params) { return std::make_unique<Adam>(std::move(params), lr, options); };
}

static MakeOptimizer adamw(double lr, optim::AdamWOptions options = {}) {
  return [=](std::vector<Tensor> params) { return std::make_unique<AdamW>(std::move(params), lr, options); };
}

TEST_CASE("Adam matches torch.optim.Adam over three steps") {
  check_fixture_case("adam", adam(0.01));
}

TEST_CASE("Adam weight decay adds the L2 term to the gradient, as torch.optim.Adam") {
  check_fixture_case("adam_weight_decay", adam(0.01, {.weight_decay = 0.1}));
}

TEST_CASE("Adam with amsgrad matches torch.optim.Adam(amsgrad=True)") {
  check_fixture_case("adam_amsgrad", adam(0.01, {.amsgrad = true}));
}

TEST_CASE("AdamW decouples weight decay, as torch.optim.AdamW") {
  check_fixture_case("adamw", adamw(0.01, {.weight_decay = 0.1}));
}

TEST_CASE("AdamW defaults to weight_decay 0.01 and shrinks a parameter with a zero gradient") {
  Tensor param = make_param(made_up_grad({3, 2}, 0, 0));
  const Tensor before = snapshot(param);
  AdamW optimizer({param});
  CHECK(optimizer.options().weight_decay == 0.01);
  CHECK(optimizer.lr() == 1e-3);
  set_grad(param, zeros({3, 2}));
  optimizer.step();
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 2; ++c)
      CHECK(param.at({r, c}) == doctest::Approx(before.at({r, c}) * (1 - 1e-3 * 0.01)).epsilon(1e-7));
}

TEST_CASE("Adam without weight decay leaves a parameter with a zero gradient where it is") {
  Tensor param = make_param(made_up_grad({3, 2}, 0, 0));
  const Tensor before = snapshot(param);
  Adam optimizer({param});
  set_grad(param, zeros({3, 2}));
  optimizer.step();
  CHECK(bit_equal(param, before));
  CHECK(optimizer.steps(0) == 1);
}

TEST_CASE("Adam leaves frozen parameters and parameters without a gradient untouched") {
  Tensor frozen = make_param(made_up_grad({4, 3}, 0, 0));
  Tensor no_grad = make_param(made_up_grad({5}, 1, 0));
  Tensor trained = make_param(made_up_grad({4, 3}, 2, 0));
  set_grad(frozen, made_up_grad({4, 3}, 3, 1));
  frozen.requires_grad_(false);
  set_grad(trained, made_up_grad({4, 3}, 4, 1));
  const Tensor frozen_before = snapshot(frozen), no_grad_before = snapshot(no_grad);
  AdamW optimizer({frozen, no_grad, trained}, 0.01, {.amsgrad = true});
  optimizer.step();
  CHECK(bit_equal(frozen, frozen_before));
  CHECK(bit_equal(no_grad, no_grad_before));
  CHECK(optimizer.steps(0) == 0);
  CHECK(optimizer.steps(1) == 0);
  CHECK(optimizer.steps(2) == 1);
  std::vector<std::string> names;
  for (auto& [name, tensor] : optimizer.state_tensors()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"param.2.exp_avg", "param.2.exp_avg_sq", "param.2.max_exp_avg_sq"});
}

TEST_CASE("Adam treats a row-sparse gradient (alone or beside a dense one) as its dense equivalent") {
  const Tensor start = made_up_grad({5, 3}, 0, 0);
  const Tensor values = made_up_grad({2, 3}, 1, 1);
  const Tensor dense_part = made_up_grad({5, 3}, 2, 1);
  Tensor sparse_only = make_param(start), both = make_param(start), reference = make_param(start),
         reference_sum = make_param(start);
  set_sparse_grad(sparse_only, {4, 1}, values);
  set_sparse_grad(both, {4, 1}, values);
  set_grad(both, dense_part);
  // The same gradients written densely by hand: rows 4 and 1 hold values rows 0 and 1.
  std::vector<float> scattered(15, 0.f), summed = dense_part.to_vector();
  for (int64_t c = 0; c < 3; ++c) {
    scattered[size_t(4 * 3 + c)] = float(values.at({0, c}));
    scattered[size_t(1 * 3 + c)] = float(values.at({1, c}));
    summed[size_t(4 * 3 + c)] += float(values.at({0, c}));
    summed[size_t(1 * 3 + c)] += float(values.at({1, c}));
  }
  set_grad(reference, tensor(scattered, {5, 3}));
  set_grad(reference_sum, tensor(summed, {5, 3}));

  Adam optimizer({sparse_only, both, reference, reference_sum}, 0.01);
  optimizer.step();
  CHECK(bit_equal(sparse_only, reference));
  CHECK(bit_equal(both, reference_sum));
}

TEST_CASE("Adam on a dense gradient held as rows equals Adam on it written out, bit for bit") {
  // 50 rows of 7, four of them with a gradient: the other 46 still decay m and v and move, as in
  // dense Adam. Three steps (the second with a different set of rows), for each option set.
  const optim::AdamOptions plain{}, decay{.weight_decay = 0.1}, amsgrad{.amsgrad = true};
  for (int kind = 0; kind < 4; ++kind) {
    CAPTURE(kind);
    const Tensor start = made_up_grad({50, 7}, 0, 0);
    Tensor by_rows = make_param(start), written = make_param(start);
    std::unique_ptr<optim::Optimizer> a, b;
    if (kind == 3) {
      a = std::make_unique<AdamW>(std::vector<Tensor>{by_rows}, 0.01);
      b = std::make_unique<AdamW>(std::vector<Tensor>{written}, 0.01);
    } else {
      const optim::AdamOptions options = kind == 0 ? plain : kind == 1 ? decay : amsgrad;
      a = std::make_unique<Adam>(std::vector<Tensor>{by_rows}, 0.01, options);
      b = std::make_unique<Adam>(std::vector<Tensor>{written}, 0.01, options);
    }
    for (int step = 0; step < 3; ++step) {
      const std::vector<int64_t> rows = step == 1 ? std::vector<int64_t>{0, 49, 20, 0} : std::vector<int64_t>{3, 10, 11, 49};
      const Tensor values = made_up_grad({4, 7}, 1, step);
      set_grad_rows(by_rows, rows, values);
      std::vector<float> dense(50 * 7, 0.f);
      for (size_t k = 0; k < rows.size(); ++k)
        for (int64_t c = 0; c < 7; ++c) dense[size_t(rows[k] * 7 + c)] += float(values.at({int64_t(k), c}));
      set_grad(written, tensor(dense, {50, 7}));
      a->step();
      b->step();
      CHECK(by_rows.grad_rows() != nullptr);  // the step read the rows without writing them out
      CHECK(bit_equal(by_rows, written));
    }
  }
}

TEST_CASE("Adam through an Embedding: the rows shortcut equals the written-out gradient over zero_grad and two backward passes") {
  manual_seed(21);
  const Tensor table = randn({40, 6});
  nn::Embedding fast = nn::Embedding::from_pretrained(table.clone().detach(), /*freeze=*/false);
  nn::Embedding plain = nn::Embedding::from_pretrained(table.clone().detach(), /*freeze=*/false);
  Adam fast_opt({fast.weight}, 0.01), plain_opt({plain.weight}, 0.01);
  for (int step = 0; step < 3; ++step) {
    fast_opt.zero_grad();
    plain_opt.zero_grad();
    for (int pass = 0; pass < (step == 1 ? 2 : 1); ++pass) {  // step 1 accumulates two backward passes
      const Tensor ids = randint(40, {2, 5});
      const Tensor g = randn({2, 5, 6});
      fast.forward(ids).backward(g);
      plain.forward(ids).backward(g);
    }
    REQUIRE(fast.weight.grad_rows() != nullptr);
    plain.weight.grad();  // written out: Adam takes the dense path
    REQUIRE(plain.weight.grad_rows() == nullptr);
    fast_opt.step();
    plain_opt.step();
    CHECK(bit_equal(fast.weight, plain.weight));
  }
}

TEST_CASE("Adam, amsgrad Adam and AdamW resume bit-exactly from a saved state") {
  check_resume_is_bit_exact(adam(0.01));
  check_resume_is_bit_exact(adam(0.01, {.beta1 = 0.8, .weight_decay = 0.1, .amsgrad = true}));
  check_resume_is_bit_exact(adamw(0.01, {.weight_decay = 0.1}));
}

TEST_CASE("Adam rejects a negative lr, betas outside [0, 1), a negative eps or weight decay") {
  Tensor param = make_param(zeros({2}));
  CHECK_THROWS_WITH_AS(Adam({param}, -1e-3), "Adam: lr must be a finite number >= 0, got -0.001", Error);
  CHECK_THROWS_WITH_AS(Adam({param}, 1e-3, {.beta1 = 1.0}), "Adam: beta1 must be in [0, 1), got 1", Error);
  CHECK_THROWS_WITH_AS(Adam({param}, 1e-3, {.beta2 = -0.1}), "Adam: beta2 must be in [0, 1), got -0.1", Error);
  CHECK_THROWS_WITH_AS(Adam({param}, 1e-3, {.eps = -1e-8}), "Adam: eps must be >= 0, got -1e-08", Error);
  CHECK_THROWS_WITH_AS(AdamW({param}, 1e-3, {.weight_decay = -0.1}), "AdamW: weight_decay must be >= 0, got -0.1",
                       Error);
}

TEST_CASE("An optimizer rejects a parameter listed twice or a non-float parameter") {
  Tensor param = make_param(zeros({2}));
  CHECK_THROWS_WITH_AS(Adam({param, param}), "Adam: parameter 1 appears twice in the list", Error);
  CHECK_THROWS_WITH_AS(Adam({indices({1, 2})}), "Adam: parameter 0 is int64, expected float32, float16 or bfloat16", Error);
}

// ---- the Optimizer base: state save and load ----

// An Adam over a [4, 3] and a [5] parameter after two steps of made-up gradients.
struct TrainedAdam {
  std::vector<Tensor> params{make_param(zeros({4, 3})), make_param(zeros({5}))};
  Adam optimizer{params, 0.02, {.amsgrad = true}};
  TrainedAdam() {
    for (int step = 0; step < 2; ++step) {
      set_dense_gradients(params, step);
      optimizer.step();
    }
  }
  std::map<std::string, Tensor> tensors() const {
    std::map<std::string, Tensor> by_name;
    for (auto& [name, tensor] : optimizer.state_tensors()) by_name[name] = tensor;
    return by_name;
  }
};

TEST_CASE("Optimizer state names each buffer param.<i>.<buffer> and stores steps and hyperparameters as text") {
  TrainedAdam trained;
  auto tensors = trained.tensors();
  CHECK(tensors.size() == 6);
  CHECK(tensors.count("param.0.exp_avg") == 1);
  CHECK(tensors.count("param.1.max_exp_avg_sq") == 1);
  CHECK(tensors.at("param.0.exp_avg").shape() == Shape{4, 3});
  auto metadata = trained.optimizer.state_metadata();
  CHECK(metadata.at("optimizer") == "Adam");
  CHECK(metadata.at("params") == "2");
  CHECK(metadata.at("lr") == "0.02");
  CHECK(metadata.at("beta2") == "0.999");
  CHECK(metadata.at("eps") == "1e-08");
  CHECK(metadata.at("amsgrad") == "true");
  CHECK(metadata.at("param.0.step") == "2");
  CHECK(metadata.at("param.1.step") == "2");
}

TEST_CASE("Optimizer load_state restores lr and hyperparameters, as PyTorch's load_state_dict") {
  TrainedAdam trained;
  Adam fresh({make_param(zeros({4, 3})), make_param(zeros({5}))});
  fresh.load_state(trained.optimizer.state_tensors(), trained.optimizer.state_metadata());
  CHECK(fresh.lr() == 0.02);
  CHECK(fresh.options().amsgrad);
  CHECK(fresh.steps(0) == 2);
  // The buffers are copies: stepping the original does not change the loaded state.
  auto loaded = fresh.state_tensors();
  const Tensor loaded_avg = snapshot(loaded[0].second);
  set_dense_gradients(trained.params, 5);
  trained.optimizer.step();
  CHECK(bit_equal(fresh.state_tensors()[0].second, loaded_avg));
}

TEST_CASE("Optimizer load_state rejects another optimizer kind or parameter count") {
  TrainedAdam trained;
  optim::SGD sgd({make_param(zeros({4, 3})), make_param(zeros({5}))}, 0.1);
  CHECK_THROWS_WITH_AS(sgd.load_state(trained.tensors(), trained.optimizer.state_metadata()),
                       "load_state: the state is from a Adam optimizer, this one is SGD", Error);
  Adam one_param({make_param(zeros({4, 3}))});
  CHECK_THROWS_WITH_AS(one_param.load_state(trained.tensors(), trained.optimizer.state_metadata()),
                       "load_state: the state holds 2 parameters, this Adam optimizer has 1", Error);
  Adam other({make_param(zeros({4, 3})), make_param(zeros({5}))});
  CHECK_THROWS_WITH_AS(other.load_state(trained.tensors(), {}),
                       "load_state: the metadata has no 'optimizer' entry; expected the state of a Adam optimizer", Error);
}

TEST_CASE("Optimizer load_state rejects a buffer of the wrong shape and changes nothing") {
  TrainedAdam trained;
  Tensor transposed = make_param(zeros({3, 4}));
  Adam other({transposed, make_param(zeros({5}))}, 0.5);
  CHECK_THROWS_WITH_AS(other.load_state(trained.tensors(), trained.optimizer.state_metadata()),
                       "load_state: 'param.0.exp_avg' is float32 [4, 3], expected float32 [3, 4] as parameter 0", Error);
  CHECK(other.lr() == 0.5);
  CHECK_FALSE(other.options().amsgrad);
  CHECK(other.steps(0) == 0);
  CHECK(other.state_tensors().empty());
}

TEST_CASE("Optimizer load_state rejects a missing buffer, an unknown tensor and unreadable metadata") {
  TrainedAdam trained;
  Adam other({make_param(zeros({4, 3})), make_param(zeros({5}))});
  const auto metadata = trained.optimizer.state_metadata();

  auto missing = trained.tensors();
  missing.erase("param.1.exp_avg_sq");
  CHECK_THROWS_WITH_AS(other.load_state(missing, metadata),
                       "load_state: no tensor 'param.1.exp_avg_sq' although parameter 1 has taken 2 steps", Error);

  auto extra = trained.tensors();
  extra["param.0.momentum_buffer"] = zeros({4, 3});
  CHECK_THROWS_WITH_AS(other.load_state(extra, metadata),
                       "load_state: unexpected tensor 'param.0.momentum_buffer'; a Adam optimizer with these settings "
                       "keeps 3 buffer(s) for each parameter that has taken a step",
                       Error);

  auto bad_number = metadata;
  bad_number["beta1"] = "0.9x";
  CHECK_THROWS_WITH_AS(other.load_state(trained.tensors(), bad_number),
                       "load_state: metadata 'beta1' is '0.9x', expected a number", Error);
  auto bad_beta = metadata;
  bad_beta["beta1"] = "1.5";
  CHECK_THROWS_WITH_AS(other.load_state(trained.tensors(), bad_beta), "Adam: beta1 must be in [0, 1), got 1.5", Error);
  auto no_step = metadata;
  no_step.erase("param.1.step");
  CHECK_THROWS_WITH_AS(other.load_state(trained.tensors(), no_step), "load_state: the metadata has no 'param.1.step' entry",
                       Error);
  auto bad_flag = metadata;
  bad_flag["amsgrad"] = "yes";
  CHECK_THROWS_WITH_AS(other.load_state(trained.tensors(), bad_flag),
                       "load_state: metadata 'amsgrad' is 'yes', expected true or false", Error);
  CHECK_FALSE(other.options().amsgrad);
  CHECK(other.steps(1) == 0);
}
