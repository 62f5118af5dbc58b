// Embedding: PyTorch fixtures (tests/fixtures/embedding.safetensors), gradchecks, padding, max_norm,
// sparse and frequency-scaled gradients, pretrained tables and error messages.
#include <cmath>
#include <cstring>
#include <map>

#include <doctest/doctest.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"
#include "tests/fixture.hpp"
#include "tests/scratch.hpp"

using namespace tg;
using nn::Embedding;
using nn::EmbeddingOptions;
using test::check_close;
using test::Fixture;

// The gradient of an embedding table as a dense tensor, whether it was kept dense or row-sparse.
static Tensor dense_grad(const Tensor& weight) {
  return weight.sparse_grad() ? to_dense(*weight.sparse_grad(), weight.shape()) : weight.grad();
}

// A fixture case: load the table, look up its indices, backpropagate its grad_output.
static void check_fixture_case(const std::string& name, const EmbeddingOptions& options) {
  Fixture fx("embedding");
  Embedding embedding(10, 4, options);
  embedding.load_state_dict({{"weight", fx[name + ".weight"]}});
  Tensor output = embedding.forward(fx[name + ".indices"]);
  check_close(output, fx[name + ".output"]);
  output.backward(fx[name + ".grad_output"]);
  check_close(embedding.weight.grad(), fx[name + ".grad.weight"]);
  if (fx.has(name + ".weight_after")) check_close(embedding.weight, fx[name + ".weight_after"]);
}

TEST_CASE("Embedding matches PyTorch's output and weight gradient on every fixture case") {
  SUBCASE("plain") { check_fixture_case("plain", {}); }
  SUBCASE("padding_idx 0") { check_fixture_case("padding", {.padding_idx = 0}); }
  SUBCASE("scale_grad_by_freq") { check_fixture_case("scale_grad_by_freq", {.scale_grad_by_freq = true}); }
  SUBCASE("max_norm renormalises the table as PyTorch does") {
    check_fixture_case("max_norm", {.max_norm = 1.0, .norm_type = 2.0});
  }
}

TEST_CASE("Embedding's padding row gets an exactly zero gradient in the PyTorch padding case") {
  Fixture fx("embedding");
  Embedding embedding(10, 4, {.padding_idx = 0});
  embedding.load_state_dict({{"weight", fx["padding.weight"]}});
  embedding.forward(fx["padding.indices"]).backward(fx["padding.grad_output"]);
  for (int e = 0; e < 4; ++e) CHECK(embedding.weight.grad().at({0, e}) == 0.0);
}

TEST_CASE("Embedding init draws N(0, 1) from the seeded generator and zeroes the padding row") {
  manual_seed(11);
  Embedding a(2000, 50, {.padding_idx = 7});
  manual_seed(11);
  Embedding b(2000, 50, {.padding_idx = 7});
  CHECK(a.weight.to_vector() == b.weight.to_vector());
  CHECK(a.weight.shape() == Shape{2000, 50});
  double sum = 0, sum_sq = 0;
  for (float v : a.weight.to_vector()) sum += v, sum_sq += double(v) * v;
  const double n = 2000.0 * 50 - 50;  // the padding row is not drawn from N(0, 1)
  const double mean = sum / n, std = std::sqrt(sum_sq / n - mean * mean);
  CHECK(std::fabs(mean) < 0.02);
  CHECK(std::fabs(std - 1.0) < 0.02);
  for (int e = 0; e < 50; ++e) CHECK(a.weight.at({7, e}) == 0.0);
  CHECK(a.named_parameters().size() == 1);
  CHECK(a.named_parameters()[0].first == "weight");
  CHECK(a.weight.requires_grad());
}

TEST_CASE("Embedding looks up indices of any shape") {
  manual_seed(12);
  Embedding embedding(6, 3);
  Tensor ids = indices({5, 0, 2, 2, 1, 4}, {3, 1, 2});
  Tensor out = embedding.forward(ids);
  CHECK(out.shape() == Shape{3, 1, 2, 3});
  auto w = embedding.weight.to_vector(), y = out.to_vector();
  auto id = ids.to_indices();
  for (size_t j = 0; j < id.size(); ++j)
    for (size_t e = 0; e < 3; ++e) CHECK(y[j * 3 + e] == w[size_t(id[j]) * 3 + e]);
  CHECK(embedding.forward(indices({4}, {})).shape() == Shape{3});  // a 0-dim index gives one vector
  CHECK(embedding.forward(indices({}, {0})).shape() == Shape{0, 3});
}

