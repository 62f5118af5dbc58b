#include "nn/module.hpp"

#include <cstring>
#include <set>

namespace tg::nn {

Tensor& Module::register_parameter(const std::string& name, Tensor& param) {
  check_defined("register_parameter", param);
  if (!is_floating(param.dtype()))
    fail("register_parameter: parameter '{}' is {}, expected float32, float16 or bfloat16", name, dtype_name(param.dtype()));
  for (auto& [existing, p] : params_)
    if (existing == name) fail("register_parameter: a parameter named '{}' is already registered", name);
  param.requires_grad_(true);
  params_.emplace_back(name, param);  // a second handle to the same tensor
  return param;
}

void Module::check_new_child_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    fail("register_module: module name '{}' must be non-empty and contain no '.'", name);
  for (const Child& c : children_)
    if (c.name == name) fail("register_module: a module named '{}' is already registered", name);
}

// A member sits at a fixed distance from its parent inside the object, so moving the parent (which
// moves its members) keeps the distance right; a raw pointer would point into the moved-from object.
void Module::register_module(const std::string& name, Module& member) {
  check_new_child_name(name);
  const auto offset = reinterpret_cast<const std::byte*>(&member) - reinterpret_cast<const std::byte*>(this);
  children_.push_back({name, offset, nullptr});
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  check_new_child_name(name);
  if (!child) fail("register_module: module '{}' is null", name);
  children_.push_back({name, 0, std::move(child)});
}

Module& Module::child(const Child& c) const {
  if (c.held) return *c.held;
  return *reinterpret_cast<Module*>(const_cast<std::byte*>(reinterpret_cast<const std::byte*>(this)) + c.member_offset);
}

std::vector<std::pair<std::string, Module*>> Module::named_children() const {
  std::vector<std::pair<std::string, Module*>> out;
  for (const Child& c : children_) out.emplace_back(c.name, &child(c));
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out = params_;
  for (const Child& c : children_)
    for (auto& [name, p] : child(c).named_parameters()) out.emplace_back(c.name + "." + name, p);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters()) out.push_back(p);
  return out;
}

std::vector<Tensor> Module::trainable_parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters())
    if (p.requires_grad()) out.push_back(p);
  return out;
}

int64_t Module::num_parameters(bool trainable_only) const {
  int64_t n = 0;
  for (auto& [name, p] : named_parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

void Module::requires_grad_(bool on) {
  for (auto& [name, p] : params_) p.requires_grad_(on);
  for (const Child& c : children_) child(c).requires_grad_(on);
}

void Module::zero_grad() {
  for (auto& [name, p] : named_parameters()) p.zero_grad();
}

void Module::train(bool on) {
  training_ = on;
  for (const Child& c : children_) child(c).train(on);
}

std::map<std::string, Tensor> Module::state_dict() const {
  std::map<std::string, Tensor> out;
  for (auto& [name, p] : named_parameters()) out.emplace(name, p);
  return out;
}

// Checks every entry first and copies only when all are valid, so a failed load leaves the model as
// it was.
void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  std::vector<std::pair<Tensor, Tensor>> copies;  // (parameter, its new value)
  std::set<std::string> used;
  for (auto& [name, p] : named_parameters()) {
    auto it = state.find(name);
    if (it == state.end()) {
      if (strict) fail("load_state_dict: parameter '{}' is missing from the state", name);
      continue;
    }
    const Tensor& src = it->second;
    check_defined("load_state_dict", src);
    // Float values are converted to the parameter's dtype (as PyTorch's copy_); int8 only into int8.
    if (!(src.dtype() == p.dtype() || (is_floating(src.dtype()) && is_floating(p.dtype()))))
      fail("load_state_dict: parameter '{}' is {} in the state, expected {}", name, dtype_name(src.dtype()),
           dtype_name(p.dtype()));
    if (!(src.shape() == p.shape()))
      fail("load_state_dict: parameter '{}' has shape {} in the model but {} in the state", name, p.shape(), src.shape());
    copies.emplace_back(p, src.to(p.dtype()));
    used.insert(name);
  }
  if (strict)
    for (auto& [name, t] : state)
      if (!used.count(name)) fail("load_state_dict: unexpected key '{}' in the state (the model has no such parameter)", name);
  for (auto& [p, src] : copies)  // memmove: loading a model's own state_dict copies a buffer onto itself
    std::memmove(p.raw_data(), src.raw_data(), size_t(p.nbytes()));
}

Module& Module::to(DType dtype) {
  if (!is_floating(dtype))
    fail("Module::to: parameters can be float32, float16 or bfloat16, not {} (for an int8 table: "
         "Embedding::quantize_per_row)", dtype_name(dtype));
  for (auto& [name, p] : named_parameters()) {
    if (!is_floating(p.dtype()))
      fail("Module::to: parameter '{}' is {} (quantised for inference) and cannot become {}", name,
           dtype_name(p.dtype()), dtype_name(dtype));
    p.set_data(p.to(dtype));
  }
  return *this;
}

}  // namespace tg::nn
