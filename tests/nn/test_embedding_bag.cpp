// EmbeddingBag: forward and backward against nn::embedding + masked pooling (bit for bit), for sum, mean
// and max, padding_idx, 2-D input and 1-D input with offsets, empty bags, repeated ids, sparse and
// dense gradients; gradchecks; the module; error messages.
#include <algorithm>
#include <vector>

#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"
#include "nn/embedding_bag.hpp"
#include "nn/pooling.hpp"
#include "tests/fixture.hpp"

using namespace tg;
using nn::EmbeddingBag;
using nn::EmbeddingBagOptions;

namespace {

// The gradient of a table as a dense tensor, whether it was kept dense, as rows, or row-sparse.
Tensor dense_grad(const Tensor& weight) {
  return weight.sparse_grad() ? to_dense(*weight.sparse_grad(), weight.shape()) : weight.grad();
}

// Bags given as lists of ids, and the two inputs embedding_bag takes.
using Bags = std::vector<std::vector<int64_t>>;

Tensor flat_input(const Bags& bags) {
  std::vector<int64_t> ids;
  for (const auto& bag : bags) ids.insert(ids.end(), bag.begin(), bag.end());
  return indices(ids);
}

Tensor offsets_of(const Bags& bags) {
  std::vector<int64_t> offsets;
  int64_t at = 0;
  for (const auto& bag : bags) {
    offsets.push_back(at);
    at += int64_t(bag.size());
  }
  return indices(offsets);
}

// The reference: every bag padded to the longest with `filler`, looked up by nn::embedding, then reduced
// by masked_sum / masked_mean / masked_max over a mask that leaves out the filler and padding_idx.
Tensor reference(const Tensor& weight, const Bags& bags, const EmbeddingBagOptions& options, int64_t filler) {
  const int64_t B = int64_t(bags.size());
  int64_t T = 1;
  for (const auto& bag : bags) T = std::max<int64_t>(T, int64_t(bag.size()));
  std::vector<int64_t> ids(size_t(B * T), filler);
  std::vector<float> mask(size_t(B * T), 0.0f);
  for (int64_t b = 0; b < B; ++b)
    for (size_t t = 0; t < bags[size_t(b)].size(); ++t) {
      ids[size_t(b * T) + t] = bags[size_t(b)][t];
      mask[size_t(b * T) + t] = options.padding_idx && bags[size_t(b)][t] == *options.padding_idx ? 0.0f : 1.0f;
    }
  Tensor vectors = nn::embedding(weight, indices(ids, {B, T}), {.padding_idx = options.padding_idx, .sparse = options.sparse});
  Tensor m = tensor(mask, {B, T});
  if (options.mode == "sum") return nn::masked_sum(vectors, m);
  if (options.mode == "mean") return nn::masked_mean(vectors, m);
  return nn::masked_max(vectors, m);
}

struct Run {
  std::vector<float> output, grad;
};

// Output and table gradient of f(weight) backpropagated with a fixed random dy.
template <typename F>
Run run(const Tensor& table, F f) {
  Tensor weight = table.detach().clone().requires_grad_();
  Tensor y = f(weight);
  manual_seed(5);
  y.backward(randn(y.shape()));
  return {y.to_vector(), dense_grad(weight).to_vector()};
}

// Bags with repeats inside a bag and across bags, a bag of only padding (id 0) and an empty bag.
const Bags kBags = {{3, 5, 3, 7}, {0, 0}, {}, {5}, {9, 0, 2, 2, 4, 3}};

}  // namespace

