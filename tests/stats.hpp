#pragma once
// The mean, standard deviation, min and max of a tensor's values: for tests of random initialisers.
#include <algorithm>
#include <cmath>

#include "core/tensor.hpp"

namespace tg::test {

struct Stats {
  double mean, std, min, max;
};

inline Stats stats_of(const Tensor& t) {
  auto v = t.to_vector();
  double sum = 0, sum_sq = 0;
  for (float x : v) sum += x, sum_sq += double(x) * x;
  const double n = double(v.size()), mean = sum / n;
  return {mean, std::sqrt(sum_sq / n - mean * mean), *std::min_element(v.begin(), v.end()),
          *std::max_element(v.begin(), v.end())};
}

}  // namespace tg::test
