// The tape: backward, accumulation, no-grad, detach, freed graphs, errors and the DOT picture.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "core/tapegrad.hpp"

using namespace tg;

TEST_CASE("backward computes the gradient of a small expression") {
  // L = sum((w * x + b)^2) with w = 2, x = [1, 2], b = 1  ->  y = [3, 5]
  // dL/dw = sum(2 y x) = 2*3*1 + 2*5*2 = 26, dL/db = sum(2 y) = 16
  Tensor w = scalar(2).requires_grad_();
  Tensor b = scalar(1).requires_grad_();
  Tensor x = tensor({1, 2});
  Tensor loss = pow(w * x + b, 2).sum();
  CHECK(loss.item() == 34);
  loss.backward();
  CHECK(w.grad().item() == 26);
  CHECK(b.grad().item() == 16);
  CHECK_FALSE(x.grad().defined());
  CHECK(tape_size() == 0);  // backward frees the tape
}

TEST_CASE("gradients accumulate until zero_grad") {
  Tensor w = tensor({1, 2}).requires_grad_();
  (w * 3.0).sum().backward();
  (w * 3.0).sum().backward();
  CHECK(w.grad().to_vector() == std::vector<float>{6, 6});
  w.zero_grad();
  CHECK_FALSE(w.grad().defined());
  (w * w).sum().backward();
  CHECK(w.grad().to_vector() == std::vector<float>{2, 4});
}

TEST_CASE("set_grad sets the gradient that backward then accumulates into, and checks its shape") {
  Tensor w = tensor({1, 2, 3}).requires_grad_();
  w.set_grad(tensor({10, 20, 30}));
  (w * 2.0).sum().backward();
  CHECK(w.grad().to_vector() == std::vector<float>{12, 22, 32});
  w.set_grad(Tensor());
  CHECK_FALSE(w.grad().defined());
  CHECK_THROWS_WITH_AS(w.set_grad(zeros({2})), "set_grad: the gradient has shape [2], expected [3] (the tensor's)", Error);
  CHECK_THROWS_WITH_AS(w.set_grad(indices({1, 2, 3})), "set_grad: expected a float32 tensor, got int64 (shape [3])", Error);
}

TEST_CASE("a tensor used twice receives both gradients") {
  Tensor x = tensor({3}).requires_grad_();
  Tensor y = x * x + x;  // dy/dx = 2x + 1 = 7
  y.sum().backward();
  CHECK(x.grad().item() == 7);
}

TEST_CASE("NoGradGuard and detach stop recording") {
  Tensor w = tensor({1, 2}).requires_grad_();
  {
    NoGradGuard guard;
    Tensor y = w * 2.0;
    CHECK_FALSE(y.requires_grad());
    CHECK(tape_size() == 0);
  }
  CHECK(grad_enabled());
  Tensor d = w.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.f32() == w.f32());  // same storage
  Tensor y = (w * d).sum();   // d is a constant: dy/dw = d
  y.backward();
  CHECK(w.grad().to_vector() == std::vector<float>{1, 2});
}

TEST_CASE("backward on a non-scalar needs an explicit gradient") {
  Tensor w = tensor({1, 2, 3}).requires_grad_();
  Tensor y = w * 2.0;
  CHECK_THROWS_WITH_AS(y.backward(),
                       "backward: called on a tensor of shape [3] (3 elements); backward() needs a one-element loss, "
                       "or pass the gradient of the output: y.backward(grad)",
                       Error);
  CHECK_THROWS_WITH_AS(y.backward(ones({2})), "backward: the gradient has shape [2], the tensor has shape [3]", Error);
  y.backward(tensor({1, 10, 100}));
  CHECK(w.grad().to_vector() == std::vector<float>{2, 20, 200});
}

TEST_CASE("a second backward through a freed graph is an error unless retain_graph") {
  Tensor w = tensor({1, 2}).requires_grad_();
  Tensor loss = (w * w).sum();
  loss.backward();
  CHECK_THROWS_WITH_AS(loss.backward(),
                       "backward: the graph of this tensor was freed by an earlier backward() or clear_tape(); "
                       "call backward(retain_graph=true) the first time to go through it again",
                       Error);
  w.zero_grad();
  Tensor again = (w * w).sum();
  again.backward(true);
  again.backward();
  CHECK(w.grad().to_vector() == std::vector<float>{4, 8});
}

