#include "core/tape.hpp"

#include <atomic>
#include <cstring>
#include <set>

#include "core/ops.hpp"

namespace tg {

namespace {

// Epochs are unique across threads, so that (node, epoch) names one node of one thread's tape:
// a tensor recorded on another thread's tape is never taken for one of this tape's nodes.
std::atomic<uint64_t> last_epoch{0};
uint64_t new_epoch() { return last_epoch.fetch_add(1, std::memory_order_relaxed) + 1; }

struct Tape {
  std::vector<Node> nodes;
  uint64_t epoch = new_epoch();  // renewed whenever the tape is cleared, so stale node indices are detectable
};

thread_local Tape tape;
thread_local bool grad_mode = true;

}  // namespace

bool grad_enabled() { return grad_mode; }
NoGradGuard::NoGradGuard() : previous_(grad_mode) { grad_mode = false; }
NoGradGuard::~NoGradGuard() { grad_mode = previous_; }

size_t tape_size() { return tape.nodes.size(); }

void clear_tape() {
  tape.nodes.clear();
  tape.epoch = new_epoch();
}

float* grad_buffer(TensorImpl& t) {
  if (!t.grad) {
    t.grad = zeros(t.shape).take_impl();
  }
  return t.grad->f32_data();
}

const Tensor& tape_output(int64_t index) { return tape.nodes[size_t(index)].output; }

// Was t made by a node of this thread's current tape (which then holds it)?
static bool on_this_tape(const Tensor& t) { return t.impl()->node >= 0 && t.impl()->epoch == tape.epoch; }

const float* Node::grad_out() const {
  return output.impl()->grad->f32_data();
}

float* Node::grad_in(int i) {
  TensorImpl& in = *inputs[size_t(i)].impl();
  return in.requires_grad ? grad_buffer(in) : nullptr;
}

GradTarget grad_target(TensorImpl& t) {
  const bool first = !t.grad;
  if (first) t.grad = empty(t.shape).take_impl();  // not zero-filled: the caller writes every element
  return {grad_buffer(t), first};
}

GradTarget Node::grad_in_all(int i) {
  TensorImpl& in = *inputs[size_t(i)].impl();
  return in.requires_grad ? grad_target(in) : GradTarget{};
}

bool any_requires_grad(TensorRefs inputs) {
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

template <typename Range>
static void record_node(const char* op, Tensor& output, const Range& inputs, std::function<void(Node&)>& backward) {
  if (!grad_mode) return;
  bool needed = false;
  for (const Tensor& t : inputs) needed = needed || (t.defined() && t.requires_grad());
  if (!needed) return;
  TensorImpl& out = *output.impl();
  out.requires_grad = true;
  out.node = int64_t(tape.nodes.size());
  out.epoch = tape.epoch;
  Node& n = tape.nodes.emplace_back();
  n.op = op;
  for (const Tensor& t : inputs) n.inputs.push_back(t, t.defined() && on_this_tape(t));
  n.output = output;
  n.backward = std::move(backward);
}

void record(const char* op, Tensor& output, TensorRefs inputs, std::function<void(Node&)> backward) {
  record_node(op, output, inputs, backward);
}
void record(const char* op, Tensor& output, const std::vector<Tensor>& inputs, std::function<void(Node&)> backward) {
  record_node(op, output, inputs, backward);
}

// Walk the tape backwards from the root's node. A node whose output got no gradient is not on
// the path to the root and is skipped. Afterwards the gradients of non-leaf tensors are dropped
// (as PyTorch does) and, unless retain_graph, the tape is cleared.
static void run_backward(const Tensor& root, const Tensor& seed, bool retain_graph) {
  TensorImpl& r = *root.impl();
  if (!r.requires_grad) fail("backward: the tensor does not require grad (no input of it had requires_grad)");
  if (r.node >= 0 && r.epoch != tape.epoch)
    fail("backward: the graph of this tensor was freed by an earlier backward() or clear_tape(); "
         "call backward(retain_graph=true) the first time to go through it again");
  NoGradGuard no_grad;  // backward functions never record
  GradTarget g = grad_target(r);
  const float* s = seed.f32();
  const int64_t count = root.numel();
  g.write([&](auto store) { for (int64_t i = 0; i < count; ++i) store(g.data[i], s[i]); });
  for (int64_t k = r.node; k >= 0; --k) {
    Node& n = tape.nodes[size_t(k)];
    if (!n.output.impl()->grad) continue;
    n.backward(n);
  }
  for (int64_t k = r.node; k >= 0; --k) tape.nodes[size_t(k)].output.impl()->grad.reset();
  if (!retain_graph) clear_tape();
}

void Tensor::backward(bool retain_graph) {
  check_defined("backward", *this);
  if (numel() != 1)
    fail("backward: called on a tensor of shape {} ({} elements); backward() needs a one-element loss, "
         "or pass the gradient of the output: y.backward(grad)", shape(), numel());
  run_backward(*this, ones(shape()), retain_graph);
}

void Tensor::backward(const Tensor& grad_output, bool retain_graph) {
  check_defined("backward", *this);
  check_dtype("backward", grad_output, DType::f32);
  if (!(grad_output.shape() == shape()))
    fail("backward: the gradient has shape {}, the tensor has shape {}", grad_output.shape(), shape());
  run_backward(*this, grad_output, retain_graph);
}

// ---- Graphviz ----

std::string to_dot(const Tensor& root) {
  check_defined("to_dot", root);
  std::string out = "digraph tape {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n";
  auto tensor_id = [](const TensorImpl* t) { return fmt::format("t{}", reinterpret_cast<uintptr_t>(t)); };
  auto tensor_label = [](const TensorImpl* t) {
    std::string label = t->name.empty() ? "" : t->name + "\\n";
    return label + fmt::format("{}", t->shape);
  };
  std::set<const TensorImpl*> seen;
  std::vector<const TensorImpl*> todo{root.impl()};
  while (!todo.empty()) {
    const TensorImpl* t = todo.back();
    todo.pop_back();
    if (!seen.insert(t).second) continue;
    bool leaf = t->node < 0 || t->epoch != tape.epoch;
    out += fmt::format("  {} [shape=ellipse, label=\"{}\"{}];\n", tensor_id(t), tensor_label(t),
                       leaf && t->requires_grad ? ", style=filled, fillcolor=lightblue" : "");
    if (leaf) continue;
    const Node& n = tape.nodes[size_t(t->node)];
    std::string op_id = fmt::format("op{}", t->node);
    out += fmt::format("  {} [shape=box, label=\"{}\"];\n  {} -> {};\n", op_id, n.op, op_id, tensor_id(t));
    for (const Tensor& in : n.inputs) {
      out += fmt::format("  {} -> {};\n", tensor_id(in.impl()), op_id);
      todo.push_back(in.impl());
    }
  }
  return out + "}\n";
}

}  // namespace tg
