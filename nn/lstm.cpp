// LSTM as one fused tape op per layer and direction. Read in this order:
//   1. Steps: which time step of each sequence a direction works on at step s, Packed: where output,
//      h_n and c_n sit in the op's one result, and Input: x, or its products with W_ih as table rows;
//   2. cell_forward / cell_backward: one step of one row, plain float loops over H (the activations,
//      sigmoid and tanh, are core/fast_math.hpp's, which vectorise);
//   3. lstm_direction: the whole sequence forward (one big sgemm, then one small sgemm and one gate pass
//      per step), then lstm_direction_backward (BPTT, then every weight gradient as one big sgemm);
//   4. the LSTM module, which composes lstm_direction over layers and directions (forward, and
//      forward_embedded, which hands layer 0 its input as rows of table W_ih^T).
#include "nn/lstm.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/fast_math.hpp"
#include "core/gemm.hpp"
#include "core/kernels.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "nn/embedding.hpp"
#include "nn/embedding_rows.hpp"
#include "nn/linear.hpp"

namespace tg::nn {

namespace {

using detail::gemm;  // core/gemm.hpp
using detail::gate_activation;  // core/fast_math.hpp
using detail::tanh;

// ---- 1. steps and the packed result ----

// A tape node has one output, so one layer-direction returns its three results packed into one tensor
// [B, T + 2, H] (or [T + 2, B, H]): along time, steps 0 .. T-1 hold the output h_t (zero where a sequence
// has ended), then one row of h_n and one of c_n. The module splits them with narrow. Row numbers are in
// the packed tensor viewed as [rows, H].
struct Packed {
  int64_t batch, time_steps;
  bool batch_first;

  Shape shape(int64_t H) const { return batch_first ? Shape{batch, time_steps + 2, H} : Shape{time_steps + 2, batch, H}; }
  int64_t row(int64_t b, int64_t t) const { return batch_first ? b * (time_steps + 2) + t : t * batch + b; }
  int64_t output_row(int64_t b, int64_t t) const { return row(b, t); }
  int64_t h_n_row(int64_t b) const { return row(b, time_steps); }
  int64_t c_n_row(int64_t b) const { return row(b, time_steps + 1); }
  // Along the time dim: the output is [0, T), h_n at T, c_n at T + 1.
  int64_t output_start() const { return 0; }
  int64_t h_n_index() const { return time_steps; }
  int64_t c_n_index() const { return time_steps + 1; }
};

// Both directions run steps s = 0, 1, ..., count - 1 over the whole batch at once. At step s row b
// works on time step time(b, s): s going forward, lengths[b] - 1 - s going backward (so the reverse
// direction starts at each sequence's own last step). Step s is valid for row b while s < lengths[b];
// afterwards the row only carries its state along.
struct Steps {
  int64_t batch, time_steps;      // B and T of x
  bool batch_first, reverse;
  std::vector<int64_t> lengths;   // [B], each in [0, T]
  int64_t count;                  // steps to run: the longest length

