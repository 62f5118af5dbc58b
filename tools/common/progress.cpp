#include "tools/common/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace tg {

bool is_terminal(std::FILE* stream) { return isatty(fileno(stream)) == 1; }

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto total = static_cast<int64_t>(std::llround(seconds));
  int64_t hours = total / 3600, minutes = total / 60 % 60, secs = total % 60;
  if (hours > 0) return fmt::format("{}:{:02}:{:02}", hours, minutes, secs);
  return fmt::format("{}:{:02}", minutes, secs);
}

Progress::Progress(std::string label, int64_t total_steps, ProgressOptions options)
    : label_(std::move(label)),
      total_steps_(std::max<int64_t>(total_steps, 1)),
      options_(std::move(options)),
      terminal_(is_terminal(options_.out)),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {
  if (options_.every <= 0) options_.every = std::max<int64_t>(total_steps_ / 10, 1);
}

Progress::~Progress() {
  if (line_open_) std::fputc('\n', options_.out);
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

// "epoch 2/5  [####....]  43%  step 180/420  loss 0.412  5230 items/s  ETA 0:07"
std::string Progress::line(const Metrics& metrics) const {
  constexpr int kBarWidth = 20;
  double done = std::min(1.0, static_cast<double>(steps_done_) / total_steps_);
  auto filled = static_cast<int>(done * kBarWidth);
  std::string text = fmt::format("{}  [{}{}] {:3.0f}%  step {}/{}", label_, std::string(filled, '#'),
                                 std::string(kBarWidth - filled, '.'), 100 * done, steps_done_, total_steps_);
  for (const auto& [name, value] : metrics) text += fmt::format("  {} {:.4f}", name, value);
  double elapsed = seconds();
  if (elapsed > 0) text += fmt::format("  {:.0f} {}/s", items_done_ / elapsed, options_.unit);
  if (steps_done_ < total_steps_ && steps_done_ > 0) {
    double eta = elapsed / steps_done_ * (total_steps_ - steps_done_);
    text += "  ETA " + format_duration(eta);
  } else {
    text += "  " + format_duration(elapsed);
  }
  return text;
}

void Progress::step(int64_t items, const Metrics& metrics) {
  ++steps_done_;
  items_done_ += items;
  if (options_.quiet) return;
  if (terminal_) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_print_ < std::chrono::milliseconds(100) && steps_done_ < total_steps_) return;
    last_print_ = now;
    // \r back to the start, \x1b[K clears what a longer previous line left behind.
    fmt::print(options_.out, "\r{}\x1b[K", line(metrics));
    std::fflush(options_.out);
    line_open_ = true;
  } else if (steps_done_ % options_.every == 0 && steps_done_ < total_steps_) {
    fmt::print(options_.out, "{}\n", line(metrics));
    std::fflush(options_.out);
  }
}

void Progress::finish(const Metrics& metrics) {
  if (options_.quiet) return;
  fmt::print(options_.out, "{}{}{}\n", terminal_ ? "\r" : "", line(metrics), terminal_ ? "\x1b[K" : "");
  std::fflush(options_.out);
  line_open_ = false;
}

}  // namespace tg
