// PCA against numpy (tests/fixtures/pca.safetensors, made by tools/gen_pca_fixture.py).
#include <doctest/doctest.h>

#include "models/pca.hpp"
#include "tests/fixture.hpp"
#include "tests/scratch.hpp"

using namespace tg;
using namespace tg::models;

TEST_CASE("pca matches numpy's eigh on the covariance, signs fixed the same way") {
  test::Fixture fixture("pca");
  for (auto [name, k] : {std::pair{"wide", 3}, std::pair{"few", 2}}) {
    CAPTURE(name);
    std::string c = name;
    PCAResult p = pca(fixture[c + ".data"], k);
    test::check_close(p.mean, fixture[c + ".mean"], 1e-5, 1e-5);
    test::check_close(p.components, fixture[c + ".components"], 1e-4, 1e-4);
    test::check_close(p.explained_variance, fixture[c + ".explained_variance"], 1e-4, 1e-5);
    test::check_close(p.explained_variance_ratio, fixture[c + ".explained_variance_ratio"], 1e-4, 1e-5);
    test::check_close(p.projected, fixture[c + ".projected"], 1e-4, 1e-4);
  }
}

TEST_CASE("pca: the wide case's first two components keep nearly all the variance") {
  test::Fixture fixture("pca");
  std::vector<float> ratio = pca(fixture["wide.data"], 3).explained_variance_ratio.to_vector();
  CHECK(ratio[0] > ratio[1]);
  CHECK(ratio[1] > ratio[2]);
  CHECK(ratio[0] + ratio[1] > 0.99);
}

TEST_CASE("pca is deterministic and its components are unit length") {
  Tensor data = tensor({1, 2, 0, 2, 4, 1, 3, 6, 0, 4, 8, 1, 5, 10, 3}, {5, 3});
  PCAResult a = pca(data, 2), b = pca(data, 2);
  CHECK(a.components.to_vector() == b.components.to_vector());
  std::vector<float> c = a.components.to_vector();
  for (int r = 0; r < 2; ++r) {
    double norm = 0;
    for (int j = 0; j < 3; ++j) norm += double(c[r * 3 + j]) * c[r * 3 + j];
    CHECK(norm == doctest::Approx(1).epsilon(1e-5));
  }
}

TEST_CASE("pca: bad inputs are errors that say what was expected") {
  CHECK(test::error_of([] { pca(tensor({1, 2, 3}, {1, 3}), 1); }).find("at least 2 points") != std::string::npos);
  CHECK(test::error_of([] { pca(tensor({1, 2, 3, 4}, {2, 2}), 3); }).find("between 1 and the dimension 2") !=
        std::string::npos);
  CHECK(test::error_of([] { pca(tensor({1, 2, 3, 4}), 1); }).find("expected data [N, D]") != std::string::npos);
}

TEST_CASE("pca of identical points: zero variance, ratio 0, no NaN") {
  PCAResult p = pca(tensor({1, 1, 1, 1, 1, 1}, {3, 2}), 2);
  for (float v : p.explained_variance_ratio.to_vector()) CHECK(v == 0);
  for (float v : p.projected.to_vector()) CHECK(v == 0);
}
