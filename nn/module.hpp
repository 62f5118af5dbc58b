#pragma once
// Module: a layer or model that owns named parameters and sub-modules, as torch.nn.Module.
// Names follow PyTorch's state_dict ("embedding.weight", "lstm.weight_ih_l0", "fc.bias"), so a
// checkpoint loads into the matching PyTorch class.
//
//   struct Classifier : Module {
//     Embedding embedding{1000, 64};
//     Linear fc{64, 2};
//     Classifier() { register_module("embedding", embedding); register_module("fc", fc); }
//   };
//
// Sub-modules are members registered by reference, so a Module is neither copied nor moved.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.hpp"

namespace tg::nn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Every parameter, this module's first, then each sub-module's with "name." prefixed.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<Tensor> parameters() const;
  // Parameters that currently require grad (what an optimizer should update).
  std::vector<Tensor> trainable_parameters() const;
  int64_t num_parameters(bool trainable_only = false) const;

  // Freeze (false) or unfreeze (true) every parameter of this module and its sub-modules.
  void requires_grad_(bool on);
  void zero_grad();

  // Dropout and similar layers behave differently in training; train() is the default.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  std::map<std::string, Tensor> state_dict() const;
  // Copies values into the parameters (keeping their requires_grad). strict: every parameter must be
  // present and no extra name may appear; shapes must match. Errors name the parameter.
  void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

 protected:
  // Registers a parameter under `name`; it requires grad (a float32 leaf). Returns the handle.
  Tensor& register_parameter(const std::string& name, Tensor& param);
  void register_module(const std::string& name, Module& child);

 private:
  std::vector<std::pair<std::string, Tensor*>> params_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
};

}  // namespace tg::nn
