// tg-charlm train: Adam on random windows of the text, the held-out tail evaluated every --eval-every
// steps and at the end; the model and the training state saved at each evaluation.
//
// Reproducibility: tg::manual_seed(--seed) fixes the initial parameters and the stream of windows
// (drawn from tg::default_generator()). Samples use a generator of their own, evaluation uses no
// randomness, so --sample-every and --eval-every do not change the trained parameters; --resume
// restores parameters, Adam's state, the step and the generator, so a resumed run ends bit-identical
// to one that never stopped (same seed and --threads).
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include <cblas.h>
#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/random.hpp"
#include "core/threads.hpp"
#include "models/line_plot.hpp"
#include "optim/adam.hpp"
#include "optim/clip.hpp"
#include "tools/charlm/commands.hpp"
#include "tools/common/finite.hpp"
#include "tools/common/memory.hpp"
#include "tools/common/progress.hpp"
#include "tools/common/resume.hpp"
#include "tools/common/train_log.hpp"

namespace tg::charlm {

namespace {

// The text as ids, cut into a training part and the held-out last --valid-frac of it.
// The vocabulary is the whole file's, so a character of the held-out part is never <unk>.
struct Data {
  models::CharVocab vocab;
  std::vector<int64_t> train, valid;
};

// The bytes a run needs (tools/common/memory.hpp), from the sizes alone: Adam's two moments, and per
// position of a batch the embedding, each layer's gates, states and input, and the logits and softmax.
MemoryEstimate estimate_memory(const TrainArgs& args, int64_t vocab_size, int64_t characters) {
  double V = double(vocab_size), E = double(args.emb), H = double(args.hidden), L = double(args.layers);
  double params = V * E + 4 * H * (E + H + 2) + (L - 1) * 4 * H * (2 * H + 2) + V * (H + 1);
  double positions = double(args.batch) * double(args.seq);
  double per_position = 2 * (E + L * (4 * H + 3 * H + std::max(E, H)) + 2 * V);
  return {.parameters = 4 * 2 * params, .optimizer = 4 * 2 * params, .activations = 4 * positions * per_position,
          .data = 8 * double(characters)};
}

Data load_data(const TrainArgs& args) {
  TextIds text = read_text_ids(args.text);
  std::vector<int64_t>& ids = text.ids;
  check_fits_in_memory(estimate_memory(args, text.vocab.size(), static_cast<int64_t>(ids.size())));
  auto n_valid = static_cast<int64_t>(std::llround(args.valid_frac * static_cast<double>(ids.size())));
  auto cut = ids.end() - n_valid;
  std::vector<int64_t> valid(cut, ids.end());
  ids.resize(ids.size() - static_cast<size_t>(n_valid));  // the training part, without a copy
  Data data{std::move(text.vocab), std::move(ids), std::move(valid)};
  const int64_t need = args.seq + 1;
  if (static_cast<int64_t>(data.train.size()) < need)
    fail("{}: the training part has {} characters, expected at least --seq + 1 = {}", args.text,
         data.train.size(), need);
  if (n_valid > 0 && n_valid < need)
    fail("{}: the held-out part (--valid-frac {}) has {} characters, expected at least --seq + 1 = {}", args.text,
         args.valid_frac, n_valid, need);
  return data;
}

// What --resume keeps from the saved run (besides the model config, which the checkpoint checks): what
// decides the windows the steps see; and what it takes from this command line (tools/common/resume.hpp).
RunSettings run_settings(const TrainArgs& args, const models::CharVocab& vocab) {
  return {.fixed = {{"seq", std::to_string(args.seq)},
                    {"batch", std::to_string(args.batch)},
                    {"valid-frac", optim::format_number(args.valid_frac)},
                    {"seed", std::to_string(args.seed)},
                    {"text's characters", nlohmann::json(vocab.tokens()).dump()}},
          .changeable = {{"lr", optim::format_number(args.lr)},
                         {"clip", optim::format_number(args.clip)},
                         {"steps", std::to_string(args.steps)},
                         {"threads", std::to_string(num_threads())}}};
}

// A line on stderr above the progress line (which the next update redraws below it); none with --quiet.
void note(const TrainArgs& args, const std::string& text) {
  if (args.quiet) return;
  fmt::print(stderr, "{}{}\n", is_terminal(stderr) ? "\r\x1b[K" : "", text);
  std::fflush(stderr);
}

class Trainer {
 public:
  explicit Trainer(const TrainArgs& args)
      : args_(args),
        data_(load_data(args)),
        model_({.vocab_size = data_.vocab.size(), .emb = args.emb, .hidden = args.hidden, .layers = args.layers}),
        adam_(model_.trainable_parameters(), args.lr),
        info_(charlm_info(model_, data_.vocab)),
        settings_(run_settings(args, data_.vocab)) {}

