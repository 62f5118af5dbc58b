#pragma once
// What train, test and predict share: reading a labelled file, the text preprocessing saved with the
// model, encoding, and loading a trained classifier back from its file.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/batching.hpp"
#include "models/checkpoint.hpp"
#include "models/classifier.hpp"
#include "models/dataset.hpp"
#include "models/tokenize.hpp"
#include "models/vocab.hpp"

namespace tg::classify {

// How a text becomes ids; saved in the model's "config" next to the ClassifierConfig fields, so test and
// predict tokenize exactly as training did.
struct Preprocessing {
  Tokenizer tokenizer = Tokenizer::basic;
  int64_t max_len = 0;  // keep the first max_len words of a text; 0 = all
  int64_t ngrams = 1;   // 2: each pair of neighbouring words is a token too ("not good"), as fastText's -wordNgrams
};

// The tokens of a text: its words (at most max_len), then its n-grams up to `ngrams` words, each
// written as the words joined by a space ("not", "good", "not good").
std::vector<std::string> text_tokens(std::string_view text, const Preprocessing& preprocessing);
std::vector<int64_t> text_ids(std::string_view text, const Vocab& vocab, const Preprocessing& preprocessing);

// The model file's "config": config.to_json() plus "tokenizer", "max_len" and "ngrams".
nlohmann::json model_config_json(const ClassifierConfig& config, const Preprocessing& preprocessing);

// format: "auto" (detected from the file) or a format name for parse_format.
std::vector<Example> read_dataset(const std::string& path, const std::string& format);

// Tokenizes and looks up every example; a label not in `labels` is reported with the file and where
// the labels come from (`labels_from`: "the model's labels", "the training labels"):
//   "test.tsv: label 'maybe' is not one of the model's labels: neg, pos".
std::vector<EncodedExample> encode_dataset(const std::vector<Example>& examples, const Vocab& vocab,
                                           const LabelSet& labels, const Preprocessing& preprocessing,
                                           const std::string& source,
                                           const std::string& labels_from = "the model's labels");

// A trained classifier with everything needed to use it.
struct LoadedClassifier {
  ClassifierConfig config;
  Preprocessing preprocessing;
  Vocab vocab;
  LabelSet labels;
  std::unique_ptr<TextClassifier> model;  // in eval mode
};

// Reads a model written by `tg-classify train`, checking that its vocabulary and labels fit its config.
LoadedClassifier load_classifier(const std::string& path);

}  // namespace tg::classify
