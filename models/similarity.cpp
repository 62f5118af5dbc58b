#include "models/similarity.hpp"

#include <cblas.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/gemm.hpp"
#include "core/half.hpp"
#include "core/kernels.hpp"
#include "models/tokenize.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TG_HAVE_FLOAT16_SCAN 1
#endif

namespace tg::models {

namespace {

double dot(const float* a, const float* b, int64_t dim) {
  double sum = 0;
  for (int64_t d = 0; d < dim; ++d) sum += double(a[d]) * double(b[d]);
  return sum;
}

// 1 / |x| as the float that normalise() multiplies by (0 for zeros).
float inverse_norm(const float* x, int64_t dim) {
  const double norm = std::sqrt(dot(x, x, dim));
  return norm > 0 ? static_cast<float>(1.0 / norm) : 0.0f;
}

// out = x / |x| (zeros stay zeros): each value times the float inverse_norm, rounded once.
void normalise(const float* x, int64_t dim, float* out) {
  const float scale = inverse_norm(x, dim);
  for (int64_t d = 0; d < dim; ++d) out[d] = x[d] * scale;
}

// A row is "extreme" when its inverse_norm is above 2^20 or below 2^-100 (and not 0, a row of zeros):
// the float32 pass over the raw rows (below) could then be off by more than its bound (denormals, a
// scale near float's limits), so its score is replaced by the exact one.
bool is_extreme(float inverse_norm) {
  return inverse_norm != 0 && (inverse_norm > 0x1p20f || inverse_norm < 0x1p-100f);
}

// ---------------------------------------------------------------- the float16 scan

constexpr int64_t kHalfLanes = 8;  // float16 values widened at once (one 16-byte load -> 8 floats)

#ifdef TG_HAVE_FLOAT16_SCAN
// F16C (core/half's check, which also says the OS saves AVX registers), AVX2 and FMA.
bool can_scan_float16() {
  static const bool yes = has_f16c() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

__attribute__((target("avx2,fma,f16c"))) inline __m256 load_half8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// The 8 lanes added as (l0 + l4) + (l2 + l6) + ...: three roundings.
__attribute__((target("avx2,fma,f16c"))) inline float sum_lanes(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// scores[r] = rows[r] . query for `count` float16 rows of `stride` values (a multiple of 8, padded
// with zeros), query [stride] float32 (zero-padded too). The rows are widened in registers, never
// written back: the pass reads 2 bytes a value, in order (one stream the prefetcher follows). Four
// accumulators of 8 lanes per row (values d, d + 8, d + 16, d + 24 of each block of 32) keep four fma
// chains going; then the accumulators are added pairwise and their lanes summed. Asking for the
// bytes 2 KB ahead (about 3 rows) took a query from 6.8 to 6.1 ms: the hardware prefetcher alone
// let the pass read 8.8 GB/s where sgemv reads 11.
__attribute__((target("avx2,fma,f16c"))) void score_half_rows(const uint16_t* rows, int64_t count, int64_t stride,
                                                              const float* query, float* scores) {
  for (int64_t r = 0; r < count; ++r) {
    const uint16_t* row = rows + r * stride;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(),
           acc3 = _mm256_setzero_ps();
    int64_t d = 0;
    for (; d + 4 * kHalfLanes <= stride; d += 4 * kHalfLanes) {
      _mm_prefetch(reinterpret_cast<const char*>(row + d) + 2048, _MM_HINT_T0);
      acc0 = _mm256_fmadd_ps(load_half8(row + d), _mm256_loadu_ps(query + d), acc0);
      acc1 = _mm256_fmadd_ps(load_half8(row + d + 8), _mm256_loadu_ps(query + d + 8), acc1);
      acc2 = _mm256_fmadd_ps(load_half8(row + d + 16), _mm256_loadu_ps(query + d + 16), acc2);
      acc3 = _mm256_fmadd_ps(load_half8(row + d + 24), _mm256_loadu_ps(query + d + 24), acc3);
    }
    for (; d < stride; d += kHalfLanes) acc0 = _mm256_fmadd_ps(load_half8(row + d), _mm256_loadu_ps(query + d), acc0);
    scores[r] = sum_lanes(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  }
}
#else
bool can_scan_float16() { return false; }
void score_half_rows(const uint16_t*, int64_t, int64_t, const float*, float*) {}
#endif

// ---------------------------------------------------------------- how far a fast score can be off
//
// Let u [D] be a unit row and q [D] the unit query, both float32 from normalise() (u_d = r_d s rounded,
// r the raw row and s its float inverse_norm: |u|, |q| <= 1 + 2^-22, so |u| |q| <= rho = 1 + 2^-20),
// x = sum_d u_d q_d in exact arithmetic, eps = 2^-24 float32's unit roundoff, gamma_n = n eps / (1 - n eps).
//
// The exact score e (exact_score): each product u_d q_d is exact in double (24 + 24 bits < 53), the
// D - 1 additions in double err by at most gamma_D(double) sum |u_d q_d| <= 1.01 D 2^-53 rho, and the
// rounding to float by at most 2^-24 rho more: |e - x| <= (2^-24 + 1.01 D 2^-53) rho.
//
// The float32 pass (sgemv, sgemm) runs over the raw rows r, then multiplies by s: a = fl(fl(r . q) s).
// A dot product in any order of products and sums, fma or not (alpha = 1 and beta = 0 add no rounding),
// errs by at most gamma_D sum |r_d q_d| (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed.,
// eq. 3.5); times s that is gamma_D sum |r_d s q_d| <= gamma_D (1 + eps) rho, as |r_d s| <= (1 + eps) |u_d|.
// (r . q) s differs from x by sum (r_d s - u_d) q_d, at most eps (1 + eps) rho, and the product by s
// rounds once more: |a - x| <= (gamma_D + 2 eps) (1 + 2^-20) rho. Extreme rows (is_extreme) are scored
// exactly.
//
// The float16 pass: h_d = half(u_d) errs by at most 2^-11 |u_d| while |u_d| >= 2^-14 (a normal half
// has 11 significant bits; |u_d| <= 1 never overflows) and by at most 2^-25 below (subnormal halves
// are the multiples of 2^-24). So |sum h_d q_d - x| <= 2^-11 sum |u_d q_d| + 2^-25 sum |q_d|
// <= (2^-11 + 2^-25 sqrt(D)) rho (Cauchy-Schwarz: sum |q_d| <= sqrt(D) |q|). The kernel's float32
// arithmetic rounds at most n = stride / 8 + 5 times along any product's path (an fma chain of at
// most stride / 8 links, two additions of accumulators, three of lanes), so it adds at most
// gamma_n sum |h_d q_d| <= gamma_n (1 + 2^-11 + 2^-25 sqrt(D)) rho.
//
// Flushing denormals (set_flush_denormal), or gradual underflow, can lose a term below 2^-126 in
// either computation, times s <= 2^20 for a row that is not extreme: D 2^-100 covers them all.
// The bound of |a - e| <= |a - x| + |x - e| is the sum of the terms: for D = 300, 4.9e-4 for the
// float16 pass and 1.8e-5 for the float32 one.
double gamma(int64_t n) { return double(n) * 0x1p-24 / (1 - double(n) * 0x1p-24); }

double exact_score_error(int64_t dim) { return 0x1p-24 + 1.01 * double(dim) * 0x1p-53; }

double float32_scan_bound(int64_t dim) {
  const double rho = 1 + 0x1p-20;
  return ((gamma(dim) + 2 * 0x1p-24) * (1 + 0x1p-20) + exact_score_error(dim)) * rho + double(dim) * 0x1p-100;
}

double float16_scan_bound(int64_t dim, int64_t stride) {
  const double rho = 1 + 0x1p-20, rounding = 0x1p-11 + 0x1p-25 * std::sqrt(double(dim));
  return (rounding + gamma(stride / kHalfLanes + 5) * (1 + rounding) + exact_score_error(dim)) * rho +
         double(dim) * 0x1p-100;
}

}  // namespace

float cosine_similarity(const float* a, const float* b, int64_t dim) {
  const double na = std::sqrt(dot(a, a, dim)), nb = std::sqrt(dot(b, b, dim));
  if (na == 0 || nb == 0) return 0.0f;
  return static_cast<float>(dot(a, b, dim) / (na * nb));
}

SimilarityIndex::SimilarityIndex(const WordVectors& vectors, SimilarityOptions options) : vectors_(vectors) {
  const int64_t rows = vectors.size(), dim = vectors.dim;
  inverse_norms_.resize(static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    const float scale = inverse_norm(vectors.row(i), dim);
    inverse_norms_[static_cast<size_t>(i)] = scale;
    if (is_extreme(scale)) extreme_rows_.push_back(i);
  }
  float16_scan_ = options.float16_scan && can_scan_float16();
  if (!float16_scan_) return;
  half_stride_ = (dim + kHalfLanes - 1) / kHalfLanes * kHalfLanes;
  unit_half_.assign(static_cast<size_t>(rows * half_stride_), 0);
  for (int64_t i = 0; i < rows; ++i) floats_to_half(unit_row(i).data(), unit_half_.data() + i * half_stride_, dim);
}

int64_t SimilarityIndex::require(const std::string& word) const {
  int64_t id = vectors_.id(word);
  if (id < 0) fail("unknown word {:?}: not among the {} words of the vectors", word, vectors_.size());
  return id;
}

std::vector<float> SimilarityIndex::unit_row(int64_t id) const {
  std::vector<float> unit(static_cast<size_t>(vectors_.dim));
  const float scale = inverse_norms_[static_cast<size_t>(id)], *row = vectors_.row(id);
  for (int64_t d = 0; d < vectors_.dim; ++d) unit[d] = row[d] * scale;  // as normalise()
  return unit;
}

float SimilarityIndex::exact_score(int64_t id, const float* unit_query) const {
  const float scale = inverse_norms_[static_cast<size_t>(id)], *row = vectors_.row(id);
  double sum = 0;
  for (int64_t d = 0; d < vectors_.dim; ++d) sum += double(row[d] * scale) * double(unit_query[d]);
  return static_cast<float>(sum);
}

void SimilarityIndex::finish_float32_scan(float* scores, const float* unit_query) const {
  for (size_t i = 0; i < inverse_norms_.size(); ++i) scores[i] *= inverse_norms_[i];
  for (int64_t i : extreme_rows_) scores[i] = exact_score(i, unit_query);
}

// The k best rows by exact score (higher first, lower id first among equals), rows in `exclude`
// skipped, from approximate scores approx [V] that are each within `bound` of the exact one.
// Why re-scoring the rows with approx >= t - 2 bound finds them all, t the k-th best approx: k rows
// have approx >= t, so exact >= t - bound. A row with approx < t - 2 bound has exact < t - bound:
// those k rows all beat it, so it is not among the k best.
std::vector<Neighbor> SimilarityIndex::top_k(float* approx, double bound, const float* unit_query, int64_t k,
                                             const std::vector<int64_t>& exclude) const {
  const int64_t rows = vectors_.size();
  constexpr float kSkipped = -std::numeric_limits<float>::infinity();
  int64_t available = rows;
  for (int64_t i : exclude)
    if (i >= 0 && i < rows && approx[i] != kSkipped) {
      approx[i] = kSkipped;
      --available;
    }
  k = std::min(k, available);
  if (k <= 0) return {};
  // t: the k-th largest approximate score, from a min-heap of the k largest seen (one pass, O(V log k)).
  std::vector<float> heap(approx, approx + k);
  std::make_heap(heap.begin(), heap.end(), std::greater<>());
  for (int64_t i = k; i < rows; ++i)
    if (approx[i] > heap.front()) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      heap.back() = approx[i];
      std::push_heap(heap.begin(), heap.end(), std::greater<>());
    }
  // The cut-off rounded down, so that the float comparison keeps every row the exact one would.
  const float cutoff = std::nextafter(static_cast<float>(double(heap.front()) - 2 * bound), kSkipped);
  std::vector<std::pair<float, int64_t>> candidates;  // (exact score, row)
  for (int64_t i = 0; i < rows; ++i)
    if (approx[i] >= cutoff && approx[i] != kSkipped) candidates.emplace_back(0.0f, i);
  for (auto& [score, i] : candidates) score = exact_score(i, unit_query);
  auto better = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  std::partial_sort(candidates.begin(), candidates.begin() + k, candidates.end(), better);
  std::vector<Neighbor> out;
  for (int64_t j = 0; j < k; ++j) {
    const auto [score, i] = candidates[static_cast<size_t>(j)];
    out.push_back({i, vectors_.words[static_cast<size_t>(i)], score});
  }
  return out;
}

std::vector<Neighbor> SimilarityIndex::nearest(const float* query, int64_t k, const std::vector<int64_t>& exclude) const {
  const int64_t rows = vectors_.size(), dim = vectors_.dim;
  // [D], zero-padded to the float16 rows' stride
  std::vector<float> unit_query(static_cast<size_t>(std::max(dim, half_stride_))), scores(static_cast<size_t>(rows));
  normalise(query, dim, unit_query.data());
  if (rows == 0) return {};
  if (float16_scan_) {  // scores [V] ~ unit_half [V, D] x unit_query [D], blocks of rows across the threads
    constexpr int64_t kBlock = 1024;
    const uint16_t* unit_half = unit_half_.data();
    const int64_t stride = half_stride_;
    const float* q = unit_query.data();
    float* out = scores.data();
    detail::parallel_for((rows + kBlock - 1) / kBlock, rows * stride, [=](int64_t block) {
      const int64_t start = block * kBlock;
      score_half_rows(unit_half + start * stride, std::min(kBlock, rows - start), stride, q, out + start);
    });
    for (int64_t i : extreme_rows_) scores[size_t(i)] = exact_score(i, unit_query.data());
    return top_k(scores.data(), float16_scan_bound(dim, half_stride_), unit_query.data(), k, exclude);
  }
  // scores [V] ~ (vectors [V, D] x unit_query [D]) / |row|
  cblas_sgemv(CblasRowMajor, CblasNoTrans, int(rows), int(dim), 1.0f, vectors_.values.data(), int(dim),
              unit_query.data(), 1, 0.0f, scores.data(), 1);
  finish_float32_scan(scores.data(), unit_query.data());
  return top_k(scores.data(), float32_scan_bound(dim), unit_query.data(), k, exclude);
}

std::vector<std::vector<Neighbor>> SimilarityIndex::nearest(const float* queries, int64_t count, int64_t k,
                                                            const std::vector<std::vector<int64_t>>& excludes) const {
  const int64_t rows = vectors_.size(), dim = vectors_.dim;
  std::vector<float> unit_queries(static_cast<size_t>(count * dim)), scores(static_cast<size_t>(count * rows));
  for (int64_t q = 0; q < count; ++q) normalise(queries + q * dim, dim, unit_queries.data() + q * dim);
  // scores [Q, V] ~ (unit_queries [Q, D] x vectors^T [D, V]) / |row|
  if (rows > 0)
    detail::gemm(false, true, count, rows, dim, unit_queries.data(), vectors_.values.data(), 0.0f, scores.data());
  std::vector<std::vector<Neighbor>> out;
  static const std::vector<int64_t> none;
  for (int64_t q = 0; q < count; ++q)
    finish_float32_scan(scores.data() + q * rows, unit_queries.data() + q * dim);
  for (int64_t q = 0; q < count; ++q)
    out.push_back(top_k(scores.data() + q * rows, float32_scan_bound(dim), unit_queries.data() + q * dim, k,
                        excludes.empty() ? none : excludes[static_cast<size_t>(q)]));
  return out;
}

std::vector<Neighbor> SimilarityIndex::neighbors(const std::string& word, int64_t k) const {
  int64_t id = require(word);
  return nearest(vectors_.row(id), k, {id});  // normalised there: the query is the word's unit row
}

std::vector<Neighbor> SimilarityIndex::analogy(const std::string& a, const std::string& b, const std::string& c,
                                               int64_t k) const {
  const int64_t ia = require(a), ib = require(b), ic = require(c), dim = vectors_.dim;
  const std::vector<float> ua = unit_row(ia), ub = unit_row(ib), uc = unit_row(ic);
  std::vector<float> query(static_cast<size_t>(dim));  // unit(a) - unit(b) + unit(c), normalised by nearest()
  for (int64_t d = 0; d < dim; ++d) query[d] = ua[d] - ub[d] + uc[d];
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
    model.push_back(dot(index.unit_row(ia).data(), index.unit_row(ib).data(), vectors.dim));
  }
  if (eval.pairs == 0) fail("{}: no 'word1 word2 score' lines, expected at least one", path);
  eval.rho = spearman_rho(human, model);
  return eval;
}

}  // namespace tg::models