TEST_CASE("Embedding gradient passes gradcheck with respect to the weight") {
  manual_seed(13);
  Tensor ids = indices({1, 4, 1, 0, 5, 1}, {2, 3});
  SUBCASE("plain") {
    GradcheckResult r = gradcheck([&](auto& v) { return nn::embedding(v[0], ids); },
                                  {uniform({6, 3}, -1, 1).requires_grad_()});
    INFO(r.report);
    CHECK(r.ok);
  }
  SUBCASE("padding_idx, with the padding positions masked out of the loss") {
    // The padding row is looked up, so its true derivative is not zero; PyTorch (and tapegrad) give it
    // none on purpose. Masking its positions leaves a function whose derivative the layer must match.
    Tensor keep = tensor({1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1}, {2, 3, 3});  // ids[1][0] == 0
    Tensor ids_pad = indices({1, 4, 1, 0, 5, 1}, {2, 3});
    GradcheckResult r = gradcheck([&](auto& v) { return nn::embedding(v[0], ids_pad, {.padding_idx = 0}) * keep; },
                                  {uniform({6, 3}, -1, 1).requires_grad_()});
    INFO(r.report);
    CHECK(r.ok);
  }
}

TEST_CASE("scale_grad_by_freq divides the checked plain gradient of each row by its count in the batch") {
  manual_seed(14);
  Tensor ids = indices({3, 3, 1, 3, 0, 1, 2, 3}, {2, 4});
  Tensor w_plain = uniform({5, 2}, -1, 1).requires_grad_();
  Tensor w_scaled = w_plain.detach().clone().requires_grad_();
  Tensor g = uniform({2, 4, 2}, -1, 1);
  nn::embedding(w_plain, ids).backward(g);
  nn::embedding(w_scaled, ids, {.scale_grad_by_freq = true}).backward(g);
  std::map<int64_t, int> count;
  for (int64_t i : ids.to_indices()) ++count[i];
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t e = 0; e < 2; ++e) {
      const double plain = w_plain.grad().at({r, e});
      const double want = count.count(r) ? plain / count[r] : 0.0;
      CHECK(w_scaled.grad().at({r, e}) == doctest::Approx(want).epsilon(1e-6));
    }
}

TEST_CASE("the padding row never receives gradient: dense, sparse and scale_grad_by_freq paths") {
  for (bool sparse : {false, true})
    for (bool by_freq : {false, true}) {
      CAPTURE(sparse);
      CAPTURE(by_freq);
      manual_seed(15);
      Embedding embedding(6, 3, {.padding_idx = -2, .sparse = sparse, .scale_grad_by_freq = by_freq});
      CHECK(embedding.options().padding_idx == 4);
      normal_(embedding.weight, 0, 1);  // a non-zero padding row: the lookup must still give it no gradient
      Tensor ids = indices({4, 2, 4, 1, 2, 4}, {2, 3});
      Tensor out = embedding.forward(ids);
      CHECK(out.at({0, 0, 1}) == embedding.weight.at({4, 1}));
      out.backward(ones({2, 3, 3}));
      Tensor g = dense_grad(embedding.weight);
      REQUIRE(g.defined());
      CHECK(embedding.weight.grad().defined() == !sparse);
      for (int e = 0; e < 3; ++e) {
        CHECK(g.at({4, e}) == 0.0);
        CHECK(g.at({1, e}) == 1.0);
        CHECK(g.at({2, e}) == (by_freq ? 1.0 : 2.0));
        CHECK(g.at({0, e}) == 0.0);
      }
      if (sparse) CHECK(embedding.weight.sparse_grad()->rows.to_indices() == std::vector<int64_t>{1, 2});
    }
}

