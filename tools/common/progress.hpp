#pragma once
// Training progress on stderr, the same for every tool.
//
// On a terminal: ONE line rewritten in place ('\r'), at most ~10 times a second:
//   epoch 2/5  [#######.........]  43%  step 180/420  loss 0.412  acc 0.811  5230 items/s  ETA 0:07
// Not a terminal (a log file, a CI job): a plain line every `every` steps and at the end.
//
//   tg::Progress progress(fmt::format("epoch {}/{}", epoch, epochs), batches.size(), {.unit = "ex"});
//   for (...) { ...; progress.step(batch_size, {{"loss", mean_loss}, {"acc", acc}}); }
//   progress.finish({{"loss", mean_loss}, {"acc", acc}});   // final line, newline, timing kept
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace tg {

// Name -> value pairs shown after the bar, in this order ("loss 0.412").
using Metrics = std::vector<std::pair<std::string, double>>;

struct ProgressOptions {
  std::string unit = "items";  // what step(items) counts: "items/s" in the line
  int64_t every = 0;           // not a terminal: a line every this many steps; 0 = about 10 per run
  bool quiet = false;          // print nothing at all
  std::FILE* out = stderr;
};

// Is `stream` a terminal (isatty)? Progress uses it to choose the single updating line.
bool is_terminal(std::FILE* stream);

// "1:05:09", "7:03", "0:42" for a number of seconds.
std::string format_duration(double seconds);

class Progress {
 public:
  Progress(std::string label, int64_t total_steps, ProgressOptions options = {});
  ~Progress();  // ends an unfinished terminal line with a newline
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // One step done, `items` processed in it (examples, tokens).
  void step(int64_t items, const Metrics& metrics = {});
  // The final line of this progress (always printed unless quiet), ending with a newline.
  void finish(const Metrics& metrics = {});

  double seconds() const;  // since construction
  int64_t steps_done() const { return steps_done_; }
  int64_t items_done() const { return items_done_; }

 private:
  std::string line(const Metrics& metrics) const;

  std::string label_;
  int64_t total_steps_;
  ProgressOptions options_;
  bool terminal_;
  bool line_open_ = false;  // a terminal line was printed without its newline
  int64_t steps_done_ = 0;
  int64_t items_done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace tg
