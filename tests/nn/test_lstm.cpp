// nn::LSTM against PyTorch (tests/fixtures/lstm.safetensors), central differences, padding invariance,
// the one-node-per-layer-direction tape shape, its error messages, and forward_embedded against forward.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"
#include "nn/lstm.hpp"
#include "tests/fixture.hpp"

using namespace tg;
using tg::nn::LSTM;
using tg::nn::LSTMOptions;
using tg::nn::LSTMOutput;

namespace {

// A scalar whose gradient is grad_output for output, grad_h_n for h_n and grad_c_n for c_n.
Tensor weighted_loss(const LSTMOutput& r, const Tensor& grad_output, const Tensor& grad_h_n, const Tensor& grad_c_n) {
  return (r.output * grad_output).sum() + (r.h_n * grad_h_n).sum() + (r.c_n * grad_c_n).sum();
}

// output, h_n and c_n flattened into one tensor, so gradcheck checks all three.
Tensor all_results(const LSTMOutput& r) {
  return concat({r.output.reshape({-1}), r.h_n.reshape({-1}), r.c_n.reshape({-1})}, 0);
}

void expect_same_values(const Tensor& got, const Tensor& want) {
  REQUIRE(got.shape() == want.shape());
  CHECK(got.to_vector() == want.to_vector());
}

// Runs one PyTorch fixture case: same parameters and input, then compares every result and gradient.
void check_fixture_case(const std::string& c, LSTMOptions options) {
  CAPTURE(c);
  test::Fixture fx("lstm");
  options.batch_first = true;  // the fixtures are batch-first (tools/gen_fixtures.py)
  LSTM lstm(3, 4, options);
  std::map<std::string, Tensor> state;
  for (auto& [name, p] : lstm.named_parameters()) state[name] = fx[c + "." + name];
  lstm.load_state_dict(state);

  Tensor x = fx[c + ".input"].requires_grad_();
  Tensor lengths = fx.has(c + ".lengths") ? fx[c + ".lengths"] : Tensor();
  Tensor h0, c0;
  if (fx.has(c + ".h0")) h0 = fx[c + ".h0"].requires_grad_(), c0 = fx[c + ".c0"].requires_grad_();
  LSTMOutput r = lstm.forward(x, lengths, h0, c0);
  test::check_close(r.output, fx[c + ".output"], 1e-4, 1e-6);
  test::check_close(r.h_n, fx[c + ".h_n"], 1e-4, 1e-6);
  test::check_close(r.c_n, fx[c + ".c_n"], 1e-4, 1e-6);

  weighted_loss(r, fx[c + ".grad_output"], fx[c + ".grad_h_n"], fx[c + ".grad_c_n"]).backward();
  test::check_close(x.grad(), fx[c + ".grad.input"], 1e-4, 1e-6);
  for (auto& [name, p] : lstm.named_parameters()) {
    CAPTURE(name);
    test::check_close(p.grad(), fx[c + ".grad." + name], 1e-4, 1e-6);
  }
  if (h0.defined()) {
    test::check_close(h0.grad(), fx[c + ".grad.h0"], 1e-4, 1e-6);
    test::check_close(c0.grad(), fx[c + ".grad.c0"], 1e-4, 1e-6);
  }
}

}  // namespace

