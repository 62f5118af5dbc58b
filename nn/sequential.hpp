#pragma once
// Sequential and ModuleDict: modules composed without writing a subclass, as torch.nn.Sequential and
// torch.nn.ModuleDict. Their parameters are named as PyTorch names them ("0.weight", "fc.bias").
//
//   nn::Sequential mlp;
//   mlp.push_back(nn::Linear(100, 32));
//   mlp.push_back(tg::relu);                  // a function of one tensor, no parameters
//   mlp.push_back(nn::Linear(32, 5));
//   Tensor logits = mlp.forward(x);           // x: [B, 100] -> [B, 5]; names "0.weight", "2.bias"
//
//   nn::ModuleDict heads;
//   heads.insert("sentiment", nn::Linear(64, 2));
//   Tensor y = heads.at<nn::Linear>("sentiment").forward(h);
#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nn/module.hpp"

namespace tg::nn {

// A module whose forward takes one tensor and gives one (Linear, Embedding, Dropout, Sequential ...).
template <typename M>
concept TensorToTensorModule = std::derived_from<M, Module> && requires(M m, const Tensor& x) {
  { m.forward(x) } -> std::convertible_to<Tensor>;
};

class Sequential : public Module {
 public:
  // Appends a module (moved in); it is registered under its position, "0", "1", ...
  template <TensorToTensorModule M>
  Sequential& push_back(M module) {
    auto held = std::make_shared<M>(std::move(module));
    register_module(std::to_string(steps_.size()), held);
    steps_.push_back([held](const Tensor& x) { return held->forward(x); });
    return *this;
  }
  // Appends a function with no parameters (tg::relu, tg::tanh, a lambda). It takes a position too,
  // as torch.nn.ReLU() does, so the names of the modules after it match PyTorch's.
  Sequential& push_back(std::function<Tensor(const Tensor&)> fn);

  // Each step in order: x -> step 0 -> step 1 -> ...
  Tensor forward(const Tensor& x) const;
  size_t size() const { return steps_.size(); }

 private:
  std::vector<std::function<Tensor(const Tensor&)>> steps_;
};

class ModuleDict : public Module {
 public:
  // Adds a module (moved in) under `name` (registration order is kept, as in PyTorch).
  template <typename M>
    requires std::derived_from<M, Module>
  M& insert(const std::string& name, M module) {
    return register_module(name, std::make_shared<M>(std::move(module)));
  }
  bool contains(const std::string& name) const;
  // The module under `name`: tg::Error if there is none or it is not an M.
  Module& at(const std::string& name) const;
  template <typename M>
  M& at(const std::string& name) const {
    auto* typed = dynamic_cast<M*>(&at(name));
    if (!typed) fail("ModuleDict: module '{}' is not of the requested type", name);
    return *typed;
  }
  std::vector<std::string> keys() const;

 private:
  Module* find(const std::string& name) const;  // nullptr when there is none
};

}  // namespace tg::nn
