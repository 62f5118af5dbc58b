#pragma once
// tg-charlm's three commands (train, generate, eval), each a function of its parsed options.
// main.cpp defines the command line; these files do the work:
//   train.cpp     train a CharLM on a text file, with held-out evaluation, samples and --resume
//   generate.cpp  generate and eval: use a saved model
//   files.cpp     what the commands share: reading a text file, saving and loading a model
#include <cstdint>
#include <memory>
#include <string>

#include "models/charlm.hpp"
#include "models/checkpoint.hpp"

namespace tg::charlm {

struct TrainArgs {
  std::string text, out, log;
  std::string plot;  // --plot FILE.svg|.png: the losses at each evaluation
  int64_t emb = 64, hidden = 256, layers = 1;
  int64_t seq = 64, batch = 32, steps = 1500;
  double lr = 2e-3, clip = 5.0, valid_frac = 0.1;
  int64_t sample_every = 0, eval_every = 500;
  uint64_t seed = 1;
  bool resume = false;
  bool save_state = false;      // write <out>.state.safetensors at each evaluation (always with --resume)
  bool skip_nonfinite = false;  // skip a step whose loss or gradient is nan/inf instead of stopping
  bool quiet = false;  // no progress, notes or samples: warnings, errors and the final line only
};

struct GenerateArgs {
  std::string model, prompt;
  int64_t length = 200;
  double temperature = 1.0;
  int64_t top_k = 0;
  bool greedy = false;
  uint64_t seed = 1;
};

struct EvalArgs {
  std::string model, text;
  int64_t seq = 64, batch = 32;
};

void run_train(const TrainArgs& args);
void run_generate(const GenerateArgs& args);
void run_eval(const EvalArgs& args);

// ---- files.cpp ----

// The whole file; "cannot open 'x.txt': No such file or directory" otherwise.
std::string read_text_file(const std::string& path);

// A text file as the ids of its characters, and its vocabulary (CharVocab::from_text's), without one
// std::string per character: a 200 MB text takes its bytes plus 8 bytes a character, read in one pass
// over the bytes. Errors as CharVocab::from_text's ("x.txt:3: byte 0xff is not valid UTF-8 ...").
struct TextIds {
  models::CharVocab vocab;
  std::vector<int64_t> ids;
};
TextIds read_text_ids(const std::string& path);

// A model file's info for a charlm: kind, config, vocabulary.
models::ModelInfo charlm_info(const models::CharLM& model, const models::CharVocab& vocab);

// A saved model with its vocabulary, rebuilt from a model file.
struct LoadedModel {
  models::CharVocab vocab;
  std::unique_ptr<models::CharLM> model;
};
LoadedModel load_charlm(const std::string& path);

// "warning: ..." on stderr when `text` holds characters the vocabulary lacks (they read as <unk>).
void warn_unknown_chars(const models::CharVocab& vocab, const std::string& text, const char* what);

}  // namespace tg::charlm
