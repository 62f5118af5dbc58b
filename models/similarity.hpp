#pragma once
// Querying word vectors: cosine similarity, nearest neighbours, analogies, and the word-similarity
// evaluation (Spearman's rho against human scores, as WordSim-353).
//
//   tg::models::SimilarityIndex index(vectors);                  // normalises every row once
//   for (auto& n : index.neighbors("king", 10)) fmt::print("{} {:.4f}\n", n.word, n.similarity);
//   index.analogy("king", "man", "woman", 1);            // king - man + woman: "queen"
//   tg::models::SimilarityEval e = tg::models::evaluate_similarity(index, "wordsim353.tsv", {.lowercase = true});
//
// Neighbours are exact: the whole table is one sgemv (one query) or one sgemm (many queries) over
// the normalised rows, [V, D] x [D] -> [V] cosines. The query words are never among the results;
// ties are broken by the lower row (the more frequent word, in a file sorted by frequency).
// Analogy is 3CosAdd as gensim's most_similar(positive=[a, c], negative=[b]): the unit vectors
// combined as unit(a) - unit(b) + unit(c), normalised, and a, b, c excluded.
// A row of zeros (a <pad> row) has cosine 0 with everything.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/vectors.hpp"

namespace tg::models {

// cos(a, b) = a.b / (|a| |b|); 0 when either is all zeros.
float cosine_similarity(const float* a, const float* b, int64_t dim);

struct Neighbor {
  int64_t id = 0;        // row in the vector set
  std::string word;
  float similarity = 0;  // cosine
};

class SimilarityIndex {
 public:
  explicit SimilarityIndex(const WordVectors& vectors);  // keeps a reference: vectors must outlive it

  const WordVectors& vectors() const { return vectors_; }
  const float* unit_row(int64_t id) const { return unit_.data() + id * vectors_.dim; }  // [D], |row| = 1 (or 0)

  // The row of `word`; throws "unknown word 'xyz': not among the 400000 words" when absent.
  int64_t require(const std::string& word) const;

  // The k rows most similar to `query` [D] (any length; it is normalised here), best first, skipping
  // the rows in `exclude`. One sgemv.
  std::vector<Neighbor> nearest(const float* query, int64_t k, const std::vector<int64_t>& exclude = {}) const;
  // The same for many queries [Q, D] at once: one sgemm. excludes[q] are the rows skipped for query q
  // (excludes may be empty: none).
  std::vector<std::vector<Neighbor>> nearest(const float* queries, int64_t count, int64_t k,
                                             const std::vector<std::vector<int64_t>>& excludes) const;

  std::vector<Neighbor> neighbors(const std::string& word, int64_t k) const;  // the word itself excluded
  // a - b + c (3CosAdd): "king" "man" "woman" -> queen. The three words are excluded.
  std::vector<Neighbor> analogy(const std::string& a, const std::string& b, const std::string& c, int64_t k) const;
  float similarity(const std::string& a, const std::string& b) const;  // throws on an unknown word

 private:
  std::vector<Neighbor> top_k(const float* scores, int64_t k, const std::vector<int64_t>& exclude) const;

  const WordVectors& vectors_;
  std::vector<float> unit_;  // [V, D], each row divided by its norm
};

// Spearman's rank correlation: Pearson's r of the ranks, tied values sharing their average rank
// (as scipy.stats.spearmanr). NaN when fewer than 2 pairs or when either side is constant.
double spearman_rho(const std::vector<double>& x, const std::vector<double>& y);

struct SimilarityEvalOptions {
  bool lowercase = false;         // lowercase (ASCII) the file's words before looking them up
  size_t missing_sample_size = 10;
};

struct SimilarityEval {
  int64_t pairs = 0;    // scored pairs in the file
  int64_t covered = 0;  // pairs whose two words both have vectors: rho is over these
  double rho = 0;       // Spearman's rho of human score vs cosine over the covered pairs
  std::vector<std::string> missing_sample;  // the first words without a vector
  bool more_missing = false;                // more words were missing than the sample holds
  std::string summary() const;  // "spearman 0.5123 over 331 of 353 pairs (93.8%); missing: ..."
};

// Reads `word1 word2 score` lines (tab- or space-separated; blank lines and lines starting with '#'
// skipped; a first line whose score is not a number is taken as a header) and compares the scores
// with the cosines. Errors name the line: "ws.tsv:7: expected 'word1 word2 score', found 2 fields".
SimilarityEval evaluate_similarity(const SimilarityIndex& index, const std::string& path,
                                   const SimilarityEvalOptions& options = {});

}  // namespace tg::models
