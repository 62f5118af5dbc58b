#include "tools/classify/data.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace tg::classify {

nlohmann::json model_config_json(const ClassifierConfig& config, const Preprocessing& preprocessing) {
  nlohmann::json json = config.to_json();
  preprocessing.add_to_json(json);
  return json;
}

Dataset read_dataset(const std::string& path, const std::string& format) {
  if (format == "auto") return tg::read_dataset(path);
  return tg::read_dataset(path, parse_format(format));
}

LoadedClassifier load_classifier(const std::string& path) {
  ModelFile file = read_model_file(path, "classifier");
  LoadedClassifier loaded;
  loaded.config = ClassifierConfig::from_json(file.info.config, path);
  loaded.preprocessing = Preprocessing::from_json(file.info.config, path);
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
