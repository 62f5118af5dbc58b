#pragma once
// Optimizer: the base of SGD, Adam, AdamW and LazyAdam. It holds the parameters, the learning rate and
// what each parameter needs between steps (a step count and fp32 buffers such as "exp_avg"), and
// saves / restores that state so a run resumes bit-exactly from a checkpoint.
//
//   optim::Adam opt(model.trainable_parameters(), 1e-3);
//   for (...) { opt.zero_grad(); loss(batch).backward(); opt.step(); }
//
//   save_safetensors(path, opt.state_tensors(), opt.state_metadata());   // checkpoint
//   auto file = load_safetensors(path);
//   opt.load_state(file.tensors, file.metadata);                          // resume
//
// As in PyTorch, step() skips a parameter that does not require grad or has no gradient (neither a
// dense nor a row-sparse one); such a parameter's state does not change.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.hpp"

namespace tg::optim {

// What an optimizer keeps for one parameter between steps.
struct ParamState {
  int64_t steps = 0;                      // updates applied to this parameter so far
  std::map<std::string, Tensor> buffers;  // e.g. "exp_avg": f32, the parameter's shape
};

class Optimizer {
 public:
  // kind names the optimizer in errors and in the saved state ("SGD", "Adam", ...).
  Optimizer(std::string kind, std::vector<Tensor> params, double lr);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  void step();       // one update of every parameter that requires grad and has a gradient
  void zero_grad();  // drops every parameter's gradients (dense and sparse)

  double lr() const { return lr_; }
  void set_lr(double lr);  // lr >= 0, else tg::Error
  const std::string& kind() const { return kind_; }
  const std::vector<Tensor>& params() const { return params_; }
  int64_t steps(size_t param_index) const { return states_.at(param_index).steps; }

  // The state as tensors named "param.<i>.<buffer>" (e.g. "param.3.exp_avg"). These are the live
  // buffers, not copies: save them before the next step().
  std::vector<std::pair<std::string, Tensor>> state_tensors() const;
  // "optimizer" (the kind), "params" (how many), "lr", each hyperparameter, and "param.<i>.step",
  // all as text that reads back to the same double.
  std::map<std::string, std::string> state_metadata() const;
  // Restores what state_tensors() and state_metadata() gave: the step counts, the buffers (copied),
  // lr and the hyperparameters (as PyTorch's load_state_dict does). Throws tg::Error, changing
  // nothing, on another optimizer kind, another parameter count, a buffer of the wrong shape or
  // dtype, a missing or unknown tensor name, or a missing or unreadable metadata entry.
  // Metadata keys it does not use are ignored (a checkpoint may store more).
  void load_state(const std::map<std::string, Tensor>& tensors,
                  const std::map<std::string, std::string>& metadata);
  void load_state(const std::vector<std::pair<std::string, Tensor>>& tensors,
                  const std::map<std::string, std::string>& metadata);

 protected:
  // Updates params()[index] from its gradient; state.steps already counts this step.
  // A float16 / bfloat16 parameter reaches update() as a float32 working copy (the whole table
  // converted, updated, rounded back) unless the optimizer says it updates reduced-precision
  // parameters itself, row by row (LazyAdam: only the rows of a row-sparse gradient).
  virtual void update(size_t index, Tensor& param, ParamState& state) = 0;
  virtual bool updates_reduced_precision() const { return false; }
  // The buffers a parameter holds once it has taken a step, with the current hyperparameters.
  virtual std::vector<std::string> buffer_names() const = 0;
  // The hyperparameters other than lr, as text; set_hyperparameters reads them back (validating,
  // and changing nothing on error).
  virtual std::map<std::string, std::string> hyperparameters() const = 0;
  virtual void set_hyperparameters(const std::map<std::string, std::string>& values) = 0;

  // The parameter's gradient as one dense f32 array [numel]: the dense gradient (its rows held apart,
  // TensorImpl::grad_rows, written into it), the row-sparse one made dense, or their sum when both
  // exist; `made` holds the last two. The dense gradient alone is read where it is, through its
  // TensorImpl: a copy of its handle would cost two atomic instructions once the process has a second
  // thread (core/tape.hpp's InputList says why), a part of a tiny model's step.
  const float* dense_grad(size_t index, Tensor& made) const;
  // The named buffer of a parameter, created zero-filled (the parameter's shape) on first use.
  static Tensor& zero_buffer(ParamState& state, const std::string& name, const Tensor& param);

 private:
  // Throws unless the gradient of params_[index] fits it (dtype, shape, sparse rows in range).
  void check_gradient(size_t index) const;
  std::vector<ParamState> read_states(const std::map<std::string, Tensor>& tensors,
                                      const std::map<std::string, std::string>& metadata) const;

  std::string kind_;
  std::vector<Tensor> params_;
  std::vector<ParamState> states_;
  double lr_;
};

// Text forms used in the saved metadata. format_number writes the shortest text that reads back to
// the same double; the readers throw "load_state: metadata '<key>' ..." when absent or malformed.
std::string format_number(double value);
double read_number(const std::map<std::string, std::string>& metadata, const std::string& key);
int64_t read_integer(const std::map<std::string, std::string>& metadata, const std::string& key);
bool read_bool(const std::map<std::string, std::string>& metadata, const std::string& key);

}  // namespace tg::optim