TEST_CASE("the sparse gradient densified equals the dense gradient for the same batches") {
  const EmbeddingOptions plain{}, padded{.padding_idx = 3}, scaled{.padding_idx = 3, .scale_grad_by_freq = true};
  for (EmbeddingOptions options : {plain, padded, scaled}) {
    CAPTURE(options.padding_idx.has_value());
    CAPTURE(options.scale_grad_by_freq);
    manual_seed(16);
    Tensor table = randn({40, 8});
    Embedding dense = Embedding::from_pretrained(table.clone().detach(), /*freeze=*/false, options);
    options.sparse = true;
    Embedding sparse = Embedding::from_pretrained(table.clone().detach(), /*freeze=*/false, options);
    for (int step = 0; step < 2; ++step) {  // the second backward accumulates into the first
      Tensor ids = randint(40, {5, 7});
      ids.i64()[2] = 3;
      ids.i64()[9] = ids.i64()[10];  // a repeated row
      Tensor g = randn({5, 7, 8});
      dense.forward(ids).backward(g);
      sparse.forward(ids).backward(g);
    }
    REQUIRE(sparse.weight.sparse_grad() != nullptr);
    CHECK_FALSE(sparse.weight.grad().defined());  // no dense [V, D] gradient was allocated
    auto rows = sparse.weight.sparse_grad()->rows.to_indices();
    CHECK(std::is_sorted(rows.begin(), rows.end()));
    CHECK(std::adjacent_find(rows.begin(), rows.end()) == rows.end());
    CHECK((std::find(rows.begin(), rows.end(), 3) == rows.end()) == options.padding_idx.has_value());
    CHECK(sparse.weight.sparse_grad()->values.shape() == Shape{int64_t(rows.size()), 8});
    check_close(dense_grad(sparse.weight), dense.weight.grad(), 1e-6, 1e-6);
  }
}

TEST_CASE("max_norm rescales in place only the looked-up rows whose norm exceeds it") {
  Tensor table = tensor({3, 4, 0.3f, 0.4f, 6, 8}, {3, 2});  // row norms 5, 0.5, 10
  Embedding embedding = Embedding::from_pretrained(table, /*freeze=*/false, {.max_norm = 1.0});
  Tensor out = embedding.forward(indices({0, 1, 0}));
  const float scale = float(1.0 / (5.0 + 1e-7));
  CHECK(table.at({0, 0}) == doctest::Approx(3 * scale));  // the table is shared and renormalised in place
  CHECK(table.at({0, 1}) == doctest::Approx(4 * scale));
  CHECK(table.at({1, 0}) == doctest::Approx(0.3));  // below max_norm: left alone
  CHECK(table.at({2, 0}) == 6.0);                    // not looked up: left alone
  CHECK(out.at({0, 1}) == table.at({0, 1}));         // the output reads the renormalised rows
  CHECK(out.at({2, 0}) == table.at({0, 0}));

  Embedding l1 = Embedding::from_pretrained(tensor({3, -4}, {1, 2}), /*freeze=*/true,
                                            {.max_norm = 1.0, .norm_type = 1.0});
  l1.forward(indices({0}));
  CHECK(l1.weight.at({0, 0}) == doctest::Approx(3.0 / 7.0));
  CHECK(l1.weight.at({0, 1}) == doctest::Approx(-4.0 / 7.0));
}

TEST_CASE("max_norm keeps the tape valid when an earlier lookup of the same row is recorded") {
  Embedding embedding = Embedding::from_pretrained(tensor({6, 8, 1, 0}, {2, 2}), /*freeze=*/false, {.max_norm = 2.0});
  Tensor before = nn::embedding(embedding.weight, indices({0}));  // recorded, no renorm
  Tensor after = embedding.forward(indices({0, 0}));                // renormalises row 0 in place
  CHECK(before.at({0, 0}) == 6.0);  // an earlier output is a copy, not a view of the table
  CHECK(after.at({0, 0}) == doctest::Approx(1.2));
  (before.sum() + after.sum()).backward();
  CHECK(embedding.weight.grad().to_vector() == std::vector<float>{3, 3, 0, 0});
}

TEST_CASE("from_pretrained shares the table and freeze decides whether it trains") {
  Tensor table = tensor({1, 2, 3, 4, 5, 6}, {3, 2});
  Embedding frozen = Embedding::from_pretrained(table, /*freeze=*/true, {.padding_idx = 0});
  CHECK_FALSE(frozen.weight.requires_grad());
  CHECK(frozen.trainable_parameters().empty());
  CHECK(frozen.weight.f32() == table.f32());  // shared, as PyTorch's from_pretrained
  CHECK(frozen.weight.at({0, 1}) == 2.0);     // the padding row is kept as given
  CHECK_FALSE(frozen.forward(indices({1, 2})).requires_grad());

  Embedding trained = Embedding::from_pretrained(table, /*freeze=*/false);
  CHECK(trained.weight.requires_grad());
  CHECK(trained.num_embeddings() == 3);
  CHECK(trained.embedding_dim() == 2);
  trained.forward(indices({2})).sum().backward();
  CHECK(trained.weight.grad().to_vector() == std::vector<float>{0, 0, 0, 0, 1, 1});
}

