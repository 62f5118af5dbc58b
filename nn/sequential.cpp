#include "nn/sequential.hpp"

namespace tg::nn {

namespace {

// A step with no parameters still takes a position in the names ("0", "1", "2"), as torch.nn.ReLU does.
struct Parameterless : Module {};

}  // namespace

Sequential& Sequential::push_back(std::function<Tensor(const Tensor&)> fn) {
  if (!fn) fail("Sequential: push_back of an empty function");
  register_module(std::to_string(steps_.size()), std::make_shared<Parameterless>());
  steps_.push_back(std::move(fn));
  return *this;
}

Tensor Sequential::forward(const Tensor& x) const {
  Tensor y = x;
  for (const auto& step : steps_) y = step(y);
  return y;
}

Module* ModuleDict::find(const std::string& name) const {
  for (auto& [key, m] : named_children())
    if (key == name) return m;
  return nullptr;
}

bool ModuleDict::contains(const std::string& name) const { return find(name) != nullptr; }

Module& ModuleDict::at(const std::string& name) const {
  Module* m = find(name);
  if (!m) fail("ModuleDict: no module named '{}'", name);
  return *m;
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (auto& [key, m] : named_children()) out.push_back(key);
  return out;
}

}  // namespace tg::nn
