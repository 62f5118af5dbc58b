#pragma once
// LSTM: torch.nn.LSTM's parameters, gate order and outputs, with each layer-direction run as ONE fused
// op on the tape (one node holds the whole sequence's backward), not a chain of small per-step ops.
//
//   tg::nn::LSTM lstm(64, 256, {.num_layers = 2, .batch_first = true, .bidirectional = true});
//   auto [output, h_n, c_n] = lstm.forward(x, lengths);  // x: [B, T, 64]  output: [B, T, 512]
//
// As in PyTorch, batch_first is false unless asked: then x is [T, B, I] and output [T, B, H * dirs].
//
// Per step t (gate order i, f, g, o along the 4H rows of each weight, as PyTorch):
//   gates = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh            [B, 4H]
//   i = sigmoid(gates_i)  f = sigmoid(gates_f)  g = tanh(gates_g)  o = sigmoid(gates_o)
//   c_t = f * c_{t-1} + i * g      h_t = o * tanh(c_t)
//
// Lengths (i64 [B], optional; the batch need not be sorted): row b runs steps t < lengths[b] only, as
// PyTorch's packed sequences do. Its output at t >= lengths[b] is zero, h_n and c_n come from its last
// valid step, and the reverse direction starts at step lengths[b] - 1. A length of 0 is allowed (PyTorch
// refuses it): that row's output is all zero and its h_n, c_n are h0, c0 (zero when not given).
#include <cstdint>
#include <vector>

#include "core/tensor.hpp"
#include "nn/module.hpp"

namespace tg::nn {

class Embedding;

struct LSTMOptions {
  int num_layers = 1;
  bool batch_first = false;      // false (PyTorch's default): x [T, B, I]; true: [B, T, I] (output likewise)
  bool bidirectional = false;
  bool forget_bias_one = false;  // after init: f-gate slice of bias_ih = 1, of bias_hh = 0
};

struct LSTMOutput {
  Tensor output;  // [B, T, H * directions] (or [T, B, H * directions]); the last layer's h_t
  Tensor h_n;     // [num_layers * directions, B, H]: layer 0 forward, layer 0 reverse, layer 1 ...
  Tensor c_n;     // [num_layers * directions, B, H]
};

class LSTM : public Module {
 public:
  // Parameters, as PyTorch's state_dict, for each layer k (and with suffix "_reverse" for the backward
  // direction): weight_ih_l{k} [4H, in_k], weight_hh_l{k} [4H, H], bias_ih_l{k} [4H], bias_hh_l{k} [4H],
  // where in_0 = input_size and in_k = H * directions. All start U(-1/sqrt(H), 1/sqrt(H)).
  LSTM(int64_t input_size, int64_t hidden_size, LSTMOptions options = {});

  // x: [B, T, input_size] (batch_first) or [T, B, input_size]; lengths: i64 [B] with values in [0, T];
  // h0, c0: [num_layers * directions, B, H]. Any of lengths, h0, c0 may be left undefined (h0, c0: zero).
  LSTMOutput forward(const Tensor& x, const Tensor& lengths = {}, const Tensor& h0 = {}, const Tensor& c0 = {});

  // forward(embedding.forward(ids), lengths, h0, c0), computed with fewer products when the batch has more
  // positions than the table has rows. Layer 0 multiplies each position's vector by W_ih; for x = table[id]
  // that product is row id of table W_ih^T, so it multiplies the table's V rows once (on the tape:
  // nn::linear(table, weight_ih_l0)) and looks each position's product up, and its backward adds each
  // position's gate gradient into that row. The products with W_ih then cost V rows instead of B * T, in
  // forward and in both gradients: in tg-charlm (V = 66, B * T = 2048) a fifth of the step's arithmetic.
  // The same result up to float rounding. Otherwise (fewer positions, or a table not used plainly: float16,
  // max_norm, sparse, scale_grad_by_freq, a nonzero padding row) it is exactly the call above.
  //   ids: i64 [B, T] (batch_first) or [T, B], indices into embedding's table of dim input_size
  LSTMOutput forward_embedded(Embedding& embedding, const Tensor& ids, const Tensor& lengths = {},
                              const Tensor& h0 = {}, const Tensor& c0 = {});

  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  int directions() const { return options_.bidirectional ? 2 : 1; }
  const LSTMOptions& options() const { return options_; }

 private:
  struct Weights {  // one layer in one direction
    Tensor weight_ih, weight_hh, bias_ih, bias_hh;
  };
  int64_t input_size_, hidden_size_;
  LSTMOptions options_;
  std::vector<Weights> weights_;  // [layer * directions + direction]; the registry holds the same handles

  // Layer 0's input by rows (forward_embedded): projected[direction] = table W_ih^T [V, 4H], and the ids.
  struct RowsInput {
    std::vector<Tensor> projected;
    Tensor ids;
    int64_t padding_idx;  // -1: none
  };
  // The layers over x ([B, T, I] or [T, B, I]; undefined with rows), whose first two sizes are dim0, dim1.
  LSTMOutput forward_layers(const Tensor& x, const RowsInput* rows, int64_t dim0, int64_t dim1,
                            const Tensor& lengths, const Tensor& h0, const Tensor& c0);
};

}  // namespace tg::nn
