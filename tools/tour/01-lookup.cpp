// Slide 1: an embedding is a lookup table.
// Embedding(10000, 100) holds one row of 100 numbers for each of 10,000 word ids. Looking up the ids
// [1, 5, 3, 2] returns those four rows: a [4, 100] tensor. Backward sends gradient to those rows only.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"

int main() {
  try {
    tg::manual_seed(0);
    tg::nn::Embedding embedding(10000, 100);      // weight [10000, 100], drawn from N(0, 1) as in PyTorch
    tg::Tensor ids = tg::indices({1, 5, 3, 2});    // i64 [4]
    tg::Tensor vectors = embedding.forward(ids);   // f32 [4, 100]

    fmt::print("embedding.weight: shape {}\n", embedding.weight.shape());
    fmt::print("ids {} -> vectors: shape {}\n", ids.to_indices(), vectors.shape());
    // A lookup copies rows: the second vector is row 5 of the table.
    const bool same = vectors.at({1, 0}) == embedding.weight.at({5, 0}) &&
                      vectors.at({1, 99}) == embedding.weight.at({5, 99});
    fmt::print("vectors[1] is row 5 of the table: {}\n", same ? "yes" : "no");

    // One backward pass through the lookup: d(sum of the vectors)/d(table) is 1 on the looked-up rows.
    vectors.sum().backward();
    std::vector<int64_t> rows_with_gradient;
    tg::Tensor grad = embedding.weight.grad();  // [10000, 100]
    for (int64_t row = 0; row < grad.size(0); ++row)
      if (grad.at({row, 0}) != 0) rows_with_gradient.push_back(row);
    fmt::print("after backward, only rows {} of the table received gradient\n", rows_with_gradient);
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
