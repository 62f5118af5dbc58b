#include "tools/common/cli.hpp"

#include <exception>
#include <filesystem>
#include <new>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/threads.hpp"
#include "tools/common/blas_kernels.hpp"

namespace tg {

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
