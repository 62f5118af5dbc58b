#include "optim/optimizer.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <set>

#include "core/sparse_grad.hpp"

namespace tg::optim {

Optimizer::Optimizer(std::string kind, std::vector<Tensor> params, double lr)
    : kind_(std::move(kind)), params_(std::move(params)), states_(params_.size()), lr_(0) {
  set_lr(lr);
  std::set<const TensorImpl*> seen;
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& param = params_[i];
    if (!param.defined()) fail("{}: parameter {} is undefined", kind_, i);
    if (!is_floating(param.dtype()))
      fail("{}: parameter {} is {}, expected float32, float16 or bfloat16", kind_, i, dtype_name(param.dtype()));
    if (!seen.insert(param.impl()).second) fail("{}: parameter {} appears twice in the list", kind_, i);
  }
}

void Optimizer::set_lr(double lr) {
  if (!(lr >= 0) || std::isinf(lr)) fail("{}: lr must be a finite number >= 0, got {}", kind_, lr);
  lr_ = lr;
}

void Optimizer::step() {
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& param = params_[i];
    if (!param.requires_grad()) continue;
    if (!param.has_dense_grad() && !param.sparse_grad()) continue;
    check_gradient(i);
    ParamState& state = states_[i];
    state.steps += 1;
    if (param.dtype() == DType::f32 || updates_reduced_precision()) {
      update(i, param, state);
      continue;
    }
    // A float16 / bfloat16 parameter (a half embedding table): the update runs in float32 on a
    // working copy that sees the same gradients, with the float32 moments, and the result is
    // rounded once when it is stored back. No float32 master copy is kept between steps, as in
    // PyTorch with model.half(): an update smaller than half a step of the format at that value
    // (float16: |w| * 2^-11, bfloat16: |w| * 2^-8) is lost. nn/README.md has the numbers.
    if (param.impl()->grad && param.grad_rows()) param.grad();  // one dense gradient: the copy shares it
    Tensor work = param.to(DType::f32);
    work.impl()->grad = param.impl()->grad;
    work.impl()->sparse_grad = param.impl()->sparse_grad;
    work.impl()->grad_rows = param.impl()->grad_rows;
    update(i, work, state);
    param.set_data(work.to(param.dtype()));
  }
}

void Optimizer::zero_grad() {
  for (Tensor& param : params_) param.zero_grad();
}

// ---- gradients ----

void Optimizer::check_gradient(size_t index) const {
  const Tensor& param = params_[index];
  const TensorImpl* grad = param.impl()->grad.get();  // not grad(): no writing out, no handle copied
  if (grad && (grad->dtype != DType::f32 || !(grad->shape == param.shape())))
    fail("{}: the gradient of parameter {} is {} {}, expected float32 {} as the parameter", kind_, index,
         dtype_name(grad->dtype), grad->shape, param.shape());
  for (const RowSparseGrad* sparse : {param.sparse_grad(), param.grad_rows()}) {
    if (!sparse) continue;
    if (param.dim() == 0) fail("{}: parameter {} is a scalar but has a row-sparse gradient", kind_, index);
    const int64_t n = sparse->rows.numel();
    Shape values_shape = param.shape();
    values_shape[0] = n;
    if (!(sparse->values.shape() == values_shape))
      fail("{}: the sparse gradient of parameter {} holds values of shape {} for {} rows, expected {}", kind_,
           index, sparse->values.shape(), n, values_shape);
    // The rows are sorted and unique, so checking the first and the last checks them all.
    const int64_t* rows = sparse->rows.i64();
    if (n > 0 && (rows[0] < 0 || rows[n - 1] >= param.size(0)))
      fail("{}: the sparse gradient of parameter {} touches row {}, the parameter has {} rows", kind_, index,
           rows[0] < 0 ? rows[0] : rows[n - 1], param.size(0));
  }
}

const float* Optimizer::dense_grad(size_t index, Tensor& made) const {
  const Tensor& param = params_[index];
  if (param.grad_rows()) param.grad();  // writes the rows held apart into the dense gradient
  const TensorImpl* grad = param.impl()->grad.get();
  const float* g = grad ? grad->f32_data() : nullptr;
  const RowSparseGrad* sparse = param.sparse_grad();
  if (!sparse) return g;
  made = to_dense(*sparse, param.shape());
  float* out = made.f32();
  if (g)
    for (int64_t i = 0; i < made.numel(); ++i) out[i] += g[i];
  return out;
}

Tensor& Optimizer::zero_buffer(ParamState& state, const std::string& name, const Tensor& param) {
  Tensor& buffer = state.buffers[name];
  if (!buffer.defined()) buffer = zeros(param.shape());
  return buffer;
}

// ---- saving and loading the state ----

std::vector<std::pair<std::string, Tensor>> Optimizer::state_tensors() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0; i < states_.size(); ++i)
    for (const auto& [name, buffer] : states_[i].buffers) out.emplace_back(fmt::format("param.{}.{}", i, name), buffer);
  return out;
}

