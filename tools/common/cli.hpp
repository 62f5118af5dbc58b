#pragma once
// The shared main() of every tool: pick OpenBLAS's fast kernels (tools/common/blas_kernels.hpp), flush
// denormals to zero (core/threads.hpp), parse the command line with CLI11, run, and turn every failure
// into one line on stderr and an exit code.
//
//   int main(int argc, char** argv) {
//     CLI::App app{"tg-classify: train and use text classifiers"};
//     ... add subcommands and options ...
//     return tg::run_tool(app, argc, argv, [&] { return train->parsed() ? run_train(opt) : ...; });
//   }
//
// Every tool gets `--version` here ("tg-classify 0.1.0", the project version from meson.build), and a
// --help whose lines fit 80 columns.
// Exit codes: 0 success (and --help, --version); 2 a usage error found by CLI11 (unknown flag, missing or
// malformed value), printed as "error: <CLI11's message> (run with --help for usage)";
// 1 a tg::Error or other exception thrown by `run`, printed as "error: <message>".
#include <functional>

#include <CLI/CLI.hpp>

namespace tg {

// --help of app and its subcommands with every line inside 80 columns (run_tool calls it): a long
// description wraps under its own column instead of at the terminal's edge.
void fit_help_to_80_columns(CLI::App& app);

int run_tool(CLI::App& app, int argc, char** argv, const std::function<int()>& run);

// A CLI11 check that a number is at least `min`: "--epochs: expected a number >= 1, found 0".
CLI::Validator at_least(double min);

}  // namespace tg