TEST_CASE("embedding_bag equals embedding + masked pooling bit for bit, forward and backward") {
  manual_seed(3);
  // 10 rows: fewer than the entries, the dense gradient is scattered into; 40: it is kept as rows.
  for (Tensor table : {randn({10, 6}), randn({40, 6})})
  for (const char* mode : {"sum", "mean", "max"})
    for (bool sparse : {false, true})
      for (std::optional<int64_t> padding : {std::optional<int64_t>(), std::optional<int64_t>(0)}) {
        CAPTURE(table.size(0));
        CAPTURE(mode);
        CAPTURE(sparse);
        CAPTURE(padding.has_value());
        EmbeddingBagOptions options{.mode = mode, .padding_idx = padding, .sparse = sparse};
        // The reference pads with a row no bag uses, so its padded positions add exact zeros only to row 8.
        Run want = run(table, [&](const Tensor& w) { return reference(w, kBags, options, 8); });
        Run got = run(table, [&](const Tensor& w) { return nn::embedding_bag(flat_input(kBags), w, offsets_of(kBags), options); });
        CHECK(got.output == want.output);
        CHECK(got.grad == want.grad);
        // Fixed-length bags, [B, T]: the rows of a 2-D input.
        const Bags rows = {{3, 5, 3}, {0, 0, 0}, {9, 0, 2}, {7, 7, 1}};
        Tensor input = indices({3, 5, 3, 0, 0, 0, 9, 0, 2, 7, 7, 1}, {4, 3});
        Run want2 = run(table, [&](const Tensor& w) { return reference(w, rows, options, 8); });
        Run got2 = run(table, [&](const Tensor& w) { return nn::embedding_bag(input, w, options); });
        CHECK(got2.output == want2.output);
        CHECK(got2.grad == want2.grad);
      }
}

TEST_CASE("embedding_bag matches PyTorch's EmbeddingBag on every fixture case (tests/fixtures/embedding_bag)") {
  test::Fixture fx("embedding_bag");
  const std::vector<std::pair<std::string, EmbeddingBagOptions>> cases = {
      {"sum_2d", {.mode = "sum"}},
      {"mean_padding_2d", {.mode = "mean", .padding_idx = 0}},
      {"mean_offsets", {.mode = "mean"}},
      {"max_offsets", {.mode = "max", .padding_idx = 0}},
      {"sum_last_offset", {.mode = "sum", .include_last_offset = true}},
      {"sparse_mean", {.mode = "mean", .padding_idx = 0, .sparse = true}},
  };
  for (const auto& [name, options] : cases) {
    CAPTURE(name);
    Tensor weight = fx[name + ".weight"].clone().requires_grad_();
    Tensor output = fx.has(name + ".offsets") ? nn::embedding_bag(fx[name + ".input"], weight, fx[name + ".offsets"], options)
                                              : nn::embedding_bag(fx[name + ".input"], weight, options);
    test::check_close(output, fx[name + ".output"]);
    output.backward(fx[name + ".grad_output"]);
    CHECK((weight.sparse_grad() != nullptr) == options.sparse);
    test::check_close(dense_grad(weight), fx[name + ".grad.weight"]);
  }
}

TEST_CASE("embedding_bag: mean divides by the entries that are not padding; empty and all-padding bags give 0") {
  Tensor table = tensor({0, 0, 1, 2, 3, 4, 5, 6}, {4, 2});  // row 0 is the padding row
  Tensor y = nn::embedding_bag(indices({1, 0, 3, 0, 0, 2}), table, indices({0, 3, 5, 5}), {.padding_idx = 0});
  CHECK(y.to_vector() == std::vector<float>{3, 4, 0, 0, 0, 0, 3, 4});  // (1 + 5) / 2, (2 + 6) / 2
  Tensor sums = nn::embedding_bag(indices({1, 0, 3}, {1, 3}), table, {.mode = "sum", .padding_idx = 0});
  CHECK(sums.to_vector() == std::vector<float>{6, 8});
  // Without padding_idx row 0 is an ordinary row, counted in the mean.
  Tensor counted = nn::embedding_bag(indices({1, 0, 3}, {1, 3}), table);
  CHECK(counted.to_vector() == std::vector<float>{2, float(8.0 / 3.0)});
  // include_last_offset: offsets has B + 1 entries, the last N.
  Tensor last = nn::embedding_bag(indices({1, 3, 2}), table, indices({0, 2, 3}), {.mode = "sum", .include_last_offset = true});
  CHECK(last.to_vector() == std::vector<float>{6, 8, 3, 4});
  CHECK(nn::embedding_bag(indices({}), table, indices({0, 0})).to_vector() == std::vector<float>{0, 0, 0, 0});
}

TEST_CASE("embedding_bag: max takes each column's largest entry, its gradient goes to the first one holding it") {
  Tensor table = tensor({0, 0, 1, 9, 5, 2, 5, 7}, {4, 2});
  Tensor weight = table.clone().requires_grad_();
  Tensor y = nn::embedding_bag(indices({1, 2, 3, 0}, {1, 4}), weight, {.mode = "max", .padding_idx = 0});
  CHECK(y.to_vector() == std::vector<float>{5, 9});
  y.backward(tensor({10, 20}, {1, 2}));
  CHECK(weight.grad().to_vector() == std::vector<float>{0, 0, 0, 20, 10, 0, 0, 0});  // ties: row 2 before row 3
}

