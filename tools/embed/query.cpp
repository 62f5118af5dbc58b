// tg-embed neighbors, analogy, similarity, eval-similarity, print-word-vectors: questions asked of
// the vectors, answered on stdout (as fastText's nn, analogies and print-word-vectors).
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "models/similarity.hpp"
#include "tools/common/cli.hpp"
#include "tools/embed/commands.hpp"
#include "tools/embed/input.hpp"

namespace tg::embed {

namespace {

struct QueryOptions {
  InputOptions input;
  std::vector<std::string> words;  // the positional words
  int64_t k = 10;
  std::string eval_path;
  bool lowercase = false;
};

void print_neighbors(const std::vector<models::Neighbor>& neighbors) {
  for (const auto& n : neighbors) fmt::print("{} {:.6f}\n", n.word, n.similarity);
}

int run_neighbors(const QueryOptions& o) {
  models::VectorSet vectors = load_input(o.input);
  models::SimilarityIndex index(vectors);
  print_neighbors(index.neighbors(o.words[0], o.k));
  return 0;
}

int run_analogy(const QueryOptions& o) {
  models::VectorSet vectors = load_input(o.input);
  models::SimilarityIndex index(vectors);
  print_neighbors(index.analogy(o.words[0], o.words[1], o.words[2], o.k));
  return 0;
}

int run_similarity(const QueryOptions& o) {
  models::VectorSet vectors = load_input(o.input);
  models::SimilarityIndex index(vectors);
  fmt::print("{:.6f}\n", index.similarity(o.words[0], o.words[1]));
  return 0;
}

int run_eval_similarity(const QueryOptions& o) {
  models::VectorSet vectors = load_input(o.input);
  models::SimilarityIndex index(vectors);
  models::SimilarityEval eval = models::evaluate_similarity(index, o.eval_path, {.lowercase = o.lowercase});
  fmt::print("{}\n", eval.summary());
  return 0;
}

// Words from stdin (separated by any whitespace), a "word v1 ... vD" line each. A word without a vector
// is reported on stderr and skipped; the exit code stays 0, as a pipeline would want.
int run_print_word_vectors(const QueryOptions& o) {
  models::VectorSet vectors = load_input(o.input);
  std::string word;
  while (std::cin >> word) {
    const float* row = vectors.find(word);
    if (!row) {
      std::fflush(stdout);
      fmt::print(stderr, "warning: unknown word {:?}: no vector, skipped\n", word);
      continue;
    }
    fmt::print("{}\n", models::format_vector_line(word, row, vectors.dim));
  }
  return 0;
}

}  // namespace

void add_query_commands(CLI::App& app, std::vector<Command>& commands) {
  {
    auto options = std::make_shared<QueryOptions>();
    CLI::App* cmd = app.add_subcommand("neighbors", "the k nearest words by cosine similarity (fastText's nn)");
    add_input_options(cmd, options->input);
    cmd->add_option("word", options->words, "the query word")->required()->expected(1);
    cmd->add_option("-k,--k", options->k, "how many neighbours")->check(at_least(1))->capture_default_str();
    commands.push_back({cmd, [options] { return run_neighbors(*options); }});
  }
  {
    auto options = std::make_shared<QueryOptions>();
    CLI::App* cmd = app.add_subcommand("analogy", "A - B + C: the words nearest (3CosAdd, as gensim's most_similar)");
    add_input_options(cmd, options->input);
    cmd->add_option("words", options->words, "A B C, as in: king man woman")->required()->expected(3);
    cmd->add_option("-k,--k", options->k, "how many answers")->check(at_least(1))->capture_default_str();
    commands.push_back({cmd, [options] { return run_analogy(*options); }});
  }
  {
    auto options = std::make_shared<QueryOptions>();
    CLI::App* cmd = app.add_subcommand("similarity", "the cosine similarity of two words");
    add_input_options(cmd, options->input);
    cmd->add_option("words", options->words, "A B")->required()->expected(2);
    commands.push_back({cmd, [options] { return run_similarity(*options); }});
  }
  {
    auto options = std::make_shared<QueryOptions>();
    CLI::App* cmd = app.add_subcommand("eval-similarity",
                                       "Spearman's rho against human scores ('word1 word2 score' lines, e.g. WordSim-353)");
    add_input_options(cmd, options->input);
    cmd->add_option("file", options->eval_path, "the word-similarity file")->required();
    cmd->add_flag("--lowercase", options->lowercase, "lowercase the file's words before looking them up");
    commands.push_back({cmd, [options] { return run_eval_similarity(*options); }});
  }
  {
    auto options = std::make_shared<QueryOptions>();
    CLI::App* cmd = app.add_subcommand("print-word-vectors",
                                       "a 'word v1 ... vD' line for each word read from stdin (as fastText's)");
    add_input_options(cmd, options->input);
    commands.push_back({cmd, [options] { return run_print_word_vectors(*options); }});
  }
}

}  // namespace tg::embed