  void run();

 private:
  void resume();
  void train_step();
  void evaluate_and_save();
  void print_sample();
  void write_plot() const;

  const TrainArgs& args_;
  Data data_;
  models::CharLM model_;
  optim::Adam adam_;
  models::ModelInfo info_;
  RunSettings settings_;
  bool save_state_ = false;     // --save-state or --resume
  int64_t skipped_steps_ = 0;   // --skip-nonfinite
  int64_t saved_step_ = 0;      // the step of the model file on disk (0: none written by this run)
  std::optional<TrainLog> log_;  // with --log or --plot (in memory only without --log)
  int64_t step_ = 0;
  double seconds_ = 0;        // training time so far (steps and evaluations), across resumes
  double step_seconds_ = 0;   // the time spent in training steps in this process
  int64_t steps_here_ = 0;    // steps taken in this process
  double loss_sum_ = 0;       // training losses since the last evaluation
  int64_t loss_count_ = 0;
  double valid_loss_ = std::numeric_limits<double>::quiet_NaN();
};

const std::vector<std::string> kLogColumns = {"step", "train_loss", "valid_loss", "valid_bpc", "seconds"};

void Trainer::resume() {
  const std::string path = models::state_path(args_.out);
  Resumed resumed = resume_training(path, model_, adam_, info_, settings_, args_.lr);
  step_ = resumed.state.step;
  saved_step_ = step_;
  seconds_ = extra_number(resumed.state, "seconds", 0, path);
  note(args_, resumed.banner);
}

void Trainer::train_step() {
  auto start = std::chrono::steady_clock::now();
  models::LmBatch batch = models::random_windows(data_.train, args_.batch, args_.seq, default_generator());
  adam_.zero_grad();
  Tensor loss = model_.loss(batch);
  loss.backward();
  // Checked before clipping and the update: the parameters stay the last finite ones.
  if (std::string what = nonfinite_step(loss.item(), model_); !what.empty()) {
    if (!args_.skip_nonfinite)
      fail_nonfinite(step_ + 1, what,
                     saved_step_ > 0 ? fmt::format("{} keeps step {}", args_.out, saved_step_)
                                     : fmt::format("nothing was saved ({} is not written)", args_.out));
    ++skipped_steps_;
    ++step_;  // the step counts, so --steps still ends the run
    adam_.zero_grad();
    return;
  }
  if (args_.clip > 0) optim::clip_grad_norm(model_.parameters(), args_.clip);
  adam_.step();
  ++step_;
  ++steps_here_;
  loss_sum_ += loss.item();
  ++loss_count_;
  step_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Trainer::evaluate_and_save() {
  double train_loss = loss_count_ > 0 ? loss_sum_ / static_cast<double>(loss_count_) : std::nan("");
  std::string line = fmt::format("step {}: train loss {:.4f}", step_, train_loss);
  if (!data_.valid.empty()) {
    valid_loss_ = models::evaluate_loss(model_, data_.valid, args_.seq, args_.batch);
    line += fmt::format(", held-out loss {:.4f} nats/char = {:.4f} bits/char", valid_loss_,
                        models::nats_to_bits(valid_loss_));
  }
  note(args_, line);
  loss_sum_ = 0;
  loss_count_ = 0;
  if (log_)
    log_->add({static_cast<double>(step_), train_loss, valid_loss_, models::nats_to_bits(valid_loss_), seconds_});
  if (!args_.plot.empty()) write_plot();

  models::save_model(args_.out, model_, info_);
  saved_step_ = step_;
  if (!save_state_) return;
  models::TrainState state{.epoch = 0, .step = step_, .rng = default_generator().state(), .extra = {}};
  store_settings(settings_, state);
  state.extra["seconds"] = optim::format_number(seconds_);
  models::save_train_state(models::state_path(args_.out), model_, adam_, info_, state);
}

// The training and held-out losses at each evaluation so far; the saved model is the latest one.
void Trainer::write_plot() const {
  std::vector<double> steps = log_->column("step");
  models::save_line_plot(
      args_.plot,
      {{"train loss", steps, log_->column("train_loss")}, {"held-out loss", steps, log_->column("valid_loss")}},
      {.title = "tg-charlm train: " + std::filesystem::path(args_.text).filename().string(),
       .x_label = "step", .y_label = "loss (nats/char)", .integer_x = true,
       .marked_x = static_cast<double>(step_), .marked_label = fmt::format("saved: step {}", step_)});
}

void Trainer::print_sample() {
  Generator gen(args_.seed + static_cast<uint64_t>(step_));  // its own: the training stream stays as it is
  std::vector<int64_t> prompt = data_.vocab.encode("\n");
  std::vector<int64_t> sample = models::generate(model_, prompt, {.length = 200}, gen);
  note(args_, fmt::format("--- sample at step {} ---\n{}\n---", step_, data_.vocab.decode(sample)));
}

void Trainer::run() {
  save_state_ = args_.save_state || args_.resume;
  std::string state_file = save_state_ ? models::state_path(args_.out) : "";
  for (const std::string& path : {args_.out, args_.log, state_file}) {  // fail now, not after training, if
    if (path.empty()) continue;                                       // one of them cannot be written
    remove_stale_temporaries(path);  // left by saves that were killed before their rename
    AtomicFile probe(path);
  }
  if (!args_.plot.empty()) models::check_picture_path(args_.plot);
  if (args_.resume) resume();
  if (!args_.log.empty() || !args_.plot.empty())
    log_ = args_.resume && !args_.log.empty() ? TrainLog::resume(args_.log, kLogColumns, static_cast<double>(step_))
                        : TrainLog(args_.log, kLogColumns);
  note(args_, fmt::format("{}: {} training and {} held-out characters, {} distinct; {} parameters; {} thread(s), "
                   "OpenBLAS {} kernels",
                   args_.text, data_.train.size(), data_.valid.size(), data_.vocab.size() - 1,
                   model_.num_parameters(), num_threads(), openblas_get_corename()));

  std::string label = step_ > 0 ? fmt::format("train from step {}", step_) : "train";
  Progress progress(label, std::max<int64_t>(args_.steps - step_, 0), {.unit = "chars", .quiet = args_.quiet});
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const double seconds_before = seconds_;
  while (step_ < args_.steps) {
    train_step();
    progress.step(args_.batch * args_.seq, {{"loss", loss_sum_ / static_cast<double>(loss_count_)}});
    if (args_.sample_every > 0 && step_ % args_.sample_every == 0) print_sample();
    seconds_ = seconds_before + elapsed();
    if (args_.eval_every > 0 && step_ % args_.eval_every == 0 && step_ < args_.steps) evaluate_and_save();
  }
  progress.finish({{"loss", loss_count_ > 0 ? loss_sum_ / static_cast<double>(loss_count_) : std::nan("")}});
  seconds_ = seconds_before + elapsed();
  evaluate_and_save();

  if (skipped_steps_ > 0)
    fmt::print(stderr, "--skip-nonfinite: skipped {} step(s) with a non-finite loss or gradient\n", skipped_steps_);
  double steps_per_second = step_seconds_ > 0 ? static_cast<double>(steps_here_) / step_seconds_ : 0;
  std::string result = data_.valid.empty() ? "no held-out part (--valid-frac 0)"
                                           : fmt::format("held-out loss {:.4f} nats/char = {:.4f} bits/char",
                                                         valid_loss_, models::nats_to_bits(valid_loss_));
  fmt::print("step {}: {}; {:.1f} s, {:.2f} steps/s, {} thread(s); saved {}\n", step_, result, elapsed(),
             steps_per_second, num_threads(), args_.out);
}

}  // namespace

void run_train(const TrainArgs& args) {
  manual_seed(args.seed);  // before the model is built: its initial parameters come from the generator
  Trainer(args).run();
}

}  // namespace tg::charlm
