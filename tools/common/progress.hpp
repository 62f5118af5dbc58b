#pragma once
// Training progress on stderr, the same for every tool.
//
// On a terminal: ONE line redrawn in place ('\r', then clear to the end), at most ~10 times a second,
// fitted to the terminal's width (fields are shortened or dropped so it never wraps):
//   epoch 2/5  [#######.........]  43%  step 180/420  loss 0.4120  acc 0.8110  5230 ex/s  ETA 0:07
// finish() leaves the last state of the line (100%) in place and ends it.
// Not a terminal (a log file, a CI job): a line every ~10 seconds and nothing else, so a log gets the
// tool's own per-epoch line plus a sign of life in long epochs, never a line per step.
//
//   tg::Progress progress(fmt::format("epoch {}/{}", epoch, epochs), batches.size(), {.unit = "ex"});
//   for (...) { ...; progress.step(batch_size, {{"loss", mean_loss}, {"acc", acc}}); }
//   progress.finish({{"loss", mean_loss}, {"acc", acc}});   // the terminal line at 100%, newline
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace tg {

// Name -> value pairs shown after the bar, in this order ("loss 0.4120").
using Metrics = std::vector<std::pair<std::string, double>>;

struct ProgressOptions {
  std::string unit = "items";  // what step(items) counts: "items/s" in the line
  double log_seconds = 10;     // not a terminal: a line every this many seconds
  bool quiet = false;          // print nothing at all
  std::FILE* out = stderr;
};

// Is `stream` a terminal (isatty)? Progress uses it to choose the single updating line.
bool is_terminal(std::FILE* stream);

// The width of the terminal `stream` is on (ioctl TIOCGWINSZ), else $COLUMNS, else 80.
int terminal_width(std::FILE* stream);

// "1:05:09", "7:03", "0:42" for a number of seconds.
std::string format_duration(double seconds);

// What one progress line shows.
struct ProgressState {
  std::string label;          // "epoch 2/5"
  int64_t step = 0, total = 1;
  Metrics metrics;
  double items_per_second = 0;
  std::string unit = "items";
  std::string time;           // "ETA 0:07" while running, the elapsed "0:12" when done
};

// The line for `state` in at most width - 1 characters (the last column is left free, so that no
// terminal wraps); width <= 0: no limit. When the full line is too long it gives up, in this order,
// the rate, bar length (20 -> 10), "step i/n", the bar, the metrics after the first one, the time,
// and finally cuts the line.
std::string format_progress_line(const ProgressState& state, int width);

class Progress {
 public:
  Progress(std::string label, int64_t total_steps, ProgressOptions options = {});
  ~Progress();  // ends an unfinished terminal line with a newline
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // One step done (or `steps` of them at once), `items` processed in it (examples, tokens). A job
  // counted in items rather than steps (skip-gram's words) passes the same number for both.
  void step(int64_t items, const Metrics& metrics = {}, int64_t steps = 1);
  // Done: the terminal line is redrawn at its final state and ended with a newline; piped, nothing.
  void finish(const Metrics& metrics = {});

  double seconds() const;  // since construction
  int64_t steps_done() const { return steps_done_; }
  int64_t items_done() const { return items_done_; }

 private:
  ProgressState state(const Metrics& metrics) const;
  void redraw(const Metrics& metrics);

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
