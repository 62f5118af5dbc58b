#include "nn/module.hpp"

#include <cstring>
#include <set>

namespace tg::nn {

Tensor& Module::register_parameter(const std::string& name, Tensor& param) {
  check_dtype("register_parameter", param, DType::f32);
  for (auto& [existing, p] : params_)
    if (existing == name) fail("register_parameter: a parameter named '{}' is already registered", name);
  param.requires_grad_(true);
  params_.emplace_back(name, &param);
  return param;
}

void Module::register_module(const std::string& name, Module& child) {
  for (auto& [existing, c] : children_)
    if (existing == name) fail("register_module: a module named '{}' is already registered", name);
  children_.emplace_back(name, &child);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [name, p] : params_) out.emplace_back(name, *p);
  for (auto& [prefix, child] : children_)
    for (auto& [name, p] : child->named_parameters()) out.emplace_back(prefix + "." + name, p);
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
  for (auto& [name, p] : params_) p->requires_grad_(on);
  for (auto& [name, child] : children_) child->requires_grad_(on);
}

void Module::zero_grad() {
  for (auto& [name, p] : named_parameters()) p.zero_grad();
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
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
    if (src.dtype() != DType::f32)
      fail("load_state_dict: parameter '{}' is {} in the state, expected float32", name, dtype_name(src.dtype()));
    if (!(src.shape() == p.shape()))
      fail("load_state_dict: parameter '{}' has shape {} in the model but {} in the state", name, p.shape(), src.shape());
    copies.emplace_back(p, src);
    used.insert(name);
  }
  if (strict)
    for (auto& [name, t] : state)
      if (!used.count(name)) fail("load_state_dict: unexpected key '{}' in the state (the model has no such parameter)", name);
  for (auto& [p, src] : copies)  // memmove: loading a model's own state_dict copies a buffer onto itself
    std::memmove(p.f32(), src.f32(), size_t(p.numel()) * sizeof(float));
}

}  // namespace tg::nn
