// Slide 5: the simplest text classifier.
// Look up every word of a sentence, average the vectors, and let a linear layer score the classes:
//   ids [32, 20] -> embedding [32, 20, 50] -> mean over words [32, 50] -> linear [32, 5]
#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"
#include "nn/linear.hpp"

int main() {
  try {
    tg::manual_seed(0);
    const int64_t vocab_size = 1000, dim = 50, classes = 5;
    tg::nn::Embedding embedding(vocab_size, dim);
    tg::nn::Linear fc(dim, classes);

    tg::Tensor ids = tg::randint(vocab_size, {32, 20});  // a batch of 32 sentences of 20 word ids
    tg::Tensor vectors = embedding.forward(ids);         // [32, 20, 50]
    tg::Tensor sentence = vectors.mean(1);               // [32, 50]: one vector per sentence
    tg::Tensor logits = fc.forward(sentence);            // [32, 5]: one score per class

    fmt::print("ids {} -> embedded {} -> mean {} -> logits {}\n", ids.shape(), vectors.shape(), sentence.shape(),
               logits.shape());
    fmt::print("parameters: embedding {} + linear {} = {}\n", embedding.num_parameters(), fc.num_parameters(),
               embedding.num_parameters() + fc.num_parameters());
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
