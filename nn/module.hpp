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
//   Module model;                                                    // or compose without subclassing
//   auto& fc = model.register_module("fc", std::make_shared<Linear>(64, 2));
//
// As in libtorch, the registry holds parameters as Tensor handles (the member `weight` and the
// registry share one tensor: change its values in place, e.g. load_state_dict, rather than assigning
// a new tensor to the member). A sub-module is either a data member (registered by reference, kept as
// its place inside this object) or held by shared_ptr. So a Module can be moved, swapped and returned
// by value; it is not copied (a copy would share the parameters).
#include <cstddef>
#include <map>
#include <memory>
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
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  // Every parameter, this module's first, then each sub-module's with "name." prefixed.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<Tensor> parameters() const;
  // Parameters that currently require grad (what an optimizer should update).
  std::vector<Tensor> trainable_parameters() const;
  int64_t num_parameters(bool trainable_only = false) const;
  // The direct sub-modules, in registration order.
  std::vector<std::pair<std::string, Module*>> named_children() const;

  // Freeze (false) or unfreeze (true) every parameter of this module and its sub-modules.
  void requires_grad_(bool on);
  void zero_grad();

  // Dropout and similar layers behave differently in training; train() is the default.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Converts every parameter to a float dtype in place (PyTorch's module.to(dtype), .half(),
  // .bfloat16()): the handles stay, requires_grad stays, the gradient stays float32. Layers whose
  // ops need float32 (Linear, LSTM) then throw on forward, naming the op; nn::Embedding looks up a
  // float16 / bfloat16 table into float32 vectors. Returns *this.
  Module& to(DType dtype);
  Module& half() { return to(DType::f16); }
  Module& bfloat16() { return to(DType::bf16); }

  std::map<std::string, Tensor> state_dict() const;
  // Copies values into the parameters (keeping their requires_grad). strict: every parameter must be
  // present and no extra name may appear; shapes must match. Float values are converted to each
  // parameter's dtype (a float16 file into a float32 model); int8 goes only into int8. Errors name
  // the parameter.
  void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

  // Registers a parameter under `name`; it requires grad (a float32, float16 or bfloat16 leaf).
  // Returns the handle.
  Tensor& register_parameter(const std::string& name, Tensor& param);
  // A sub-module that is a data member of this module (e.g. `Linear fc` of a subclass). Only for
  // members: a module on the heap (make_unique, a vector's element) goes in as a shared_ptr.
  void register_module(const std::string& name, Module& member);
  // A sub-module held by pointer, shared with the caller; returns it, typed.
  template <typename M>
  M& register_module(const std::string& name, std::shared_ptr<M> child) {
    M& ref = *child;
    add_child(name, std::move(child));
    return ref;
  }

 private:
  struct Child {
    std::string name;
    std::ptrdiff_t member_offset = 0;  // a data member: its address minus this module's
    std::shared_ptr<Module> held;      // or a module held by pointer
  };
  void check_new_child_name(const std::string& name) const;
  void add_child(const std::string& name, std::shared_ptr<Module> child);
  Module& child(const Child& c) const;

  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<Child> children_;
  bool training_ = true;
};

}  // namespace tg::nn
