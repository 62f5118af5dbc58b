#pragma once
// t-SNE (van der Maaten and Hinton, 2008), exact: every pair of points, O(N^2) per iteration, fine up to
// a few thousand points. As the reference implementation does it:
//   1. PCA to 50 dimensions first (euclidean; cosine reads the vectors themselves, centring would change
//      their angles);
//   2. for each point, a binary search for the Gaussian's precision that gives the wanted perplexity
//      (the effective number of neighbours), then P symmetrised: p_ij = (p_j|i + p_i|j) / 2N;
//   3. gradient descent on KL(P || Q), Q a Student-t in the output: P exaggerated 12x for the first
//      250 iterations, momentum 0.5 then 0.8, per-coordinate gains, the start drawn from N(0, 1e-4^2)
//      with the given seed; the learning rate is scikit-learn's 'auto', max(N / (4 * exaggeration), 50):
//      the reference's fixed 200 (scikit-learn's old default) scatters small sets.
// Perplexity 30 needs N - 1 >= 3 * 30 points; with fewer (the tour embeds 5 words, where scikit-learn
// refuses) it is lowered to (N - 1) / 3 and TSNEResult::note says so.
//
//   tg::models::TSNEResult t = tg::models::tsne(table, {.seed = 0});   // table [N, D] -> t.embedding [N, 2]
#include <cstdint>
#include <optional>
#include <string>

#include "core/tensor.hpp"

namespace tg::models {

enum class TSNEMetric { euclidean, cosine };  // euclidean: squared distances, as the reference; cosine: 1 - cos

TSNEMetric parse_tsne_metric(const std::string& name);  // "euclidean" or "cosine"; tg::Error otherwise

struct TSNEOptions {
  int64_t n_components = 2;
  double perplexity = 30;
  TSNEMetric metric = TSNEMetric::euclidean;
  uint64_t seed = 0;
  int64_t max_iter = 1000;
  // Empty: scikit-learn's 'auto' (its default since 1.2), max(N / early_exaggeration / 4, 50). The old
  // fixed 200 scattered small sets: with 30 points in two far-apart clusters, a quarter of the seeds left a
  // point inside the other cluster (lr 50: none of 40).
  std::optional<double> learning_rate{};
  double early_exaggeration = 12;
  int64_t exaggeration_iters = 250;  // also when the momentum switches from 0.5 to 0.8
  double initial_momentum = 0.5;
  double final_momentum = 0.8;
  int64_t pca_dims = 50;  // 0: no PCA first
};

struct TSNEResult {
  Tensor embedding;      // [N, n_components], centred
  double perplexity;     // the one used
  double learning_rate;  // the one used
  std::string note{};      // why the perplexity was lowered, or empty
  double kl_divergence;  // KL(P || Q) at the end
};

// data: [N, D] float32, N >= 2. tg::Error for fewer points or bad options.
TSNEResult tsne(const Tensor& data, const TSNEOptions& options = {});

}  // namespace tg::models
