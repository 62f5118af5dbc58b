#pragma once
// The tape: every differentiable op, when grad mode is on and one of its inputs requires grad,
// appends one Node (inputs, output, backward function) to this thread's tape. backward() seeds
// d(loss) = 1 and walks the tape from the loss's node down to the first node, once; each node
// adds (+=) its inputs' gradients. Gradients of leaves accumulate until zero_grad().
//
//   // y = sigmoid(x)            x: [*]  y: [*]
//   // dx += dy * y * (1 - y)
//   record("sigmoid", y, {x}, [](Node& n) { ... n.grad_out() ... n.grad_in(0) ... });
//
// An op whose backward writes every element of an input's gradient may take it with n.grad_in_all(i)
// instead: the first writer then stores rather than adds, and the gradient is never zero-filled
// (GradTarget below).
#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace tg {

// The output of node `index` of this thread's tape (see InputList).
const Tensor& tape_output(int64_t index);

// The inputs of a node: up to three stored inline (no heap allocation for almost every op),
// more (concat, stack) in a vector. Used like a std::vector<Tensor>.
//
// An input that an earlier node of this tape made is kept as that node's index, not as a handle:
// the tape holds that node's output until it is cleared, so the input lives as long as this node.
// Why not just copy the handle: a Tensor is a shared_ptr, and once the process has a second thread
// (OpenBLAS and OpenMP start theirs at load) every copy and release of one is an atomic instruction,
// a measurable part of a tiny op's cost. Other inputs (parameters, indices, constants) are held.
class InputList {
 public:
  void push_back(const Tensor& t, bool held_by_tape) {
    Entry e{held_by_tape ? Tensor() : t, held_by_tape ? t.impl()->node : -1};
    if (count_ < kInline) inline_[count_] = std::move(e); else more_.push_back(std::move(e));
    ++count_;
  }
  size_t size() const { return count_; }
  const Tensor& operator[](size_t i) const {
    const Entry& e = i < kInline ? inline_[i] : more_[i - kInline];
    return e.node >= 0 ? tape_output(e.node) : e.held;
  }
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
  struct Entry {
    Tensor held;        // the input itself, or undefined when the tape holds it
    int64_t node = -1;  // else: the index of the node whose output it is
  };
  static constexpr size_t kInline = 3;
  std::array<Entry, kInline> inline_;
  std::vector<Entry> more_;
  size_t count_ = 0;
};

// The gradient of an input, for a backward that writes every one of its elements (mean's, an
// elementwise op's, a product's). When this node is the first to reach that gradient, the buffer is
// new and not zero-filled (first = true): the backward stores (=, or sgemm beta 0) instead of adding
// (+=). For a [256, 50, 300] gradient that saves a zero-fill of 15 MB, a pass over memory. A later
// writer (the input feeds several ops; a leaf accumulates over backward calls) gets first = false
// and adds. data is nullptr when the input needs no grad.
//
//   if (GradTarget dx = n.grad_in_all(0))
//     dx.write([&](auto store) { for (int64_t i = 0; i < count; ++i) store(dx.data[i], dy[i] * 2); });
struct GradTarget {
  float* data = nullptr;
  bool first = false;
  explicit operator bool() const { return data != nullptr; }
  float beta() const { return first ? 0.0f : 1.0f; }  // for sgemm: C = A B + beta C
  // Runs loop(store) with store(g, v) doing g = v on the first write and g += v after; the branch is
  // taken once, outside the loop, so each version of the loop compiles (and vectorises) on its own.
  template <typename Loop>
  void write(Loop loop) const {
    if (first) loop([](float& g, float v) { g = v; });
    else loop([](float& g, float v) { g += v; });
  }
};

struct Node {
  const char* op;
  InputList inputs;  // may include tensors that need no grad (indices)
  Tensor output;     // held here, which keeps every node input made by this node alive (InputList)
  std::function<void(Node&)> backward;

  const Tensor& input(int i) const { return inputs[size_t(i)]; }
  const Tensor& out() const { return output; }
  // dL/d(output), f32, output's shape. Set whenever backward runs this node.
  const float* grad_out() const;
  // dL/d(input i) to add into (zero-filled on first use), or nullptr when input i needs no grad.
  float* grad_in(int i);
  // dL/d(input i), for a backward that writes every element of it: see GradTarget.
  GradTarget grad_in_all(int i);
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
// The same for a caller that writes every element: created uninitialised if absent (see GradTarget).
GradTarget grad_target(TensorImpl& t);

}  // namespace tg
