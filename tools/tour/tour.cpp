// tg-tour: the first steps of the "embedding layer" walkthrough, with the core alone.
//   1. an embedding table is a [V, D] tensor; a lookup takes rows by index
//   2. one backward pass: only the looked-up rows receive gradient (a row used twice, twice)
#include <fmt/format.h>

#include "core/tapegrad.hpp"

int main() {
  try {
    tg::manual_seed(0);
    const int64_t vocab = 6, dim = 4;
    tg::Tensor table = tg::randn({vocab, dim}).requires_grad_().set_name("embedding.weight");
    fmt::print("embedding table: {}\n{}\n\n", table.shape(), table);

    // Two sentences of three word ids; word 2 appears twice.
    tg::Tensor ids = tg::indices({1, 2, 3, 2, 5, 0}, {2, 3});
    tg::Tensor vectors = tg::index_select(table, ids);  // [2, 3] -> [2, 3, 4]
    fmt::print("ids {} -> vectors {}\n{}\n\n", ids.shape(), vectors.shape(), vectors);

    // A toy score per sentence: the mean of its vectors, summed; then one backward pass.
    tg::Tensor sentence = vectors.mean(1);  // [2, 4]
    tg::Tensor loss = sentence.sum();
    fmt::print("loss = sum(mean over words) = {:.4f}\n", loss.item());
    fmt::print("the tape holds {} ops; as Graphviz:\n{}\n", tg::tape_size(), tg::to_dot(loss));
    loss.backward();
    fmt::print("gradient of the table (row 4 is unused, row 2 was used twice):\n{}\n", table.grad());
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  return 0;
}
