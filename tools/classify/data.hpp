#pragma once
// What train, test and predict share: reading a labelled file, and loading a trained classifier back
// from its file (the text preprocessing saved with it: models/preprocess.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/batching.hpp"
#include "models/checkpoint.hpp"
#include "models/classifier.hpp"
#include "models/dataset.hpp"
#include "models/preprocess.hpp"
#include "models/vocab.hpp"

namespace tg::classify {

// The model file's "config": config.to_json() plus the preprocessing's "tokenizer", "max_len", "ngrams".
nlohmann::json model_config_json(const models::ClassifierConfig& config, const models::Preprocessing& preprocessing);

// format: "auto" (detected from the file) or a format name for parse_format.
models::Dataset read_dataset(const std::string& path, const std::string& format);

// A trained classifier with everything needed to use it.
struct LoadedClassifier {
  models::ClassifierConfig config;
  models::Preprocessing preprocessing;
  models::Vocab vocab;
  models::LabelSet labels;
  std::unique_ptr<models::TextClassifier> model;  // in eval mode
};

// Reads a model written by `tg-classify train`, checking that its vocabulary and labels fit its config.
LoadedClassifier load_classifier(const std::string& path);

}  // namespace tg::classify