TEST_CASE("lstm: parameters have PyTorch's names and shapes, layer by layer and direction by direction") {
  LSTM lstm(3, 4, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  std::vector<std::pair<std::string, Shape>> want = {
      {"weight_ih_l0", {16, 3}}, {"weight_hh_l0", {16, 4}}, {"bias_ih_l0", {16}}, {"bias_hh_l0", {16}},
      {"weight_ih_l0_reverse", {16, 3}}, {"weight_hh_l0_reverse", {16, 4}}, {"bias_ih_l0_reverse", {16}},
      {"bias_hh_l0_reverse", {16}}, {"weight_ih_l1", {16, 8}}, {"weight_hh_l1", {16, 4}}, {"bias_ih_l1", {16}},
      {"bias_hh_l1", {16}}, {"weight_ih_l1_reverse", {16, 8}}, {"weight_hh_l1_reverse", {16, 4}},
      {"bias_ih_l1_reverse", {16}}, {"bias_hh_l1_reverse", {16}}};
  auto got = lstm.named_parameters();
  REQUIRE(got.size() == want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    CHECK(got[k].first == want[k].first);
    CHECK(got[k].second.shape() == want[k].second);
    CHECK(got[k].second.requires_grad());
  }
}

TEST_CASE("lstm: parameters start uniform in [-1/sqrt(H), 1/sqrt(H)] from the seeded generator") {
  manual_seed(7);
  LSTM a(5, 16, {.batch_first = true});
  manual_seed(7);
  LSTM b(5, 16, {.batch_first = true});
  for (auto& [name, p] : a.named_parameters()) {
    CAPTURE(name);
    auto v = p.to_vector();
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    CHECK(*lo >= -0.25f);
    CHECK(*hi <= 0.25f);
    CHECK(*hi - *lo > 0.25f);  // spread over the range, not a constant
  }
  CHECK(a.state_dict()["weight_hh_l0"].to_vector() == b.state_dict()["weight_hh_l0"].to_vector());
}

TEST_CASE("lstm: forget_bias_one sets the f slice of bias_ih to 1 and of bias_hh to 0, nothing else") {
  manual_seed(3);
  LSTM plain(2, 4, {.batch_first = true});
  manual_seed(3);
  LSTM lstm(2, 4, {.batch_first = true, .forget_bias_one = true});
  auto b_ih = lstm.state_dict()["bias_ih_l0"].to_vector(), b_hh = lstm.state_dict()["bias_hh_l0"].to_vector();
  auto plain_ih = plain.state_dict()["bias_ih_l0"].to_vector();
  for (int j = 0; j < 16; ++j) {
    CAPTURE(j);
    const bool forget = j >= 4 && j < 8;
    if (forget) {
      CHECK(b_ih[size_t(j)] == 1.0f);
      CHECK(b_hh[size_t(j)] == 0.0f);
    } else {
      CHECK(b_ih[size_t(j)] == plain_ih[size_t(j)]);
    }
  }
}

TEST_CASE("lstm: one layer matches PyTorch (output, h_n, c_n and every gradient)") {
  check_fixture_case("one_layer", {});
}

TEST_CASE("lstm: two layers match PyTorch") { check_fixture_case("two_layers", {.num_layers = 2}); }

TEST_CASE("lstm: bidirectional matches PyTorch") { check_fixture_case("bidirectional", {.bidirectional = true}); }

TEST_CASE("lstm: given h0 and c0 match PyTorch, gradients to h0 and c0 included") {
  check_fixture_case("initial_state", {});
}

TEST_CASE("lstm: lengths match PyTorch's packed sequences (unsorted batch)") {
  check_fixture_case("lengths", {});
}

TEST_CASE("lstm: bidirectional with lengths matches PyTorch (the reverse starts at each sequence's end)") {
  check_fixture_case("bidirectional_lengths", {.bidirectional = true});
}

TEST_CASE("lstm: gradcheck for x, h0, c0 and every parameter, with and without lengths") {
  manual_seed(11);
  const int64_t B = 2, T = 3, I = 2, H = 3;
  for (bool with_lengths : {false, true}) {
    CAPTURE(with_lengths);
    LSTM lstm(I, H, {.batch_first = true});
    Tensor lengths = with_lengths ? indices({3, 1}) : Tensor();
    std::vector<Tensor> inputs = {randn({B, T, I}).requires_grad_(), randn({1, B, H}).requires_grad_(),
                                  randn({1, B, H}).requires_grad_()};
    for (const Tensor& p : lstm.parameters()) inputs.push_back(p);
    auto f = [&](const std::vector<Tensor>& v) { return all_results(lstm.forward(v[0], lengths, v[1], v[2])); };
    GradcheckResult r = gradcheck(f, inputs, 1e-3, 1e-3, 1e-2);
    INFO(r.report);
    CHECK(r.ok);
  }
}

TEST_CASE("lstm: gradcheck through two bidirectional layers with a length-0 sequence, time first") {
  manual_seed(12);
  const int64_t B = 3, T = 3, I = 2, H = 3;
  LSTM lstm(I, H, {.num_layers = 2, .batch_first = false, .bidirectional = true});
  Tensor lengths = indices({2, 0, 3});
  std::vector<Tensor> inputs = {randn({T, B, I}).requires_grad_(), randn({4, B, H}).requires_grad_(),
                                randn({4, B, H}).requires_grad_()};
  for (const Tensor& p : lstm.parameters()) inputs.push_back(p);
  auto f = [&](const std::vector<Tensor>& v) { return all_results(lstm.forward(v[0], lengths, v[1], v[2])); };
  GradcheckResult r = gradcheck(f, inputs, 1e-3, 1e-3, 1e-2);
  INFO(r.report);
  CHECK(r.ok);
}

TEST_CASE("lstm: extra padding (with garbage in it) changes no result and no gradient") {
  manual_seed(21);
  const int64_t B = 3, T = 4, T_long = 7, I = 3, H = 4;
  LSTM lstm(I, H, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  Tensor lengths = indices({4, 2, 3});
  Tensor x = randn({B, T, I}), grad_output = randn({B, T, 2 * H});
  Tensor grad_h_n = randn({4, B, H}), grad_c_n = randn({4, B, H});
  // The long batch: the same steps, then garbage; its upstream gradient is garbage there too.
  Tensor x_long = concat({x, randn({B, T_long - T, I}) * 100.0}, 1);
  Tensor grad_output_long = concat({grad_output, randn({B, T_long - T, 2 * H})}, 1);

  auto run = [&](Tensor input, const Tensor& grad_out) {
    input.requires_grad_();
    lstm.zero_grad();
    LSTMOutput r = lstm.forward(input, lengths);
    weighted_loss(r, grad_out, grad_h_n, grad_c_n).backward();
    std::vector<Tensor> grads = {input.grad()};
    for (const Tensor& p : lstm.parameters()) grads.push_back(p.grad());
    return std::pair{r, grads};
  };
  auto [short_run, short_grads] = run(x.detach(), grad_output);
  auto [long_run, long_grads] = run(x_long.detach(), grad_output_long);

  expect_same_values(narrow(long_run.output, 1, 0, T), short_run.output);
  CHECK(narrow(long_run.output, 1, T, T_long - T).to_vector() == std::vector<float>(size_t(B * 3 * 2 * H), 0.0f));
  expect_same_values(long_run.h_n, short_run.h_n);
  expect_same_values(long_run.c_n, short_run.c_n);
  expect_same_values(narrow(long_grads[0], 1, 0, T), short_grads[0]);
  CHECK(narrow(long_grads[0], 1, T, T_long - T).to_vector() == std::vector<float>(size_t(B * 3 * I), 0.0f));
  for (size_t k = 1; k < short_grads.size(); ++k) {
    CAPTURE(k);
    expect_same_values(long_grads[k], short_grads[k]);
  }
}

TEST_CASE("lstm: a length-0 sequence gives zero output and h_n = h0, c_n = c0, with their gradients") {
  manual_seed(5);
  const int64_t B = 2, T = 3, H = 4;
  LSTM lstm(2, H, {.batch_first = true});
  Tensor h0 = randn({1, B, H}).requires_grad_(), c0 = randn({1, B, H}).requires_grad_();
  LSTMOutput r = lstm.forward(randn({B, T, 2}), indices({3, 0}), h0, c0);
  CHECK(narrow(r.output, 0, 1, 1).to_vector() == std::vector<float>(size_t(T * H), 0.0f));
  CHECK(narrow(r.h_n, 1, 1, 1).to_vector() == narrow(h0, 1, 1, 1).to_vector());
  CHECK(narrow(r.c_n, 1, 1, 1).to_vector() == narrow(c0, 1, 1, 1).to_vector());
  // Row 0 ran three steps, so its state moved away from h0.
  CHECK(narrow(r.h_n, 1, 0, 1).to_vector() != narrow(h0, 1, 0, 1).to_vector());

  Tensor grad_h_n = randn({1, B, H});
  (r.h_n * grad_h_n).sum().backward();
  CHECK(narrow(h0.grad(), 1, 1, 1).to_vector() == narrow(grad_h_n, 1, 1, 1).to_vector());
  CHECK(narrow(c0.grad(), 1, 1, 1).to_vector() == std::vector<float>(size_t(H), 0.0f));
}

TEST_CASE("lstm: like PyTorch, the input is time-first [T, B, I] unless batch_first is asked for") {
  LSTM lstm(3, 4);
  CHECK_FALSE(lstm.options().batch_first);
  LSTMOutput r = lstm.forward(zeros({5, 2, 3}));  // T = 5, B = 2
  CHECK(r.output.shape() == Shape{5, 2, 4});
  CHECK(r.h_n.shape() == Shape{1, 2, 4});
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({5, 2, 4})),
                       "lstm: x has shape [5, 2, 4], expected [T, B, input_size] with input_size=3", Error);
}

