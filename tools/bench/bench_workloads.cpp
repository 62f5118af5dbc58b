// tg-bench workloads: the walkthrough's workloads, each as one timed unit (a training step, a lookup,
// or W5's 100 epochs), in the same shapes as tools/bench/workloads_torch.py runs them in PyTorch:
//
//   W1   Embedding(100000, 300), 10,000 random ids, forward, no grad               (per lookup)
//   W2   Embedding(10000, 100) + mean + Linear(100, 5), batch 32x20, CE, dense Adam (per step)
//   W2s  W2 with a sparse embedding gradient + LazyAdam (PyTorch: sparse=True + SparseAdam)
//   W3   Embedding(65, 64), LSTM(64, 256), Linear(256, 65), batch 32x64, CE on every position, Adam
//   W3s  Embedding(30, 10), LSTM(10, 20), Linear(20, 30), batch 49x10, CE on the last step, Adam
//   W4   frozen Embedding(10000, 300) + LSTM(300, 128) + Linear(128, 5), batch 32x20, CE on h_n, Adam
//   W5   Embedding(6, 10) + mean + Linear(10, 1) + sigmoid, 3 reviews of 2 words, BCE, Adam: 100 epochs
//   W6   Embedding(100000, 300) + mean + Linear(300, 2), batch 256x50, CE, dense Adam
//   W6s  W6 with a sparse embedding gradient + LazyAdam
//
// Every module starts from PyTorch's default init; Adam lr 1e-3; each workload uses one fixed random
// batch. Timing: warm-up, then repeated runs (about 1.5 s worth, at least 5), median and min.
// Where a floor applies it is measured in the same run, alternated run by run with the workload so that
// both see the same machine: W1, W6 and W6s against the bytes they cannot avoid moving, moved by the
// plainest loop that moves them the same way (GB/s, bytes read + written; see the *Floor structs),
// W3 and W4 against the same sgemm calls alone (GFLOP/s).
//
// --dump DIR writes, for every training workload, DIR/<name>.safetensors: the initial parameters
// (PyTorch's state_dict names), the batch ("ids", "targets") and, in the metadata, the first five
// losses; `workloads_torch.py THREADS --check DIR` replays them in PyTorch and compares.
#include <cblas.h>
#include <fmt/format.h>

#include <cstring>
#include <memory>
#include <optional>

#include "core/kernels.hpp"
#include "core/safetensors.hpp"
#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/lstm.hpp"
#include "optim/adam.hpp"
#include "optim/lazy_adam.hpp"
#include "tools/bench/bench.hpp"

namespace tg::bench {

namespace {

// What the model does after the embedding lookup x: [B, T, D].
enum class Head {
  bag,            // mean over T -> Linear -> [B, C]
  lstm_every,     // LSTM -> Linear on every step -> [B * T, C]
  lstm_last,      // LSTM -> the last step's output -> Linear -> [B, C]
  lstm_h_n,       // LSTM -> h_n -> Linear -> [B, C]
};

struct Spec {
  const char* name;
  const char* what;
  int64_t vocab, dim, hidden, classes, batch, time;
  Head head;
  bool sparse = false;  // sparse embedding gradient + LazyAdam
  bool frozen = false;  // the embedding does not train
  bool bce = false;     // sigmoid + BCE against 0/1 targets (classes must be 1)
  int steps = 1;        // training steps in one timed unit (W5: 100 epochs of one full batch)
  bool gemm_floor = false;  // compare with the step's sgemm calls alone
};

const Spec kSpecs[] = {
    {"W2", "Embedding(10000,100)+mean+Linear(100,5), 32x20, CE, dense Adam", 10000, 100, 0, 5, 32, 20, Head::bag},
    {"W2s", "W2 with sparse gradients + LazyAdam", 10000, 100, 0, 5, 32, 20, Head::bag, true},
    {"W3", "Embedding(65,64)+LSTM(64,256)+Linear(256,65), 32x64, CE every step, Adam", 65, 64, 256, 65, 32, 64,
     Head::lstm_every, false, false, false, 1, true},
    {"W3s", "Embedding(30,10)+LSTM(10,20)+Linear(20,30), 49x10, CE last step, Adam", 30, 10, 20, 30, 49, 10,
     Head::lstm_last},
    {"W4", "frozen Embedding(10000,300)+LSTM(300,128)+Linear(128,5), 32x20, CE on h_n, Adam", 10000, 300, 128, 5,
     32, 20, Head::lstm_h_n, false, true, false, 1, true},
    {"W5", "Embedding(6,10)+mean+Linear(10,1), 3x2 words, BCE, Adam, 100 epochs", 6, 10, 0, 1, 3, 2, Head::bag, false,
     false, true, 100},
    {"W6", "Embedding(100000,300)+mean+Linear(300,2), 256x50, CE, dense Adam", 100000, 300, 0, 2, 256, 50, Head::bag},
    {"W6s", "W6 with sparse gradients + LazyAdam", 100000, 300, 0, 2, 256, 50, Head::bag, true},
};

struct Model : nn::Module {
  const Spec& spec;
  nn::Embedding embedding;
  std::unique_ptr<nn::LSTM> lstm;
  nn::Linear fc;

