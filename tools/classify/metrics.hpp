#pragma once
// Classification metrics from a confusion matrix, and running a classifier over a dataset.
#include <cstdint>
#include <string>
#include <vector>

#include "models/batching.hpp"
#include "models/classifier.hpp"

namespace tg::classify {

class Confusion {
 public:
  explicit Confusion(int64_t num_classes);
  void add(int64_t true_class, int64_t predicted_class);

  int64_t count() const { return total_; }
  int64_t at(int64_t true_class, int64_t predicted_class) const { return counts_[true_class][predicted_class]; }
  double accuracy() const;  // NaN when empty
  // The mean over classes of F1 = 2 TP / (2 TP + FP + FN), over the classes that occur as a true or a
  // predicted label (as scikit-learn's f1_score(average="macro")). NaN when empty.
  double macro_f1() const;
  // The matrix with label names, rows = true label, columns = predicted label.
  std::string format(const std::vector<std::string>& names) const;

 private:
  std::vector<std::vector<int64_t>> counts_;  // [true][predicted]
  int64_t total_ = 0;
};

// Runs the model (in eval mode, without recording) over every example. With `mean_loss`, also the
// model's loss averaged over the examples (NaN when there are none).
Confusion evaluate(models::TextClassifier& model, const std::vector<models::EncodedExample>& examples,
                   int64_t batch_size = 256, double* mean_loss = nullptr);

}  // namespace tg::classify
