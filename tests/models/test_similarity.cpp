// Cosine similarity, nearest neighbours, analogies and Spearman's rho on small hand-made tables.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

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

}  // namespace

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