TEST_CASE("lstm: time-first input gives the transposed batch-first result") {
  manual_seed(8);
  const int64_t B = 3, T = 4, I = 2, H = 3;
  LSTM batch_first(I, H, {.batch_first = true, .bidirectional = true});
  LSTM time_first(I, H, {.batch_first = false, .bidirectional = true});
  time_first.load_state_dict(batch_first.state_dict());
  Tensor x = randn({B, T, I}), lengths = indices({4, 1, 3});
  Tensor x_time_first = stack({narrow(x, 1, 0, 1).reshape({B, I}), narrow(x, 1, 1, 1).reshape({B, I}),
                               narrow(x, 1, 2, 1).reshape({B, I}), narrow(x, 1, 3, 1).reshape({B, I})}, 0);
  LSTMOutput a = batch_first.forward(x, lengths), b = time_first.forward(x_time_first, lengths);
  REQUIRE(b.output.shape() == Shape{T, B, 2 * H});
  for (int64_t t = 0; t < T; ++t) {
    CAPTURE(t);
    CHECK(narrow(b.output, 0, t, 1).to_vector() == narrow(a.output, 1, t, 1).to_vector());
  }
  expect_same_values(b.h_n, a.h_n);
  expect_same_values(b.c_n, a.c_n);
}

TEST_CASE("lstm: each layer-direction is one node on the tape, whatever the sequence length") {
  manual_seed(9);
  LSTM lstm(2, 3, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  std::vector<size_t> nodes;  // tape size for each T
  for (int64_t T : {1, 50}) {
    CAPTURE(T);
    clear_tape();
    LSTMOutput r = lstm.forward(randn({2, T, 2}).requires_grad_());
    std::string dot = to_dot(all_results(r));
    size_t fused = 0;
    for (size_t at = dot.find("label=\"lstm\""); at != std::string::npos; at = dot.find("label=\"lstm\"", at + 1))
      ++fused;
    CHECK(fused == 4);
    nodes.push_back(tape_size());
  }
  CHECK(nodes[0] == nodes[1]);  // the splitting ops around each fused node, nothing per step
  clear_tape();
}

TEST_CASE("lstm: frozen parameters and inputs get no gradient, the others do") {
  manual_seed(10);
  LSTM lstm(2, 3, {.batch_first = true});
  auto params = lstm.named_parameters();
  Tensor weight_ih = params[0].second, weight_hh = params[1].second;
  weight_ih.requires_grad_(false);
  Tensor x = randn({2, 3, 2});  // needs no gradient
  lstm.forward(x).output.sum().backward();
  CHECK_FALSE(weight_ih.grad().defined());
  CHECK_FALSE(x.grad().defined());
  REQUIRE(weight_hh.grad().defined());
  auto g = weight_hh.grad().to_vector();
  CHECK(std::any_of(g.begin(), g.end(), [](float v) { return v != 0.0f; }));
}

TEST_CASE("lstm: bad inputs are rejected with a message naming what was expected") {
  LSTM lstm(3, 4, {.num_layers = 2, .batch_first = true});
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 3})),
                       "lstm: x has shape [2, 3], expected 3 dims [B, T, input_size] (batch_first)", Error);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 5, 4})),
                       "lstm: x has shape [2, 5, 4], expected [B, T, input_size] (batch_first) with input_size=3",
                       Error);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 5, 3}), indices({5, 6})),
                       "lstm: lengths[1] = 6 is out of range [0, T=5]", Error);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 5, 3}), indices({5, 2, 1})),
                       "lstm: lengths has shape [3], expected [B] = [2]", Error);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 5, 3}), {}, zeros({1, 2, 4})),
                       "lstm: h0 has shape [1, 2, 4], expected [num_layers * directions, B, hidden_size] = [2, 2, 4]",
                       Error);
  CHECK_THROWS_WITH_AS(lstm.forward(zeros({2, 5, 3}), {}, zeros({2, 2, 4}), zeros({2, 3, 4})),
                       "lstm: c0 has shape [2, 3, 4], expected [num_layers * directions, B, hidden_size] = [2, 2, 4]",
                       Error);
  CHECK_THROWS_WITH_AS(LSTM(3, 0), "LSTM: input_size 3, hidden_size 0, num_layers 1: each must be at least 1", Error);
}

