// tg-classify predict: the top-k labels of each input text, one output line per input line, in
// fastText's format:
//   __label__pos                                       (default; --k 2: "__label__pos __label__neg")
//   __label__pos 0.99997 __label__neg 3.0219555e-05    (--probs: each float in full, never rounded)
//   1.83                                               (--logits: the raw logits, for tools/check_torch_load.py)
#include <algorithm>
#include <fstream>
#include <iostream>
#include <numeric>

#include <fmt/format.h>

#include "core/tape.hpp"
#include "core/threads.hpp"
#include "tools/classify/commands.hpp"
#include "tools/classify/data.hpp"

namespace tg::classify {

namespace {

// The texts to classify: every --text, then every line of the input file (or stdin for "-").
std::vector<std::string> read_inputs(const PredictOptions& options) {
  std::vector<std::string> texts = options.texts;
  if (options.input_path.empty()) return texts;
  if (options.input_path == "-") {
    for (std::string line; std::getline(std::cin, line);) texts.push_back(models::to_utf8(line));
    return texts;
  }
  for (std::string& line : models::read_utf8_lines(options.input_path)) texts.push_back(std::move(line));
  return texts;
}

std::string format_row(const float* values, int64_t count, const char* format) {
  std::string out;
  for (int64_t i = 0; i < count; ++i) out.append(i ? " " : "").append(fmt::format(fmt::runtime(format), values[i]));
  return out;
}

// The top-k labels of one row of probabilities, most probable first (ties: lower class index first).
std::string top_k(const float* probs, const models::LabelSet& labels, const PredictOptions& options) {
  std::vector<int64_t> order(labels.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return probs[a] > probs[b]; });
  std::string out;
  for (int64_t i = 0; i < std::min<int64_t>(options.k, labels.size()); ++i) {
    if (i) out += " ";
    out += "__label__" + labels.name(order[i]);
    // "{}" is the shortest text that reads back as the same float: 0.99997 stays 0.99997, not 1.
    if (options.probs) out += fmt::format(" {}", probs[order[i]]);
  }
  return out;
}

}  // namespace

int run_predict(const PredictOptions& options) {
  set_num_threads(options.threads);
  LoadedClassifier loaded = load_classifier(options.model_path);
  std::vector<std::string> texts = read_inputs(options);
  if (texts.empty()) fail("predict: no input, expected --text \"...\" or a file of texts (- for stdin)");

  std::vector<models::EncodedExample> encoded;
  for (const std::string& text : texts)
    encoded.push_back({models::text_ids(text, loaded.vocab, loaded.preprocessing), 0});
  std::vector<std::string> lines(texts.size());
  NoGradGuard no_grad;
  for (const models::Batch& batch : models::eval_batches(encoded, 256)) {
    Tensor logits = loaded.model->forward(batch.tokens, batch.lengths);  // [B, outputs]
    Tensor probs = loaded.model->probabilities(logits);                 // [B, C]
    int64_t outputs = logits.size(1), classes = probs.size(1);
    for (size_t b = 0; b < batch.example_ids.size(); ++b) {
      std::string& line = lines[batch.example_ids[b]];
      if (options.logits) line = format_row(logits.f32() + b * outputs, outputs, "{:.9g}");
      else line = top_k(probs.f32() + b * classes, loaded.labels, options);
    }
  }
  for (const std::string& line : lines) fmt::print("{}\n", line);
  return 0;
}

}  // namespace tg::classify
