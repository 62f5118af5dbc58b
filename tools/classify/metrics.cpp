#include "tools/classify/metrics.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/tape.hpp"

namespace tg::classify {

Confusion::Confusion(int64_t num_classes)
    : counts_(num_classes, std::vector<int64_t>(num_classes, 0)) {}

void Confusion::add(int64_t true_class, int64_t predicted_class) {
  ++counts_[true_class][predicted_class];
  ++total_;
}

double Confusion::accuracy() const {
  if (total_ == 0) return NAN;
  int64_t correct = 0;
  for (size_t c = 0; c < counts_.size(); ++c) correct += counts_[c][c];
  return static_cast<double>(correct) / total_;
}

double Confusion::macro_f1() const {
  if (total_ == 0) return NAN;
  auto n = static_cast<int64_t>(counts_.size());
  double f1_sum = 0;
  int64_t classes = 0;
  for (int64_t c = 0; c < n; ++c) {
    int64_t tp = counts_[c][c], fp = 0, fn = 0;
    for (int64_t other = 0; other < n; ++other) {
      if (other == c) continue;
      fp += counts_[other][c];
      fn += counts_[c][other];
    }
    if (tp + fp + fn == 0) continue;  // neither true nor predicted anywhere
    f1_sum += 2.0 * tp / (2.0 * tp + fp + fn);
    ++classes;
  }
  return f1_sum / classes;
}

std::string Confusion::format(const std::vector<std::string>& names) const {
  size_t width = 6;
  for (const std::string& name : names) width = std::max(width, name.size() + 1);
  std::string out = fmt::format("{:<{}}", "", width);
  for (const std::string& name : names) out += fmt::format("{:>{}}", name, width);
  out += "\n";
  for (size_t t = 0; t < names.size(); ++t) {
    out += fmt::format("{:<{}}", names[t], width);
    for (size_t p = 0; p < names.size(); ++p) out += fmt::format("{:>{}}", counts_[t][p], width);
    out += "\n";
  }
  return out;
}

Confusion evaluate(models::TextClassifier& model, const std::vector<models::EncodedExample>& examples,
                   int64_t batch_size, double* mean_loss) {
  NoGradGuard no_grad;
  bool was_training = model.is_training();
  model.eval();
  Confusion confusion(model.config().num_classes);
  double loss_sum = 0;
  for (const models::Batch& batch : models::eval_batches(examples, batch_size)) {
    Tensor logits = model.forward(batch.tokens, batch.lengths);  // [B, outputs]
    std::vector<int64_t> predicted = model.predicted_classes(logits);
    const int64_t* labels = batch.labels.i64();
    for (size_t b = 0; b < predicted.size(); ++b) confusion.add(labels[b], predicted[b]);
    if (mean_loss) loss_sum += model.loss(logits, batch.labels).item() * static_cast<double>(predicted.size());
  }
  if (mean_loss) *mean_loss = examples.empty() ? std::nan("") : loss_sum / static_cast<double>(examples.size());
  model.train(was_training);
  return confusion;
}

}  // namespace tg::classify
