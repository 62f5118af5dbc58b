#include "tools/classify/epoch.hpp"

#include <atomic>
#include <exception>

#include <omp.h>

#include "core/error.hpp"
#include "core/random.hpp"
#include "tools/common/finite.hpp"

namespace tg::classify {

// A model whose parameters hold the trained model's storage, with gradients of their own
// (TextClassifier::sharing_parameters); and its optimizer, with moments of its own. (One set of moments
// shared by all threads was slower: SST-2's 20 epochs on 2 threads took 1.97 s of training against
// 1.68 s, the moments' rows then bouncing between the cores' caches as the table's do.)
struct EpochTrainer::Replica {
  Replica(const models::TextClassifier& of, const OptimizerFactory& make_optimizer)
      : model(models::TextClassifier::sharing_parameters(of)),
        optimizer(make_optimizer(model.trainable_parameters())) {}
  models::TextClassifier model;
  std::unique_ptr<optim::Optimizer> optimizer;
  bool seeded = false;  // its thread's generator
};

namespace {

// One thread's part of an epoch, summed.
struct Share {
  double loss_sum = 0;
  int64_t correct = 0, seen = 0, skipped = 0;
};

// What the threads of one epoch share: the next batch to take, the steps and examples done so far (for
// the progress line and for naming a failing step), and whether one of them has failed (the others then
// stop). The progress line is thread 0's alone; it has counted steps_shown and examples_shown so far.
struct Shared {
  std::atomic<size_t> next_batch{0};
  std::atomic<int64_t> steps{0}, examples{0};
  std::atomic<bool> stop{false};
  int64_t steps_shown = 0, examples_shown = 0;
};

// Counts the steps and examples done since the progress line's last update.
void show_progress(Progress& progress, Shared& shared, const Metrics& metrics) {
  const int64_t steps = shared.steps.load(), examples = shared.examples.load();
  progress.step(examples - shared.examples_shown, metrics, steps - shared.steps_shown);
  shared.steps_shown = steps;
  shared.examples_shown = examples;
}

// Trains `model` on the next batch not yet taken, until none is left. Taking them one by one, rather
// than every other one, keeps both threads busy to the end when one runs slower (this machine's vCPUs
// take turns at being up to 1.7x slower). Thread 0 draws the progress line (its loss and accuracy so
// far, everyone's examples). step_before: the steps taken before this epoch.
Share train_share(models::TextClassifier& model, optim::Optimizer& optimizer, const std::vector<models::Batch>& batches,
                  bool draws_progress, int64_t step_before, const NonfinitePolicy& nonfinite, Shared& shared,
                  Progress& progress) {
  Share share;
  while (!shared.stop.load(std::memory_order_relaxed)) {
    const size_t taken = shared.next_batch++;
    if (taken >= batches.size()) break;
    const models::Batch& batch = batches[taken];
    optimizer.zero_grad();
    Tensor logits = model.forward(batch.tokens, batch.lengths);  // [B, outputs]
    Tensor loss = model.loss(logits, batch.labels);
    loss.backward();
    // Checked before the update, so the parameters stay the last finite ones.
    if (std::string what = nonfinite_step(loss.item(), model); !what.empty()) {
      if (!nonfinite.skip) fail_nonfinite(step_before + shared.steps.load() + 1, what, nonfinite.kept);
      ++share.skipped;
      optimizer.zero_grad();
      continue;
    }
    optimizer.step();

    int64_t size = batch.labels.numel();
    std::vector<int64_t> predicted = model.predicted_classes(logits);
    for (int64_t b = 0; b < size; ++b) share.correct += predicted[b] == batch.labels.i64()[b];
    share.loss_sum += loss.item() * size;
    share.seen += size;
    shared.steps += 1;
    shared.examples += size;
    if (draws_progress)
      show_progress(progress, shared,
                    {{"loss", share.loss_sum / share.seen}, {"acc", static_cast<double>(share.correct) / share.seen}});
  }
  return share;
}

}  // namespace

EpochTrainer::EpochTrainer(models::TextClassifier& model, optim::Optimizer& optimizer, OptimizerFactory make_optimizer,
                           int threads, uint64_t seed)
    : model_(model), optimizer_(optimizer), make_optimizer_(std::move(make_optimizer)), threads_(threads),
      seed_(seed), replicas_(static_cast<size_t>(threads)) {}

EpochTrainer::~EpochTrainer() = default;

EpochResult EpochTrainer::train(const std::vector<models::Batch>& batches, Progress& progress, int64_t& step,
                                NonfinitePolicy& nonfinite) {
  const auto threads = static_cast<size_t>(threads_);
  std::vector<Share> shares(threads);
  Shared shared;
  if (threads == 1) {
    shares[0] = train_share(model_, optimizer_, batches, true, step, nonfinite, shared, progress);
  } else {
    // Built here, before the threads start (building one draws from this thread's generator).
    for (size_t k = 1; k < threads; ++k)
      if (!replicas_[k]) replicas_[k] = std::make_unique<Replica>(model_, make_optimizer_);
    // An exception must not leave an OpenMP region: each thread keeps its own, the first is rethrown after.
    std::vector<std::exception_ptr> errors(threads);
#pragma omp parallel num_threads(threads_)
    {
      const auto k = static_cast<size_t>(omp_get_thread_num());
      try {
        if (k > 0 && !replicas_[k]->seeded) {
          manual_seed(seed_ + k);  // this thread's generator: its dropout draws
          replicas_[k]->seeded = true;
        }
        if (k > 0) replicas_[k]->model.train(model_.is_training());
        models::TextClassifier& model = k == 0 ? model_ : replicas_[k]->model;
        optim::Optimizer& optimizer = k == 0 ? optimizer_ : *replicas_[k]->optimizer;
        shares[k] = train_share(model, optimizer, batches, k == 0, step, nonfinite, shared, progress);
      } catch (...) {
        errors[k] = std::current_exception();
        shared.stop = true;
      }
    }
    for (const std::exception_ptr& error : errors)
      if (error) std::rethrow_exception(error);
  }
  step += shared.steps.load();
  Share all;
  for (const Share& s : shares) {
    all.loss_sum += s.loss_sum;
    all.correct += s.correct;
    all.seen += s.seen;
    nonfinite.skipped += s.skipped;
  }
  if (all.seen == 0) fail("every step of the epoch had a non-finite loss or gradient ({} skipped)", nonfinite.skipped);
  EpochResult result{all.loss_sum / all.seen, static_cast<double>(all.correct) / all.seen};
  if (shared.steps.load() > shared.steps_shown)  // the other threads' last steps, after thread 0 was done
    show_progress(progress, shared, {{"loss", result.loss}, {"acc", result.accuracy}});
  progress.finish({{"loss", result.loss}, {"acc", result.accuracy}});
  return result;
}

}  // namespace tg::classify
