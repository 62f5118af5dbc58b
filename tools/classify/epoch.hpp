#pragma once
// One training epoch of tg-classify train: every batch once (forward, backward, one optimizer step).
//
// On one thread the batches run in order, and a run is reproducible bit for bit (--resume included).
// On T > 1 threads the epoch runs Hogwild, as fastText's -thread does (Niu et al., "Hogwild!", 2011):
// each thread takes the next batch not yet taken, and every thread updates the one set of parameters
// without locks. Thread 0 trains the model itself; each other thread trains a replica, a model whose
// parameters share the model's storage but have gradients of their own (TextClassifier::
// sharing_parameters), with an optimizer of its own (its own Adam moments) and its own tape and generator
// (dropout), all of which live as long as the EpochTrainer, across epochs.
//
// A row that one thread updates while another reads it is a race on its floats: Hogwild accepts it. A
// batch touches a few hundred of the table's rows; the rare words' rows are seldom in both threads'
// batches at once, the frequent words' always, and a stale read costs a little noise in one step. Those
// shared rows move between the cores' caches at every step, which is why 2 threads are not 2x faster
// here (models/README.md). A run on T > 1 threads depends on the threads' timing, so it is not
// reproducible bit for bit, and --resume gives the other threads' optimizers fresh moments; its dev
// accuracy stays within the spread of runs (the README's Benchmarks has SST-2's on 1 and 2 threads).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/batching.hpp"
#include "models/classifier.hpp"
#include "optim/optimizer.hpp"
#include "tools/common/progress.hpp"

namespace tg::classify {

// What to do with a step whose loss or gradient is not finite.
struct NonfinitePolicy {
  bool skip = false;  // --skip-nonfinite: skip it (and count it) instead of stopping
  std::string kept;   // for the error: what is on disk, "the model of epoch 3 is kept in m.safetensors"
  int64_t skipped = 0;
};

struct EpochResult {
  double loss = 0;      // the mean training loss over the epoch's examples
  double accuracy = 0;  // and the fraction of them the model got right, each at its own step
};

// An optimizer of the given parameters, of the kind tg-classify train was asked for.
using OptimizerFactory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

class EpochTrainer {
 public:
  // model and optimizer: thread 0's; threads: --threads; seed: --seed (thread k > 0 draws its dropout
  // from a generator seeded with seed + k).
  EpochTrainer(models::TextClassifier& model, optim::Optimizer& optimizer, OptimizerFactory make_optimizer,
               int threads, uint64_t seed);
  ~EpochTrainer();

  // One epoch over `batches`. step counts the optimizer steps taken (it names a failing step in errors).
  EpochResult train(const std::vector<models::Batch>& batches, Progress& progress, int64_t& step,
                    NonfinitePolicy& nonfinite);

 private:
  struct Replica;
  models::TextClassifier& model_;
  optim::Optimizer& optimizer_;
  OptimizerFactory make_optimizer_;
  int threads_;
  uint64_t seed_;
  std::vector<std::unique_ptr<Replica>> replicas_;  // [threads]; [0] stays empty: thread 0 trains model_
};

}  // namespace tg::classify