TEST_CASE("lstm: two threads give one thread's results and gradients") {
  manual_seed(23);
  // Big enough that the input projection and the weight gradients are threaded sgemms (core/gemm.hpp).
  const int64_t B = 6, T = 16, I = 8, H = 256;
  LSTM lstm(I, H, {.batch_first = true, .bidirectional = true});
  Tensor lengths = indices({16, 3, 0, 16, 9, 12});
  Tensor x = randn({B, T, I}), grad_output = randn({B, T, 2 * H});
  Tensor grad_h_n = randn({2, B, H}), grad_c_n = randn({2, B, H});
  auto run = [&](int threads) {
    const int previous = num_threads();
    set_num_threads(threads);
    Tensor input = x.detach().requires_grad_();
    lstm.zero_grad();
    LSTMOutput r = lstm.forward(input, lengths);
    weighted_loss(r, grad_output, grad_h_n, grad_c_n).backward();
    set_num_threads(previous);
    std::vector<Tensor> all = {r.output, r.h_n, r.c_n, input.grad()};
    for (const Tensor& p : lstm.parameters()) all.push_back(p.grad());
    return all;
  };
  std::vector<Tensor> one = run(1), two = run(2);
  for (size_t k = 0; k < one.size(); ++k) {
    CAPTURE(k);
    test::check_close(two[k], one[k], 1e-5, 1e-6);
  }
}