  bool valid(int64_t b, int64_t s) const { return s < lengths[size_t(b)]; }
  int64_t time(int64_t b, int64_t s) const { return reverse ? lengths[size_t(b)] - 1 - s : s; }
  // Row of (b, t) in x viewed as [B * T, I] (or [T * B, I] when time comes first).
  int64_t x_row(int64_t b, int64_t t) const { return batch_first ? b * time_steps + t : t * batch + b; }
  Packed packed() const { return {batch, time_steps, batch_first}; }
};

// What the backward of one layer-direction needs, for all steps, allocated once per forward.
// Rows are in step order: row s * B + b is row b at step s.
struct Saved {
  Tensor xs;      // [S * B, I]        the inputs, gathered into step order (zero where not valid); not
                  //                   kept when the input comes as rows of a table (Input below)
  Tensor gates;   // [S * B, 4H]       the activations i, f, g, o
  Tensor h;       // [(S + 1) * B, H]  h[0] = h0, h[s + 1] = the hidden state after step s
  Tensor c;       // [(S + 1) * B, H]  the same for the cell state
  Tensor tanh_c;  // [S * B, H]        tanh(c) after each step
  std::vector<int64_t> row_ids;  // [S * B] by rows (Input): each row's id, padding_idx where not valid
};

// A layer-direction's input, in one of two forms (the first computes what the second looks up):
//   x:    [B, T, I] (or [T, B, I]); the op computes x_t W_ih^T for every step (one sgemm) and, in backward,
//         dW_ih and dx;
//   rows: projected [V, 4H] = table W_ih^T, computed by the caller on the tape (LSTM::forward_embedded),
//         and ids i64 [B, T] (or [T, B]): the product x_t W_ih^T of position (b, t) is row ids[b, t] of
//         projected, added in the gate pass; in backward its dgates row is added to that row of
//         dprojected, except for positions whose id is padding_idx (-1: none), which get no gradient.
struct Input {
  Tensor x;
  Tensor projected, ids;
  int64_t padding_idx = -1;
  bool by_rows() const { return projected.defined(); }
};

// ---- 2. one step of one row ----

// c = f * c_prev + i * g, tanh_c = tanh(c), h = o * tanh_c over n columns (the gates' activations in).
inline void cell_state(const float* __restrict i, const float* __restrict f, const float* __restrict g,
                       const float* __restrict o, const float* __restrict c_prev, float* __restrict c,
                       float* __restrict tanh_c, float* __restrict h, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    c[j] = f[j] * c_prev[j] + i[j] * g[j];
    tanh_c[j] = tanh(c[j]);
    h[j] = o[j] * tanh_c[j];
  }
}

// gates: one row [i f g o] of 4H pre-activations in, less addend ([4H], added here: the bias b_ih + b_hh,
// and for an input by rows the position's row of projected too), the activations out (kept for backward):
//   i = sigmoid  f = sigmoid  g = tanh  o = sigmoid     c = f * c_prev + i * g     h = o * tanh(c)
// The activations are core/fast_math.hpp's gate_activation (tanh(x) = 2 sigmoid(2x) - 1 for g): 25% less
// than sigmoid() and tanh() (W3s's cell pass: 40 -> 29 us a step). One loop over all 4H, g's scale
// picked per column: with H = 20 that is five full vectors of 16, where a loop per gate had a tail each.
void cell_forward(float* __restrict gates, const float* __restrict addend, const float* __restrict c_prev,
                  float* __restrict c, float* __restrict tanh_c, float* __restrict h, int64_t H) {
  for (int64_t j = 0; j < 4 * H; ++j)
    gates[j] = gate_activation(gates[j] + addend[j], j >= 2 * H && j < 3 * H ? 2.0f : 1.0f);
  const float *i = gates, *f = gates + H, *g = gates + 2 * H, *o = gates + 3 * H;
  // c, tanh(c) and h over the columns that fill whole blocks of 16 (AVX-512 vectors), then, when 16 does
  // not divide H, over the last 16 columns again instead of a scalar tail: with H = 20, columns 0-15 then
  // 4-19. cell_state writes nothing it reads, so a column done twice gets the same bits. The scalar tail
  // (4 columns of 20, each with a scalar tanh) was 40% of this pass in W3s: 12.0 -> 7.1 us a step.
  constexpr int64_t kBlock = 16;
  const int64_t whole = H < kBlock ? H : H / kBlock * kBlock;
  cell_state(i, f, g, o, c_prev, c, tanh_c, h, whole);
  if (whole < H) {
    const int64_t at = H - kBlock;
    cell_state(i + at, f + at, g + at, o + at, c_prev + at, c + at, tanh_c + at, h + at, kBlock);
  }
}

// dh_next: dL/dh of this step from the step after it (set to 0 here: the caller adds dh_{t-1} into it);
// dy: dL/dh of this step from the output; dc: dL/dc of this step in, dL/dc_prev out.
//   dh = dh_next + dy               dc_t = dc + dh * o * (1 - tanh(c)^2)
//   d(i pre) = dc_t * g * i (1 - i)   d(f pre) = dc_t * c_prev * f (1 - f)
//   d(g pre) = dc_t * i * (1 - g^2)   d(o pre) = dh * tanh(c) * o (1 - o)     dc_prev = dc_t * f
void cell_backward(const float* __restrict act, const float* __restrict c_prev, const float* __restrict tanh_c,
                   const float* __restrict dy, float* __restrict dh_next, float* __restrict dc,
                   float* __restrict dgates, int64_t H) {
  const float *i = act, *f = act + H, *g = act + 2 * H, *o = act + 3 * H;
  float *di = dgates, *df = dgates + H, *dg = dgates + 2 * H, *d_o = dgates + 3 * H;
  for (int64_t j = 0; j < H; ++j) {
    const float dh = dh_next[j] + dy[j];
    const float dc_t = dc[j] + dh * o[j] * (1.0f - tanh_c[j] * tanh_c[j]);
    di[j] = dc_t * g[j] * i[j] * (1.0f - i[j]);
    df[j] = dc_t * c_prev[j] * f[j] * (1.0f - f[j]);
    dg[j] = dc_t * i[j] * (1.0f - g[j] * g[j]);
    d_o[j] = dh * tanh_c[j] * o[j] * (1.0f - o[j]);
    dc[j] = dc_t * f[j];
    dh_next[j] = 0.0f;
  }
}

// out[j] += sum over rows of m[r, j]      m: [rows, cols]
void add_column_sums(const float* m, int64_t rows, int64_t cols, float* out) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j) out[j] += m[r * cols + j];
}

