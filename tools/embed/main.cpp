// tg-embed: look at, query, convert, train and measure word vectors.
//   tg-embed neighbors --vectors FILE WORD [-k 10]     (and analogy, similarity, eval-similarity, ...)
//   tg-embed plot --vectors FILE --method tsne --top 100 --out words.svg
//   tg-embed train --text corpus.txt --out vectors.vec
// `tg-embed SUBCOMMAND --help` lists each one's options.
#include "tools/common/cli.hpp"
#include "tools/embed/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"tg-embed: look at, query, convert, train and measure word vectors"};
  app.require_subcommand(1);
  std::vector<tg::embed::Command> commands;
  tg::embed::add_query_commands(app, commands);  // neighbors, analogy, similarity, eval-similarity, print-word-vectors
  tg::embed::add_file_commands(app, commands);   // convert, export-tsv
  tg::embed::add_train_command(app, commands);   // train
  tg::embed::add_picture_commands(app, commands);  // heatmap, plot
  tg::embed::add_memory_command(app, commands);   // memory
  return tg::run_tool(app, argc, argv, [&] {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
    return 2;  // unreachable: require_subcommand(1)
  });
}
