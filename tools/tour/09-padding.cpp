// Slide 9: batches of sentences of different lengths.
// Three sentences of 5, 3 and 7 word ids are padded with id 0 to one [3, 7] batch. A mask marks the
// real words; the masked mean averages only those, so the padding (however much) changes nothing.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"
#include "nn/padding.hpp"
#include "nn/pooling.hpp"

int main() {
  try {
    tg::manual_seed(0);
    const std::vector<tg::Tensor> sentences = {tg::indices({4, 8, 15, 16, 23}), tg::indices({42, 7, 9}),
                                               tg::indices({3, 1, 4, 1, 5, 9, 2})};
    tg::Tensor lengths = tg::indices({5, 3, 7});
    tg::nn::Embedding embedding(50, 8, {.padding_idx = 0});  // row 0 is the padding: zero, never trained

    tg::Tensor ids = tg::nn::pad_sequence(sentences, /*batch_first=*/true, 0);  // [3, 7]
    tg::Tensor mask = tg::nn::lengths_to_mask(lengths, ids.size(1));           // [3, 7], 1 = a real word
    tg::Tensor vectors = embedding.forward(ids);                               // [3, 7, 8]
    tg::Tensor masked = vectors * mask.unsqueeze(-1);                          // padding steps zeroed
    tg::Tensor mean = tg::nn::masked_mean(vectors, lengths);                   // [3, 8]

    fmt::print("padded ids {}:\n{}\n", ids.shape(), ids);
    fmt::print("mask {}:\n{}\n", mask.shape(), mask);
    fmt::print("embedded {} -> masked {} -> masked mean {}\n", vectors.shape(), masked.shape(), mean.shape());

    // The same sentences padded to 12 steps: the mean over the real words is the same.
    tg::Tensor longer = tg::zeros({3, 12}, tg::DType::i64);
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t t = 0; t < ids.size(1); ++t) longer.i64()[b * 12 + t] = ids.i64()[b * ids.size(1) + t];
    tg::Tensor mean_longer = tg::nn::masked_mean(embedding.forward(longer), lengths);
    fmt::print("padded to {} steps instead: the masked mean is unchanged: {}\n", longer.size(1),
               mean_longer.to_vector() == mean.to_vector() ? "yes" : "no");
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
