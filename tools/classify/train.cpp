// tg-classify train: read the data, build the vocabulary, train epoch by epoch, keep the best model.
//
// Every random draw (model init, pretrained rows without a vector, batch order, dropout) comes from
// tg::default_generator(), seeded by --seed; the training state written after each epoch saves its
// state, so --resume continues exactly where an uninterrupted run would be. That holds on one thread:
// on more, each epoch runs Hogwild (tools/classify/epoch.hpp), whose result depends on the threads' timing.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <numeric>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/random.hpp"
#include "core/threads.hpp"
#include "models/line_plot.hpp"
#include "models/vectors.hpp"
#include "optim/adam.hpp"
#include "optim/lazy_adam.hpp"
#include "optim/sgd.hpp"
#include "tools/classify/commands.hpp"
#include "tools/classify/data.hpp"
#include "tools/classify/epoch.hpp"
#include "tools/classify/metrics.hpp"
#include "tools/common/memory.hpp"
#include "tools/common/progress.hpp"
#include "tools/common/resume.hpp"
#include "tools/common/train_log.hpp"

namespace tg::classify {

namespace {

const std::vector<std::string> kLogColumns = {"epoch", "step", "train_loss", "train_acc", "valid_loss", "valid_acc",
                                              "valid_f1", "seconds"};

struct TrainData {
  std::vector<std::string> summaries;  // what was read: "train.tsv: TSV with header, 67349 examples, 2 labels"
  models::Vocab vocab;
  models::LabelSet labels;
  std::vector<models::EncodedExample> train;
  std::vector<models::EncodedExample> valid;  // may be empty (--valid-frac 0 and no --valid)
};

TrainData prepare_data(const TrainOptions& options, const models::Preprocessing& preprocessing) {
  TrainData data;
  models::Dataset train_file = read_dataset(options.train_path, options.format);
  data.summaries.push_back(train_file.summary);
  std::vector<models::Example> train = std::move(train_file.examples);
  std::vector<models::Example> valid;
  if (!options.valid_path.empty()) {
    models::Dataset valid_file = read_dataset(options.valid_path, options.format);
    data.summaries.push_back(valid_file.summary);
    valid = std::move(valid_file.examples);
  } else if (options.valid_fraction > 0) {
    models::TrainValid split = models::split_train_valid(train, options.valid_fraction, options.seed);
    train = std::move(split.train);
    valid = std::move(split.valid);
    data.summaries.push_back(fmt::format("valid: {} of the {} examples of {} held out (--valid-frac {})",
                                         valid.size(), valid.size() + train.size(), options.train_path,
                                         options.valid_fraction));
  }
  models::WordCounts counts;
  std::vector<std::string> label_names;
  std::vector<std::vector<int64_t>> counted;  // each training text's tokens as indices into counts.entries()
  counted.reserve(train.size());
  int64_t cut = 0, longest = 0;  // texts longer than --max-len words, and the longest one's length
  for (const models::Example& example : train) {
    std::vector<std::string> words = models::tokenize(example.text, preprocessing.tokenizer);
    auto length = static_cast<int64_t>(words.size());
    cut += preprocessing.max_len > 0 && length > preprocessing.max_len;
    longest = std::max(longest, length);
    std::vector<int64_t>& entries = counted.emplace_back();
    for (const std::string& token : models::tokens_of_words(std::move(words), preprocessing))
      entries.push_back(static_cast<int64_t>(counts.add(token)));
    label_names.push_back(example.label);
  }
  if (cut > 0)
    data.summaries.push_back(fmt::format("--max-len {}: kept the first {} words of {} training text(s) (the "
                                         "longest has {})",
                                         preprocessing.max_len, preprocessing.max_len, cut, longest));
  data.vocab = models::Vocab::from_counts(counts, {.min_count = options.min_count});
  data.labels = models::LabelSet(label_names);
  if (data.labels.size() < 2) {  // the file has one label, or the split held out all of the others
    const std::string& only = data.labels.name(0);
    const bool split_took_the_rest = options.valid_path.empty() &&
        std::any_of(valid.begin(), valid.end(), [&](const models::Example& e) { return e.label != only; });
    if (split_took_the_rest)
      fail("{}: the {} training example(s) left after --valid-frac {} held out {} all have the label '{}', a "
           "classifier needs at least 2 labels (give more examples, or --valid FILE)",
           options.train_path, train.size(), options.valid_fraction, valid.size(), only);
    fail("{}: every example has the label '{}', a classifier needs at least 2 labels", options.train_path, only);
  }
  // The training texts are tokenized once: their counted tokens map to vocabulary ids through the id of
  // each counted word (the ids encode_examples would give; tokenizing was a tenth of a run).
  std::vector<std::string> counted_words;
  for (const auto& [word, count] : counts.entries()) counted_words.push_back(word);
  const std::vector<int64_t> id_of_entry = data.vocab.encode(counted_words);
  data.train.reserve(train.size());
  for (size_t k = 0; k < train.size(); ++k) {
    for (int64_t& entry : counted[k]) entry = id_of_entry[size_t(entry)];  // in place: no second copy
    data.train.push_back({std::move(counted[k]), data.labels.index(train[k].label)});
  }
  std::string valid_source = options.valid_path.empty() ? options.train_path + " (valid split)" : options.valid_path;
  data.valid =
      models::encode_examples(valid, data.vocab, data.labels, preprocessing, valid_source, "the training labels");
  return data;
}

double default_lr(const std::string& optimizer, models::Encoder encoder) {
  if (optimizer == "sgd") return encoder == models::Encoder::bag ? 1.0 : 0.1;
  return encoder == models::Encoder::bag ? 3e-3 : 2e-3;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params, double lr) {
  if (name == "adam") return std::make_unique<optim::Adam>(std::move(params), lr);
  if (name == "adamw") return std::make_unique<optim::AdamW>(std::move(params), lr);
  if (name == "sgd") return std::make_unique<optim::SGD>(std::move(params), lr);
  if (name == "lazy-adam") return std::make_unique<optim::LazyAdam>(std::move(params), lr);
  fail("unknown optimizer '{}', expected one of: adam, adamw, sgd, lazy-adam", name);
}

// Fails now, before any training, when an output file cannot be written (no such directory, ...).
void check_writable(const std::string& path) {
  if (!path.empty()) AtomicFile probe(path);  // creates and removes a temporary beside `path`
}

// The curves so far, with the epoch whose model is kept (`kept_epoch`) marked.
void write_plot(const TrainLog& log, const TrainOptions& options, int64_t kept_epoch) {
  std::vector<double> epochs = log.column("epoch");
  models::save_line_plot(
      options.plot_path,
      {{"train loss", epochs, log.column("train_loss"), models::Axis::left},
       {"valid loss", epochs, log.column("valid_loss"), models::Axis::left},
       {"train accuracy", epochs, log.column("train_acc"), models::Axis::right},
       {"valid accuracy", epochs, log.column("valid_acc"), models::Axis::right}},
      {.title = "tg-classify train: " + std::filesystem::path(options.train_path).filename().string(),
       .x_label = "epoch", .y_label = "loss", .y2_label = "accuracy", .integer_x = true,
       .marked_x = kept_epoch > 0 ? std::optional<double>(double(kept_epoch)) : std::nullopt,
       .marked_label = fmt::format("kept: epoch {}", kept_epoch)});
}

models::ClassifierConfig make_config(const TrainOptions& options, const TrainData& data) {
  return {.vocab_size = data.vocab.size(), .num_classes = data.labels.size(), .dim = options.dim,
          .encoder = models::parse_encoder(options.encoder), .hidden = options.hidden, .layers = 1,
          .padding_idx = models::Vocab::kPad, .dropout = options.dropout,
          // fastText's U(-1/dim, 1/dim): see classifier.hpp
          .embedding_init = models::EmbeddingInit::fasttext};
}

// The bytes a run needs, from the sizes alone, before the model is built (tools/common/memory.hpp).
MemoryEstimate estimate_memory(const models::ClassifierConfig& config, const TrainOptions& options,
                               const TrainData& data) {
  double V = double(config.vocab_size), D = double(config.dim), H = double(config.hidden);
  double C = double(config.num_classes), B = double(options.batch_size);
  bool lstm = config.encoder == models::Encoder::lstm;
  double sentence = lstm ? H : D;
  double params = V * D + C * (sentence + 1) + (lstm ? 4 * H * (D + H + 2) : 0);
  std::vector<double> lengths;
  double tokens = 0;
  for (const models::EncodedExample& e : data.train) {
    lengths.push_back(double(e.ids.size()));
    tokens += double(e.ids.size());
  }
  // The largest batch: the bag reads its tokens unpadded (at most the B longest texts); the LSTM pads each
  // text to the longest (B times the longest).
  auto top = lengths.begin() + std::min<ptrdiff_t>(std::ptrdiff_t(B), std::ptrdiff_t(lengths.size()));
  std::partial_sort(lengths.begin(), top, lengths.end(), std::greater<>());
  double longest = lengths.empty() ? 1 : std::max(lengths[0], 1.0);
  double batch_positions = lstm ? B * longest : std::max(std::accumulate(lengths.begin(), top, 0.0), 1.0);
  double per_position = 2 * D + (lstm ? 2 * (4 * H + 3 * H + D) : 0);  // embedding rows (+ LSTM gates, states)
  // On T threads each has a gradient, Adam's moments and a batch of its own (tools/classify/epoch.hpp).
  const double threads = double(options.threads);
  MemoryEstimate need;
  need.parameters = 4 * (1 + threads) * params;                                // values, gradients, f32
  need.optimizer = options.optimizer == "sgd" ? 0 : threads * 4 * 2 * params;  // Adam's two moments
  need.activations = threads * (4 * batch_positions * per_position + 8 * B * longest);  // + the [B, T] ids
  need.data = 8 * tokens;
  return need;
}

}  // namespace

int run_train(const TrainOptions& options) {
  set_num_threads(options.threads);
  manual_seed(options.seed);
  for (const std::string& path : {options.out_path, options.log_path, options.plot_path}) {
    if (!path.empty()) remove_stale_temporaries(path);  // of saves killed before they could rename
    check_writable(path);
  }
  if (!options.plot_path.empty()) models::check_picture_path(options.plot_path);
  if (options.ngrams > 1 && options.encoder != "bag") fail("--ngrams {} needs --encoder bag", options.ngrams);

  models::Preprocessing preprocessing{models::parse_tokenizer(options.tokenizer), options.max_len, options.ngrams};
  TrainData data = prepare_data(options, preprocessing);
  models::ClassifierConfig config = make_config(options, data);

  models::WordVectors vectors;
  if (!options.pretrained_path.empty()) {
    vectors = models::read_vectors(options.pretrained_path, {.expected_dim = options.dim_given ? options.dim : 0});
    config.dim = vectors.dim;
  }
  check_fits_in_memory(estimate_memory(config, options, data));
  models::TextClassifier model(config, /*sparse_embedding=*/options.optimizer == "lazy-adam");
  std::vector<std::string> report = data.summaries, warnings;  // printed once nothing more can fail
  if (!options.pretrained_path.empty()) {
    models::Coverage coverage = model.init_pretrained(data.vocab.to_lines(), vectors, options.freeze);
    report.push_back(fmt::format("pretrained {}: {}{}", options.pretrained_path, coverage.summary(),
                                 options.freeze ? " (frozen)" : ""));
    if (std::string warning = coverage.low_coverage_warning(); !warning.empty()) warnings.push_back(warning);
  }
  double lr = options.lr > 0 ? options.lr : default_lr(options.optimizer, config.encoder);
  std::unique_ptr<optim::Optimizer> optimizer = make_optimizer(options.optimizer, model.trainable_parameters(), lr);
  models::ModelInfo info{"classifier", model_config_json(config, preprocessing), data.vocab.to_lines(),
                         data.labels.to_lines()};

  // What --resume keeps from the saved run (the model's shape, the data order) and what it takes from here.
  RunSettings settings{.fixed = {{"seed", std::to_string(options.seed)},
                                 {"batch", std::to_string(options.batch_size)},
                                 {"optimizer", options.optimizer},
                                 {"valid-frac", setting_text(options.valid_fraction)}},
                       .changeable = {{"lr", setting_text(lr)},
                                      {"epochs", std::to_string(options.epochs)},
                                      {"threads", std::to_string(options.threads)}}};
  models::TrainState state;
  double best_accuracy = -1, seconds_before = 0;
  int64_t kept_epoch = 0;  // the epoch of the saved model (marked on the plot)
  std::string state_file = models::state_path(options.out_path);
  bool save_state = options.save_state || options.resume;
  if (save_state) {
    remove_stale_temporaries(state_file);
    check_writable(state_file);
  }
  std::string resume_banner;
  if (options.resume) {
    Resumed resumed = resume_training(state_file, model, *optimizer, info, settings, lr);
    state = std::move(resumed.state);
    resume_banner = std::move(resumed.banner);
    best_accuracy = extra_number(state, "best_valid_acc", -1, state_file);
    kept_epoch = static_cast<int64_t>(extra_number(state, "kept_epoch", 0, state_file));
    seconds_before = extra_number(state, "seconds", 0, state_file);
  }
  TrainLog log = options.resume ? TrainLog::resume(options.log_path, kLogColumns, static_cast<double>(state.epoch))
                                : TrainLog(options.log_path, kLogColumns);

  if (!resume_banner.empty()) report.push_back(resume_banner);
  for (const std::string& line : report)
    if (!options.quiet) fmt::print(stderr, "{}\n", line);
  for (const std::string& line : warnings) fmt::print(stderr, "{}\n", line);
  if (!options.quiet) {  // two lines: together they are wider than an 80-column terminal
    fmt::print(stderr, "train {} examples, valid {}, vocab {}, labels {}\n", data.train.size(), data.valid.size(),
               data.vocab.size(), data.labels.size());
    fmt::print(stderr, "model: {} encoder, {} trainable parameters; {} lr {:g}\n", options.encoder,
               model.num_parameters(/*trainable_only=*/true), options.optimizer, lr);
  }

  NonfinitePolicy nonfinite{.skip = options.skip_nonfinite,
                            .kept = fmt::format("{} keeps the best epoch so far", options.out_path)};
  if (state.epoch == 0) nonfinite.kept = fmt::format("nothing was saved ({} is not written)", options.out_path);
  EpochTrainer trainer(model, *optimizer,
                       [&](std::vector<Tensor> params) { return make_optimizer(options.optimizer, std::move(params), lr); },
                       options.threads, options.seed);
  auto start = std::chrono::steady_clock::now();
  for (int64_t epoch = state.epoch + 1; epoch <= options.epochs; ++epoch) {
    std::vector<models::Batch> batches = models::shuffled_batches(data.train, options.batch_size, default_generator());
    Progress progress(fmt::format("epoch {}/{}", epoch, options.epochs), static_cast<int64_t>(batches.size()),
                      {.unit = "ex", .quiet = options.quiet});
    EpochResult train = trainer.train(batches, progress, state.step, nonfinite);
    double valid_loss = 0;
    Confusion valid = evaluate(model, data.valid, 256, &valid_loss);
    double seconds = seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // Without validation data every epoch counts as the best one so far: the last model is kept. A later
    // epoch that ties the best accuracy replaces it: it has trained longer and hedges less (on the demo's
    // 20 examples, epoch 5 of 20 first reached the best accuracy, with probabilities of 0.51-0.52).
    bool best = data.valid.empty() || valid.accuracy() >= best_accuracy;
    if (best) {
      best_accuracy = data.valid.empty() ? best_accuracy : valid.accuracy();
      kept_epoch = epoch;
      models::save_model(options.out_path, model, info);
      nonfinite.kept = fmt::format("{} keeps epoch {}", options.out_path, epoch);
    }
    std::string valid_text = data.valid.empty() ? "no validation data"
                                                : fmt::format("valid acc {:.4f} f1 {:.4f}", valid.accuracy(), valid.macro_f1());
    if (!options.quiet)
      fmt::print(stderr, "epoch {}: train loss {:.4f} acc {:.4f}  {}  {:.1f}s{}\n", epoch, train.loss, train.accuracy,
                 valid_text, seconds, best ? "  (saved)" : "");

    log.add({static_cast<double>(epoch), static_cast<double>(state.step), train.loss, train.accuracy,
             valid_loss, valid.accuracy(), valid.macro_f1(), seconds});
    if (!options.plot_path.empty()) write_plot(log, options, kept_epoch);

    state.epoch = epoch;
    state.rng = default_generator().state();
    state.extra = {{"best_valid_acc", fmt::format("{}", best_accuracy)}, {"seconds", fmt::format("{}", seconds)},
                   {"kept_epoch", fmt::format("{}", kept_epoch)}};
    store_settings(settings, state);
    if (save_state) models::save_train_state(state_file, model, *optimizer, info, state);
  }
  if (nonfinite.skipped > 0)
    fmt::print(stderr, "--skip-nonfinite: skipped {} step(s) with a non-finite loss or gradient\n", nonfinite.skipped);
  if (data.valid.empty()) fmt::print(stderr, "no validation data: saved the last epoch to {}\n", options.out_path);
  else fmt::print(stderr, "best valid accuracy {:.4f}, saved in {}\n", best_accuracy, options.out_path);
  return 0;
}

}  // namespace tg::classify
