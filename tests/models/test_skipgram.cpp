// Skip-gram with negative sampling: the corpus, what training learns on a synthetic text, determinism.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include "core/random.hpp"
#include "models/similarity.hpp"
#include "models/skipgram.hpp"
#include "tests/scratch.hpp"

using tg::test::error_of;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// 400 sentences of 7 words. "cat" and "dog" always appear among the same context words (pets: a0..a5),
// "car" and "bus" among others (roads: b0..b5): cat and dog share every context, cat and car none.
std::vector<std::string> synthetic_text() {
  tg::Generator gen(7);
  std::vector<std::string> lines;
  const char* pets[] = {"cat", "dog"};
  const char* roads[] = {"car", "bus"};
  for (int i = 0; i < 400; ++i) {
    const bool pet = i % 2 == 0;
    std::string line;
    for (int w = 0; w < 7; ++w) {
      std::string word = w == 3 ? (pet ? pets : roads)[gen.randint(2)]
                                : fmt::format("{}{}", pet ? "a" : "b", gen.randint(6));
      line += (w ? " " : "") + word;
    }
    lines.push_back(line);
  }
  return lines;
}

tg::models::SkipGramConfig small_config() {
  return {.dim = 16, .window = 3, .negative = 5, .epochs = 10, .lr = 0.05, .sample = 0, .threads = 1, .seed = 3};
}

}  // namespace

TEST_CASE("the corpus: min_count, most frequent first (ties: first seen), sentences kept apart") {
  tg::models::SkipGramCorpus corpus =
      tg::models::make_skipgram_corpus({"b a b c", "", "a  b d\t", "e"}, {.min_count = 2});
  CHECK(corpus.words == std::vector<std::string>{"b", "a"});
  CHECK(corpus.counts == std::vector<int64_t>{3, 2});
  CHECK(corpus.ids == std::vector<int32_t>{0, 1, 0, 1, 0});
  CHECK(corpus.sentence_end == std::vector<int64_t>{3, 5});  // the empty line and "e" leave no sentence
  CHECK(corpus.tokens_read == 8);
  CHECK(contains(error_of([] { tg::models::make_skipgram_corpus({"a b c"}, {.min_count = 2}); }),
                 "no word occurs at least 2 times (min_count), found 3 distinct words in 3 tokens"));
}

TEST_CASE("skip-gram: two words that share every context end nearer than unrelated words") {
  tg::models::SkipGramCorpus corpus = tg::models::make_skipgram_corpus(synthetic_text(), {.min_count = 1});
  tg::models::SkipGramModel model = tg::models::train_skipgram(corpus, small_config());
  tg::models::SimilarityIndex index(model.vectors);
  const float pets = index.similarity("cat", "dog"), roads = index.similarity("car", "bus");
  const float across = std::max({index.similarity("cat", "car"), index.similarity("cat", "bus"),
                                 index.similarity("dog", "car"), index.similarity("dog", "bus")});
  INFO("cat-dog ", pets, ", car-bus ", roads, ", across ", across);
  CHECK(pets > across + 0.3f);
  CHECK(roads > across + 0.3f);
  CHECK(model.loss > 0);
  CHECK(model.words_done == 10 * corpus.train_words());
}

TEST_CASE("skip-gram: with one thread the same seed gives the same vectors, bit for bit; another seed does not") {
  tg::models::SkipGramCorpus corpus = tg::models::make_skipgram_corpus(synthetic_text(), {.min_count = 1});
  tg::models::SkipGramConfig config = small_config();
  config.epochs = 2;
  config.sample = 1e-2;  // subsampling draws too
  tg::models::SkipGramModel a = tg::models::train_skipgram(corpus, config),
                            b = tg::models::train_skipgram(corpus, config);
  CHECK(a.vectors.values == b.vectors.values);
  CHECK(a.output == b.output);
  config.seed = 4;
  CHECK(tg::models::train_skipgram(corpus, config).vectors.values != a.vectors.values);
}

TEST_CASE("skip-gram: initial vectors are U(-0.5/dim, 0.5/dim); two Hogwild threads train too") {
  tg::models::SkipGramCorpus corpus = tg::models::make_skipgram_corpus(synthetic_text(), {.min_count = 1});
  tg::models::SkipGramConfig config = small_config();
  config.threads = 2;
  int reports = 0;
  double last_loss = 0;
  tg::models::SkipGramModel model =
      tg::models::train_skipgram(corpus, config, [&](const tg::models::SkipGramProgress& p) {
        ++reports;
        last_loss = p.loss;
        CHECK(p.words_done <= p.words_total);
      });
  CHECK(reports >= 1);
  CHECK(last_loss > 0);
  for (float v : model.vectors.values) REQUIRE(std::isfinite(v));
  tg::models::SimilarityIndex index(model.vectors);
  CHECK(index.similarity("cat", "dog") > index.similarity("cat", "car"));
}

TEST_CASE("skip-gram: a bad text file or config is one error") {
  tg::test::TempDir dir;
  const std::string empty = dir.file("empty.txt");
  std::ofstream(empty) << "";
  CHECK(contains(error_of([&] { tg::models::read_skipgram_corpus(empty); }), "empty.txt: the text is empty"));
  CHECK(contains(error_of([&] { tg::models::read_skipgram_corpus(dir.file("none.txt")); }), "none.txt: cannot open"));
  tg::models::SkipGramCorpus corpus = tg::models::make_skipgram_corpus({"a b a b"}, {.min_count = 1});
  CHECK(contains(error_of([&] { tg::models::train_skipgram(corpus, {.dim = 0}); }), "expected dim"));
}
