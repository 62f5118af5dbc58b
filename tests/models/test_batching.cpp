#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "models/batching.hpp"

namespace {

// Examples whose lengths vary a lot (1..40 tokens), with labels 0/1.
std::vector<tg::models::EncodedExample> varied_lengths(int n) {
  tg::Generator gen(123);
  std::vector<tg::models::EncodedExample> examples;
  for (int i = 0; i < n; ++i) {
    std::vector<int64_t> ids(1 + gen.randint(40), 2 + i % 7);
    examples.push_back({ids, i % 2});
  }
  return examples;
}

// Padding positions over all batches: sum of B * T minus the sum of lengths.
int64_t padding(const std::vector<tg::models::Batch>& batches) {
  int64_t total = 0;
  for (const auto& b : batches) {
    total += b.tokens.numel();
    for (int64_t length : b.lengths.to_indices()) total -= length;
  }
  return total;
}

std::vector<int64_t> all_example_ids(const std::vector<tg::models::Batch>& batches) {
  std::vector<int64_t> ids;
  for (const auto& b : batches) ids.insert(ids.end(), b.example_ids.begin(), b.example_ids.end());
  return ids;
}

}  // namespace

TEST_CASE("encode_examples tokenizes, maps unknown words to <unk> and labels to class indices") {
  tg::models::Vocab vocab = tg::models::Vocab::build({{"good", "film", "bad", "good film"}});
  tg::models::LabelSet labels({"pos", "neg"});
  std::vector<tg::models::Example> examples = {{"Good film!", "pos"}, {"bad", "neg"}, {"", "pos"}};
  auto encoded = tg::models::encode_examples(examples, vocab, labels, {.tokenizer = tg::models::Tokenizer::basic});
  REQUIRE(encoded.size() == 3);
  CHECK(encoded[0].ids == std::vector<int64_t>{vocab.id("good"), vocab.id("film"), tg::models::Vocab::kUnk});
  CHECK(encoded[0].label == labels.index("pos"));
  CHECK(encoded[1].label == labels.index("neg"));
  CHECK(encoded[2].ids.empty());
  auto truncated = tg::models::encode_examples(examples, vocab, labels, {.max_len = 2});
  CHECK(truncated[0].ids.size() == 2);
  auto bigrams = tg::models::encode_examples(examples, vocab, labels, {.ngrams = 2});  // the tool's pipeline
  CHECK(bigrams[0].ids == std::vector<int64_t>{vocab.id("good"), vocab.id("film"), tg::models::Vocab::kUnk,
                                               vocab.id("good film"), tg::models::Vocab::kUnk});
  CHECK_THROWS_WITH_AS(tg::models::encode_examples({{"x", "meh"}}, vocab, labels, {}, "test.tsv", "the model's labels"),
                       "test.tsv: label 'meh' is not one of the model's labels: neg, pos", tg::Error);
}

TEST_CASE("randperm with a generator holds every index once and depends only on the seed") {
  tg::Generator a(5), b(5), c(6);
  auto pa = tg::randperm(50, a), pb = tg::randperm(50, b), pc = tg::randperm(50, c);
  CHECK(pa == pb);
  CHECK(pa != pc);
  std::vector<int64_t> sorted = pa;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) CHECK(sorted[i] == i);
}

TEST_CASE("train/valid split has the right sizes, covers every example once and is seeded") {
  std::vector<tg::models::Example> examples;
  for (int i = 0; i < 100; ++i) examples.push_back({"text " + std::to_string(i), "l"});
  auto split = tg::models::split_train_valid(examples, 0.2, 42);
  CHECK(split.valid.size() == 20);
  CHECK(split.train.size() == 80);
  std::set<std::string> seen;
  for (auto* part : {&split.train, &split.valid})
    for (const auto& e : *part) seen.insert(e.text);
  CHECK(seen.size() == 100);
  CHECK(tg::models::split_train_valid(examples, 0.2, 42).valid[0].text == split.valid[0].text);
  auto other = tg::models::split_train_valid(examples, 0.2, 43);
  bool same_order = true;
  for (size_t i = 0; i < 20; ++i) same_order = same_order && other.valid[i].text == split.valid[i].text;
  CHECK_FALSE(same_order);
  CHECK(tg::models::split_train_valid(examples, 0.0, 1).valid.empty());
  CHECK(tg::models::split_train_valid(examples, 0.001, 1).valid.size() == 1);
}