// The cell pass computes c, tanh(c) and h in blocks of 16 columns, the last block moved back to end at H
// (nn/lstm.cpp's cell_forward): each H here takes another path through it (below 16; 16 and a 4-column
// overlap; two blocks and a 5-column overlap).
TEST_CASE("lstm: hidden sizes that 16 does not divide match the LSTM written as ops, step by step") {
  for (int64_t H : {5, 20, 37}) {
    CAPTURE(H);
    manual_seed(29);
    const int64_t B = 3, T = 4, I = 6;
    LSTM lstm(I, H, {.batch_first = true});
    Tensor x = randn({B, T, I});
    LSTMOutput r = lstm.forward(x);

    std::map<std::string, Tensor> p;
    for (auto& [name, param] : lstm.named_parameters()) p[name] = param.detach();
    Tensor h = zeros({B, H}), c = zeros({B, H});
    std::vector<Tensor> outputs;
    for (int64_t t = 0; t < T; ++t) {
      Tensor x_t = narrow(x, 1, t, 1).reshape({B, I});
      Tensor gates = matmul(x_t, p["weight_ih_l0"].t()) + p["bias_ih_l0"] + matmul(h, p["weight_hh_l0"].t()) + p["bias_hh_l0"];
      Tensor i = narrow(gates, 1, 0, H).sigmoid(), f = narrow(gates, 1, H, H).sigmoid();
      Tensor g = narrow(gates, 1, 2 * H, H).tanh(), o = narrow(gates, 1, 3 * H, H).sigmoid();
      c = f * c + i * g;
      h = o * c.tanh();
      outputs.push_back(h);
    }
    test::check_close(r.output, stack(outputs, 1), 1e-5, 1e-6);
    test::check_close(r.h_n.reshape({B, H}), h, 1e-5, 1e-6);
    test::check_close(r.c_n.reshape({B, H}), c, 1e-5, 1e-6);
  }
}