TEST_CASE("embedding_bag: the padding row gets no gradient, dense gradients are kept as rows, sparse ones row-sparse") {
  manual_seed(4);
  Tensor dense = randn({20, 3}).requires_grad_();  // more rows than the 13 entries
  nn::embedding_bag(flat_input(kBags), dense, offsets_of(kBags), {.padding_idx = 0}).backward(ones({5, 3}));
  REQUIRE(dense.grad_rows() != nullptr);  // fewer entries than rows: no [10, 3] gradient was zero-filled
  CHECK(dense.grad_rows()->rows.to_vector() == std::vector<float>{2, 3, 4, 5, 7, 9});
  for (int64_t d = 0; d < 3; ++d) CHECK(dense.grad().at({0, d}) == 0.0);

  Tensor sparse = randn({20, 3}).requires_grad_();
  nn::embedding_bag(flat_input(kBags), sparse, offsets_of(kBags), {.padding_idx = 0, .sparse = true}).backward(ones({5, 3}));
  REQUIRE(sparse.sparse_grad() != nullptr);
  CHECK(sparse.sparse_grad()->rows.to_vector() == std::vector<float>{2, 3, 4, 5, 7, 9});
  CHECK(to_dense(*sparse.sparse_grad(), sparse.shape()).to_vector() == dense.grad().to_vector());
  // Row 3: twice in bag 0 (mean over 4 entries), once in bag 4 (5 entries not padding).
  CHECK(sparse.sparse_grad()->values.at({1, 0}) == doctest::Approx(2.0 / 4 + 1.0 / 5));
}

TEST_CASE("embedding_bag: a computed table and a second use add into one dense gradient") {
  manual_seed(6);
  Tensor table = randn({10, 4});
  // The two uses are recorded in the same order on both sides, so w's gradient sums them in one order.
  auto twice = [&](const Tensor& w) {
    Tensor scaled = w * 2.0;  // not a leaf: the gradient goes through the dense scatter
    Tensor mean = nn::embedding_bag(flat_input(kBags), scaled, offsets_of(kBags));
    Tensor sum = nn::embedding_bag(flat_input(kBags), w, offsets_of(kBags), {.mode = "sum"});
    return mean + sum;
  };
  auto reference_twice = [&](const Tensor& w) {
    Tensor mean = reference(w * 2.0, kBags, {}, 8);
    Tensor sum = reference(w, kBags, {.mode = "sum"}, 8);
    return mean + sum;
  };
  Run got = run(table, twice), want = run(table, reference_twice);
  CHECK(got.output == want.output);
  CHECK(got.grad == want.grad);
}

TEST_CASE("embedding_bag gradients pass gradcheck") {
  manual_seed(7);
  for (const char* mode : {"sum", "mean", "max"}) {
    CAPTURE(mode);
    GradcheckResult r = gradcheck(
        [&](auto& v) { return nn::embedding_bag(flat_input(kBags), v[0], offsets_of(kBags), {.mode = mode, .padding_idx = 0}); },
        {uniform({10, 3}, -1, 1).requires_grad_()});
    INFO(r.report);
    CHECK(r.ok);
  }
}

TEST_CASE("embedding_bag reads float16 and bfloat16 tables as embedding does") {
  manual_seed(8);
  for (DType dtype : {DType::f16, DType::bf16}) {
    Tensor table = randn({10, 5}).to(dtype);
    Tensor got = nn::embedding_bag(flat_input(kBags), table, offsets_of(kBags), {.padding_idx = 0});
    CHECK(got.to_vector() == reference(table, kBags, {.padding_idx = 0}, 8).to_vector());
  }
}

TEST_CASE("EmbeddingBag: weight N(0, 1) from the seeded generator, padding row zero, forward is the functional op") {
  manual_seed(11);
  EmbeddingBag a(500, 8, {.mode = "sum", .padding_idx = -1});
  manual_seed(11);
  nn::Embedding b(500, 8, {.padding_idx = -1});
  CHECK(a.weight.to_vector() == b.weight.to_vector());
  CHECK(*a.options().padding_idx == 499);
  CHECK(a.named_parameters().size() == 1);
  CHECK(a.named_parameters()[0].first == "weight");
  Tensor input = indices({3, 499, 7, 3}, {2, 2});
  CHECK(a.forward(input).to_vector() == nn::embedding_bag(input, a.weight, a.options()).to_vector());
  CHECK(a.forward(indices({3, 499, 7, 3}), indices({0, 2})).to_vector() == a.forward(input).to_vector());
  CHECK(a.forward(input).shape() == Shape{2, 8});
}

