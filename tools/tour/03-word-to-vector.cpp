// Slide 3: from a word to its vector.
// A vocabulary maps each word to an id, and the id picks a row of the embedding table.
#include <map>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"

int main() {
  try {
    tg::manual_seed(0);
    const std::map<std::string, int64_t> word_to_id = {{"apple", 0}, {"banana", 1}, {"cherry", 2}};
    tg::nn::Embedding embedding(int64_t(word_to_id.size()), 5);  // three words, five numbers each

    const int64_t id = word_to_id.at("banana");
    tg::Tensor vector = embedding.forward(tg::indices({id}));  // [1, 5]
    fmt::print("vocabulary: {}\n", word_to_id);
    fmt::print("'banana' -> id {} -> vector {::.4f}\n", id, vector.to_vector());
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
