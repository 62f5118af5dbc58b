#include "tools/classify/data.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace tg::classify {

nlohmann::json model_config_json(const models::ClassifierConfig& config, const models::Preprocessing& preprocessing) {
  nlohmann::json json = config.to_json();
  preprocessing.add_to_json(json);
  return json;
}

models::Dataset read_dataset(const std::string& path, const std::string& format) {
  if (format == "auto") return tg::models::read_dataset(path);
  return tg::models::read_dataset(path, models::parse_format(format));
}

LoadedClassifier load_classifier(const std::string& path) {
  models::ModelFile file = models::read_model_file(path, "classifier");
  LoadedClassifier loaded;
  loaded.config = models::ClassifierConfig::from_json(file.info.config, path);
  loaded.preprocessing = models::Preprocessing::from_json(file.info.config, path);
  loaded.vocab = models::Vocab::from_lines(file.info.vocab, path);
  loaded.labels = models::LabelSet::from_lines(file.info.labels, path);
  if (loaded.vocab.size() != loaded.config.vocab_size)
    fail("{}: the vocabulary has {} tokens, the config says vocab_size {}", path, loaded.vocab.size(),
         loaded.config.vocab_size);
  if (loaded.labels.size() != loaded.config.num_classes)
    fail("{}: {} labels, the config says num_classes {}", path, loaded.labels.size(), loaded.config.num_classes);
  loaded.model = std::make_unique<models::TextClassifier>(loaded.config);
  models::load_parameters(*loaded.model, file);
  loaded.model->eval();
  return loaded;
}

}  // namespace tg::classify
