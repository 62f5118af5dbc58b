#pragma once
// How the text classifier turns a text into tokens: a tokenizer, a length cut and word n-grams. The
// settings are saved in the model file's "config" next to the ClassifierConfig fields, so testing and
// predicting tokenize exactly as training did.
//
//   tg::models::Preprocessing pre{.tokenizer = tg::models::Tokenizer::basic, .max_len = 0, .ngrams = 2};
//   tg::models::text_tokens("Not good.", pre)   -> {"not", "good", ".", "not good", "good ."}
//   auto encoded = tg::models::encode_examples(examples, vocab, labels, pre, "train.txt");   // batching.hpp
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/tokenize.hpp"
#include "models/vocab.hpp"

namespace tg::models {

struct Preprocessing {
  Tokenizer tokenizer = Tokenizer::basic;
  int64_t max_len = 0;  // keep the first max_len words of a text; 0 = all
  int64_t ngrams = 1;   // 2: each pair of neighbouring words is a token too ("not good"), as fastText's -wordNgrams

  // Adds "tokenizer", "max_len" and "ngrams" to a config object.
  void add_to_json(nlohmann::json& config) const;
  // Reads them back; `source` names the file in the error ("m.safetensors: config has no 'ngrams' ...").
  static Preprocessing from_json(const nlohmann::json& config, std::string_view source = "config");
};

// The tokens of a text: its words (at most max_len), then its n-grams up to `ngrams` words, each
// written as the words joined by a space ("not", "good", "not good").
std::vector<std::string> text_tokens(std::string_view text, const Preprocessing& preprocessing);
// The same from the text's words (tokenize(text, preprocessing.tokenizer)), for a caller that also
// needs the uncut word count: text_tokens(text, p) == tokens_of_words(tokenize(text, p.tokenizer), p).
std::vector<std::string> tokens_of_words(std::vector<std::string> words, const Preprocessing& preprocessing);
std::vector<int64_t> text_ids(std::string_view text, const Vocab& vocab, const Preprocessing& preprocessing);

}  // namespace tg::models
