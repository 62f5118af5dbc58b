// tools/common/cli: --help with every line inside 80 columns, long descriptions wrapped under their column.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/common/cli.hpp"

namespace {

const std::string kLong =
    "continue from <out>.state.safetensors; the architecture and --seed must match, --lr, --epochs and "
    "--threads are taken from this command line";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// text's words, one space after each: the text with its line breaks and indents gone
std::string words_of(const std::string& text) {
  std::istringstream in(text);
  std::string words;
  for (std::string word; in >> word;) words += word + " ";
  return words;
}

}  // namespace

TEST_CASE("fit_help_to_80_columns: every line of a command's and a subcommand's help fits, no word is lost") {
  CLI::App app{"tg-x: " + kLong};
  CLI::App* train = app.add_subcommand("train", kLong);
  bool resume = false;
  train->add_flag("--resume", resume, kLong);
  std::string name_that_fills_the_column;
  train->add_option("--a-very-long-option-name-indeed", name_that_fills_the_column, "short");
  tg::fit_help_to_80_columns(app);

  for (const std::string& help : {app.help(), train->help()}) {
    for (const std::string& line : lines_of(help)) CHECK_MESSAGE(line.size() <= 80, line);
    // The long text is all there, in order: only line breaks (and their indent) changed.
    CHECK(words_of(help).find(words_of(kLong)) != std::string::npos);
  }
  // A continuation line starts under its description's column (30, CLI11's default), not at column 0.
  const std::vector<std::string> lines = lines_of(train->help());
  for (size_t k = 0; k + 1 < lines.size(); ++k)
    if (lines[k].find("  --resume") == 0) {
      CHECK(lines[k].substr(30, 8) == "continue");
      CHECK(lines[k + 1].find_first_not_of(' ') == 30);
    }
  // An option name reaching the column puts its description on the next line, at the column.
  const std::string help = train->help();
  CHECK(help.find("--a-very-long-option-name-indeed TEXT\n" + std::string(30, ' ') + "short\n") != std::string::npos);
}