// ---- 3. one layer in one direction, one tape node ----

void lstm_direction_backward(Node& n, const Steps& st, const Saved& sv, bool by_rows, int64_t padding_idx);

// gates = x_t W_ih^T for every step, in step order (zero where a row is not valid): x's rows gathered into
// sv.xs, then one sgemm. For an input by rows, only each position's id (sv.row_ids): its row of projected
// is added in the gate pass, as the bias is (writing the bias into all S * B rows first was 8% of W3s's
// step; copying the char LM's 2048 rows of projected into the gates first, 3% of its step).
void input_products(const Input& in, const Tensor& w_ih, const Steps& st, Saved& sv) {
  const int64_t B = st.batch, S = st.count, G = sv.gates.size(1);
  if (in.by_rows()) {
    const int64_t* ids = in.ids.i64();
    sv.row_ids.assign(size_t(S * B), in.padding_idx);
    for (int64_t s = 0; s < S; ++s)
      for (int64_t b = 0; b < B; ++b)
        if (st.valid(b, s)) sv.row_ids[size_t(s * B + b)] = ids[st.x_row(b, st.time(b, s))];
    return;
  }
  float* gates = sv.gates.f32();
  const int64_t I = w_ih.size(1);
  sv.xs = empty({S * B, I});
  float* xs = sv.xs.f32();
  const float* x_data = in.x.f32();
  for (int64_t s = 0; s < S; ++s)
    for (int64_t b = 0; b < B; ++b) {
      float* to = xs + (s * B + b) * I;
      if (st.valid(b, s))
        std::memcpy(to, x_data + st.x_row(b, st.time(b, s)) * I, size_t(I) * sizeof(float));
      else
        std::fill_n(to, I, 0.0f);
    }
  gemm(false, true, S * B, G, I, xs, w_ih.f32(), 0.0f, gates);
}

