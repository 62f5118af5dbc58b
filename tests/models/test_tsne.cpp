// t-SNE: seeded runs repeat exactly; well-separated clusters stay separated; perplexity is lowered for
// few points.
#include <cmath>

#include <doctest/doctest.h>

#include "core/random.hpp"
#include "models/tsne.hpp"
#include "tests/scratch.hpp"

using namespace tg;
using namespace tg::models;

namespace {

// Two clusters of `per` points in `dim` dimensions around 20 e_0 and 20 e_1 (apart in distance and in angle),
// spread 1. Rows 0..per-1 are the first.
Tensor two_clusters(int64_t per, int64_t dim, uint64_t seed) {
  Generator gen(seed);
  std::vector<float> values;
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t i = 0; i < per; ++i)
      for (int64_t j = 0; j < dim; ++j) values.push_back(float((j == c ? 20.0 : 0.0) + gen.normal()));
  return tensor(values, {2 * per, dim});
}

double distance(const std::vector<float>& y, int64_t a, int64_t b) {
  return std::hypot(y[a * 2] - y[b * 2], y[a * 2 + 1] - y[b * 2 + 1]);
}

}  // namespace

TEST_CASE("t-SNE with the same seed gives the same embedding; another seed another one") {
  Tensor data = two_clusters(10, 8, 1);
  TSNEOptions options{.perplexity = 5, .seed = 7, .max_iter = 300};
  std::vector<float> a = tsne(data, options).embedding.to_vector();
  std::vector<float> b = tsne(data, options).embedding.to_vector();
  CHECK(a == b);
  options.seed = 8;
  CHECK(tsne(data, options).embedding.to_vector() != a);
}

// Over five seeds: with the fixed learning rate 200 it once had, 10 of 40 such runs (seeds 0-19) left a point
// inside the other cluster, euclidean seed 4 among them; with 'auto' none did.
TEST_CASE("t-SNE keeps two well-separated clusters apart") {
  for (TSNEMetric metric : {TSNEMetric::euclidean, TSNEMetric::cosine})
    for (uint64_t seed = 0; seed < 5; ++seed) {
      const int64_t per = 15;
      Tensor data = two_clusters(per, 10, 2);
      TSNEResult result = tsne(data, {.perplexity = 5, .metric = metric, .seed = seed});
      CHECK(result.learning_rate == 50);  // scikit-learn's 'auto': max(30 / 12 / 4, 50)
      std::vector<float> y = result.embedding.to_vector();
      REQUIRE(y.size() == size_t(4 * per));
      // Separated: every point is nearer its own cluster's centre than the other's, and its nearest
      // neighbour is in its own cluster.
      double centre[2][2] = {{0, 0}, {0, 0}};
      for (int64_t a = 0; a < 2 * per; ++a)
        for (int k = 0; k < 2; ++k) centre[a >= per][k] += y[a * 2 + k] / per;
      int64_t misplaced = 0;
      for (int64_t a = 0; a < 2 * per; ++a) {
        int own = a >= per;
        double to_own = std::hypot(y[a * 2] - centre[own][0], y[a * 2 + 1] - centre[own][1]);
        double to_other = std::hypot(y[a * 2] - centre[1 - own][0], y[a * 2 + 1] - centre[1 - own][1]);
        int64_t nearest = -1;
        for (int64_t b = 0; b < 2 * per; ++b)
          if (b != a && (nearest < 0 || distance(y, a, b) < distance(y, a, nearest))) nearest = b;
        misplaced += !(to_own < to_other && (nearest >= per) == own);
      }
      CAPTURE(int(metric));
      CAPTURE(seed);
      CHECK(misplaced == 0);
      CHECK(std::isfinite(result.kl_divergence));
    }
}

TEST_CASE("t-SNE lowers the perplexity for few points and says so") {
  Tensor five = two_clusters(3, 4, 3);  // 6 points
  TSNEResult result = tsne(five, {.seed = 0});
  CHECK(result.perplexity == doctest::Approx(5.0 / 3));
  CHECK(result.note.find("lowered to 1.67") != std::string::npos);
  CHECK(tsne(two_clusters(20, 4, 3), {.perplexity = 10, .seed = 0}).note.empty());  // 40 - 1 >= 30
}

TEST_CASE("t-SNE: PCA to 50 dimensions first leaves wide data workable") {
  Tensor data = two_clusters(8, 120, 4);  // D = 120 > 50
  TSNEResult result = tsne(data, {.perplexity = 4, .seed = 0, .max_iter = 400});
  CHECK(result.embedding.shape() == Shape{16, 2});
}

TEST_CASE("t-SNE: bad inputs are errors") {
  CHECK(test::error_of([] { tsne(tensor({1, 2}, {1, 2})); }).find("at least 2 points") != std::string::npos);
  CHECK(test::error_of([] { parse_tsne_metric("manhattan"); }).find("expected euclidean or cosine") !=
        std::string::npos);
}
