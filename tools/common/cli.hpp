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
// Every tool gets `--version` here ("tg-classify 0.1.0", the project version from meson.build).
// Exit codes: 0 success (and --help, --version); 2 a usage error found by CLI11 (unknown flag, missing or
// malformed value), printed as "error: <CLI11's message> (run with --help for usage)";
// 1 a tg::Error or other exception thrown by `run`, printed as "error: <message>".
#include <functional>

#include <CLI/CLI.hpp>

namespace tg {

int run_tool(CLI::App& app, int argc, char** argv, const std::function<int()>& run);

// A CLI11 check that a number is at least `min`: "--epochs: expected a number >= 1, found 0".
CLI::Validator at_least(double min);

}  // namespace tg