// One layer in one direction over the whole sequence.
//   in: x [B, T, I] (or [T, B, I]), or rows of a table (Input)   w_ih: [4H, I]   w_hh: [4H, H]
//   b_ih, b_hh: [4H]   h0, c0: [B, H]
// Returns the Packed [B, T + 2, H] (or [T + 2, B, H]) result: output, h_n and c_n.
Tensor lstm_direction(const Input& in, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                      const Tensor& b_hh, const Tensor& h0, const Tensor& c0, const Steps& st) {
  const int64_t B = st.batch, S = st.count, H = w_hh.size(1), G = checked_mul(4, H, "lstm");
  const bool by_rows = in.by_rows();
  Saved sv{Tensor(), empty({S * B, G}), empty({(S + 1) * B, H}), empty({(S + 1) * B, H}), empty({S * B, H}), {}};
  input_products(in, w_ih, st, sv);
  float *gates = sv.gates.f32(), *h = sv.h.f32(), *c = sv.c.f32(), *tanh_c = sv.tanh_c.f32();
  Tensor bias_buf = empty({G});  // b_ih + b_hh
  float* bias = bias_buf.f32();
  const float *bias_ih = b_ih.f32(), *bias_hh = b_hh.f32();
  for (int64_t j = 0; j < G; ++j) bias[j] = bias_ih[j] + bias_hh[j];
  // What the gate pass adds to the recurrence's product: the bias, or by rows projected + bias [V, 4H]
  // (V is less than S * B: LSTM::forward_embedded looks up by rows only then), a row per id.
  Tensor addend_buf = by_rows ? empty(in.projected.shape()) : bias_buf;
  float* addend = addend_buf.f32();
  if (by_rows) {
    const float* projected = in.projected.f32();
    for (int64_t r = 0; r < in.projected.size(0); ++r)
      for (int64_t j = 0; j < G; ++j) addend[r * G + j] = projected[r * G + j] + bias[j];
  }

  // The recurrence: per step one [B, H] x [H, 4H] product, then one pass over the gates. W_hh^T is copied
  // once, laid out for these products (detail::pack_b: panels for core/gemm.hpp's kernel for few rows,
  // which takes these shapes when they fit, or else [H, 4H] rows: an "NN" product is 20-40% faster on
  // these shapes than "NT" on W_hh, in OpenBLAS).
  std::memcpy(h, h0.f32(), size_t(B * H) * sizeof(float));
  std::memcpy(c, c0.f32(), size_t(B * H) * sizeof(float));
  const Packed pk = st.packed();
  Tensor packed = empty(pk.shape(H));  // every row is written below: h_t, zeros after a sequence ends, h_n, c_n
  Tensor w_hh_t = empty({H, G});  // W_hh^T [H, 4H], packed: a copy for this forward, not recorded
  detail::pack_b(B, H, G, w_hh.f32(), true, w_hh_t.f32());
  float* out = packed.f32();
  // Per step the product is below the size worth threading (core/gemm.hpp), so it and the gate pass
  // run on this thread; see nn/README.md's "LSTM speed" for what two threads did here.
  for (int64_t s = 0; s < S; ++s) {
    float* gates_s = gates + s * B * G;
    // by rows the gates hold nothing yet; from x they hold x_t W_ih^T
    detail::gemm_packed(B, G, H, h + s * B * H, w_hh_t.f32(), !by_rows, gates_s);
    for (int64_t b = 0; b < B; ++b) {
      const int64_t prev = s * B + b, next = (s + 1) * B + b;
      if (!st.valid(b, s)) {  // this sequence has ended: carry its state to the next step
        std::memcpy(h + next * H, h + prev * H, size_t(H) * sizeof(float));
        std::memcpy(c + next * H, c + prev * H, size_t(H) * sizeof(float));
        continue;
      }
      const float* add = by_rows ? addend + sv.row_ids[size_t(prev)] * G : addend;
      cell_forward(gates_s + b * G, add, c + prev * H, c + next * H, tanh_c + prev * H, h + next * H, H);
      std::memcpy(out + pk.output_row(b, st.time(b, s)) * H, h + next * H, size_t(H) * sizeof(float));
    }
  }
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = st.lengths[size_t(b)]; t < st.time_steps; ++t) std::fill_n(out + pk.output_row(b, t) * H, H, 0.0f);
    std::memcpy(out + pk.h_n_row(b) * H, h + (S * B + b) * H, size_t(H) * sizeof(float));
    std::memcpy(out + pk.c_n_row(b) * H, c + (S * B + b) * H, size_t(H) * sizeof(float));
  }
  // Inputs 0 and 1: x and w_ih, or projected and ids (w_ih then reaches the graph through projected).
  auto backward = [st, sv = std::move(sv), by_rows, padding_idx = in.padding_idx](Node& n) {
    lstm_direction_backward(n, st, sv, by_rows, padding_idx);
  };
  if (by_rows) record("lstm", packed, {in.projected, in.ids, w_hh, b_ih, b_hh, h0, c0}, std::move(backward));
  else record("lstm", packed, {in.x, w_ih, w_hh, b_ih, b_hh, h0, c0}, std::move(backward));
  return packed;
}