// ---- forward_embedded: layer 0's input products looked up by row ----

namespace {

// The results of lstm (fed through embedding, by forward_embedded or by forward on the looked-up
// vectors), then the gradients of a weighted sum of them: the table's, every LSTM parameter's, h0's, c0's.
std::vector<Tensor> embedded_run(nn::Embedding& embedding, LSTM& lstm, const Tensor& ids, const Tensor& lengths,
                                 const Tensor& h0, const Tensor& c0, bool by_forward_embedded) {
  embedding.zero_grad();
  lstm.zero_grad();
  Tensor h0_in = h0.defined() ? h0.detach().requires_grad_() : Tensor();
  Tensor c0_in = c0.defined() ? c0.detach().requires_grad_() : Tensor();
  LSTMOutput r = by_forward_embedded ? lstm.forward_embedded(embedding, ids, lengths, h0_in, c0_in)
                                     : lstm.forward(embedding.forward(ids), lengths, h0_in, c0_in);
  manual_seed(41);  // the same weights for both runs
  weighted_loss(r, randn(r.output.shape()), randn(r.h_n.shape()), randn(r.c_n.shape())).backward();
  std::vector<Tensor> all = {r.output, r.h_n, r.c_n, embedding.weight.grad()};
  for (const Tensor& p : lstm.parameters()) all.push_back(p.grad());
  if (h0.defined()) all.push_back(h0_in.grad()), all.push_back(c0_in.grad());
  return all;
}

// How many nodes of the graph behind `root` are the op `op`.
size_t count_ops(const Tensor& root, const std::string& op) {
  std::string dot = to_dot(root), label = "label=\"" + op + "\"";
  size_t count = 0;
  for (size_t at = dot.find(label); at != std::string::npos; at = dot.find(label, at + 1)) ++count;
  return count;
}

}  // namespace