std::map<std::string, std::string> Optimizer::state_metadata() const {
  std::map<std::string, std::string> metadata = hyperparameters();
  metadata["optimizer"] = kind_;
  metadata["params"] = std::to_string(params_.size());
  metadata["lr"] = format_number(lr_);
  for (size_t i = 0; i < states_.size(); ++i)
    metadata[fmt::format("param.{}.step", i)] = std::to_string(states_[i].steps);
  return metadata;
}

void Optimizer::load_state(const std::vector<std::pair<std::string, Tensor>>& tensors,
                           const std::map<std::string, std::string>& metadata) {
  std::map<std::string, Tensor> by_name;
  for (const auto& [name, tensor] : tensors)
    if (!by_name.emplace(name, tensor).second) fail("load_state: tensor '{}' is given twice", name);
  load_state(by_name, metadata);
}

void Optimizer::load_state(const std::map<std::string, Tensor>& tensors,
                           const std::map<std::string, std::string>& metadata) {
  auto kind = metadata.find("optimizer");
  if (kind == metadata.end())
    fail("load_state: the metadata has no 'optimizer' entry; expected the state of a {} optimizer", kind_);
  if (kind->second != kind_) fail("load_state: the state is from a {} optimizer, this one is {}", kind->second, kind_);
  const int64_t count = read_integer(metadata, "params");
  if (count != int64_t(params_.size()))
    fail("load_state: the state holds {} parameters, this {} optimizer has {}", count, kind_, params_.size());
  const double lr = read_number(metadata, "lr");
  if (!(lr >= 0) || std::isinf(lr)) fail("load_state: metadata 'lr' is {}, expected a finite number >= 0", lr);

  // The expected buffers depend on the hyperparameters (amsgrad, momentum): set them first, and put
  // the old ones back if the tensors do not fit.
  const auto previous = hyperparameters();
  set_hyperparameters(metadata);
  std::vector<ParamState> states;
  try {
    states = read_states(tensors, metadata);
  } catch (...) {
    set_hyperparameters(previous);
    throw;
  }
  states_ = std::move(states);
  lr_ = lr;
}

// Every parameter that has taken a step holds each of buffer_names(); one that has not holds none.
std::vector<ParamState> Optimizer::read_states(const std::map<std::string, Tensor>& tensors,
                                               const std::map<std::string, std::string>& metadata) const {
  std::vector<ParamState> states(params_.size());
  std::set<std::string> expected;
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string step_key = fmt::format("param.{}.step", i);
    states[i].steps = read_integer(metadata, step_key);
    if (states[i].steps < 0) fail("load_state: metadata '{}' is {}, expected a count >= 0", step_key, states[i].steps);
    if (states[i].steps == 0) continue;
    for (const std::string& name : buffer_names()) {
      const std::string key = fmt::format("param.{}.{}", i, name);
      expected.insert(key);
      auto found = tensors.find(key);
      if (found == tensors.end())
        fail("load_state: no tensor '{}' although parameter {} has taken {} steps", key, i, states[i].steps);
      const Tensor& saved = found->second;
      if (saved.dtype() != DType::f32 || !(saved.shape() == params_[i].shape()))
        fail("load_state: '{}' is {} {}, expected float32 {} as parameter {}", key, dtype_name(saved.dtype()),
             saved.shape(), params_[i].shape(), i);
      Tensor copy = empty(saved.shape());
      std::memcpy(copy.f32(), saved.f32(), size_t(saved.numel()) * sizeof(float));
      states[i].buffers[name] = copy;
    }
  }
  for (const auto& [key, tensor] : tensors)
    if (!expected.count(key))
      fail("load_state: unexpected tensor '{}'; a {} optimizer with these settings keeps {} buffer(s) for "
           "each parameter that has taken a step",
           key, kind_, buffer_names().size());
  return states;
}

// ---- metadata text ----

std::string format_number(double value) { return fmt::format("{}", value); }

static const std::string& metadata_entry(const std::map<std::string, std::string>& metadata, const std::string& key) {
  auto found = metadata.find(key);
  if (found == metadata.end()) fail("load_state: the metadata has no '{}' entry", key);
  return found->second;
}

template <typename T>
static T parse_whole(const std::map<std::string, std::string>& metadata, const std::string& key, const char* what) {
  const std::string& text = metadata_entry(metadata, key);
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty())
    fail("load_state: metadata '{}' is '{}', expected {}", key, text, what);
  return value;
}

double read_number(const std::map<std::string, std::string>& metadata, const std::string& key) {
  return parse_whole<double>(metadata, key, "a number");
}

int64_t read_integer(const std::map<std::string, std::string>& metadata, const std::string& key) {
  return parse_whole<int64_t>(metadata, key, "an integer");
}

bool read_bool(const std::map<std::string, std::string>& metadata, const std::string& key) {
  const std::string& text = metadata_entry(metadata, key);
  if (text != "true" && text != "false") fail("load_state: metadata '{}' is '{}', expected true or false", key, text);
  return text == "true";
}

}  // namespace tg::optim
