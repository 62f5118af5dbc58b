// Vector sets built in memory, read from a checkpoint, and written back in every vector format.
#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/quantize.hpp"
#include "models/checkpoint.hpp"
#include "models/tokenize.hpp"
#include "models/vectors.hpp"

namespace tg::models {

int64_t WordVectors::id(const std::string& word) const {
  auto it = index.find(word);
  return it == index.end() ? -1 : it->second;
}

WordVectors make_vectors(std::vector<std::string> words, std::vector<float> values, int64_t dim,
                         std::string_view source) {
  if (dim <= 0) fail("{}: dimension {}, expected a positive number", source, dim);
  if (values.size() != words.size() * static_cast<size_t>(dim))
    fail("{}: {} values for {} words of dimension {}, expected {}", source, values.size(), words.size(), dim,
         words.size() * static_cast<size_t>(dim));
  WordVectors out;
  out.dim = dim;
  out.index.reserve(words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i].empty()) fail("{}: word {} is empty", source, i);
    if (!out.index.try_emplace(words[i], static_cast<int64_t>(i)).second)
      fail("{}: word {:?} appears twice (rows {} and {})", source, words[i], out.index.at(words[i]), i);
  }
  out.words = std::move(words);
  out.values = std::move(values);
  return out;
}

WordVectors read_checkpoint_vectors(const std::string& path) {
  ModelFile file = read_model_file(path);
  auto it = file.tensors.find("embedding.weight");
  if (it == file.tensors.end())
    fail("{}: no tensor 'embedding.weight', expected a tapegrad model with an embedding", path);
  // A quantised model (tg-classify quantize) holds an f16/bf16 table, or int8 rows with a scale each.
  Tensor table = it->second;
  if (table.dim() != 2)
    fail("{}: embedding.weight has shape {}, expected a [V, D] table", path, table.shape());
  if (table.dtype() == DType::i8) {
    auto scale = file.tensors.find("embedding.weight_scale");
    if (scale == file.tensors.end())
      fail("{}: embedding.weight is int8 but the file has no embedding.weight_scale", path);
    table = dequantize_per_row(table, scale->second);
  } else if (is_floating(table.dtype())) {
    table = table.to(DType::f32);
  } else {
    fail("{}: embedding.weight has dtype {}, expected a floating-point or int8 table", path, dtype_name(table.dtype()));
  }
  const int64_t rows = table.size(0), dim = table.size(1);
  if (static_cast<int64_t>(file.info.vocab.size()) != rows)
    fail("{}: the vocab has {} tokens, embedding.weight has {} rows", path, file.info.vocab.size(), rows);
  std::vector<float> values(table.f32(), table.f32() + rows * dim);
  WordVectors out = make_vectors(file.info.vocab, std::move(values), dim, path);
  out.format = VectorFormat::auto_detect;  // not a vector file
  return out;
}

namespace {

void check_writable_word(const std::string& path, const std::string& word, int64_t row) {
  if (word.empty()) fail("{}: word {} is empty, which no vector format can hold", path, row);
  if (std::any_of(word.begin(), word.end(), is_ascii_space))
    fail("{}: word {} {:?} has whitespace in it, which no vector format can hold", path, row, word);
}

void append_values(std::string& line, const float* row, int64_t dim) {
  for (int64_t d = 0; d < dim; ++d) fmt::format_to(std::back_inserter(line), " {}", row[d]);
}

}  // namespace

std::string format_vector_line(std::string_view word, const float* row, int64_t dim) {
  std::string line(word);
  append_values(line, row, dim);
  return line;
}

void write_vectors(const std::string& path, const WordVectors& vectors, VectorFormat format) {
  static_assert(std::endian::native == std::endian::little, "word2vec binary files hold little-endian floats");
  if (format == VectorFormat::auto_detect) format = VectorFormat::fasttext_vec;
  for (int64_t i = 0; i < vectors.size(); ++i) check_writable_word(path, vectors.words[i], i);
  AtomicFile out(path);
  std::string buffer;
  auto flush_if_large = [&] {
    if (buffer.size() < (1 << 20)) return;
    out.write(buffer);
    buffer.clear();
  };
  if (format != VectorFormat::glove) buffer += fmt::format("{} {}\n", vectors.size(), vectors.dim);
  for (int64_t i = 0; i < vectors.size(); ++i) {
    if (format == VectorFormat::word2vec_binary) {
      buffer += vectors.words[i];
      buffer += ' ';
      buffer.append(reinterpret_cast<const char*>(vectors.row(i)), static_cast<size_t>(vectors.dim) * sizeof(float));
    } else {
      buffer += vectors.words[i];
      append_values(buffer, vectors.row(i), vectors.dim);
    }
    buffer += '\n';
    flush_if_large();
  }
  out.write(buffer);
  out.commit();
}

}  // namespace tg::models