TEST_CASE("Embedding names the bad index, its position and the table size") {
  Embedding embedding(10000, 4);
  Tensor ids = zeros({4, 8}, DType::i64);
  ids.i64()[3 * 8 + 7] = 10000;
  CHECK_THROWS_WITH_AS(embedding.forward(ids),
                       "embedding: index 10000 at position [3, 7] is out of range for num_embeddings=10000", Error);
  CHECK_THROWS_WITH_AS(embedding.forward(indices({2, -1})),
                       "embedding: index -1 at position [1] is out of range for num_embeddings=10000", Error);
  CHECK_THROWS_WITH_AS(embedding.forward(tensor({1, 2})), "embedding: expected a int64 tensor, got float32 (shape [2])",
                       Error);
}

TEST_CASE("Embedding rejects bad options and tables") {
  CHECK_THROWS_WITH_AS(Embedding(10, 4, {.padding_idx = 10}),
                       "Embedding: padding_idx 10 is out of range for num_embeddings=10 (expected -10 <= padding_idx < 10)",
                       Error);
  CHECK_THROWS_WITH_AS(Embedding(10, 4, {.padding_idx = -11}),
                       "Embedding: padding_idx -11 is out of range for num_embeddings=10 (expected -10 <= padding_idx < 10)",
                       Error);
  CHECK_THROWS_WITH_AS(Embedding(0, 4), "Embedding: expected num_embeddings > 0 and embedding_dim >= 0, got 0 and 4",
                       Error);
  CHECK_THROWS_WITH_AS(Embedding(10, 4, {.max_norm = -1.0}), "Embedding: max_norm must be positive, got -1", Error);
  CHECK_THROWS_WITH_AS(Embedding::from_pretrained(zeros({5}), /*freeze=*/true),
                       "Embedding::from_pretrained: expected a 2-D table [num_embeddings, embedding_dim], got shape [5]",
                       Error);
  CHECK_THROWS_WITH_AS(nn::embedding(zeros({5}), indices({0})),
                       "embedding: the weight must be 2-D [num_embeddings, embedding_dim], got shape [5]", Error);
}

TEST_CASE("a dense gradient held as rows equals the scattered one bit for bit, through two backward passes") {
  manual_seed(18);
  Tensor table = randn({60, 5});
  // By rows: a leaf table and a batch of fewer positions (12) than rows (60).
  Embedding by_rows = Embedding::from_pretrained(table.clone().detach(), /*freeze=*/false, {.padding_idx = 2});
  // Scattered: the same lookups into a table computed from a leaf (w * 1, exact), so not a leaf.
  Tensor leaf = table.clone().detach().requires_grad_();
  for (int pass = 0; pass < 2; ++pass) {
    Tensor ids = randint(60, {3, 4});
    ids.i64()[1] = ids.i64()[5];  // a repeated row
    ids.i64()[7] = 2;             // the padding row
    Tensor g = randn({3, 4, 5});
    by_rows.forward(ids).backward(g);
    nn::embedding(leaf * 1.0, ids, {.padding_idx = 2}).backward(g);
  }
  REQUIRE(by_rows.weight.grad_rows() != nullptr);
  CHECK(by_rows.weight.has_dense_grad());
  CHECK(by_rows.weight.sparse_grad() == nullptr);
  const Tensor grad = by_rows.weight.grad();  // writes the rows out
  CHECK(by_rows.weight.grad_rows() == nullptr);
  CHECK(grad.to_vector() == leaf.grad().to_vector());
  CHECK(by_rows.weight.grad().impl() == grad.impl());  // read again: the same tensor
  by_rows.weight.zero_grad();
  CHECK_FALSE(by_rows.weight.has_dense_grad());
  CHECK_FALSE(by_rows.weight.grad().defined());
}

