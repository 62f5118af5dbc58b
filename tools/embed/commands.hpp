#pragma once
// tg-embed's subcommands. Each file adds its own subcommands to the app and says how to run them;
// main.cpp runs the one that was parsed. A subcommand's options live in the closure of its `run`.
//
//   void add_query_commands(CLI::App& app, std::vector<tg::embed::Command>& commands) {
//     auto options = std::make_shared<NeighborOptions>();
//     CLI::App* cmd = app.add_subcommand("neighbors", "the nearest words by cosine similarity");
//     cmd->add_option("word", options->word)->required();
//     commands.push_back({cmd, [options] { return run_neighbors(*options); }});
//   }
#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace tg::embed {

struct Command {
  CLI::App* app;             // the subcommand
  std::function<int()> run;  // its exit code
};

void add_query_commands(CLI::App& app, std::vector<Command>& commands);    // neighbors, analogy, similarity, eval-similarity, print-word-vectors
void add_file_commands(CLI::App& app, std::vector<Command>& commands);     // convert, export-tsv
void add_train_command(CLI::App& app, std::vector<Command>& commands);     // train (skip-gram)
void add_picture_commands(CLI::App& app, std::vector<Command>& commands);  // heatmap, plot
void add_memory_command(CLI::App& app, std::vector<Command>& commands);    // memory

}  // namespace tg::embed
