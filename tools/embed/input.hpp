#pragma once
// The input every tg-embed subcommand takes: word vectors from a file (--vectors, any format
// models/vectors.hpp reads) or the embedding of a tapegrad checkpoint (--model).
//
//   tg::embed::InputOptions input;
//   tg::embed::add_input_options(cmd, input);           // --vectors, --model, --format, --max-words
//   ...
//   tg::models::VectorSet vectors = tg::embed::load_input(input);  // one of the two, at least one word
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "models/vectors.hpp"

namespace tg::embed {

struct InputOptions {
  std::string vectors_path;    // --vectors FILE
  std::string model_path;      // --model CHECKPOINT
  std::string format = "auto"; // --format of the vector file: auto, glove, word2vec-text, word2vec-binary, fasttext-vec
  int64_t max_words = 0;       // --max-words: the first N words of the file; 0 = all
};

// Adds --vectors, --model (mutually exclusive), --format and --max-words to cmd.
void add_input_options(CLI::App* cmd, InputOptions& options);

// Reads the input. Throws tg::Error (one line) when neither or both are given, when the file cannot be
// read as vectors, or when it holds no words.
models::VectorSet load_input(const InputOptions& options);

}  // namespace tg::embed
