// tg-classify test: accuracy, macro-F1 and the confusion matrix of a model on a labelled file.
#include <fmt/format.h>

#include "core/threads.hpp"
#include "tools/classify/commands.hpp"
#include "tools/classify/data.hpp"
#include "tools/classify/metrics.hpp"

namespace tg::classify {

int run_test(const TestOptions& options) {
  set_num_threads(options.threads);
  LoadedClassifier loaded = load_classifier(options.model_path);
  models::Dataset data = read_dataset(options.data_path, options.format);
  std::vector<models::EncodedExample> encoded = models::encode_examples(
      data.examples, loaded.vocab, loaded.labels, loaded.preprocessing, options.data_path, "the model's labels");
  fmt::print(stderr, "{}\n", data.summary);
  Confusion confusion = evaluate(*loaded.model, encoded);
  fmt::print("N\t{}\n", confusion.count());
  fmt::print("accuracy\t{:.4f}\n", confusion.accuracy());
  fmt::print("macro-F1\t{:.4f}\n", confusion.macro_f1());
  fmt::print("confusion matrix (rows: true label, columns: predicted)\n{}", confusion.format(loaded.labels.names()));
  return 0;
}

}  // namespace tg::classify
