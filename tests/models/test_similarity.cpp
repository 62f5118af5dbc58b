// Cosine similarity, nearest neighbours, analogies and Spearman's rho on small hand-made tables.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/random.hpp"
#include "models/similarity.hpp"
#include "tests/scratch.hpp"

using tg::test::error_of;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Five 2-D words: the royalty pairs differ by the same "female" direction (0, 1).
tg::models::WordVectors royalty() {
  return tg::models::make_vectors({"king", "queen", "man", "woman", "apple"},
                                  {3, 1,    // king
                                   3, 2,    // queen = king + (0, 1)
                                   1, 0,    // man
                                   1, 1,    // woman = man + (0, 1)
                                   -1, 0},  // apple: far from the others
                                  2, "royalty");
}

std::vector<std::string> words_of(const std::vector<tg::models::Neighbor>& neighbors) {
  std::vector<std::string> words;
  for (const auto& n : neighbors) words.push_back(n.word);
  return words;
}

// The k best rows for `query` by the definition in similarity.hpp, computed the slow way: the query
// and every row normalised (|x| in double, then x times the float 1/|x|), dot products summed in
// double and rounded to float, sorted by score then row.
std::vector<std::pair<float, int64_t>> reference_nearest(const tg::models::WordVectors& v, const float* query,
                                                         int64_t k, const std::vector<int64_t>& exclude) {
  auto unit = [&v](const float* x) {
    double norm = 0;
    for (int64_t d = 0; d < v.dim; ++d) norm += double(x[d]) * double(x[d]);
    const float scale = norm > 0 ? float(1 / std::sqrt(norm)) : 0.0f;
    std::vector<float> out(static_cast<size_t>(v.dim));
    for (int64_t d = 0; d < v.dim; ++d) out[d] = x[d] * scale;
    return out;
  };
  const std::vector<float> q = unit(query);
  std::vector<std::pair<float, int64_t>> all;
  for (int64_t i = 0; i < v.size(); ++i) {
    if (std::find(exclude.begin(), exclude.end(), i) != exclude.end()) continue;
    const std::vector<float> row = unit(v.row(i));
    double sum = 0;
    for (int64_t d = 0; d < v.dim; ++d) sum += double(row[d]) * double(q[d]);
    all.emplace_back(float(sum), i);
  }
  std::sort(all.begin(), all.end(),
            [](auto& a, auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  all.resize(std::min(all.size(), size_t(k)));
  return all;
}

std::vector<std::pair<float, int64_t>> scores_of(const std::vector<tg::models::Neighbor>& neighbors) {
  std::vector<std::pair<float, int64_t>> out;
  for (const auto& n : neighbors) out.emplace_back(n.similarity, n.id);
  return out;
}

// A random [rows, dim] table made hard on purpose: rows 1..8 are row 0 nudged by one float step in one
// value (near-ties, closer than float16 can tell apart), rows 9..11 repeat row 20 exactly (ties only the
// row number breaks), row 12 is all zeros, rows 13..19 are row 40 plus noise of 1e-4 (scores closer
// than float16's error: its order is often wrong), rows 21 and 22 have norms near 1e-35 and 1e36 (22
// is row 23 scaled up), and the last rows are the negatives of rows 30..34.
tg::models::WordVectors hard_table(int64_t rows, int64_t dim, uint64_t seed) {
  REQUIRE(rows > 40);  // row 40 is read
  tg::Generator gen(seed);
  std::vector<float> values(static_cast<size_t>(rows * dim));
  for (float& x : values) x = float(gen.normal());
  auto row = [&](int64_t i) { return values.data() + i * dim; };
  for (int64_t i = 1; i <= 8; ++i) {
    std::copy(row(0), row(0) + dim, row(i));
    float& nudged = row(i)[gen.randint(dim)];
    nudged = std::nextafter(nudged, i % 2 ? 10.0f : -10.0f);
  }
  for (int64_t i = 9; i <= 11; ++i) std::copy(row(20), row(20) + dim, row(i));
  std::fill(row(12), row(12) + dim, 0.0f);
  for (int64_t d = 0; d < dim; ++d) row(21)[d] *= 1e-36f;  // norms far from 1: scored exactly
  for (int64_t d = 0; d < dim; ++d) row(22)[d] = row(23)[d] * 1e35f;  // the same direction as row 23
  for (int64_t i = 13; i <= 19; ++i)
    for (int64_t d = 0; d < dim; ++d) row(i)[d] = row(40)[d] + float(1e-4 * gen.normal());
  for (int64_t i = 0; i < 5; ++i)
    for (int64_t d = 0; d < dim; ++d) row(rows - 1 - i)[d] = -row(30 + i)[d];
  std::vector<std::string> words;
  for (int64_t i = 0; i < rows; ++i) words.push_back(std::string("w").append(std::to_string(i)));
  return tg::models::make_vectors(std::move(words), std::move(values), dim);
}

}  // namespace

TEST_CASE("the float16 scan gives exactly the float32 answers: near-ties, repeated rows, zeros, any width") {
  for (int64_t dim : {1, 3, 8, 13, 64, 300}) {
    CAPTURE(dim);
    tg::models::WordVectors v = hard_table(dim == 1 ? 60 : 1500, dim, uint64_t(dim));
    tg::models::SimilarityIndex fast(v), plain(v, {.float16_scan = false});
    CHECK_FALSE(plain.scans_float16());
    if (!fast.scans_float16()) MESSAGE("this CPU lacks F16C/AVX2/FMA: only the float32 path is checked");
    tg::Generator gen(7);
    // [Q, dim]: rows 0, 9, 12 (zeros), 30 as they are, row 40 moved a little (the cluster 13..19
    // around it comes first), row 21 (tiny), 22 (huge), then random ones
    std::vector<float> queries;
    std::vector<std::vector<int64_t>> excludes;
    for (int64_t id : {0, 9, 12, 30, 5, 21, 22}) {
      queries.insert(queries.end(), v.row(id), v.row(id) + dim);
      excludes.push_back({id});
    }
    for (int q = 0; q < 3; ++q) {
      for (int64_t d = 0; d < dim; ++d) queries.push_back(v.row(40)[d] + float(0.3 * gen.normal()));
      excludes.push_back({});
    }
    for (int q = 0; q < 5; ++q) {
      for (int64_t d = 0; d < dim; ++d) queries.push_back(float(gen.normal()));
      excludes.push_back({});
    }
    const int64_t count = int64_t(excludes.size());
    for (int64_t k : {1, 4, 10, 37}) {
      CAPTURE(k);
      auto batch = plain.nearest(queries.data(), count, k, excludes);
      for (int64_t q = 0; q < count; ++q) {
        CAPTURE(q);
        const float* query = queries.data() + q * dim;
        const auto expected = reference_nearest(v, query, k, excludes[size_t(q)]);
        CHECK(scores_of(fast.nearest(query, k, excludes[size_t(q)])) == expected);
        CHECK(scores_of(plain.nearest(query, k, excludes[size_t(q)])) == expected);
        CHECK(scores_of(batch[size_t(q)]) == expected);
      }
    }
    // The word's own row is excluded, its near-copies come next; the repeats of row 20 in row order.
    if (dim < 8) continue;  // in a few dimensions other rows can be as near
    auto n = fast.neighbors("w0", 8);
    for (const auto& x : n) CHECK((x.id >= 1 && x.id <= 8));
    CHECK(scores_of(fast.neighbors("w20", 3)) == scores_of(plain.neighbors("w20", 3)));
    CHECK(fast.neighbors("w20", 3)[0].id == 9);
    CHECK(plain.neighbors("w22", 1)[0].id == 23);
    CHECK(fast.neighbors("w22", 1)[0].id == 23);
  }
}

TEST_CASE("known answers on a small table, float16 scan and float32 alike") {
  for (bool float16 : {true, false}) {
    CAPTURE(float16);
    tg::models::WordVectors v = royalty();
    tg::models::SimilarityIndex index(v, {.float16_scan = float16});
    std::vector<tg::models::Neighbor> n = index.neighbors("king", 4);
    CHECK(words_of(n) == std::vector<std::string>{"queen", "man", "woman", "apple"});
    CHECK(n[0].similarity == doctest::Approx(11.0 / std::sqrt(10.0 * 13.0)).epsilon(1e-6));
    CHECK(n[3].similarity == doctest::Approx(-3.0 / std::sqrt(10.0)).epsilon(1e-6));
    tg::models::WordVectors ties = tg::models::make_vectors({"q", "b", "a", "c"}, {1, 0, 0, 1, 0, 1, 0, 1}, 2);
    tg::models::SimilarityIndex tie_index(ties, {.float16_scan = float16});
    CHECK(words_of(tie_index.neighbors("q", 3)) == std::vector<std::string>{"b", "a", "c"});
    CHECK(words_of(index.analogy("king", "man", "woman", 1)) == std::vector<std::string>{"queen"});
  }
}

TEST_CASE("cosine similarity: parallel 1, orthogonal 0, opposite -1, a zero vector 0") {
  const float a[] = {1, 2}, b[] = {2, 4}, c[] = {-2, 1}, d[] = {-1, -2}, zero[] = {0, 0};
  CHECK(tg::models::cosine_similarity(a, b, 2) == doctest::Approx(1.0));
  CHECK(tg::models::cosine_similarity(a, c, 2) == doctest::Approx(0.0));
  CHECK(tg::models::cosine_similarity(a, d, 2) == doctest::Approx(-1.0));
  CHECK(tg::models::cosine_similarity(a, zero, 2) == 0.0f);
}

TEST_CASE("neighbours are the most similar rows, best first, the word itself excluded") {
  tg::models::WordVectors v = royalty();
  tg::models::SimilarityIndex index(v);
  std::vector<tg::models::Neighbor> n = index.neighbors("king", 4);
  CHECK(words_of(n) == std::vector<std::string>{"queen", "man", "woman", "apple"});
  CHECK(n[0].similarity == doctest::Approx(11.0 / std::sqrt(10.0 * 13.0)));
  CHECK(n[0].id == 1);
  CHECK(index.neighbors("king", 2).size() == 2);
  CHECK(index.neighbors("king", 100).size() == 4);  // k larger than the table: every other word
}

TEST_CASE("ties are broken by the lower row") {
  tg::models::WordVectors v = tg::models::make_vectors({"q", "b", "a", "c"}, {1, 0, 0, 1, 0, 1, 0, 1}, 2);
  tg::models::SimilarityIndex index(v);
  CHECK(words_of(index.neighbors("q", 3)) == std::vector<std::string>{"b", "a", "c"});
}

TEST_CASE("many queries at once (one sgemm) give the same answers as one at a time") {
  tg::models::WordVectors v = royalty();
  tg::models::SimilarityIndex index(v);
  std::vector<float> queries = {3, 1, 1, 1};  // king's and woman's vectors
  auto both = index.nearest(queries.data(), 2, 3, {{0}, {3}});
  REQUIRE(both.size() == 2);
  CHECK(words_of(both[0]) == words_of(index.neighbors("king", 3)));
  CHECK(words_of(both[1]) == words_of(index.neighbors("woman", 3)));
  CHECK(both[1][0].similarity == doctest::Approx(index.neighbors("woman", 1)[0].similarity));
}

TEST_CASE("analogy: king - man + woman is queen, the three words excluded") {
  tg::models::WordVectors v = royalty();
  tg::models::SimilarityIndex index(v);
  std::vector<tg::models::Neighbor> n = index.analogy("king", "man", "woman", 2);
  REQUIRE(n.size() == 2);
  CHECK(n[0].word == "queen");
  CHECK(n[1].word == "apple");  // the only other word left
  // gensim's score: the cosine of queen with unit(king) - unit(man) + unit(woman)
  const float q[] = {float(3 / std::sqrt(10.0) - 1 + 1 / std::sqrt(2.0)), float(1 / std::sqrt(10.0) + 1 / std::sqrt(2.0))};
  const float queen[] = {3, 2};
  CHECK(n[0].similarity == doctest::Approx(tg::models::cosine_similarity(q, queen, 2)).epsilon(1e-5));
}

TEST_CASE("unknown words are one error naming the word") {
  tg::models::WordVectors v = royalty();
  tg::models::SimilarityIndex index(v);
  CHECK(contains(error_of([&] { index.neighbors("prince", 3); }), "unknown word \"prince\": not among the 5 words"));
  CHECK(contains(error_of([&] { index.analogy("king", "boy", "woman", 3); }), "unknown word \"boy\""));
  CHECK(contains(error_of([&] { index.similarity("king", "x"); }), "unknown word \"x\""));
}

TEST_CASE("Spearman's rho: monotone 1, reversed -1, ties take average ranks (scipy's values)") {
  CHECK(tg::models::spearman_rho({1, 2, 3, 4}, {10, 20, 25, 100}) == doctest::Approx(1.0));
  CHECK(tg::models::spearman_rho({1, 2, 3, 4}, {4, 3, 2, 1}) == doctest::Approx(-1.0));
  // scipy.stats.spearmanr([1, 2, 2, 3, 4], [1, 3, 2, 4, 5]).statistic = 0.9746794344808963
  CHECK(tg::models::spearman_rho({1, 2, 2, 3, 4}, {1, 3, 2, 4, 5}) == doctest::Approx(0.9746794344808963));
  CHECK(std::isnan(tg::models::spearman_rho({1}, {2})));
  CHECK(std::isnan(tg::models::spearman_rho({1, 1, 1}, {1, 2, 3})));
}

TEST_CASE("word-similarity evaluation: comments, a header, tabs or spaces, coverage, lowercasing") {
  tg::test::TempDir dir;
  const std::string path = dir.file("ws.tsv");
  std::ofstream(path) << "# a comment\nWord 1\tWord 2\tHuman (mean)\nking\tqueen\t9\nKing man 5\n"
                         "\nman\twoman\t8\nking\tapple\t1\nprince\tking\t8\n";
  tg::models::WordVectors v = royalty();
  tg::models::SimilarityIndex index(v);
  tg::models::SimilarityEval plain = tg::models::evaluate_similarity(index, path);
  CHECK(plain.pairs == 5);
  CHECK(plain.covered == 3);  // "King" and "prince" have no vector
  CHECK(plain.missing_sample == std::vector<std::string>{"King", "prince"});
  tg::models::SimilarityEval lower = tg::models::evaluate_similarity(index, path, {.lowercase = true});
  CHECK(lower.covered == 4);
  // human 9, 5, 8, 1 against cosines king-queen .96, king-man .95, man-woman .71, king-apple -.95
  CHECK(lower.rho == doctest::Approx(tg::models::spearman_rho({9, 5, 8, 1}, {0.965, 0.949, 0.707, -0.949})));
  CHECK(contains(lower.summary(), "over 4 of 5 pairs (80.0%); missing: \"prince\""));
}

TEST_CASE("word-similarity evaluation: bad lines are errors naming the line") {
  tg::test::TempDir dir;
  tg::models::WordVectors v = royalty();
  tg::models::SimilarityIndex index(v);
  const std::string two = dir.file("two.tsv"), score = dir.file("score.tsv"), empty = dir.file("empty.tsv");
  std::ofstream(two) << "king queen 9\nking queen\n";
  std::ofstream(score) << "king queen 9\nking man high\n";
  std::ofstream(empty) << "# nothing\n";
  CHECK(contains(error_of([&] { tg::models::evaluate_similarity(index, two); }), "two.tsv:2: expected 'word1 word2 score', found 2 fields"));
  CHECK(contains(error_of([&] { tg::models::evaluate_similarity(index, score); }), "score.tsv:2: the score \"high\" is not a number"));
  CHECK(contains(error_of([&] { tg::models::evaluate_similarity(index, empty); }), "no 'word1 word2 score' lines"));
  CHECK(contains(error_of([&] { tg::models::evaluate_similarity(index, dir.file("none.tsv")); }), "cannot open"));
}
