// The tape: backward, accumulation, no-grad, detach, freed graphs, errors and the DOT picture.
#include <doctest/doctest.h>

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