TEST_CASE("lstm: forward_embedded by rows matches forward(embedding(ids)), results and every gradient") {
  struct Case {
    const char* name;
    LSTMOptions options;
    bool lengths, states;
  };
  for (const Case& c : {Case{"one layer, batch first", {.batch_first = true}, false, false},
                        Case{"two bidirectional layers, time first, lengths, h0 and c0",
                             {.num_layers = 2, .bidirectional = true}, true, true}}) {
    CAPTURE(c.name);
    manual_seed(37);
    const int64_t V = 5, E = 3, H = 4, B = 3, T = 4, D = c.options.bidirectional ? 2 : 1;
    nn::Embedding embedding(V, E, {.padding_idx = 0});
    LSTM lstm(E, H, c.options);
    // 12 positions for 5 rows, the padding id among them; [B, T] or [T, B] as the LSTM reads its input
    Tensor ids = c.options.batch_first ? indices({1, 2, 0, 4, 3, 3, 1, 0, 2, 4, 4, 1}, {B, T})
                                       : indices({1, 2, 0, 4, 3, 3, 1, 0, 2, 4, 4, 1}, {T, B});
    Tensor lengths = c.lengths ? indices({4, 0, 2}) : Tensor();
    Tensor h0 = c.states ? randn({2 * D, B, H}) : Tensor(), c0 = c.states ? randn({2 * D, B, H}) : Tensor();

    LSTMOutput r = lstm.forward_embedded(embedding, ids, lengths, h0, c0);
    CHECK(count_ops(r.output, "embedding") == 0);  // the rows path: no lookup of the vectors,
    CHECK(count_ops(r.output, "linear") == D);     // the table through W_ih once per direction
    clear_tape();

    std::vector<Tensor> by_rows = embedded_run(embedding, lstm, ids, lengths, h0, c0, true);
    std::vector<Tensor> plain = embedded_run(embedding, lstm, ids, lengths, h0, c0, false);
    REQUIRE(by_rows.size() == plain.size());
    for (size_t k = 0; k < plain.size(); ++k) {
      CAPTURE(k);
      test::check_close(by_rows[k], plain[k], 1e-5, 1e-6);
    }
    const std::vector<float> dtable = by_rows[3].to_vector();
    CHECK(std::all_of(dtable.begin(), dtable.begin() + E, [](float v) { return v == 0.0f; }));  // the padding row
    CHECK(std::any_of(dtable.begin() + E, dtable.end(), [](float v) { return v != 0.0f; }));
  }
}

TEST_CASE("lstm: forward_embedded is forward(embedding(ids)) itself when rows would not be cheaper or exact") {
  struct Case {
    const char* name;
    int64_t V;
    nn::EmbeddingOptions options;
    bool nonzero_padding_row = false, half = false;
  };
  for (const Case& c : {Case{"fewer positions than rows", 13, {}},
                        Case{"a padding row that is not zero", 5, {.padding_idx = 2}, true},
                        Case{"max_norm", 5, {.max_norm = 0.5}},
                        Case{"scale_grad_by_freq", 5, {.scale_grad_by_freq = true}},
                        Case{"a float16 table", 5, {}, false, true}}) {
    CAPTURE(c.name);
    manual_seed(43);
    nn::Embedding embedding(c.V, 3, c.options);
    if (c.nonzero_padding_row) std::fill_n(embedding.weight.f32() + 2 * 3, 3, 0.5f);
    if (c.half) embedding.half();
    LSTM lstm(3, 4, {.batch_first = true});
    Tensor ids = indices({1, 2, 0, 4, 3, 3, 1, 0, 2, 4, 4, 1}, {3, 4});
    LSTMOutput r = lstm.forward_embedded(embedding, ids);
    CHECK(count_ops(r.output, "embedding") == 1);
    clear_tape();
    std::vector<Tensor> got = embedded_run(embedding, lstm, ids, {}, {}, {}, true);
    std::vector<Tensor> want = embedded_run(embedding, lstm, ids, {}, {}, {}, false);
    for (size_t k = 0; k < want.size(); ++k) {
      CAPTURE(k);
      expect_same_values(got[k], want[k]);
    }
  }
}

TEST_CASE("lstm: forward_embedded rejects a bad id or a table of another dim with a message") {
  nn::Embedding embedding(3, 2), wide(3, 5);
  LSTM lstm(2, 4, {.batch_first = true});
  CHECK_THROWS_WITH_AS(lstm.forward_embedded(embedding, indices({0, 1, 2, 3, 1, 0}, {2, 3})),
                       "embedding: index 3 at position [1, 0] is out of range for num_embeddings=3", Error);
  CHECK_THROWS_WITH_AS(lstm.forward_embedded(wide, indices({0, 1, 2, 0, 1, 0}, {2, 3})),
                       "lstm: the embedding has dim 5, expected input_size=2", Error);
}
