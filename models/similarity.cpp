#include "models/similarity.hpp"

#include <cblas.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>

#include "core/error.hpp"
#include "core/gemm.hpp"
#include "models/tokenize.hpp"

namespace tg::models {

namespace {

double dot(const float* a, const float* b, int64_t dim) {
  double sum = 0;
  for (int64_t d = 0; d < dim; ++d) sum += double(a[d]) * double(b[d]);
  return sum;
}

// out = x / |x| (zeros stay zeros).
void normalise(const float* x, int64_t dim, float* out) {
  const double norm = std::sqrt(dot(x, x, dim));
  const float scale = norm > 0 ? static_cast<float>(1.0 / norm) : 0.0f;
  for (int64_t d = 0; d < dim; ++d) out[d] = x[d] * scale;
}

}  // namespace

float cosine_similarity(const float* a, const float* b, int64_t dim) {
  const double na = std::sqrt(dot(a, a, dim)), nb = std::sqrt(dot(b, b, dim));
  if (na == 0 || nb == 0) return 0.0f;
  return static_cast<float>(dot(a, b, dim) / (na * nb));
}

SimilarityIndex::SimilarityIndex(const WordVectors& vectors) : vectors_(vectors) {
  unit_.resize(vectors.values.size());
  for (int64_t i = 0; i < vectors.size(); ++i) normalise(vectors.row(i), vectors.dim, unit_.data() + i * vectors.dim);
}

int64_t SimilarityIndex::require(const std::string& word) const {
  int64_t id = vectors_.id(word);
  if (id < 0) fail("unknown word {:?}: not among the {} words of the vectors", word, vectors_.size());
  return id;
}

// The k best of scores [V] (higher first, lower id first among equals), rows in `exclude` skipped.
std::vector<Neighbor> SimilarityIndex::top_k(const float* scores, int64_t k, const std::vector<int64_t>& exclude) const {
  const int64_t rows = vectors_.size();
  auto better = [scores](int64_t i, int64_t j) { return scores[i] > scores[j] || (scores[i] == scores[j] && i < j); };
  // A min-heap of the best k seen so far, its worst on top: one pass over V, O(V log k).
  std::vector<int64_t> heap;
  heap.reserve(static_cast<size_t>(std::max<int64_t>(k, 0)) + 1);
  for (int64_t i = 0; i < rows && k > 0; ++i) {
    if (std::find(exclude.begin(), exclude.end(), i) != exclude.end()) continue;
    if (static_cast<int64_t>(heap.size()) < k) {
      heap.push_back(i);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(i, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = i;
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::sort(heap.begin(), heap.end(), better);
  std::vector<Neighbor> out;
  for (int64_t i : heap) out.push_back({i, vectors_.words[static_cast<size_t>(i)], scores[i]});
  return out;
}

std::vector<Neighbor> SimilarityIndex::nearest(const float* query, int64_t k, const std::vector<int64_t>& exclude) const {
  const int64_t rows = vectors_.size(), dim = vectors_.dim;
  std::vector<float> unit_query(static_cast<size_t>(dim)), scores(static_cast<size_t>(rows));
  normalise(query, dim, unit_query.data());
  if (rows > 0)  // scores [V] = unit [V, D] x unit_query [D]
    cblas_sgemv(CblasRowMajor, CblasNoTrans, int(rows), int(dim), 1.0f, unit_.data(), int(dim), unit_query.data(), 1,
                0.0f, scores.data(), 1);
  return top_k(scores.data(), k, exclude);
}

std::vector<std::vector<Neighbor>> SimilarityIndex::nearest(const float* queries, int64_t count, int64_t k,
                                                            const std::vector<std::vector<int64_t>>& excludes) const {
  const int64_t rows = vectors_.size(), dim = vectors_.dim;
  std::vector<float> unit_queries(static_cast<size_t>(count * dim)), scores(static_cast<size_t>(count * rows));
  for (int64_t q = 0; q < count; ++q) normalise(queries + q * dim, dim, unit_queries.data() + q * dim);
  // scores [Q, V] = unit_queries [Q, D] x unit^T [D, V]
  detail::gemm(false, true, count, rows, dim, unit_queries.data(), unit_.data(), 0.0f, scores.data());
  std::vector<std::vector<Neighbor>> out;
  static const std::vector<int64_t> none;
  for (int64_t q = 0; q < count; ++q)
    out.push_back(top_k(scores.data() + q * rows, k, excludes.empty() ? none : excludes[static_cast<size_t>(q)]));
  return out;
}

std::vector<Neighbor> SimilarityIndex::neighbors(const std::string& word, int64_t k) const {
  int64_t id = require(word);
  return nearest(unit_row(id), k, {id});
}

std::vector<Neighbor> SimilarityIndex::analogy(const std::string& a, const std::string& b, const std::string& c,
                                               int64_t k) const {
  const int64_t ia = require(a), ib = require(b), ic = require(c), dim = vectors_.dim;
  std::vector<float> query(static_cast<size_t>(dim));  // unit(a) - unit(b) + unit(c), normalised by nearest()
  for (int64_t d = 0; d < dim; ++d) query[d] = unit_row(ia)[d] - unit_row(ib)[d] + unit_row(ic)[d];
  return nearest(query.data(), k, {ia, ib, ic});
}

float SimilarityIndex::similarity(const std::string& a, const std::string& b) const {
  return cosine_similarity(vectors_.row(require(a)), vectors_.row(require(b)), vectors_.dim);
}

// ---------------------------------------------------------------- Spearman's rho

namespace {

// 1-based ranks of x, ties sharing the mean of the ranks they span.
std::vector<double> average_ranks(const std::vector<double>& x) {
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&x](size_t i, size_t j) { return x[i] < x[j]; });
  std::vector<double> ranks(x.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start;
    while (end + 1 < order.size() && x[order[end + 1]] == x[order[start]]) ++end;
    const double rank = (double(start) + double(end)) / 2 + 1;  // the mean of start+1 .. end+1
    for (size_t i = start; i <= end; ++i) ranks[order[i]] = rank;
    start = end + 1;
  }
  return ranks;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = double(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n, my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);  // NaN when either is constant
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  const bool tabs = line.find('\t') != std::string_view::npos;
  size_t pos = 0;
  while (pos <= line.size()) {
    if (!tabs) {
      while (pos < line.size() && is_ascii_space(line[pos])) ++pos;
      if (pos == line.size()) break;
    }
    size_t end = pos;
    while (end < line.size() && (tabs ? line[end] != '\t' : !is_ascii_space(line[end]))) ++end;
    std::string_view field = line.substr(pos, end - pos);
    while (!field.empty() && is_ascii_space(field.back())) field.remove_suffix(1);
    while (!field.empty() && is_ascii_space(field.front())) field.remove_prefix(1);
    fields.push_back(field);
    pos = end + 1;
  }
  return fields;
}

bool parse_score(std::string_view field, double& value) {
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  return ec == std::errc() && end == field.data() + field.size() && std::isfinite(value);
}

}  // namespace

double spearman_rho(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) fail("spearman_rho: {} values against {}", x.size(), y.size());
  if (x.size() < 2) return std::nan("");
  return pearson(average_ranks(x), average_ranks(y));
}

std::string SimilarityEval::summary() const {
  std::string text = fmt::format("spearman {:.4f} over {} of {} pairs ({:.1f}%)", rho, covered, pairs,
                                 pairs ? 100.0 * double(covered) / double(pairs) : 0.0);
  if (!missing_sample.empty()) {
    text += "; missing:";
    for (const auto& w : missing_sample) text += fmt::format(" {:?}", w);
    if (more_missing) text += " ...";
  }
  return text;
}

SimilarityEval evaluate_similarity(const SimilarityIndex& index, const std::string& path,
                                   const SimilarityEvalOptions& options) {
  std::ifstream in(path);
  if (!in) fail("{}: cannot open the word-similarity file", path);
  const WordVectors& vectors = index.vectors();
  SimilarityEval eval;
  std::vector<double> human, model;
  std::string line;
  int64_t number = 0;
  bool seen_data = false;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string_view text = line;
    while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
    if (text.empty() || text.front() == '#') continue;
    std::vector<std::string_view> fields = split_fields(text);
    if (fields.size() != 3 || fields[0].empty() || fields[1].empty())
      fail("{}:{}: expected 'word1 word2 score', found {} field{}", path, number, fields.size(),
           fields.size() == 1 ? "" : "s");
    double score = 0;
    if (!parse_score(fields[2], score)) {
      if (!seen_data) {  // a header line
        seen_data = true;
        continue;
      }
      fail("{}:{}: the score {:?} is not a number", path, number, std::string(fields[2]));
    }
    seen_data = true;
    ++eval.pairs;
    std::string a(fields[0]), b(fields[1]);
    if (options.lowercase) {
      a = lowercase_ascii(a);
      b = lowercase_ascii(b);
    }
    const int64_t ia = vectors.id(a), ib = vectors.id(b);
    for (const auto& [id, word] : {std::pair{ia, a}, std::pair{ib, b}}) {
      if (id >= 0 || std::find(eval.missing_sample.begin(), eval.missing_sample.end(), word) != eval.missing_sample.end())
        continue;
      if (eval.missing_sample.size() < options.missing_sample_size) eval.missing_sample.push_back(word);
      else eval.more_missing = true;
    }
    if (ia < 0 || ib < 0) continue;
    ++eval.covered;
    human.push_back(score);
    model.push_back(dot(index.unit_row(ia), index.unit_row(ib), vectors.dim));
  }
  if (eval.pairs == 0) fail("{}: no 'word1 word2 score' lines, expected at least one", path);
  eval.rho = spearman_rho(human, model);
  return eval;
}

}  // namespace tg::models
