#pragma once
// The tape: every differentiable op, when grad mode is on and one of its inputs requires grad,
// appends one Node (inputs, output, backward function) to this thread's tape. backward() seeds
// d(loss) = 1 and walks the tape from the loss's node down to the first node, once; each node
// adds (+=) its inputs' gradients. Gradients of leaves accumulate until zero_grad().
//
//   // y = sigmoid(x)            x: [*]  y: [*]
//   // dx += dy * y * (1 - y)
//   record("sigmoid", y, {x}, [](Node& n) { ... n.grad_out() ... n.grad_in(0) ... });
#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace tg {

// The inputs of a node: up to three stored inline (no heap allocation for almost every op),
// more (concat, stack) in a vector. Used like a std::vector<Tensor>.
class InputList {
 public:
  void push_back(const Tensor& t) {
    if (count_ < kInline) inline_[count_] = t; else more_.push_back(t);
    ++count_;
  }
  size_t size() const { return count_; }
  const Tensor& operator[](size_t i) const { return i < kInline ? inline_[i] : more_[i - kInline]; }
  struct Iterator {
    const InputList* list;
    size_t i;
    const Tensor& operator*() const { return (*list)[i]; }
    Iterator& operator++() { ++i; return *this; }
    bool operator!=(const Iterator& o) const { return i != o.i; }
  };
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, count_}; }

 private:
  static constexpr size_t kInline = 3;
  std::array<Tensor, kInline> inline_;
  std::vector<Tensor> more_;
  size_t count_ = 0;
};

struct Node {
  const char* op;
  InputList inputs;  // may include tensors that need no grad (indices)
  std::shared_ptr<TensorImpl> output;
  std::function<void(Node&)> backward;

  const Tensor& input(int i) const { return inputs[size_t(i)]; }
  Tensor out() const { return Tensor(output); }
  // dL/d(output), f32, output's shape. Set whenever backward runs this node.
  const float* grad_out() const;
  // dL/d(input i) to add into (zero-filled on first use), or nullptr when input i needs no grad.
  float* grad_in(int i);
};

// Is recording on for this thread? (Off inside a NoGradGuard.)
bool grad_enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Called by every op after computing `output`. Records a node when grad mode is on and any input
// requires grad (then output.requires_grad() becomes true); otherwise does nothing.
// (The list holds references: `{a, b}` copies no tensor handle, whose reference counts are atomic.)
using TensorRefs = std::initializer_list<std::reference_wrapper<const Tensor>>;
void record(const char* op, Tensor& output, TensorRefs inputs, std::function<void(Node&)> backward);
void record(const char* op, Tensor& output, const std::vector<Tensor>& inputs,
            std::function<void(Node&)> backward);
bool any_requires_grad(TensorRefs inputs);

// The tape itself, for teaching and for tools: how many nodes it holds; clearing it drops every
// recorded graph (tensors made before cannot be backpropagated through afterwards).
size_t tape_size();
void clear_tape();

// The recorded graph that produced `root`, as Graphviz DOT: one box per op, one ellipse per tensor
// (name if set, and shape). `dot -Tsvg graph.dot > graph.svg` draws it (like micrograd's draw_dot).
std::string to_dot(const Tensor& root);

// The buffer of a tensor's gradient, created zero-filled if absent (used by backward functions).
float* grad_buffer(TensorImpl& t);

}  // namespace tg