TEST_CASE("train/valid split rejects a fraction outside [0, 1) or one that empties train") {
  std::vector<tg::models::Example> two = {{"a", "x"}, {"b", "y"}};
  CHECK_THROWS_WITH_AS(tg::models::split_train_valid(two, 1.0, 1), doctest::Contains("expected a number in [0, 1)"),
                       tg::Error);
  CHECK_THROWS_AS(tg::models::split_train_valid(two, -0.1, 1), tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::split_train_valid({{"a", "x"}}, 0.5, 1), doctest::Contains("no training examples"),
                       tg::Error);
}

TEST_CASE("make_batch pads with 0 to the longest example and records lengths and labels") {
  std::vector<tg::models::EncodedExample> examples = {{{5, 6, 7}, 1}, {{8}, 0}, {{}, 1}};
  std::vector<int64_t> rows = {1, 0, 2};
  tg::models::Batch batch = tg::models::make_batch(examples, rows);
  CHECK(batch.tokens.dtype() == tg::DType::i64);
  CHECK(batch.tokens.shape() == tg::Shape{3, 3});
  CHECK(batch.tokens.to_indices() == std::vector<int64_t>{8, 0, 0, 5, 6, 7, 0, 0, 0});
  CHECK(batch.lengths.to_indices() == std::vector<int64_t>{1, 3, 0});
  CHECK(batch.labels.to_indices() == std::vector<int64_t>{0, 1, 1});
  CHECK(batch.example_ids == rows);
}

TEST_CASE("make_batch of examples without text still has one (padding) column") {
  std::vector<tg::models::EncodedExample> examples = {{{}, 0}};
  std::vector<int64_t> rows = {0};
  tg::models::Batch batch = tg::models::make_batch(examples, rows);
  CHECK(batch.tokens.shape() == tg::Shape{1, 1});
  CHECK(batch.tokens.to_indices() == std::vector<int64_t>{0});
  CHECK(batch.lengths.to_indices() == std::vector<int64_t>{0});
}

TEST_CASE("shuffled batches hold every example once, in batches of at most batch_size") {
  auto examples = varied_lengths(1003);
  tg::Generator gen(1);
  auto batches = tg::models::shuffled_batches(examples, 32, gen);
  CHECK(batches.size() == 32);  // ceil(1003 / 32)
  auto ids = all_example_ids(batches);
  std::sort(ids.begin(), ids.end());
  for (int64_t i = 0; i < 1003; ++i) REQUIRE(ids[i] == i);
  for (const auto& b : batches) {
    CHECK(b.tokens.size(0) <= 32);
    // Every row is its example, padded.
    auto tokens = b.tokens.to_indices();
    auto lengths = b.lengths.to_indices();
    int64_t width = b.tokens.size(1);
    for (size_t r = 0; r < b.example_ids.size(); ++r) {
      const auto& example = examples[b.example_ids[r]];
      REQUIRE(lengths[r] == static_cast<int64_t>(example.ids.size()));
      REQUIRE(std::equal(example.ids.begin(), example.ids.end(), tokens.begin() + r * width));
      REQUIRE(std::all_of(tokens.begin() + r * width + lengths[r], tokens.begin() + (r + 1) * width,
                          [](int64_t t) { return t == 0; }));
      REQUIRE(b.labels.to_indices()[r] == example.label);
    }
  }
}

TEST_CASE("shuffled batches are the same for the same seed and differ for another") {
  auto examples = varied_lengths(300);
  tg::Generator a(9), b(9), c(10);
  auto first = all_example_ids(tg::models::shuffled_batches(examples, 16, a));
  CHECK(first == all_example_ids(tg::models::shuffled_batches(examples, 16, b)));
  CHECK(first != all_example_ids(tg::models::shuffled_batches(examples, 16, c)));
  // The generator moves on: the next epoch is ordered differently.
  CHECK(first != all_example_ids(tg::models::shuffled_batches(examples, 16, a)));
}

