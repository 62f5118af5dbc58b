#include "models/tsne.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/random.hpp"
#include "models/pca.hpp"

namespace tg::models {

TSNEMetric parse_tsne_metric(const std::string& name) {
  if (name == "euclidean") return TSNEMetric::euclidean;
  if (name == "cosine") return TSNEMetric::cosine;
  fail("unknown metric '{}': expected euclidean or cosine", name);
}

namespace {

// dist [N, N]: squared euclidean distances, or cosine distances 1 - cos(x_i, x_j).
std::vector<double> pairwise_distances(const std::vector<float>& x, int64_t n, int64_t d, TSNEMetric metric) {
  std::vector<double> norms(n, 0.0), dist(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < d; ++k) norms[i] += double(x[i * d + k]) * x[i * d + k];
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      double dot = 0;
      for (int64_t k = 0; k < d; ++k) dot += double(x[i * d + k]) * x[j * d + k];
      double value;
      if (metric == TSNEMetric::euclidean) {
        value = std::max(norms[i] + norms[j] - 2 * dot, 0.0);
      } else {
        double denominator = std::sqrt(norms[i] * norms[j]);
        value = denominator > 0 ? std::max(1 - dot / denominator, 0.0) : 1.0;
      }
      dist[i * n + j] = dist[j * n + i] = value;
    }
  return dist;
}

// Row i of P: p_j|i = exp(-beta d_ij) / sum_k exp(-beta d_ik), with beta found by bisection so that the
// row's entropy is log(perplexity) (within 1e-5, at most 200 steps).
void conditional_row(const double* dist, int64_t n, int64_t i, double perplexity, double* p) {
  const double target = std::log(perplexity);
  double beta = 1, lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  for (int step = 0; step < 200; ++step) {
    double sum = 0, weighted = 0;
    for (int64_t j = 0; j < n; ++j) {
      p[j] = j == i ? 0.0 : std::exp(-beta * dist[j]);
      sum += p[j];
      weighted += dist[j] * p[j];
    }
    if (sum <= 0) sum = std::numeric_limits<double>::min();
    double entropy = std::log(sum) + beta * weighted / sum;
    for (int64_t j = 0; j < n; ++j) p[j] /= sum;
    double gap = entropy - target;
    if (std::abs(gap) < 1e-5) break;
    if (gap > 0) {  // too flat: sharpen
      lo = beta;
      beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = std::isinf(lo) ? beta / 2 : (beta + lo) / 2;
    }
  }
}

}  // namespace

TSNEResult tsne(const Tensor& data, const TSNEOptions& options) {
  if (data.dim() != 2) fail("t-SNE: expected data [N, D], found shape {}", data.shape());
  const int64_t n = data.size(0), no_dims = options.n_components;
  if (n < 2) fail("t-SNE: expected at least 2 points, found {}", n);
  if (no_dims < 1) fail("t-SNE: n_components must be at least 1, found {}", no_dims);
  if (!(options.perplexity > 0)) fail("t-SNE: perplexity must be positive, found {}", options.perplexity);
  if (options.learning_rate && !(*options.learning_rate > 0))
    fail("t-SNE: learning_rate must be positive, found {}", *options.learning_rate);

  TSNEResult result;
  result.perplexity = options.perplexity;
  result.learning_rate = options.learning_rate.value_or(std::max(double(n) / options.early_exaggeration / 4, 50.0));
  if (double(n - 1) < 3 * options.perplexity) {
    result.perplexity = double(n - 1) / 3;
    result.note = fmt::format("perplexity {:g} needs at least {:g} points; {} points: lowered to {:.3g}",
                              options.perplexity, std::ceil(3 * options.perplexity) + 1, n, result.perplexity);
  }

  // Input distances, after PCA to pca_dims (euclidean, when the data have more dimensions than that).
  Tensor input = data;
  if (options.metric == TSNEMetric::euclidean && options.pca_dims > 0 && data.size(1) > options.pca_dims)
    input = pca(data, options.pca_dims).projected;
  const int64_t d = input.size(1);
  std::vector<double> dist = pairwise_distances(input.to_vector(), n, d, options.metric);

  // P [N, N]: conditional rows, symmetrised, normalised to sum 1.
  std::vector<double> p(n * n);
  for (int64_t i = 0; i < n; ++i) conditional_row(dist.data() + i * n, n, i, result.perplexity, p.data() + i * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      double s = (p[i * n + j] + p[j * n + i]) / (2.0 * n);
      p[i * n + j] = p[j * n + i] = std::max(s, 1e-12);
    }

  // Y [N, no_dims] from N(0, 1e-4^2); update and gains of the same shape.
  Generator gen(options.seed);
  std::vector<double> y(n * no_dims), update(n * no_dims, 0.0), gains(n * no_dims, 1.0), grad(n * no_dims);
  for (double& v : y) v = 1e-4 * gen.normal();
  std::vector<double> num(n * n);  // the Student-t kernel 1 / (1 + |y_i - y_j|^2)

  auto compute_kernel = [&] {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      num[i * n + i] = 0;
      for (int64_t j = i + 1; j < n; ++j) {
        double sq = 0;
        for (int64_t k = 0; k < no_dims; ++k) sq += (y[i * no_dims + k] - y[j * no_dims + k]) * (y[i * no_dims + k] - y[j * no_dims + k]);
        num[i * n + j] = num[j * n + i] = 1 / (1 + sq);
        sum += 2 * num[i * n + j];
      }
    }
    return sum;
  };

  for (int64_t iter = 0; iter < options.max_iter; ++iter) {
    const double exaggeration = iter < options.exaggeration_iters ? options.early_exaggeration : 1.0;
    const double momentum = iter < options.exaggeration_iters ? options.initial_momentum : options.final_momentum;
    const double sum_num = compute_kernel();

    // dC/dy_i = 4 sum_j (exaggeration p_ij - q_ij) num_ij (y_i - y_j), q_ij = num_ij / sum_num.
    std::fill(grad.begin(), grad.end(), 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        if (i == j) continue;
        double q = std::max(num[i * n + j] / sum_num, 1e-12);
        double mult = 4 * (exaggeration * p[i * n + j] - q) * num[i * n + j];
        for (int64_t k = 0; k < no_dims; ++k) grad[i * no_dims + k] += mult * (y[i * no_dims + k] - y[j * no_dims + k]);
      }

    // Gains grow by 0.2 where the gradient's sign differs from the last step's, shrink by 0.8 where
    // it agrees (the step already goes that way); at least 0.01.
    for (int64_t e = 0; e < n * no_dims; ++e) {
      bool same = (grad[e] > 0) == (update[e] > 0);
      gains[e] = std::max(same ? gains[e] * 0.8 : gains[e] + 0.2, 0.01);
      update[e] = momentum * update[e] - result.learning_rate * gains[e] * grad[e];
      y[e] += update[e];
    }
    for (int64_t k = 0; k < no_dims; ++k) {  // keep the picture centred
      double mean = 0;
      for (int64_t i = 0; i < n; ++i) mean += y[i * no_dims + k] / n;
      for (int64_t i = 0; i < n; ++i) y[i * no_dims + k] -= mean;
    }
  }

  const double sum_num = compute_kernel();
  double kl = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      double q = std::max(num[i * n + j] / sum_num, 1e-12);
      kl += p[i * n + j] * std::log(p[i * n + j] / q);
    }
  result.kl_divergence = kl;
  result.embedding = tensor(std::vector<float>(y.begin(), y.end()), {n, no_dims});
  return result;
}

}  // namespace tg::models