  explicit Model(const Spec& s)
      : spec(s), embedding(s.vocab, s.dim, {.sparse = s.sparse}), fc(s.hidden ? s.hidden : s.dim, s.classes) {
    register_module("embedding", embedding);
    if (s.hidden) {
      lstm = std::make_unique<nn::LSTM>(s.dim, s.hidden, nn::LSTMOptions{.batch_first = true});
      register_module("lstm", *lstm);
    }
    register_module("fc", fc);
    if (s.frozen) embedding.requires_grad_(false);
  }

  // ids: i64 [B, T]; targets: i64 [B] ([B * T] for lstm_every) or f32 [B, 1] with bce.
  Tensor loss(const Tensor& ids, const Tensor& targets) {
    const int64_t B = spec.batch, T = spec.time;
    Tensor x = embedding.forward(ids);  // [B, T, D]
    Tensor logits;
    switch (spec.head) {
      case Head::bag: logits = fc.forward(x.mean(1)); break;
      case Head::lstm_every: logits = fc.forward(lstm->forward(x).output).reshape({B * T, spec.classes}); break;
      case Head::lstm_last: logits = fc.forward(narrow(lstm->forward(x).output, 1, T - 1, 1).reshape({B, spec.hidden})); break;
      case Head::lstm_h_n: logits = fc.forward(lstm->forward(x).h_n.reshape({B, spec.hidden})); break;
    }
    return spec.bce ? nn::bce(sigmoid(logits), targets) : nn::cross_entropy(logits, targets);
  }
};

// A model, its batch and its optimizers: one training step at a time.
struct Training {
  const Spec& spec;
  Model model;
  Tensor ids, targets;
  std::vector<std::unique_ptr<optim::Optimizer>> optimizers;

  explicit Training(const Spec& s) : spec(s), model(s) {
    if (s.bce) {  // the walkthrough's three reviews of two words, two positive and one negative
      ids = indices({1, 2, 3, 4, 5, 1}, {3, 2});
      targets = tensor({1, 0, 1}, {3, 1});
    } else {
      ids = randint(s.vocab, {s.batch, s.time});
      targets = randint(s.classes, s.head == Head::lstm_every ? Shape{s.batch * s.time} : Shape{s.batch});
    }
    std::vector<Tensor> dense = model.trainable_parameters();
    if (s.sparse) {
      std::erase_if(dense, [&](const Tensor& t) { return t.impl() == model.embedding.weight.impl(); });
      optimizers.push_back(std::make_unique<optim::LazyAdam>(std::vector<Tensor>{model.embedding.weight}, 1e-3));
    }
    optimizers.push_back(std::make_unique<optim::Adam>(dense, 1e-3));
  }

