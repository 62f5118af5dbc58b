// tg-embed train: skip-gram with negative sampling on a tokenised text (models/skipgram.hpp), the
// vectors written in any format. Options and defaults as fastText's `skipgram`.
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "models/skipgram.hpp"
#include "tools/common/cli.hpp"
#include "tools/common/progress.hpp"
#include "tools/embed/commands.hpp"

namespace tg::embed {

namespace {

struct TrainOptions {
  std::string text_path, out_path;
  std::string format = "vec";
  int64_t min_count = 5;
  models::SkipGramConfig config;
  bool quiet = false;
};

models::VectorFormat output_format(const std::string& name) {
  if (name == "word2vec") return models::VectorFormat::word2vec_text;
  if (name == "word2vec-binary") return models::VectorFormat::word2vec_binary;
  if (name == "glove") return models::VectorFormat::glove;
  return models::VectorFormat::fasttext_vec;
}

int run_train(const TrainOptions& o) {
  models::SkipGramCorpus corpus = models::read_skipgram_corpus(o.text_path, {.min_count = o.min_count});
  const models::SkipGramConfig& config = o.config;
  if (!o.quiet)
    fmt::print(stderr, "read {} tokens: {} words kept (min-count {}), {} sentences\nskip-gram: dim {}, window {}, "
               "negative {}, epochs {}, lr {:g}, sample {:g}, {} thread{}\n", corpus.tokens_read, corpus.vocab_size(), o.min_count,
               corpus.sentence_end.size(), config.dim, config.window, config.negative, config.epochs, config.lr,
               config.sample, config.threads, config.threads == 1 ? "" : "s");
  // The bar on a terminal only: piped (a log, a test), the run is quiet until its summary line.
  const int64_t total = config.epochs * corpus.train_words();
  Progress progress("train", total, {.unit = "words", .quiet = o.quiet || !is_terminal(stderr)});
  int64_t shown = 0;
  models::SkipGramModel model = models::train_skipgram(corpus, config, [&](const models::SkipGramProgress& p) {
    progress.step(p.words_done - shown, {{"loss", p.loss}, {"lr", p.lr}}, p.words_done - shown);  // a step is a word
    shown = p.words_done;
  });
  progress.finish({{"loss", model.loss}, {"lr", 0.0}});
  models::write_vectors(o.out_path, model.vectors, output_format(o.format));
  if (!o.quiet)
    fmt::print(stderr, "trained in {:.1f} s: {:.0f} words/s/thread, loss {:.4f}; wrote {} ({} words, {})\n",
               model.seconds, double(model.words_done) / model.seconds / config.threads, model.loss, o.out_path,
               model.vectors.size(), o.format);
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, std::vector<Command>& commands) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand("train", "skip-gram with negative sampling on a tokenised text (word2vec, fastText's skipgram)");
  cmd->add_option("--text", o->text_path, "the text: whitespace-separated words, a sentence per line")->required();
  cmd->add_option("--out", o->out_path, "the vectors file to write")->required();
  cmd->add_option("--format", o->format, "vec (fastText), word2vec (text), word2vec-binary or glove")
      ->check(CLI::IsMember({"vec", "word2vec", "word2vec-binary", "glove"}))->capture_default_str();
  cmd->add_option("--dim", o->config.dim, "vector size")->check(at_least(1))->capture_default_str();
  cmd->add_option("--window", o->config.window, "the largest context window")->check(at_least(1))->capture_default_str();
  cmd->add_option("--negative", o->config.negative, "negatives per pair")->check(at_least(0))->capture_default_str();
  cmd->add_option("--min-count", o->min_count, "keep words seen at least this often")->check(at_least(1))->capture_default_str();
  cmd->add_option("--epochs", o->config.epochs, "passes over the text")->check(at_least(1))->capture_default_str();
  cmd->add_option("--lr", o->config.lr, "starting learning rate, decayed linearly to 0")
      ->check(CLI::Range(1e-9, 10.0))->capture_default_str();
  cmd->add_option("--sample", o->config.sample, "subsampling threshold (0: keep every word)")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  cmd->add_option("--threads", o->config.threads, "Hogwild threads")->check(at_least(1))->capture_default_str();
  cmd->add_option("--seed", o->config.seed, "seed of the initial vectors and each thread's draws")->capture_default_str();
  cmd->add_flag("--quiet", o->quiet, "no progress and no summary lines");
  commands.push_back({cmd, [o] { return run_train(*o); }});
}

}  // namespace tg::embed
