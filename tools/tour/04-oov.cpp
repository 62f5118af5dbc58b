// Slide 4: words the vocabulary has never seen.
// tg::models::Vocab keeps two ids for itself: 0 is "<pad>" (padding) and 1 is "<unk>" (unknown). Every word
// that was not in the training text maps to "<unk>", so it still gets a vector: row 1's.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/tapegrad.hpp"
#include "models/vocab.hpp"
#include "nn/embedding.hpp"

int main() {
  try {
    tg::manual_seed(0);
    tg::models::Vocab vocab = tg::models::Vocab::build({{"i", "like", "apples"}, {"i", "like", "bananas"}});
    tg::nn::Embedding embedding(vocab.size(), 4, {.padding_idx = tg::models::Vocab::kPad});
    fmt::print("vocabulary ({} ids): {}\n", vocab.size(), vocab.words());

    for (const char* word : {"bananas", "cherries"}) {
      const int64_t id = vocab.id(word);
      tg::Tensor vector = embedding.forward(tg::indices({id}));  // [1, 4]
      fmt::print("'{}' -> id {} ({}) -> vector {::.4f}\n", word, id,
                 vocab.contains(word) ? "known" : "unknown: the row of <unk>", vector.to_vector());
    }
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
