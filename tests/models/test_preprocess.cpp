#include <doctest/doctest.h>

#include "core/error.hpp"
#include "models/preprocess.hpp"

using Strings = std::vector<std::string>;

TEST_CASE("text_tokens: the words, cut to max_len, then the n-grams of the kept words") {
  CHECK(tg::models::text_tokens("Not good.", {}) == Strings{"not", "good", "."});
  CHECK(tg::models::text_tokens("Not good.", {.ngrams = 2}) == Strings{"not", "good", ".", "not good", "good ."});
  CHECK(tg::models::text_tokens("a b c", {.ngrams = 3}) == Strings{"a", "b", "c", "a b", "b c", "a b c"});
  CHECK(tg::models::text_tokens("a b c d", {.max_len = 2, .ngrams = 2}) == Strings{"a", "b", "a b"});
  CHECK(tg::models::text_tokens("Not good.", {.tokenizer = tg::models::Tokenizer::whitespace}) ==
        Strings{"Not", "good."});
  CHECK(tg::models::text_tokens("", {.ngrams = 2}).empty());
}

TEST_CASE("tokens_of_words gives text_tokens from words already split, cut and n-grams included") {
  using tg::models::Preprocessing;
  for (Preprocessing pre : {Preprocessing{}, Preprocessing{.max_len = 2, .ngrams = 2},
                            Preprocessing{.tokenizer = tg::models::Tokenizer::whitespace, .ngrams = 3}}) {
    const std::string text = "Not good, not bad: fine.";
    CHECK(tg::models::tokens_of_words(tg::models::tokenize(text, pre.tokenizer), pre) ==
          tg::models::text_tokens(text, pre));
  }
  CHECK(tg::models::tokens_of_words({"a", "b", "c"}, {.max_len = 2}) == Strings{"a", "b"});
}

TEST_CASE("text_ids looks the tokens up, unknown ones as <unk>") {
  tg::models::Vocab vocab = tg::models::Vocab::build({{"not", "good", "not good"}});
  CHECK(tg::models::text_ids("not good at all", vocab, {.ngrams = 2}) ==
        std::vector<int64_t>{vocab.id("not"), vocab.id("good"), tg::models::Vocab::kUnk, tg::models::Vocab::kUnk,
                             vocab.id("not good"), tg::models::Vocab::kUnk, tg::models::Vocab::kUnk});
}

TEST_CASE("Preprocessing round-trips through a model config, and a config without it is refused") {
  tg::models::Preprocessing pre{.tokenizer = tg::models::Tokenizer::whitespace, .max_len = 40, .ngrams = 2};
  nlohmann::json config = {{"dim", 64}};
  pre.add_to_json(config);
  CHECK(config["tokenizer"] == "whitespace");
  CHECK(config["dim"] == 64);  // the other fields stay
  tg::models::Preprocessing back = tg::models::Preprocessing::from_json(config);
  CHECK(back.tokenizer == tg::models::Tokenizer::whitespace);
  CHECK(back.max_len == 40);
  CHECK(back.ngrams == 2);
  config.erase("ngrams");
  CHECK_THROWS_WITH_AS(tg::models::Preprocessing::from_json(config, "m.safetensors"),
                       "m.safetensors: config has no integer 'ngrams', expected one written by tg-classify train",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::models::Preprocessing::from_json({{"max_len", 0}}, "m.safetensors"),
                       doctest::Contains("config has no 'tokenizer' name"), tg::Error);
}