TEST_CASE("EmbeddingBag::from_pretrained shares the table; freeze decides whether it trains") {
  Tensor table = tensor({0, 0, 1, 2, 3, 4}, {3, 2});
  EmbeddingBag frozen = EmbeddingBag::from_pretrained(table, /*freeze=*/true, {.mode = "sum"});
  CHECK(frozen.weight.f32() == table.f32());
  CHECK_FALSE(frozen.weight.requires_grad());
  CHECK(frozen.forward(indices({1, 2}, {1, 2})).to_vector() == std::vector<float>{4, 6});
  EmbeddingBag trained = EmbeddingBag::from_pretrained(table.clone(), /*freeze=*/false, {.padding_idx = -3});
  CHECK(*trained.options().padding_idx == 0);
  trained.forward(indices({0, 2}, {1, 2})).backward(ones({1, 2}));
  CHECK(trained.weight.grad().to_vector() == std::vector<float>{0, 0, 0, 0, 1, 1});  // only row 2: padding left out
  CHECK_THROWS_WITH_AS(EmbeddingBag::from_pretrained(zeros({3})),
                       "EmbeddingBag::from_pretrained: the weight must be 2-D [num_embeddings, embedding_dim], got shape [3]",
                       Error);
}

TEST_CASE("embedding_bag names the bad index, offset, mode or input in one line") {
  Tensor table = zeros({10, 4});
  Tensor ids = zeros({4, 8}, DType::i64);
  ids.i64()[3 * 8 + 7] = 10;
  CHECK_THROWS_WITH_AS(nn::embedding_bag(ids, table),
                       "embedding_bag: index 10 at position [3, 7] is out of range for num_embeddings=10", Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({2, -1}), table, indices({0})),
                       "embedding_bag: index -1 at position [1] is out of range for num_embeddings=10", Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(tensor({1, 2}, {1, 2}), table),
                       "embedding_bag: expected a int64 tensor, got float32 (shape [1, 2])", Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({1, 2}), table),
                       "embedding_bag: a 1-D input [2] needs offsets (where each bag starts); pass them, or a 2-D input [B, T]",
                       Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({1, 2}, {1, 2}), table, indices({0})),
                       "embedding_bag: offsets go with a 1-D input [N], got a 2-D input [1, 2] (its rows are the bags; pass no offsets)",
                       Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({1, 2, 3}), table, indices({1, 2})),
                       "embedding_bag: offsets[0] is 1, expected 0 (the first bag starts at the first entry)", Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({1, 2, 3}), table, indices({0, 2, 1})),
                       "embedding_bag: offsets[2] = 1 is less than offsets[1] = 2, expected non-decreasing offsets", Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({1, 2, 3}), table, indices({0, 4})),
                       "embedding_bag: offsets[1] = 4 is past the end of the input (N=3)", Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({1, 2, 3}), table, indices({0, 2}), {.include_last_offset = true}),
                       "embedding_bag: with include_last_offset, the last offset must be N=3 (the end of the last bag), got 2",
                       Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({1, 2, 3}), table, indices({0}), {.mode = "median"}),
                       "embedding_bag: mode 'median' is not one of: sum, mean, max", Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({1}, {1, 1}), table, {.padding_idx = 10}),
                       "embedding_bag: padding_idx 10 is out of range for num_embeddings=10 (expected -10 <= padding_idx < 10)",
                       Error);
  CHECK_THROWS_WITH_AS(nn::embedding_bag(indices({1}, {1, 1}), zeros({10})),
                       "embedding_bag: the weight must be 2-D [num_embeddings, embedding_dim], got shape [10]", Error);
  CHECK_THROWS_WITH_AS(EmbeddingBag(10, 4, {.mode = "avg"}), "EmbeddingBag: mode 'avg' is not one of: sum, mean, max", Error);
  CHECK_THROWS_WITH_AS(EmbeddingBag(0, 4), "EmbeddingBag: expected num_embeddings > 0 and embedding_dim >= 0, got 0 and 4",
                       Error);
}
