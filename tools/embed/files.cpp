// tg-embed convert and export-tsv: the vectors written in another format.
#include <memory>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "tools/common/cli.hpp"
#include "tools/embed/commands.hpp"
#include "tools/embed/input.hpp"

namespace tg::embed {

namespace {

struct FileOptions {
  InputOptions input;
  std::string to;   // convert: word2vec | word2vec-binary | glove | vec
  std::string out;  // convert: the file; export-tsv: the prefix
};

models::VectorFormat output_format(const std::string& name) {
  if (name == "word2vec") return models::VectorFormat::word2vec_text;
  if (name == "word2vec-binary") return models::VectorFormat::word2vec_binary;
  if (name == "glove") return models::VectorFormat::glove;
  return models::VectorFormat::fasttext_vec;  // "vec" (CLI11 has checked the name)
}

int run_convert(const FileOptions& o) {
  models::VectorSet vectors = load_input(o.input);
  models::write_vectors(o.out, vectors, output_format(o.to));
  fmt::print(stderr, "wrote {} words of dimension {} to {} ({})\n", vectors.size(), vectors.dim, o.out, o.to);
  return 0;
}

// PREFIX.vectors.tsv (one row of tab-separated values per word) and PREFIX.metadata.tsv (one word per
// line, no header: a single column), as the TensorFlow Embedding Projector loads them.
int run_export_tsv(const FileOptions& o) {
  models::VectorSet vectors = load_input(o.input);
  for (int64_t i = 0; i < vectors.size(); ++i)
    if (vectors.words[i].find_first_of("\t\n\r") != std::string::npos)
      fail("{}.metadata.tsv: word {} {:?} has a tab or line break in it, which a TSV line cannot hold", o.out, i,
           vectors.words[i]);
  AtomicFile values_file(o.out + ".vectors.tsv"), words_file(o.out + ".metadata.tsv");
  std::string values, words;
  for (int64_t i = 0; i < vectors.size(); ++i) {
    const float* row = vectors.row(i);
    for (int64_t d = 0; d < vectors.dim; ++d) fmt::format_to(std::back_inserter(values), "{}{}", d ? "\t" : "", row[d]);
    values += '\n';
    words += vectors.words[i] + '\n';
  }
  values_file.write(values);
  words_file.write(words);
  values_file.commit();
  words_file.commit();
  fmt::print(stderr, "wrote {0}.vectors.tsv and {0}.metadata.tsv ({1} words, dimension {2})\n", o.out,
             vectors.size(), vectors.dim);
  return 0;
}

}  // namespace

void add_file_commands(CLI::App& app, std::vector<Command>& commands) {
  {
    auto options = std::make_shared<FileOptions>();
    CLI::App* cmd = app.add_subcommand("convert", "write the vectors in another format");
    add_input_options(cmd, options->input);
    cmd->add_option("--to", options->to, "word2vec (text), word2vec-binary, glove or vec (fastText)")
        ->required()->check(CLI::IsMember({"word2vec", "word2vec-binary", "glove", "vec"}));
    cmd->add_option("--out", options->out, "the file to write")->required();
    commands.push_back({cmd, [options] { return run_convert(*options); }});
  }
  {
    auto options = std::make_shared<FileOptions>();
    CLI::App* cmd = app.add_subcommand("export-tsv",
                                       "PREFIX.vectors.tsv and PREFIX.metadata.tsv for embedding projector tools");
    add_input_options(cmd, options->input);
    cmd->add_option("--out", options->out, "PREFIX of the two files")->required();
    commands.push_back({cmd, [options] { return run_export_tsv(*options); }});
  }
}

}  // namespace tg::embed