  double step() {
    for (auto& opt : optimizers) opt->zero_grad();
    Tensor loss = model.loss(ids, targets);
    loss.backward();
    for (auto& opt : optimizers) opt->step();
    return loss.item();
  }
};

// The sgemm calls of one training step of an LSTM workload (forward, BPTT, weight gradients, and the
// Linear on top), for the "same sgemms alone" floor.
std::vector<GemmShape> step_gemms(const Spec& s) {
  if (!s.gemm_floor) return {};
  const int64_t B = s.batch, T = s.time, I = s.dim, H = s.hidden, G = 4 * H, C = s.classes;
  const int64_t rows = s.head == Head::lstm_every ? B * T : B;  // rows the Linear sees
  std::vector<GemmShape> g = {
      {"X W_ih^T", B * T, G, I, false, true, 1},
      {"h W_hh^T", B, G, H, false, false, T},  // nn/lstm.cpp copies W_hh^T once: NN calls
      {"dgates W_hh", B, H, G, false, false, T - 1},
      {"dGates^T X", G, I, B * T, true, false, 1},
      {"dGates^T H", G, H, B * T, true, false, 1},
      {"fc forward", rows, C, H, false, true, 1},
      {"fc dx", rows, H, C, false, false, 1},
      {"fc dW", C, H, rows, true, false, 1},
  };
  if (!s.frozen) g.push_back({"dGates W_ih", B * T, I, G, false, false, 1});
  return g;
}

double total_flops(const std::vector<GemmShape>& gemms) {
  double flops = 0;
  for (const GemmShape& g : gemms) flops += gemm_flops(g) * double(g.calls);
  return flops;
}

// The result of one workload, printed as a table row or a JSON line.
struct Result {
  std::string name, what, unit;
  std::vector<double> seconds;  // one per timed run
  // Floors (0 when not measured): achieved and floor rate, in GB/s or GFLOP/s.
  double rate = 0, floor_rate = 0;
  const char* rate_unit = "";
  std::string floor_note;
};

// Runs `unit` (and `floor`, when given, right after each run) warm-up times, then about 1.5 s worth of
// timed runs, at least 5 and at most 500. With a floor, the two alternate run by run (the machine's speed
// drifts), and each timed run follows an untimed run of itself: a floor's own operands would otherwise
// evict the step's data from the cache, where PyTorch's loop times each step right after the last one
// (W4 timed 6% slower for it).
struct Timing {
  std::vector<double> unit_seconds, floor_seconds;
};
Timing time_runs(const std::function<void()>& unit, const std::function<void()>& floor = {}) {
  Timing t;
  double first = 0;
  for (int i = 0; i < 3; ++i) {
    first = seconds_of(unit);
    if (floor) floor();
  }
  const int runs = std::clamp(int((floor ? 0.75 : 1.5) / std::max(first, 1e-6)), 5, 500);
  for (int i = 0; i < runs; ++i) {
    if (floor) unit();
    t.unit_seconds.push_back(seconds_of(unit));
    if (floor) {
      floor();
      t.floor_seconds.push_back(seconds_of(floor));
    }
  }
  return t;
}

// The floors: the bytes a workload cannot avoid moving, moved by the plainest loop that moves them the
// same way (the same row copies, the same in-place passes) in the same memory (the workload's own
// table and moments: with a copy, the two working sets would evict each other from the cache), timed
// in the same run. Rates count bytes read + bytes written.

// W1: the lookup's 10,000 row copies (one 1200-byte row each, streamed as the lookup streams an output
// this large: detail::copy_streaming), from consecutive rows of the same table instead of random ones;
// each run starts where the last ended.
struct RowCopyFloor {
  const float* table;
  int64_t rows_in_table, dim, count;
  Tensor out;
  int64_t next = 0;
  RowCopyFloor(const Tensor& t, int64_t n)
      : table(t.f32()), rows_in_table(t.size(0)), dim(t.size(1)), count(n), out(zeros({n, t.size(1)})) {}
  void run() {
    if (next + count > rows_in_table) next = 0;
    float* to = out.f32();
    const float* from = table + next * dim;
    const int64_t d = dim;
    const int64_t n = count, bands = detail::worth_threads(count * dim) ? num_threads() : 1;
    detail::parallel_for(bands, count * dim, [=](int64_t band) {
      for (int64_t j = n * band / bands, end = n * (band + 1) / bands; j < end; ++j)
        detail::copy_streaming(to + j * d, from + j * d, d);
      detail::streaming_fence();
    });
    next += count;
  }
  double bytes_moved() const { return 2.0 * double(count * dim) * sizeof(float); }
};

// A factor of 1 the compiler cannot see, so that `x *= one` reads and writes x and changes nothing.
volatile float volatile_one = 1.0f;

// What an Adam step cannot avoid: reading and writing p, m and v [V, D] once, each row of `rows` (all
// rows when rows is empty); here each element multiplied by 1 in place (a vectorised loop).
void touch_rows(Tensor& p, Tensor& m, Tensor& v, const std::vector<int64_t>& rows) {
  const int64_t width = p.numel() / p.size(0);
  const float one = volatile_one;
  float* __restrict pp = p.f32();
  float* __restrict pm = m.f32();
  float* __restrict pv = v.f32();
  auto touch = [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) pp[i] *= one, pm[i] *= one, pv[i] *= one;
  };
  // Threaded as the workloads' loops are (detail::parallel_for), so that the floor uses the same threads.
  constexpr int64_t kChunk = 1 << 14;
  const int64_t n = p.numel();
  if (rows.empty())
    return detail::parallel_for((n + kChunk - 1) / kChunk, n, [=](int64_t c) { touch(c * kChunk, std::min(n, (c + 1) * kChunk)); });
  // Scattered rows, fetched a few ahead as LazyAdam fetches them (without, this "floor" was slower than the step).
  const int64_t* r = rows.data();
  const int64_t count = int64_t(rows.size());
  detail::parallel_for(count, count * width, [=](int64_t k) {
    if (k + 4 < count)
      for (const float* buffer : {pp, pm, pv}) detail::prefetch_row(buffer, r[k + 4], width, true);
    touch(r[k] * width, (r[k] + 1) * width);
  });
}

// The embedding table of a training workload and its two moments (they exist once a step has run).
struct TableAndMoments {
  Tensor p, m, v;
};
TableAndMoments table_and_moments(Training& training) {
  TableAndMoments t{training.model.embedding.weight, {}, {}};
  for (auto& [name, buffer] : training.optimizers.front()->state_tensors()) {
    if (name == "param.0.exp_avg") t.m = buffer;
    if (name == "param.0.exp_avg_sq") t.v = buffer;
  }
  return t;
}

Result run_lookup() {
  constexpr int64_t kVocab = 100000, kDim = 300, kIds = 10000;
  manual_seed(0);
  nn::Embedding embedding(kVocab, kDim);
  Tensor ids = randint(kVocab, {kIds});
  RowCopyFloor copy(embedding.weight, kIds);
  Timing t = time_runs([&] {
    NoGradGuard no_grad;
    embedding.forward(ids);
  }, [&] { copy.run(); });
  Result r;
  r.name = "W1", r.what = "Embedding(100000,300), 10000 random ids, forward, no grad", r.unit = "lookup";
  r.seconds = t.unit_seconds;
  r.rate_unit = "GB/s";
  r.rate = copy.bytes_moved() / median(t.unit_seconds) / 1e9;
  r.floor_rate = copy.bytes_moved() / median(t.floor_seconds) / 1e9;
  r.floor_note = "the same 10000 row copies from consecutive rows";
  return r;
}

Result run_training(const Spec& spec) {
  manual_seed(0);
  Training training(spec);
  auto unit = [&] {
    for (int k = 0; k < spec.steps; ++k) training.step();
  };
  Result r;
  r.name = spec.name, r.what = spec.what, r.unit = spec.steps == 1 ? "step" : fmt::format("{} steps", spec.steps);
  std::vector<GemmShape> shapes = step_gemms(spec);
  if (!shapes.empty()) {
    std::vector<GemmOperands> gemms(shapes.begin(), shapes.end());
    Timing t = time_runs(unit, [&] {
      for (GemmOperands& g : gemms)
        for (int64_t call = 0; call < g.shape.calls; ++call) g.call();
    });
    r.seconds = t.unit_seconds;
    r.rate_unit = "GFLOP/s";
    r.rate = total_flops(shapes) / median(t.unit_seconds) / 1e9;
    r.floor_rate = total_flops(shapes) / median(t.floor_seconds) / 1e9;
    r.floor_note = "the step's sgemm calls alone";
  } else if (spec.vocab * spec.dim >= (int64_t(1) << 24)) {
    // Both: the forward's row copies (the batch's rows gathered, as any [B, T, D] lookup must), then
    // dense Adam reads and writes p, m and v once (6 passes over the table), the sparse step only the
    // batch's distinct rows of them.
    std::vector<int64_t> rows;
    if (spec.sparse) {
      rows = training.ids.to_indices();
      std::sort(rows.begin(), rows.end());
      rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    }
    const int64_t dim = spec.dim, n = training.ids.numel();
    Tensor gathered = zeros({n, dim});
    auto floor = [&] {
      TableAndMoments t = table_and_moments(training);
      const int64_t* ids = training.ids.i64();
      const float* table = t.p.f32();
      float* to = gathered.f32();
      detail::parallel_for(n, n * dim, [=](int64_t j) {  // rows fetched eight ahead, as Embedding's forward does
        if (j + 8 < n) detail::prefetch_row(table, ids[j + 8], dim);
        std::memcpy(to + j * dim, table + ids[j] * dim, size_t(dim) * sizeof(float));
      });
      touch_rows(t.p, t.m, t.v, rows);
    };
    const double row_bytes = double(dim) * sizeof(float);
    const double bytes = 2 * double(n) * row_bytes + 6 * double(spec.sparse ? int64_t(rows.size()) : spec.vocab) * row_bytes;
    Timing t = time_runs(unit, floor);
    r.seconds = t.unit_seconds;
    r.rate_unit = "GB/s";
    r.rate = bytes / median(t.unit_seconds) / 1e9;
    r.floor_rate = bytes / median(t.floor_seconds) / 1e9;
    r.floor_note = spec.sparse
        ? fmt::format("the batch's row copies + one pass over its {} distinct rows of p, m, v ({:.0f} MB)",
                      rows.size(), bytes / 1e6)
        : fmt::format("the batch's row copies + one in-place pass over p, m, v ({:.0f} MB)", bytes / 1e6);
  } else {
    r.seconds = time_runs(unit).unit_seconds;
  }
  return r;
}

// DIR/<name>.safetensors: initial parameters, the batch, and the first five losses in the metadata.
void dump(const Spec& spec, const std::string& dir) {
  manual_seed(0);
  Training training(spec);
  std::vector<std::pair<std::string, Tensor>> tensors;
  {
    NoGradGuard no_grad;  // copies of the starting values, before any step changes them
    for (auto& [name, param] : training.model.named_parameters()) tensors.emplace_back(name, param.clone());
  }
  tensors.emplace_back("ids", training.ids);
  tensors.emplace_back("targets", training.targets);
  std::string losses = "[";
  for (int k = 0; k < 5; ++k) losses += fmt::format("{}{:.9g}", k ? ", " : "", training.step());
  save_safetensors(fmt::format("{}/{}.safetensors", dir, spec.name), tensors, {{"losses", losses + "]"}});
  fmt::print("{}: first losses {}]\n", spec.name, losses);
}

void print(const Result& r, int threads, bool json) {
  const double med = median(r.seconds), best = *std::min_element(r.seconds.begin(), r.seconds.end());
  if (json) {
    fmt::print("{{\"side\": \"tapegrad\", \"workload\": \"{}\", \"threads\": {}, \"unit\": \"{}\", \"runs\": {}, "
               "\"median_ms\": {:.6g}, \"min_ms\": {:.6g}",
               r.name, threads, r.unit, r.seconds.size(), med * 1e3, best * 1e3);
    if (r.floor_rate > 0)
      fmt::print(", \"rate\": {:.4g}, \"floor_rate\": {:.4g}, \"rate_unit\": \"{}\", \"floor\": \"{}\"", r.rate,
                 r.floor_rate, r.rate_unit, r.floor_note);
    fmt::print("}}\n");
    return;
  }
  fmt::print("{:4} {:9.3f} ms {:9.3f} ms  per {:9} {:4} runs  {}\n", r.name, med * 1e3, best * 1e3, r.unit,
             r.seconds.size(), r.what);
  if (r.floor_rate > 0)
    fmt::print("{:14}{:7.1f} {} vs {:.1f} {} for {} ({:.0f}%)\n", "", r.rate, r.rate_unit, r.floor_rate, r.rate_unit,
               r.floor_note, 100 * r.rate / r.floor_rate);
}

bool selected(const WorkloadOptions& opt, const std::string& name) {
  return opt.only.empty() || std::find(opt.only.begin(), opt.only.end(), name) != opt.only.end();
}

}  // namespace

int bench_workloads(const WorkloadOptions& opt) {
  for (const std::string& name : opt.only)
    if (name != "W1" && std::none_of(std::begin(kSpecs), std::end(kSpecs), [&](const Spec& s) { return name == s.name; }))
      fail("workloads: unknown workload '{}' in --only (expected W1, W2, W2s, W3, W3s, W4, W5, W6, W6s)", name);
  if (!opt.dump_dir.empty()) {
    for (const Spec& spec : kSpecs)
      if (selected(opt, spec.name)) dump(spec, opt.dump_dir);
    return 0;
  }
  if (!opt.json)
    fmt::print("tapegrad workloads, threads={}, OpenBLAS {} kernels; median and min of the timed runs\n",
               opt.threads, openblas_get_corename());
  if (selected(opt, "W1")) print(run_lookup(), opt.threads, opt.json);
  for (const Spec& spec : kSpecs)
    if (selected(opt, spec.name)) print(run_training(spec), opt.threads, opt.json);
  return 0;
}

}  // namespace tg::bench