TEST_CASE("a gradient set with set_grad is shared: a later lookup's backward adds into it") {
  Embedding embedding(50, 3);
  Tensor g = zeros({50, 3});
  embedding.weight.set_grad(g);
  embedding.forward(indices({4, 4, 9}, {3})).sum().backward();
  CHECK(embedding.weight.grad_rows() == nullptr);
  CHECK(g.at({4, 1}) == 2.0);  // read through the caller's handle, without grad()
  CHECK(g.at({9, 2}) == 1.0);
  CHECK(g.at({5, 0}) == 0.0);
}

TEST_CASE("a table used by an embedding and by a product gets the sum of both gradients") {
  manual_seed(19);
  Tensor table = randn({30, 4});
  Tensor w = table.clone().detach().requires_grad_();
  Tensor reference = table.clone().detach().requires_grad_();
  Tensor ids = indices({3, 7, 3}, {3});
  Tensor x = randn({2, 4});
  // Tied weights: the lookup's gradient goes to rows, the product's to the dense gradient.
  (nn::embedding(w, ids).sum() + matmul(x, w.t()).sum()).backward();
  (nn::embedding(reference * 1.0, ids).sum() + matmul(x, reference.t()).sum()).backward();
  CHECK(w.grad_rows() != nullptr);
  check_close(w.grad(), reference.grad(), 1e-6, 1e-6);
}

TEST_CASE("the threaded dense scatter-add equals the serial sparse sum bit for bit") {
  const int saved_threads = num_threads();
  set_num_threads(2);
  manual_seed(17);
  Tensor table = randn({300, 100});  // D = 100: column blocks [0, 64) and [64, 100)
  Embedding dense = Embedding::from_pretrained(table.clone().detach(), /*freeze=*/false);
  Embedding sparse = Embedding::from_pretrained(table.clone().detach(), /*freeze=*/false, {.sparse = true});
  Tensor ids = randint(300, {40, 20});  // 800 lookups x 100 floats: above the parallel threshold
  Tensor g = randn({40, 20, 100});
  dense.forward(ids).backward(g);
  sparse.forward(ids).backward(g);
  set_num_threads(saved_threads);
  CHECK(dense.weight.grad().to_vector() == dense_grad(sparse.weight).to_vector());
}

TEST_CASE("a lookup too large for the cache (streamed stores) gives the table's rows, on 1 and 2 threads") {
  const int saved_threads = num_threads();
  manual_seed(23);
  Embedding embedding(500, 1001);  // rows of 4004 bytes: each starts at a different offset in its line
  Tensor ids = randint(500, {2200});  // 8.8 MB of output: above the streaming threshold (8 MiB)
  const std::vector<float> w = embedding.weight.to_vector();
  const std::vector<int64_t> id = ids.to_indices();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    const std::vector<float> y = embedding.forward(ids).to_vector();
    size_t wrong = 0;
    for (size_t j = 0; j < id.size(); ++j)
      wrong += std::memcmp(&y[j * 1001], &w[size_t(id[j]) * 1001], 1001 * sizeof(float)) != 0;
    CHECK_MESSAGE(wrong == 0, threads, " threads");
  }
  set_num_threads(saved_threads);
}

// ---- reduced-precision tables ----

// The worst |reduced - exact| / |exact| over a lookup's elements (|exact| >= 2^-14, f16's normal range).
static double worst_relative_error(const Tensor& reduced, const Tensor& exact) {
  double worst = 0;
  for (int64_t i = 0; i < exact.numel(); ++i) {
    const float e = exact.f32()[i];
    if (std::fabs(e) < 0x1p-14f) continue;
    worst = std::max(worst, std::fabs(double(reduced.f32()[i]) - e) / std::fabs(e));
  }
  return worst;
}

TEST_CASE("a float16 / bfloat16 table looks up float32 vectors within the format's rounding") {
  manual_seed(21);
  Embedding exact(500, 33);
  Tensor ids = indices({0, 7, 499, 7, 123, 64}, {2, 3});
  const Tensor expected = exact.forward(ids);
  for (auto [dtype, bound] : {std::pair{DType::f16, 0x1p-11}, std::pair{DType::bf16, 0x1p-8}}) {
    CAPTURE(dtype_name(dtype));
    Embedding reduced = Embedding::from_pretrained(exact.weight.detach().clone(), /*freeze=*/false);
    reduced.to(dtype);
    CHECK(reduced.weight.dtype() == dtype);
    CHECK(reduced.weight.nbytes() == 500 * 33 * 2);
    CHECK(reduced.weight.requires_grad());
    const Tensor y = reduced.forward(ids);
    CHECK(y.dtype() == DType::f32);
    CHECK(y.shape() == Shape({2, 3, 33}));
    const double worst = worst_relative_error(y, expected);
    CHECK(worst <= bound);
    CHECK(worst > bound / 8);  // the table really was rounded
  }
}

