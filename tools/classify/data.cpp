#include "tools/classify/data.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace tg::classify {

nlohmann::json model_config_json(const ClassifierConfig& config, const Preprocessing& preprocessing) {
  nlohmann::json json = config.to_json();
  json["tokenizer"] = tokenizer_name(preprocessing.tokenizer);
  json["max_len"] = preprocessing.max_len;
  json["ngrams"] = preprocessing.ngrams;
  return json;
}

std::vector<std::string> text_tokens(std::string_view text, const Preprocessing& preprocessing) {
  std::vector<std::string> words = tokenize(text, preprocessing.tokenizer);
  if (preprocessing.max_len > 0 && static_cast<int64_t>(words.size()) > preprocessing.max_len)
    words.resize(preprocessing.max_len);
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

namespace {

Preprocessing preprocessing_from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.contains("tokenizer") || !json["tokenizer"].is_string())
    fail("{}: config has no 'tokenizer' name, expected one written by tg-classify train", source);
  for (const char* key : {"max_len", "ngrams"})
    if (!json.contains(key) || !json[key].is_number_integer())
      fail("{}: config has no integer '{}', expected one written by tg-classify train", source, key);
  return {parse_tokenizer(json["tokenizer"].get<std::string>()), json["max_len"].get<int64_t>(),
          json["ngrams"].get<int64_t>()};
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out.append(out.empty() ? "" : ", ").append(name);
  return out;
}

}  // namespace

std::vector<Example> read_dataset(const std::string& path, const std::string& format) {
  if (format == "auto") return read_examples(path);
  return read_examples(path, parse_format(format));
}

std::vector<EncodedExample> encode_dataset(const std::vector<Example>& examples, const Vocab& vocab,
                                           const LabelSet& labels, const Preprocessing& preprocessing,
                                           const std::string& source, const std::string& labels_from) {
  for (const Example& example : examples)
    if (!labels.contains(example.label))
      fail("{}: label '{}' is not one of {}: {}", source, example.label, labels_from, join(labels.names()));
  std::vector<EncodedExample> encoded;
  encoded.reserve(examples.size());
  for (const Example& example : examples)
    encoded.push_back({text_ids(example.text, vocab, preprocessing), labels.index(example.label)});
  return encoded;
}

LoadedClassifier load_classifier(const std::string& path) {
  ModelFile file = read_model_file(path, "classifier");
  LoadedClassifier loaded;
  loaded.config = ClassifierConfig::from_json(file.info.config, path);
  loaded.preprocessing = preprocessing_from_json(file.info.config, path);
  loaded.vocab = Vocab::from_lines(file.info.vocab, path);
  loaded.labels = LabelSet::from_lines(file.info.labels, path);
  if (loaded.vocab.size() != loaded.config.vocab_size)
    fail("{}: the vocabulary has {} tokens, the config says vocab_size {}", path, loaded.vocab.size(),
         loaded.config.vocab_size);
  if (loaded.labels.size() != loaded.config.num_classes)
    fail("{}: {} labels, the config says num_classes {}", path, loaded.labels.size(), loaded.config.num_classes);
  loaded.model = std::make_unique<TextClassifier>(loaded.config);
  load_parameters(*loaded.model, file);
  loaded.model->eval();
  return loaded;
}

}  // namespace tg::classify