TEST_CASE("backward on a tensor that needs no grad is an error") {
  CHECK_THROWS_WITH_AS(ones({1}).sum().backward(),
                       "backward: the tensor does not require grad (no input of it had requires_grad)", Error);
}

TEST_CASE("to_dot draws ops, tensor names and shapes") {
  Tensor w = ones({3, 2}).requires_grad_().set_name("w");
  Tensor x = ones({4, 3}).set_name("x");
  Tensor loss = tanh(matmul(x, w)).sum();
  std::string dot = to_dot(loss);
  CHECK(dot.rfind("digraph tape {", 0) == 0);
  CHECK(dot.find("label=\"matmul\"") != std::string::npos);
  CHECK(dot.find("label=\"tanh\"") != std::string::npos);
  CHECK(dot.find("label=\"sum\"") != std::string::npos);
  CHECK(dot.find("w\\n[3, 2]") != std::string::npos);
  CHECK(dot.find("x\\n[4, 3]") != std::string::npos);
  clear_tape();
}

TEST_CASE("an op on tensors that need no grad records nothing") {
  Tensor a = ones({2}), b = ones({2});
  Tensor c = a + b;
  CHECK_FALSE(c.requires_grad());
  CHECK(tape_size() == 0);
}

TEST_CASE("a backward that writes a gradient first stores it, later writers add (no zero-fill needed)") {
  // Backward runs the last-recorded node first, so in f(w) + w.sum() below, f's backward is the first
  // writer of w's gradient, which it gets uninitialised. 64 x 64 floats (16 KiB) come from the buffer
  // cache: it is filled with garbage first, so that an element f's backward failed to write shows.
  const Tensor x = full({64, 64}, 2.0);
  const float t = std::tanh(0.5f);
  struct Case {
    std::string op;
    std::function<Tensor(const Tensor&)> f;  // a [64, 64] -> [] function of w = 0.5 everywhere
    float dfdw;                              // its derivative, the same for every element
  };
  const std::vector<Case> cases = {
      {"mul", [&](const Tensor& w) { return (w * x).sum(); }, 2.0f},
      {"tanh", [](const Tensor& w) { return tanh(w).sum(); }, 1.0f - t * t},
      {"matmul", [&](const Tensor& w) { return matmul(w, x).sum(); }, 128.0f},
      {"mean(dim)", [](const Tensor& w) { return w.mean(0).sum(); }, 1.0f / 64},
      {"reshape", [](const Tensor& w) { return w.reshape({4096}) * 3.0; }, 3.0f},
  };
  for (const Case& c : cases) {
    CAPTURE(c.op);
    {
      std::vector<Tensor> garbage;
      for (int i = 0; i < 16; ++i) garbage.push_back(full({64, 64}, 1e30));
    }
    Tensor w = full({64, 64}, 0.5).requires_grad_();
    Tensor plus_sum = w.sum();  // recorded before f, so f's backward runs before it
    Tensor y = c.f(w);
    add(y.numel() == 1 ? y : y.sum(), plus_sum).backward();
    for (float v : w.grad().to_vector()) REQUIRE(v == doctest::Approx(c.dfdw + 1.0f));
    // A second backward adds to the leaf's existing gradient.
    c.f(w).sum().backward();
    for (float v : w.grad().to_vector()) REQUIRE(v == doctest::Approx(2 * c.dfdw + 1.0f));
  }
}

TEST_CASE("an intermediate input stays alive through the tape when its handle is gone") {
  // Every intermediate below is a temporary: only the nodes of the tape keep them for backward.
  Tensor w = tensor({1, 2, 3}).requires_grad_();
  Tensor loss = sigmoid(exp(w * 2.0) + 1.0).sum();
  loss.backward();
  std::vector<float> g = w.grad().to_vector();
  for (int i = 0; i < 3; ++i) {
    const double e = std::exp(2.0 * (i + 1)), s = 1 / (1 + std::exp(-(e + 1)));
    CHECK(g[size_t(i)] == doctest::Approx(s * (1 - s) * e * 2));
  }
}
