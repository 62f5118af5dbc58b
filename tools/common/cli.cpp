#include "tools/common/cli.hpp"

#include <exception>
#include <filesystem>
#include <memory>
#include <new>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/threads.hpp"
#include "tools/common/blas_kernels.hpp"

namespace tg {

namespace {

// CLI11's help with every line inside 80 columns, as fastText's and GNU tools' help is: a description
// too long for its line wraps at a space and goes on under its own column (CLI11 lets the terminal
// wrap it, back at column 0, which buries the next option).
constexpr size_t kHelpWidth = 80;

// text (paragraphs split by '\n') as lines of at most `width` characters, each after the first
// starting with `indent` spaces; a word longer than a line stays whole.
std::string wrap(const std::string& text, size_t indent, size_t width) {
  std::string out, paragraph;
  std::istringstream paragraphs(text);
  bool first_line = true;
  while (std::getline(paragraphs, paragraph)) {
    std::istringstream words(paragraph);
    std::string word, line;
    auto flush = [&] {
      out += (first_line ? "" : "\n" + std::string(indent, ' ')) + line;
      first_line = false;
      line.clear();
    };
    while (words >> word) {
      if (!line.empty() && line.size() + 1 + word.size() > width) flush();
      line += (line.empty() ? "" : " ") + word;
    }
    flush();
  }
  return out;
}

class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option(const CLI::Option* opt, bool is_positional) const override {
    return row(make_option_name(opt, is_positional) + make_option_opts(opt), make_option_desc(opt));
  }
  std::string make_subcommand(const CLI::App* sub) const override {
    return row(sub->get_display_name(true), sub->get_description());
  }
  std::string make_description(const CLI::App* app) const override {
    const std::string desc = CLI::Formatter::make_description(app);
    return desc.empty() ? desc : wrap(desc, 0, kHelpWidth) + "\n";
  }

 private:
  // "  name      description": the description starts at column_width_ (on the next line when the
  // name reaches it), as CLI11 lays it out.
  std::string row(const std::string& name, const std::string& description) const {
    std::string out = "  " + name;
    if (!description.empty()) {
      out += out.size() < column_width_ ? std::string(column_width_ - out.size(), ' ')
                                        : "\n" + std::string(column_width_, ' ');
      out += wrap(description, column_width_, kHelpWidth - column_width_);
    }
    return out + "\n";
  }
};

}  // namespace

// Every (sub)command gets the formatter: CLI11 copies a parent's only into subcommands made after it.
void fit_help_to_80_columns(CLI::App& app) {
  static const auto formatter = std::make_shared<HelpFormatter>();
  app.formatter(formatter);
  for (CLI::App* sub : app.get_subcommands({})) fit_help_to_80_columns(*sub);
}

CLI::Validator at_least(double min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) return fmt::format("expected a number, found '{}'", text);
        if (value < min) return fmt::format("expected a number >= {}, found {}", min, text);
        return "";
      },
      fmt::format("NUMBER >= {}", min));
}

int run_tool(CLI::App& app, int argc, char** argv, const std::function<int()>& run) {
  // TAPEGRAD_VERSION is the project's version in meson.build (tools/common/meson.build passes it).
  std::string name = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "tapegrad";
  app.set_version_flag("--version", name + " " + TAPEGRAD_VERSION, "print the version and exit");
  fit_help_to_80_columns(app);
  use_fast_blas_kernels(argv);
  set_flush_denormal(true);  // see core/threads.hpp: dense Adam on rare rows was 3.7x slower without
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // prints the help, exit 0
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "error: {} (run with --help for usage)\n", e.what());
    return 2;
  }
  try {
    return run();
  } catch (const Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "error: out of memory\n");
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
  }
  return 1;
}

}  // namespace tg
