#pragma once
// Pretrained word vectors (GloVe, word2vec, fastText) and filling an embedding table from them.
//
// Formats, detected from the first bytes unless VectorReadOptions::format says which:
//   glove            text, no header: "word v1 ... vD" per line; D comes from the first line
//   word2vec-text    text, first line "V D" (word count, dimension), then V lines as in glove
//   fasttext-vec     fastText's .vec files: the same as word2vec-text
//   word2vec-binary  first line "V D", then per word: the word, a space, D little-endian float32,
//                    and an optional '\n'
// A fastText binary model (.bin, first int32 793712314) is refused with a message saying so.
// A file that starts with two integers has a header; it is binary unless the line after the header
// reads as a word followed by D numbers. (A GloVe file of dimension 1 whose first word is a number
// looks like a header: name its format.)
//
//   tg::models::WordVectors glove = tg::models::read_vectors("glove.6B.50d.txt", {.expected_dim = 50});
//   tg::models::Coverage c = tg::models::fill_embedding(model.embedding.weight, vocab.to_lines(), glove);
//   fmt::print("{}\n", c.summary());
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/random.hpp"
#include "core/tensor.hpp"

namespace tg::models {

enum class VectorFormat { auto_detect, word2vec_text, glove, word2vec_binary, fasttext_vec };

const char* vector_format_name(VectorFormat format);  // "auto", "word2vec-text", "glove", ...
VectorFormat parse_vector_format(std::string_view name);  // the inverse; tg::Error on an unknown name

struct VectorReadOptions {
  VectorFormat format = VectorFormat::auto_detect;
  int64_t max_words = 0;     // keep at most this many words (the first ones in the file); 0 = all
  int64_t expected_dim = 0;  // the dimension the file must have; 0 = any
};

struct WordVectors {
  int64_t dim = 0;
  std::vector<std::string> words;  // in file order
  std::vector<float> values;       // [words.size(), dim], row i is the vector of words[i]
  std::unordered_map<std::string, int64_t> index;  // word -> row
  VectorFormat format = VectorFormat::auto_detect;  // the format read (after detection)
  std::vector<std::string> warnings;  // one line each, e.g. about duplicate words

  int64_t size() const { return static_cast<int64_t>(words.size()); }
  const float* row(int64_t i) const { return values.data() + i * dim; }
  const float* find(const std::string& word) const;  // nullptr when absent
  int64_t id(const std::string& word) const;          // its row, -1 when absent
};

// The one "words + [V, D] table" type: read from a vector file or a checkpoint, queried
// (models/similarity.hpp), trained (models/skipgram.hpp) and written back in any format.
using VectorSet = WordVectors;

// A vector set from words and their rows (values is [words.size(), dim]). Throws on an empty or
// repeated word, or when values.size() != words.size() * dim; `source` names the origin in errors.
WordVectors make_vectors(std::vector<std::string> words, std::vector<float> values, int64_t dim,
                         std::string_view source = "vectors");

// The embedding of a tapegrad checkpoint (tg-classify or tg-charlm): the tensor "embedding.weight"
// [V, D] and the checkpoint's vocab, row i being the vector of vocab[i] (<pad> and <unk> included).
// Errors name the file: "model.safetensors: no tensor 'embedding.weight', expected a model with an
// embedding", "...: the vocab has 9 tokens, embedding.weight has 10 rows".
WordVectors read_checkpoint_vectors(const std::string& path);

// Writes the vectors in `format` (auto_detect: fasttext-vec), atomically (core/atomic_file.hpp):
//   glove            "word v1 ... vD" per line
//   word2vec-text,   "V D", then the glove lines
//   fasttext-vec
//   word2vec-binary  "V D\n", then "word " + D little-endian float32 + "\n" per word
// Text values are printed as the shortest decimal that reads back as the same float32 (fmt "{}"),
// so every format round-trips exactly. A word with whitespace in it cannot be written to any of
// these formats: that throws, naming the word, and no file is written.
void write_vectors(const std::string& path, const WordVectors& vectors, VectorFormat format);

// One text line "word v1 ... vD" (no newline), values as write_vectors prints them.
std::string format_vector_line(std::string_view word, const float* row, int64_t dim);

// Reads a vectors file. Errors name the place: "vectors.txt:118: expected 50 values after the word,
// found 49"; binary files name the entry: "vectors.bin: word 7 (byte 160): ...". A word that appears
// twice keeps its first vector; the repeats are counted in one warning.
WordVectors read_vectors(const std::string& path, const VectorReadOptions& options = {});

// How much of a vocabulary the vectors cover. total counts every word but the special tokens <pad>
// and <unk> (which are never listed as missing).
struct Coverage {
  static constexpr double kLowFraction = 0.5;  // below this, low_coverage_warning() speaks up

  int64_t found = 0;
  int64_t total = 0;
  int64_t found_lowercase = 0;             // of found: matched only after lowercasing
  std::vector<std::string> missing_sample;  // the first missing words, in id order

  double fraction() const { return total ? static_cast<double>(found) / total : 0.0; }
  std::string summary() const;  // "found 9120 of 10000 words (91.2%); missing: 'foo', 'bar', ..."
  // "warning: the vectors cover only 12.0% of the 10000 words (below 50%): ..." or "" when not low.
  std::string low_coverage_warning() const;
};

struct EmbeddingFillOptions {
  bool init_missing = true;     // rows without a vector get U(-missing_range, missing_range) ...
  double missing_range = 0.25;  // ... otherwise they are left as they are
  bool lowercase_fallback = false;  // "Paris" takes the vector of "paris" when "Paris" has none (ASCII)
  int64_t padding_id = 0;           // this row is set to zeros; -1 = no padding row
  size_t missing_sample_size = 10;
};

// Fills table [vocab.size(), vectors.dim] row by row: vocab[id] is the word of row id.
// Random rows are drawn in id order from gen, so a seeded run is reproducible.
Coverage fill_embedding(float* table, const std::vector<std::string>& vocab, const WordVectors& vectors,
                        const EmbeddingFillOptions& options = {}, Generator& gen = default_generator());
// The same for an f32 tensor of shape [vocab.size(), vectors.dim] (an Embedding's weight: the write
// is not recorded on the tape).
Coverage fill_embedding(Tensor& table, const std::vector<std::string>& vocab, const WordVectors& vectors,
                        const EmbeddingFillOptions& options = {}, Generator& gen = default_generator());

}  // namespace tg::models
