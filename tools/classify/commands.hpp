#pragma once
// The subcommands of tg-classify, each a function of its parsed options returning the exit code.
#include <cstdint>
#include <string>
#include <vector>

namespace tg::classify {

struct TrainOptions {
  std::string train_path;
  std::string valid_path;         // empty: split valid_fraction of the training file off
  std::string out_path;
  std::string format = "auto";
  std::string encoder = "bag";
  int64_t dim = 64;
  bool dim_given = false;         // --dim on the command line (else pretrained vectors set it)
  int64_t hidden = 128;
  int64_t epochs = 5;
  int64_t batch_size = 32;
  double lr = 0;                  // 0: the default of the optimizer and encoder
  std::string optimizer = "lazy-adam";
  int64_t min_count = 1;
  std::string pretrained_path;
  bool freeze = false;
  uint64_t seed = 1;
  int threads = 1;
  bool resume = false;
  bool save_state = false;        // write <out>.state.safetensors after each epoch (always with --resume)
  bool skip_nonfinite = false;    // skip a step whose loss or gradient is nan/inf instead of stopping
  std::string log_path;
  std::string plot_path;
  double valid_fraction = 0.1;
  std::string tokenizer = "basic";
  int64_t max_len = 2000;          // tokens kept per text: one huge line must not pad every batch to its length
  int64_t ngrams = 1;
  double dropout = 0.5;
  bool quiet = false;             // no progress, no per-epoch lines: warnings, errors and the result only
};

struct TestOptions {
  std::string model_path;
  std::string data_path;
  std::string format = "auto";
  int threads = 1;
};

struct PredictOptions {
  std::string model_path;
  std::vector<std::string> texts;  // --text, each one input
  std::string input_path;          // a file of one text per line, "-" = stdin
  int64_t k = 1;
  bool probs = false;
  bool logits = false;             // debug: the raw logits (for tools/check_torch_load.py)
  int threads = 1;
};

struct QuantizeOptions {           // tools/classify/quantize.cpp
  std::string model_path;
  std::string out_path;
  std::string dtype = "int8";      // int8 | f16
};

int run_train(const TrainOptions& options);
int run_test(const TestOptions& options);
int run_predict(const PredictOptions& options);
int run_quantize(const QuantizeOptions& options);

}  // namespace tg::classify
