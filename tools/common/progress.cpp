#include "tools/common/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace tg {

bool is_terminal(std::FILE* stream) { return isatty(fileno(stream)) == 1; }

int terminal_width(std::FILE* stream) {
  winsize size{};
  if (ioctl(fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    int width = 0;
    auto [end, ec] = std::from_chars(columns, columns + std::strlen(columns), width);
    if (ec == std::errc() && *end == '\0' && width > 0) return width;
  }
  return 80;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto total = static_cast<int64_t>(std::llround(seconds));
  int64_t hours = total / 3600, minutes = total / 60 % 60, secs = total % 60;
  if (hours > 0) return fmt::format("{}:{:02}:{:02}", hours, minutes, secs);
  return fmt::format("{}:{:02}", minutes, secs);
}

namespace {

// Which parts of the line to show; format_progress_line tries fuller layouts first.
struct Layout {
  int bar = 20;  // 0: no bar
  bool step = true;
  size_t metrics = SIZE_MAX;
  bool rate = true;
  bool time = true;
};

std::string render(const ProgressState& s, const Layout& layout) {
  double done = std::clamp(static_cast<double>(s.step) / static_cast<double>(std::max<int64_t>(s.total, 1)), 0.0, 1.0);
  std::string text = s.label;
  if (layout.bar > 0) {
    auto filled = static_cast<int>(done * layout.bar);
    text += fmt::format("  [{}{}]", std::string(filled, '#'), std::string(layout.bar - filled, '.'));
  }
  text += fmt::format(" {:3.0f}%", 100 * done);
  if (layout.step) text += fmt::format("  step {}/{}", s.step, s.total);
  for (size_t i = 0; i < s.metrics.size() && i < layout.metrics; ++i)
    text += fmt::format("  {} {:.4f}", s.metrics[i].first, s.metrics[i].second);
  if (layout.rate && s.items_per_second > 0) text += fmt::format("  {:.0f} {}/s", s.items_per_second, s.unit);
  if (layout.time && !s.time.empty()) text += "  " + s.time;
  return text;
}

}  // namespace

std::string format_progress_line(const ProgressState& state, int width) {
  if (width <= 0) return render(state, {});
  const size_t room = static_cast<size_t>(std::max(width - 1, 1));
  Layout layout;
  std::string text = render(state, layout);
  // Each step gives up one more thing, the least useful first.
  auto shrink = [&](auto change) {
    if (text.size() <= room) return;
    change();
    text = render(state, layout);
  };
  shrink([&] { layout.rate = false; });
  shrink([&] { layout.bar = 10; });
  shrink([&] { layout.step = false; });
  shrink([&] { layout.bar = 0; });
  shrink([&] { layout.metrics = 1; });
  shrink([&] { layout.time = false; });
  shrink([&] { layout.metrics = 0; });
  if (text.size() > room) text.resize(room);  // everything is ASCII but the label
  return text;
}

Progress::Progress(std::string label, int64_t total_steps, ProgressOptions options)
    : label_(std::move(label)),
      total_steps_(std::max<int64_t>(total_steps, 1)),
      options_(std::move(options)),
      terminal_(is_terminal(options_.out)),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

Progress::~Progress() {
  if (line_open_) std::fputc('\n', options_.out);
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

ProgressState Progress::state(const Metrics& metrics) const {
  double elapsed = seconds();
  ProgressState s{.label = label_, .step = steps_done_, .total = total_steps_, .metrics = metrics,
                  .items_per_second = elapsed > 0 ? static_cast<double>(items_done_) / elapsed : 0,
                  .unit = options_.unit, .time = ""};
  if (steps_done_ < total_steps_ && steps_done_ > 0)
    s.time = "ETA " + format_duration(elapsed / static_cast<double>(steps_done_) *
                                      static_cast<double>(total_steps_ - steps_done_));
  else
    s.time = format_duration(elapsed);
  return s;
}

void Progress::redraw(const Metrics& metrics) {
  // '\r' back to the start of the line, "\x1b[K" clears what a longer previous line left behind.
  fmt::print(options_.out, "\r{}\x1b[K", format_progress_line(state(metrics), terminal_width(options_.out)));
  std::fflush(options_.out);
  line_open_ = true;
}

void Progress::step(int64_t items, const Metrics& metrics, int64_t steps) {
  steps_done_ += steps;
  items_done_ += items;
  if (options_.quiet) return;
  auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    if (now - last_print_ < std::chrono::milliseconds(100) && steps_done_ < total_steps_) return;
    last_print_ = now;
    redraw(metrics);
  } else if (now - last_print_ >= std::chrono::duration<double>(options_.log_seconds) &&
             steps_done_ < total_steps_) {
    last_print_ = now;
    fmt::print(options_.out, "{}\n", format_progress_line(state(metrics), 0));
    std::fflush(options_.out);
  }
}

void Progress::finish(const Metrics& metrics) {
  if (options_.quiet || !terminal_) return;
  redraw(metrics);
  std::fputc('\n', options_.out);
  line_open_ = false;
}

}  // namespace tg