// Backward through every step (BPTT), then each weight gradient as one sgemm over all steps.
//   inputs: 0 x, 1 w_ih (or 0 projected, 1 ids: by_rows), 2 w_hh, 3 b_ih, 4 b_hh, 5 h0, 6 c0
//   output: the Packed result
//   dgates (step s) -> dh_{s-1} += dgates W_hh
//   dW_hh += dGates^T H_prev   db_ih, db_hh += column sums of dGates
//   x:       dW_ih += dGates^T Xs    dXs = dGates W_ih, scattered back to x's rows
//   by rows: dprojected[ids[b, t]] += dgates row of (b, t), except where the id is padding_idx
void lstm_direction_backward(Node& n, const Steps& st, const Saved& sv, bool by_rows, int64_t padding_idx) {
  const int64_t B = st.batch, S = st.count, H = sv.h.size(1), G = 4 * H;
  const float* dpacked = n.grad_out();
  Tensor dgates_buf = empty({S * B, G}), dh_buf = empty({B, H}), dc_buf = empty({B, H}), dbias_buf = zeros({G});
  float *dgates = dgates_buf.f32(), *dh = dh_buf.f32(), *dc = dc_buf.f32(), *dbias = dbias_buf.f32();
  // The state after the last step is what h_n and c_n hold.
  const Packed pk = st.packed();
  for (int64_t b = 0; b < B; ++b) {
    std::memcpy(dh + b * H, dpacked + pk.h_n_row(b) * H, size_t(H) * sizeof(float));
    std::memcpy(dc + b * H, dpacked + pk.c_n_row(b) * H, size_t(H) * sizeof(float));
  }
  const float *act = sv.gates.f32(), *c = sv.c.f32(), *tanh_c = sv.tanh_c.f32();
  Tensor w_hh_buf = empty({G, H});  // W_hh [4H, H], packed for the per-step products as in the forward
  detail::pack_b(B, G, H, n.input(2).f32(), false, w_hh_buf.f32());
  const float* w_hh = w_hh_buf.f32();
  float* dh0 = n.grad_in(5);
  for (int64_t s = S - 1; s >= 0; --s) {
    float* dgates_s = dgates + s * B * G;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t row = s * B + b;
      if (!st.valid(b, s)) {  // a carried state: no gate took part
        std::fill_n(dgates_s + b * G, G, 0.0f);
        continue;
      }
      const float* dy = dpacked + pk.output_row(b, st.time(b, s)) * H;
      cell_backward(act + row * G, c + row * H, tanh_c + row * H, dy, dh + b * H, dc + b * H, dgates_s + b * G, H);
    }
    if (s > 0 || dh0) detail::gemm_packed(B, H, G, dgates_s, w_hh, true, dh);
    add_column_sums(dgates_s, B, G, dbias);  // while this step's dgates are still in cache
  }
  if (dh0)
    for (int64_t e = 0; e < B * H; ++e) dh0[e] += dh[e];
  if (float* dc0 = n.grad_in(6))
    for (int64_t e = 0; e < B * H; ++e) dc0[e] += dc[e];

  // Frozen weights (requires_grad false) have no gradient buffer: their sgemm is skipped. Each weight
  // gradient is written whole: stored on its first write (sgemm beta 0), added after (GradTarget).
  if (GradTarget dw_hh = n.grad_in_all(2)) gemm(true, false, G, H, S * B, dgates, sv.h.f32(), dw_hh.beta(), dw_hh.data);
  for (int bias : {3, 4})
    if (GradTarget db = n.grad_in_all(bias))
      db.write([&](auto store) {
        for (int64_t j = 0; j < G; ++j) store(db.data[j], dbias[j]);
      });
  if (by_rows) {  // the lookup's backward, as nn::embedding's: projected is computed, so its gradient is dense
    if (n.input(0).requires_grad())
      embedding_rows::add_to_table_grad(n, {}, sv.row_ids.data(), nullptr, S * B, dgates, padding_idx, nullptr);
    return;
  }
  const int64_t I = sv.xs.size(1);
  if (GradTarget dw_ih = n.grad_in_all(1)) gemm(true, false, G, I, S * B, dgates, sv.xs.f32(), dw_ih.beta(), dw_ih.data);
  if (float* dx = n.grad_in(0)) {
    Tensor dxs_buf = empty({S * B, I});
    float* dxs = dxs_buf.f32();
    gemm(false, false, S * B, I, G, dgates, n.input(1).f32(), 0.0f, dxs);
    for (int64_t s = 0; s < S; ++s)
      for (int64_t b = 0; b < B; ++b) {
        if (!st.valid(b, s)) continue;
        const float* from = dxs + (s * B + b) * I;
        float* to = dx + st.x_row(b, st.time(b, s)) * I;
        for (int64_t j = 0; j < I; ++j) to[j] += from[j];
      }
  }
}

