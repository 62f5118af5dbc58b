#include "optim/sgd.hpp"

#include "core/kernels.hpp"

namespace tg::optim {

// Throws "SGD: ..." for a setting torch.optim.SGD also refuses.
static void check_options(const SGDOptions& o) {
  if (!(o.momentum >= 0)) fail("SGD: momentum must be >= 0, got {}", o.momentum);
  if (!(o.weight_decay >= 0)) fail("SGD: weight_decay must be >= 0, got {}", o.weight_decay);
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    fail("SGD: nesterov needs momentum > 0 and dampening 0, got momentum {} and dampening {}", o.momentum,
         o.dampening);
}

SGD::SGD(std::vector<Tensor> params, double lr, SGDOptions options)
    : Optimizer("SGD", std::move(params), lr), options_(options) {
  check_options(options_);
}

std::vector<std::string> SGD::buffer_names() const {
  if (options_.momentum == 0) return {};
  return {"momentum_buffer"};
}

// param, grad, buf: [n]. The float constants are rounded once, as PyTorch's kernels do.
void SGD::update(size_t index, Tensor& param, ParamState& state) {
  Tensor made;
  const float* g = dense_grad(index, made);
  const int64_t n = param.numel();
  float* p = param.f32();
  const float weight_decay = float(options_.weight_decay), momentum = float(options_.momentum);
  const float keep = float(1 - options_.dampening), minus_lr = float(-lr());
  const bool use_momentum = options_.momentum != 0, nesterov = options_.nesterov;
  // The first step copies the gradient into the buffer (no dampening); later steps average into it.
  const bool first = use_momentum && !state.buffers.count("momentum_buffer");
  float* buf = use_momentum ? zero_buffer(state, "momentum_buffer", param).f32() : nullptr;

  detail::parallel_for(n, [=](int64_t i) {
    float d = weight_decay != 0 ? g[i] + weight_decay * p[i] : g[i];
    if (use_momentum) {
      buf[i] = first ? d : buf[i] * momentum + keep * d;
      d = nesterov ? d + momentum * buf[i] : buf[i];
    }
    p[i] = p[i] + minus_lr * d;
  });
}

std::map<std::string, std::string> SGD::hyperparameters() const {
  return {{"momentum", format_number(options_.momentum)},
          {"dampening", format_number(options_.dampening)},
          {"weight_decay", format_number(options_.weight_decay)},
          {"nesterov", options_.nesterov ? "true" : "false"}};
}

void SGD::set_hyperparameters(const std::map<std::string, std::string>& values) {
  SGDOptions read;
  read.momentum = read_number(values, "momentum");
  read.dampening = read_number(values, "dampening");
  read.weight_decay = read_number(values, "weight_decay");
  read.nesterov = read_bool(values, "nesterov");
  check_options(read);
  options_ = read;
}

}  // namespace tg::optim
