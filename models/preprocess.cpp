#include "models/preprocess.hpp"

#include "core/error.hpp"

namespace tg::models {

void Preprocessing::add_to_json(nlohmann::json& config) const {
  config["tokenizer"] = tokenizer_name(tokenizer);
  config["max_len"] = max_len;
  config["ngrams"] = ngrams;
}

Preprocessing Preprocessing::from_json(const nlohmann::json& config, std::string_view source) {
  if (!config.is_object() || !config.contains("tokenizer") || !config["tokenizer"].is_string())
    fail("{}: config has no 'tokenizer' name, expected one written by tg-classify train", source);
  for (const char* key : {"max_len", "ngrams"})
    if (!config.contains(key) || !config[key].is_number_integer())
      fail("{}: config has no integer '{}', expected one written by tg-classify train", source, key);
  return {parse_tokenizer(config["tokenizer"].get<std::string>()), config["max_len"].get<int64_t>(),
          config["ngrams"].get<int64_t>()};
}

std::vector<std::string> text_tokens(std::string_view text, const Preprocessing& preprocessing) {
  return tokens_of_words(tokenize(text, preprocessing.tokenizer), preprocessing);
}

std::vector<std::string> tokens_of_words(std::vector<std::string> words, const Preprocessing& preprocessing) {
  if (preprocessing.max_len > 0 && static_cast<int64_t>(words.size()) > preprocessing.max_len)
    words.resize(preprocessing.max_len);
  if (preprocessing.ngrams <= 1) return words;
  std::vector<std::string> tokens = words;
  for (size_t n = 2; n <= static_cast<size_t>(preprocessing.ngrams); ++n) {
    for (size_t start = 0; start + n <= words.size(); ++start) {
      std::string gram = words[start];
      for (size_t k = 1; k < n; ++k) gram.append(" ").append(words[start + k]);
      tokens.push_back(std::move(gram));
    }
  }
  return tokens;
}

std::vector<int64_t> text_ids(std::string_view text, const Vocab& vocab, const Preprocessing& preprocessing) {
  return vocab.encode(text_tokens(text, preprocessing));
}

}  // namespace tg::models