// [L * D, B, H] -> the [B, H] slice of layer-direction k (zeros when not given).
Tensor initial_state(const Tensor& state, int64_t k, int64_t B, int64_t H) {
  if (!state.defined()) return zeros({B, H});
  return narrow(state, 0, k, 1).reshape({B, H});
}

void check_state(const char* name, const Tensor& state, const Shape& want) {
  if (!state.defined()) return;
  check_dtype("lstm", state, DType::f32);
  if (!(state.shape() == want))
    fail("lstm: {} has shape {}, expected [num_layers * directions, B, hidden_size] = {}", name, state.shape(),
         want);
}

// lengths (i64 [B], each in [0, T]) as a vector; all T when not given.
std::vector<int64_t> read_lengths(const Tensor& lengths, int64_t B, int64_t T) {
  if (!lengths.defined()) return std::vector<int64_t>(size_t(B), T);
  check_dtype("lstm", lengths, DType::i64);
  if (!(lengths.shape() == Shape{B})) fail("lstm: lengths has shape {}, expected [B] = [{}]", lengths.shape(), B);
  std::vector<int64_t> values = lengths.to_indices();
  for (int64_t b = 0; b < B; ++b)
    if (values[size_t(b)] < 0 || values[size_t(b)] > T)
      fail("lstm: lengths[{}] = {} is out of range [0, T={}]", b, values[size_t(b)], T);
  return values;
}

}  // namespace

// ---- 4. the module ----

LSTM::LSTM(int64_t input_size, int64_t hidden_size, LSTMOptions options)
    : input_size_(input_size), hidden_size_(hidden_size), options_(options) {
  if (input_size < 1 || hidden_size < 1 || options.num_layers < 1)
    fail("LSTM: input_size {}, hidden_size {}, num_layers {}: each must be at least 1", input_size, hidden_size,
         options.num_layers);
  const int64_t H = hidden_size, D = directions();
  const double bound = 1.0 / std::sqrt(double(H));
  weights_.resize(size_t(options.num_layers * D));
  for (int layer = 0; layer < options.num_layers; ++layer)
    for (int64_t dir = 0; dir < D; ++dir) {
      Weights& w = weights_[size_t(layer * D + dir)];
      const int64_t in = layer == 0 ? input_size : H * D;
      const std::string suffix = fmt::format("_l{}{}", layer, dir == 1 ? "_reverse" : "");
      const int64_t G = checked_mul(4, H, "LSTM: 4 * hidden_size");  // the four gates' rows
      w.weight_ih = uniform({G, in}, -bound, bound);
      w.weight_hh = uniform({G, H}, -bound, bound);
      w.bias_ih = uniform({G}, -bound, bound);
      w.bias_hh = uniform({G}, -bound, bound);
      if (options.forget_bias_one) {
        // The f-gate's total bias b_ih + b_hh becomes exactly 1: bias_ih's f slice [H, 2H) is set to 1
        // and bias_hh's to 0, so the cell keeps its state at the start of training.
        std::fill_n(w.bias_ih.f32() + H, H, 1.0f);
        std::fill_n(w.bias_hh.f32() + H, H, 0.0f);
      }
      register_parameter("weight_ih" + suffix, w.weight_ih);
      register_parameter("weight_hh" + suffix, w.weight_hh);
      register_parameter("bias_ih" + suffix, w.bias_ih);
      register_parameter("bias_hh" + suffix, w.bias_hh);
    }
}

LSTMOutput LSTM::forward(const Tensor& x, const Tensor& lengths, const Tensor& h0, const Tensor& c0) {
  check_defined("lstm", x);
  check_dtype("lstm", x, DType::f32);
  const char* layout = options_.batch_first ? "[B, T, input_size] (batch_first)" : "[T, B, input_size]";
  if (x.dim() != 3) fail("lstm: x has shape {}, expected 3 dims {}", x.shape(), layout);
  if (x.size(2) != input_size_)
    fail("lstm: x has shape {}, expected {} with input_size={}", x.shape(), layout, input_size_);
  return forward_layers(x, nullptr, x.size(0), x.size(1), lengths, h0, c0);
}

