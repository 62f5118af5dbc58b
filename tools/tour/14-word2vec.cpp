// Slide 14: word2vec. Skip-gram with negative sampling learns a vector per word from nothing but
// which words appear near which: words used in the same places end up with similar vectors.
//   14-word2vec [VECTORS_FILE]      e.g. ../shared/data/glove-6B-50d-subset/glove.6B.50d.top2445.txt
// The text is made up here: a little world of animals, food, vehicles and places, one sentence per
// line. With a vectors file, the classic analogy: king - man + woman.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "models/similarity.hpp"
#include "models/skipgram.hpp"
#include "models/vectors.hpp"

namespace {

// 6000 short sentences from a few templates: animals run and sleep, food is cooked and eaten, vehicles
// drive, places are walked to; each template has its own words around the slot it fills.
std::vector<std::string> make_text() {
  const std::vector<std::string> animals = {"cat", "dog", "horse", "rabbit"}, foods = {"fish", "bread", "rice", "soup"},
                                  vehicles = {"car", "bus", "truck", "van"}, places = {"road", "street", "bridge", "park"},
                                  adjectives = {"small", "old", "happy", "quiet", "big", "young"};
  tg::Generator gen(14);
  auto pick = [&gen](const std::vector<std::string>& words) { return words[size_t(gen.randint(int64_t(words.size())))]; };
  std::vector<std::string> lines;
  for (int i = 0; i < 6000; ++i) {
    switch (gen.randint(6)) {
      case 0: lines.push_back(fmt::format("the {} {} runs and jumps in the grass", pick(adjectives), pick(animals))); break;
      case 1: lines.push_back(fmt::format("my {} {} sleeps by the warm fire", pick(adjectives), pick(animals))); break;
      case 2: lines.push_back(fmt::format("we cook hot {} for dinner tonight", pick(foods))); break;
      case 3: lines.push_back(fmt::format("fresh {} tastes good with salt", pick(foods))); break;
      case 4: lines.push_back(fmt::format("the {} {} drives fast with its engine loud", pick(adjectives), pick(vehicles))); break;
      default: lines.push_back(fmt::format("people walk along the {} to the {} {}", pick(places), pick(adjectives), pick(places))); break;
    }
  }
  return lines;
}

void print_neighbors(const tg::models::SimilarityIndex& index, const std::string& word, int64_t k) {
  std::string line = fmt::format("  {:<8}->", word);
  for (const auto& n : index.neighbors(word, k)) line += fmt::format(" {} ({:.3f})", n.word, n.similarity);
  fmt::print("{}\n", line);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    tg::models::SkipGramCorpus corpus = tg::models::make_skipgram_corpus(make_text(), {.min_count = 1});
    fmt::print("text: {} sentences, {} words, a vocabulary of {}\n", corpus.sentence_end.size(), corpus.train_words(),
               corpus.vocab_size());
    // Each word predicts the words around it (window 3); 5 random "noise" words per pair are pushed away.
    tg::models::SkipGramModel model = tg::models::train_skipgram(
        corpus, {.dim = 20, .window = 3, .negative = 5, .epochs = 5, .lr = 0.025, .sample = 1e-3, .threads = 1, .seed = 1});
    fmt::print("skip-gram: {} x {} vectors, {} epochs, mean loss {:.3f}\n", model.vectors.size(), model.vectors.dim, 5,
               model.loss);
    tg::models::SimilarityIndex index(model.vectors);
    fmt::print("nearest neighbours (cosine similarity):\n");
    for (const char* word : {"cat", "bread", "car", "street"}) print_neighbors(index, word, 3);
    const float* cat = model.vectors.find("cat");
    fmt::print("  and across groups: cat ~ bread {:.3f}, cat ~ car {:.3f}\n",
               tg::models::cosine_similarity(cat, model.vectors.find("bread"), model.vectors.dim),
               tg::models::cosine_similarity(cat, model.vectors.find("car"), model.vectors.dim));
    fmt::print("animals are nearest animals, food food, vehicles vehicles: only the words around them taught it that\n");
    fmt::print("(in this made-up text the words of a group share every context, so their vectors almost coincide)\n");

    if (argc > 1) {
      tg::models::WordVectors glove = tg::models::read_vectors(argv[1]);
      tg::models::SimilarityIndex glove_index(glove);
      fmt::print("\n{}: {} words of dimension {}\n", argv[1], glove.size(), glove.dim);
      std::vector<tg::models::Neighbor> answer = glove_index.analogy("king", "man", "woman", 3);
      fmt::print("king - man + woman = {} ({:.3f}); then {}, {}\n", answer[0].word, answer[0].similarity, answer[1].word,
                 answer[2].word);
    } else {
      fmt::print("(give the GloVe subset as an argument for king - man + woman)\n");
    }
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
