// Slide 6: pretrained vectors (GloVe, word2vec) as the embedding table.
//   06-pretrained [VECTORS_FILE]      e.g. ../shared/data/glove/glove.6B.50d.*.txt
// Without a file it makes a random [10000, 100] table to stand in for one. from_pretrained(table,
// freeze = true) keeps the table fixed: it does not require grad, so training never changes it.
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/tapegrad.hpp"
#include "models/vectors.hpp"
#include "nn/embedding.hpp"

int main(int argc, char** argv) {
  try {
    tg::manual_seed(0);
    std::string word = "row 0";  // the word whose vector is shown, and its row
    int64_t row = 0;
    tg::Tensor table;
    if (argc > 1) {
      tg::models::WordVectors vectors = tg::models::read_vectors(argv[1]);
      fmt::print("read {}: {} words of dimension {} ({})\n", argv[1], vectors.size(), vectors.dim,
                 tg::models::vector_format_name(vectors.format));
      table = tg::tensor(vectors.values, {vectors.size(), vectors.dim});
      word = vectors.find("king") ? "king" : vectors.words[0];
      row = vectors.index.at(word);
    } else {
      fmt::print("no vectors file given: a random [10000, 100] table stands in for one\n");
      table = tg::randn({10000, 100});
    }
    tg::nn::Embedding embedding = tg::nn::Embedding::from_pretrained(table, /*freeze=*/true);
    fmt::print("embedding: {} x {}\n", embedding.num_embeddings(), embedding.embedding_dim());
    fmt::print("frozen: {} (weight.requires_grad() = {})\n", !embedding.weight.requires_grad(),
               embedding.weight.requires_grad());
    fmt::print("first 5 dimensions of '{}': {::.4f}\n", word,
               tg::narrow(embedding.forward(tg::indices({row})), 1, 0, 5).to_vector());
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