namespace {

// Can forward_embedded look layer 0's input products up by row, and is it worth it? The table must be
// float32 and used plainly (no max_norm renormalising it, no row-sparse or frequency-scaled gradient), the
// batch must have more positions than the table has rows, and a padding row must be zero. Why zero: a
// padding position still feeds its row into dW_ih in forward(embedding(ids)), but by rows it is skipped
// altogether; the two agree when that row is zero, as Embedding makes it and no gradient changes it.
bool products_by_rows(const Embedding& embedding, const Tensor& ids) {
  const EmbeddingOptions& options = embedding.options();
  const Tensor& table = embedding.weight;
  if (table.dtype() != DType::f32 || options.max_norm || options.sparse || options.scale_grad_by_freq) return false;
  if (!ids.defined() || ids.dtype() != DType::i64 || ids.dim() != 2 || ids.numel() <= table.size(0)) return false;
  if (!options.padding_idx) return true;
  const float* row = table.f32() + *options.padding_idx * table.size(1);
  return std::all_of(row, row + table.size(1), [](float v) { return v == 0.0f; });
}

}  // namespace

LSTMOutput LSTM::forward_embedded(Embedding& embedding, const Tensor& ids, const Tensor& lengths, const Tensor& h0,
                                  const Tensor& c0) {
  if (!products_by_rows(embedding, ids)) return forward(embedding.forward(ids), lengths, h0, c0);
  if (embedding.embedding_dim() != input_size_)
    fail("lstm: the embedding has dim {}, expected input_size={}", embedding.embedding_dim(), input_size_);
  check_index_range("embedding", ids, embedding.num_embeddings(), "num_embeddings");
  RowsInput rows{{}, ids, embedding.options().padding_idx.value_or(-1)};
  for (int64_t dir = 0; dir < directions(); ++dir)  // [V, 4H]: every row of the table through W_ih
    rows.projected.push_back(linear(embedding.weight, weights_[size_t(dir)].weight_ih));
  return forward_layers(Tensor(), &rows, ids.size(0), ids.size(1), lengths, h0, c0);
}

// x: layer 0's input [B, T, I] (or [T, B, I]), or undefined when given by rows; dim0, dim1: the input's
// first two sizes (B and T, or T and B).
LSTMOutput LSTM::forward_layers(const Tensor& x, const RowsInput* rows, int64_t dim0, int64_t dim1,
                                const Tensor& lengths, const Tensor& h0, const Tensor& c0) {
  const int64_t B = options_.batch_first ? dim0 : dim1, T = options_.batch_first ? dim1 : dim0;
  const int64_t H = hidden_size_, D = directions(), time_dim = options_.batch_first ? 1 : 0;
  const Shape state_shape{options_.num_layers * D, B, H};
  check_state("h0", h0, state_shape);
  check_state("c0", c0, state_shape);
  Steps steps{B, T, options_.batch_first, false, read_lengths(lengths, B, T), 0};
  steps.count = B == 0 ? 0 : *std::max_element(steps.lengths.begin(), steps.lengths.end());

  Tensor layer_input = x;
  std::vector<Tensor> h_n, c_n;
  for (int layer = 0; layer < options_.num_layers; ++layer) {
    std::vector<Tensor> outputs;  // one per direction
    for (int64_t dir = 0; dir < D; ++dir) {
      const int64_t k = layer * D + dir;
      const Weights& w = weights_[size_t(k)];
      steps.reverse = dir == 1;
      Input in;
      if (layer == 0 && rows) in = {Tensor(), rows->projected[size_t(dir)], rows->ids, rows->padding_idx};
      else in.x = layer_input;
      Tensor packed = lstm_direction(in, w.weight_ih, w.weight_hh, w.bias_ih, w.bias_hh,
                                     initial_state(h0, k, B, H), initial_state(c0, k, B, H), steps);
      const Packed pk = steps.packed();
      outputs.push_back(narrow(packed, int(time_dim), pk.output_start(), T));
      h_n.push_back(narrow(packed, int(time_dim), pk.h_n_index(), 1).reshape({B, H}));
      c_n.push_back(narrow(packed, int(time_dim), pk.c_n_index(), 1).reshape({B, H}));
    }
    layer_input = D == 1 ? outputs[0] : concat(outputs, 2);
  }
  return {layer_input, stack(h_n, 0), stack(c_n, 0)};
}

}  // namespace tg::nn