TEST_CASE("bucketing by length reduces padding compared with random batches") {
  auto examples = varied_lengths(2000);
  tg::Generator a(3), b(3);
  int64_t bucketed = padding(tg::models::shuffled_batches(examples, 32, a, 100));
  int64_t random = padding(tg::models::shuffled_batches(examples, 32, b, 1));  // a chunk of one batch: no bucketing
  CHECK(bucketed * 4 < random);
}

TEST_CASE("eval batches cover every example once, sorted by length, without randomness") {
  auto examples = varied_lengths(100);
  auto batches = tg::models::eval_batches(examples, 8);
  CHECK(batches.size() == 13);
  auto ids = all_example_ids(batches);
  std::vector<int64_t> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 100; ++i) REQUIRE(sorted[i] == i);
  for (size_t k = 1; k < ids.size(); ++k) CHECK(examples[ids[k - 1]].ids.size() <= examples[ids[k]].ids.size());
  CHECK(all_example_ids(tg::models::eval_batches(examples, 8)) == ids);
  CHECK_THROWS_WITH_AS(tg::models::eval_batches(examples, 0), doctest::Contains("batch size must be at least 1"),
                       tg::Error);
}

TEST_CASE("char LM random windows: targets are the inputs shifted by one, seeded") {
  std::vector<int64_t> stream(500);
  for (int64_t i = 0; i < 500; ++i) stream[i] = i;  // every window is a run of consecutive numbers
  tg::Generator gen(4), same(4);
  tg::models::LmBatch batch = tg::models::random_windows(stream, 6, 10, gen);
  CHECK(batch.inputs.shape() == tg::Shape{6, 10});
  CHECK(batch.targets.shape() == tg::Shape{6, 10});
  auto inputs = batch.inputs.to_indices(), targets = batch.targets.to_indices();
  for (size_t k = 0; k < inputs.size(); ++k) {
    CHECK(targets[k] == inputs[k] + 1);
    if (k % 10 != 0) CHECK(inputs[k] == inputs[k - 1] + 1);
    CHECK(targets[k] < 500);
  }
  CHECK(tg::models::random_windows(stream, 6, 10, same).inputs.to_indices() == inputs);
}

TEST_CASE("char LM random windows can start anywhere, up to the last full window") {
  std::vector<int64_t> stream = {0, 1, 2, 3};
  tg::Generator gen(2);
  std::set<int64_t> starts;
  for (int i = 0; i < 200; ++i) starts.insert(tg::models::random_windows(stream, 1, 2, gen).inputs.to_indices()[0]);
  CHECK(starts == std::set<int64_t>{0, 1});
}

TEST_CASE("char LM windows need a stream longer than the sequence length") {
  std::vector<int64_t> stream = {1, 2, 3};
  tg::Generator gen(1);
  CHECK_THROWS_WITH_AS(tg::models::random_windows(stream, 2, 3, gen),
                       doctest::Contains("the text has 3 tokens, expected at least seq_len + 1 = 4"), tg::Error);
  CHECK_NOTHROW(tg::models::random_windows(stream, 2, 2, gen));
  CHECK_THROWS_AS(tg::models::random_windows(stream, 2, 0, gen), tg::Error);
}

TEST_CASE("char LM sequential windows cut the stream into consecutive windows") {
  std::vector<int64_t> stream(23);
  for (int64_t i = 0; i < 23; ++i) stream[i] = 100 + i;
  auto batches = tg::models::sequential_windows(stream, 2, 5);  // windows start at 0, 5, 10, 15 (20 + 5 > 22)
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].inputs.to_indices() == std::vector<int64_t>{100, 101, 102, 103, 104, 105, 106, 107, 108, 109});
  CHECK(batches[1].targets.to_indices() ==
        std::vector<int64_t>{111, 112, 113, 114, 115, 116, 117, 118, 119, 120});
}
