#include "tools/embed/input.hpp"

#include "core/error.hpp"

namespace tg::embed {

void add_input_options(CLI::App* cmd, InputOptions& options) {
  auto* vectors = cmd->add_option("--vectors", options.vectors_path,
                                  "word vectors: glove, word2vec text or binary, fastText .vec (detected)");
  auto* model = cmd->add_option("--model", options.model_path, "a tapegrad checkpoint: its embedding and vocab");
  vectors->excludes(model);
  cmd->add_option("--format", options.format, "format of --vectors")
      ->check(CLI::IsMember({"auto", "glove", "word2vec-text", "word2vec-binary", "fasttext-vec"}))
      ->capture_default_str();
  cmd->add_option("--max-words", options.max_words, "read only the first N words of --vectors (0: all)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
}

models::VectorSet load_input(const InputOptions& options) {
  if (options.vectors_path.empty() && options.model_path.empty())
    fail("no input: give --vectors FILE (word vectors) or --model CHECKPOINT (a tapegrad model)");
  if (!options.model_path.empty()) {
    models::VectorSet vectors = models::read_checkpoint_vectors(options.model_path);
    if (options.max_words > 0 && vectors.size() > options.max_words) {
      vectors.words.resize(static_cast<size_t>(options.max_words));
      vectors.values.resize(static_cast<size_t>(options.max_words * vectors.dim));
      vectors =
          models::make_vectors(std::move(vectors.words), std::move(vectors.values), vectors.dim, options.model_path);
    }
    return vectors;
  }
  models::VectorSet vectors = models::read_vectors(
      options.vectors_path, {.format = models::parse_vector_format(options.format), .max_words = options.max_words});
  if (vectors.size() == 0) fail("{}: no word vectors in the file, expected at least one", options.vectors_path);
  for (const auto& warning : vectors.warnings) fmt::print(stderr, "warning: {}\n", warning);
  return vectors;
}

}  // namespace tg::embed
