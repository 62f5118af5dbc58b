// tools/common/progress: the line fitted to the terminal width, and the piped output of a run.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/common/progress.hpp"

namespace {

tg::ProgressState running_epoch() {
  return {.label = "epoch 12/20", .step = 1800, .total = 4200,
          .metrics = {{"loss", 0.41234}, {"acc", 0.81}, {"f1", 0.8}}, .items_per_second = 52301,
          .unit = "ex", .time = "ETA 1:07"};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_all(std::FILE* file) {
  std::rewind(file);
  std::string text;
  for (int c; (c = std::fgetc(file)) != EOF;) text += static_cast<char>(c);
  return text;
}

}  // namespace

TEST_CASE("the progress line fits in width - 1 columns, dropping the least useful fields first") {
  const tg::ProgressState state = running_epoch();
  std::string full = tg::format_progress_line(state, 0);
  CHECK(full == "epoch 12/20  [########............]  43%  step 1800/4200  loss 0.4123  acc 0.8100  f1 0.8000"
                "  52301 ex/s  ETA 1:07");

  std::string wide = tg::format_progress_line(state, 150);
  CHECK(wide == full);  // 114 characters: all of it

  std::string terminal = tg::format_progress_line(state, 80);
  CHECK(terminal.size() <= 79);
  CHECK(has(terminal, "epoch 12/20"));
  CHECK(has(terminal, " 43%"));
  CHECK(has(terminal, "loss 0.4123"));
  CHECK(has(terminal, "ETA 1:07"));
  CHECK_FALSE(has(terminal, "ex/s"));  // the rate goes first

  std::string narrow = tg::format_progress_line(state, 40);
  CHECK(narrow.size() <= 39);
  CHECK(has(narrow, "epoch 12/20"));
  CHECK(has(narrow, " 43%"));
  CHECK(has(narrow, "loss 0.4123"));
  CHECK_FALSE(has(narrow, "["));  // no room for a bar

  std::string tiny = tg::format_progress_line(state, 12);
  CHECK(tiny == "epoch 12/20");  // cut, never wrapped
  for (int width = 2; width <= 160; ++width)
    CHECK(tg::format_progress_line(state, width).size() <= static_cast<size_t>(width - 1));
}

TEST_CASE("terminal_width falls back to $COLUMNS, then to 80, when the stream is not a terminal") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file);
  const char* before = std::getenv("COLUMNS");
  std::string saved = before ? before : "";
  setenv("COLUMNS", "132", 1);
  CHECK(tg::terminal_width(file) == 132);
  setenv("COLUMNS", "wide", 1);
  CHECK(tg::terminal_width(file) == 80);
  unsetenv("COLUMNS");
  CHECK(tg::terminal_width(file) == 80);
  if (before) setenv("COLUMNS", saved.c_str(), 1);
  std::fclose(file);
}

TEST_CASE("piped, a progress prints nothing for a short run and a line per log_seconds for a long one") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file);
  {
    tg::Progress progress("epoch 1/1", 300, {.unit = "ex", .out = file});
    for (int i = 0; i < 300; ++i) progress.step(8, {{"loss", 0.5}});
    progress.finish({{"loss", 0.5}});
  }
  CHECK(read_all(file).empty());  // a 300-step epoch under 10 s: the tool's own epoch line is enough

  std::FILE* slow = std::tmpfile();
  REQUIRE(slow);
  {
    tg::Progress progress("train", 5, {.unit = "chars", .log_seconds = 0, .out = slow});
    for (int i = 0; i < 5; ++i) progress.step(8, {{"loss", 0.5}});
    progress.finish();
  }
  std::string text = read_all(slow);
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find("\x1b[") == std::string::npos);
  CHECK(has(text, "train  [####"));  // not fitted to a width: the whole line
  CHECK(has(text, "step 4/5"));
  CHECK_FALSE(has(text, "step 5/5"));  // the last step is the tool's own line
  std::fclose(file);
  std::fclose(slow);
}

TEST_CASE("a quiet progress prints nothing") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file);
  {
    tg::Progress progress("train", 3, {.log_seconds = 0, .quiet = true, .out = file});
    for (int i = 0; i < 3; ++i) progress.step(1);
    progress.finish();
  }
  CHECK(read_all(file).empty());
  std::fclose(file);
}
