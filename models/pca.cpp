#include "models/pca.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <cblas.h>

#include "core/error.hpp"

// LAPACK's symmetric eigensolver (relatively robust representations), from OpenBLAS. No header ships
// its prototype on Debian without liblapacke-dev, so here it is; the trailing size_t are the lengths of
// the three character arguments, which gfortran passes hidden.
extern "C" void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n, double* a,
                        const int* lda, const double* vl, const double* vu, const int* il, const int* iu,
                        const double* abstol, int* m, double* w, double* z, const int* ldz, int* isuppz,
                        double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t, size_t,
                        size_t);

namespace tg::models {

PCAResult pca(const Tensor& data, int64_t n_components) {
  if (data.dim() != 2) fail("pca: expected data [N, D], found shape {}", data.shape());
  const int64_t n = data.size(0), d = data.size(1);
  if (n < 2) fail("pca: expected at least 2 points, found {}", n);
  if (n_components < 1 || n_components > d)
    fail("pca: n_components must be between 1 and the dimension {}, found {}", d, n_components);
  std::vector<float> values = data.to_vector();

  // Centre: xc [N, D] in double, so that the covariance of nearly equal vectors keeps its digits.
  std::vector<double> mean(d, 0.0), xc(values.begin(), values.end());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) mean[j] += xc[i * d + j] / n;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) xc[i * d + j] -= mean[j];

  // cov [D, D] = xc^T xc / (N - 1); its upper triangle is what dsyevr reads (column-major: lower, as
  // cblas writes it row-major upper).
  std::vector<double> cov(d * d, 0.0);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, int(d), int(n), 1.0 / double(n - 1), xc.data(), int(d), 0.0,
              cov.data(), int(d));
  double total_variance = 0;
  for (int64_t j = 0; j < d; ++j) total_variance += cov[j * d + j];

  // The k largest eigenpairs: indices D-k+1 .. D of the ascending order.
  const int dim = int(d), il = int(d - n_components + 1), iu = int(d);
  const double unused = 0, abstol = 0;  // abstol 0: LAPACK's default accuracy
  int found = 0, info = 0, lwork = -1, liwork = -1, iwork_query = 0;
  double work_query = 0;
  std::vector<double> eigenvalues(d), eigenvectors(d * n_components);
  std::vector<int> support(2 * n_components);
  dsyevr_("V", "I", "L", &dim, cov.data(), &dim, &unused, &unused, &il, &iu, &abstol, &found, eigenvalues.data(),
          eigenvectors.data(), &dim, support.data(), &work_query, &lwork, &iwork_query, &liwork, &info, 1, 1, 1);
  lwork = int(work_query), liwork = iwork_query;
  std::vector<double> work(std::max(lwork, 1));
  std::vector<int> iwork(std::max(liwork, 1));
  dsyevr_("V", "I", "L", &dim, cov.data(), &dim, &unused, &unused, &il, &iu, &abstol, &found, eigenvalues.data(),
          eigenvectors.data(), &dim, support.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1, 1);
  if (info != 0 || found != n_components)
    fail("pca: LAPACK dsyevr failed (info {}, {} of {} eigenvalues found)", info, found, n_components);

  // Largest first; each eigenvector (a column of `eigenvectors`) with its largest |entry| positive.
  std::vector<float> components(n_components * d), variance(n_components), ratio(n_components);
  for (int64_t c = 0; c < n_components; ++c) {
    const int64_t column = n_components - 1 - c;
    const double* v = eigenvectors.data() + column * d;
    int64_t largest = 0;
    for (int64_t j = 1; j < d; ++j)
      if (std::abs(v[j]) > std::abs(v[largest]) + 1e-12) largest = j;
    const double sign = v[largest] < 0 ? -1.0 : 1.0;
    for (int64_t j = 0; j < d; ++j) components[c * d + j] = float(sign * v[j]);
    const double lambda = std::max(eigenvalues[column], 0.0);  // rounding can leave -1e-17
    variance[c] = float(lambda);
    ratio[c] = total_variance > 0 ? float(lambda / total_variance) : 0.0f;
  }

  std::vector<float> projected(n * n_components, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < n_components; ++c) {
      double sum = 0;
      for (int64_t j = 0; j < d; ++j) sum += xc[i * d + j] * components[c * d + j];
      projected[i * n_components + c] = float(sum);
    }
  std::vector<float> mean_f(mean.begin(), mean.end());
  return {tensor(mean_f, {d}), tensor(components, {n_components, d}), tensor(variance, {n_components}),
          tensor(ratio, {n_components}), tensor(projected, {n, n_components})};
}

}  // namespace tg::models
