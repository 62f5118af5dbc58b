#pragma once
// --resume, the same for every training tool.
//
// A run's settings are split in two, and the training state (<out>.state.safetensors) stores both:
//   fixed       must equal the saved run's (the model's architecture and anything that decides which
//               data the steps see: --dim, --hidden, --seq, --batch, --seed, the text or vocabulary):
//               a difference is an error, "--seq is 64 here but 32 in the run being resumed"
//   changeable  taken from this command line (--lr, --epochs/--steps, --threads, --clip ...); each one
//               that differs from the saved run is said out loud when resuming:
//               "resuming run.state.safetensors after epoch 3 (step 96); from this command line: --lr 0.01
//                (was 0.003); kept: model, optimizer moments, step, random state"
// The optimizer's saved lr is replaced by this command line's (a silent switch back was issue 10's bug).
// When nothing changeable differs, a resumed run ends bit-identical to one that never stopped (same
// --threads: the reductions' order depends on the thread count).
//
// The state file is written only when asked: with --save-state, or when the run itself is a --resume.
#include <map>
#include <string>

#include "models/checkpoint.hpp"
#include "optim/optimizer.hpp"

namespace tg {

struct RunSettings {
  std::map<std::string, std::string> fixed;       // flag name (without "--") -> its value as text
  std::map<std::string, std::string> changeable;
};

// Writes the settings into the state's extra entries ("fixed.<name>", "changeable.<name>").
void store_settings(const RunSettings& settings, models::TrainState& state);

// Checks a loaded state's saved settings against this run's: throws on a fixed one that differs (or is
// missing), returns the changeable ones that differ as "--lr 0.01 (was 0.003)", comma-separated ("" if none).
std::string compare_settings(const std::string& path, const RunSettings& here, const models::TrainState& saved);

// Loads `path` into model and optimizer (load_train_state), checks the settings, sets the optimizer's lr to
// `lr` (this command line's), restores the default generator, and returns the state with `banner` filled:
// the line to print before training.
struct Resumed {
  models::TrainState state;
  std::string banner;
};
Resumed resume_training(const std::string& path, nn::Module& model, optim::Optimizer& optimizer,
                        const models::ModelInfo& info, const RunSettings& here, double lr);

// A number saved in the state's extra entries, parsed with a check (not std::stod, which accepts
// "3abc" and throws std::out_of_range): "<path>: 'seconds' is 'x', expected a number".
double extra_number(const models::TrainState& state, const std::string& key, double fallback, const std::string& path);

// The text of a setting: integers as they are, doubles as optim::format_number writes them.
std::string setting_text(double value);

}  // namespace tg