TEST_CASE("an int8 per-row table looks up within scale / 2 per element, and cannot be trained") {
  manual_seed(22);
  Embedding exact(300, 40, {.padding_idx = 0});
  Tensor ids = indices({0, 1, 299, 150, 1});
  const Tensor expected = exact.forward(ids);
  Embedding quantized = Embedding::from_pretrained(exact.weight.detach().clone(), /*freeze=*/false);
  quantized.quantize_per_row();
  CHECK(quantized.is_quantized());
  CHECK(quantized.weight.dtype() == DType::i8);
  CHECK(quantized.weight_scale.shape() == Shape({300}));
  CHECK(quantized.trainable_parameters().empty());
  CHECK(quantized.state_dict().count("weight_scale") == 1);
  const Tensor y = quantized.forward(ids);
  const std::vector<int64_t> rows = ids.to_indices();
  for (int64_t j = 0; j < 5; ++j)
    for (int64_t e = 0; e < 40; ++e) {
      const float scale = quantized.weight_scale.f32()[rows[size_t(j)]];
      CHECK(std::fabs(y.f32()[j * 40 + e] - expected.f32()[j * 40 + e]) <= scale / 2 * 1.00001f);
    }
  CHECK(y.at({0, 3}) == 0.0);  // the zero padding row stays exactly zero
  CHECK(test::error_of([&] { quantized.requires_grad_(true); }).find("int8") != std::string::npos);
  CHECK(test::error_of([&] { quantized.half(); }).find("int8") != std::string::npos);
}

TEST_CASE("a float16 table's gradient is float32, dense or row-sparse") {
  for (bool sparse : {false, true}) {
    CAPTURE(sparse);
    manual_seed(23);
    Embedding table(20, 6, {.padding_idx = 2, .sparse = sparse});
    Embedding exact(20, 6, {.padding_idx = 2, .sparse = sparse});
    exact.load_state_dict({{"weight", table.weight.detach().clone()}});
    table.half();
    Tensor ids = indices({1, 2, 5, 1});
    Tensor grad_output = randn({4, 6});
    table.forward(ids).backward(grad_output);
    exact.forward(ids).backward(grad_output);
    const Tensor g = dense_grad(table.weight);
    CHECK(g.dtype() == DType::f32);
    CHECK(table.weight.dtype() == DType::f16);
    check_close(g, dense_grad(exact.weight), 0, 0);  // the gradient does not depend on the table's values
    CHECK(bool(table.weight.sparse_grad()) == sparse);
  }
}

TEST_CASE("a half table saves as F16 and loads back into a float32 or a float16 module") {
  test::TempDir dir;
  manual_seed(24);
  Embedding table(10, 4);
  Tensor original = table.weight.detach().clone();
  table.half();
  save_safetensors(dir.file("e.safetensors"), table.named_parameters());
  auto file = load_safetensors(dir.file("e.safetensors"));
  CHECK(file.tensors.at("weight").dtype() == DType::f16);
  Embedding as_float(10, 4);
  as_float.load_state_dict(file.tensors);  // converted to the parameter's dtype
  CHECK(as_float.weight.dtype() == DType::f32);
  check_close(as_float.weight, original, 0x1p-11, 0);
  Embedding as_half(10, 4);
  as_half.half().load_state_dict(file.tensors);
  CHECK(std::memcmp(as_half.weight.raw_data(), table.weight.raw_data(), 80) == 0);
}

TEST_CASE("reduced-precision errors name the op and the dtype") {
  Embedding table(10, 4, {.max_norm = 1.0});
  table.half();
  CHECK(test::error_of([&] { table.forward(indices({1})); }).find("float16") != std::string::npos);
  Tensor q = zeros({10, 4}, DType::i8);
  CHECK(test::error_of([&] { nn::embedding(q, indices({1})); }).find("int8") != std::string::npos);
  CHECK(test::error_of([&] { nn::embedding_int8(q, zeros({9}), indices({1})); }).find("scales") != std::string::npos);
}
