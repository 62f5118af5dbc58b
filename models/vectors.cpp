#include "models/vectors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/error.hpp"
#include "models/tokenize.hpp"
#include "models/vocab.hpp"

namespace tg::models {

static_assert(std::endian::native == std::endian::little, "word2vec binary files hold little-endian floats");

// ---------------------------------------------------------------- format names

namespace {

struct FormatName {
  VectorFormat format;
  const char* name;
};
constexpr FormatName kFormatNames[] = {{VectorFormat::auto_detect, "auto"},
                                       {VectorFormat::word2vec_text, "word2vec-text"},
                                       {VectorFormat::glove, "glove"},
                                       {VectorFormat::word2vec_binary, "word2vec-binary"},
                                       {VectorFormat::fasttext_vec, "fasttext-vec"}};

}  // namespace

const char* vector_format_name(VectorFormat format) {
  for (const auto& f : kFormatNames)
    if (f.format == format) return f.name;
  return "?";
}

VectorFormat parse_vector_format(std::string_view name) {
  for (const auto& f : kFormatNames)
    if (name == f.name) return f.format;
  fail("vectors: unknown format {:?}, expected auto, word2vec-text, glove, word2vec-binary or fasttext-vec", name);
}

const float* WordVectors::find(const std::string& word) const {
  auto it = index.find(word);
  return it == index.end() ? nullptr : row(it->second);
}

namespace {

// ---------------------------------------------------------------- the file, mapped into memory

// The whole file as one read-only string_view (the kernel pages it in as the parser walks it).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("{}: cannot open: {}", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      fail("{}: not a regular file", path);
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) {
      ::close(fd);
      fail("{}: the file is empty, expected word vectors", path);
    }
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    int map_errno = errno;
    ::close(fd);
    if (p == MAP_FAILED) fail("{}: cannot read: {}", path, std::strerror(map_errno));
    ::madvise(p, size_, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(p);
  }
  ~MappedFile() { ::munmap(const_cast<char*>(data_), size_); }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view text() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// ---------------------------------------------------------------- text lines and fields

bool is_blank(std::string_view line) { return std::all_of(line.begin(), line.end(), is_ascii_space); }

// Walks the text line by line; number is the 1-based line number of the last line returned.
struct LineReader {
  std::string_view text;
  size_t pos = 0;
  int64_t number = 0;

  bool next(std::string_view& line) {
    if (pos >= text.size()) return false;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = std::min(end + 1, text.size());
    ++number;
    return true;
  }
};

// Cuts the next space-separated field off the front of s (empty when none is left).
std::string_view next_field(std::string_view& s) {
  size_t begin = 0;
  while (begin < s.size() && is_ascii_space(s[begin])) ++begin;
  size_t end = begin;
  while (end < s.size() && !is_ascii_space(s[end])) ++end;
  std::string_view field = s.substr(begin, end - begin);
  s.remove_prefix(end);
  return field;
}

int64_t count_fields(std::string_view line) {
  int64_t n = 0;
  while (!next_field(line).empty()) ++n;
  return n;
}

// Long tokens are cut in error messages, so that an error stays one readable line. Messages print
// them with {:?}, which quotes them and escapes control characters such as a stray '\n'.
std::string shorten(std::string_view s) {
  return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 37)) + "...";
}

// One parsed "word v1 ... vD" line. values_found counts every field after the word, so that an
// error can say "found 49"; bad_value is the first field that is not a float (empty if none).
struct TextEntry {
  std::string_view word;
  int64_t values_found = 0;
  std::string_view bad_value;
  int64_t bad_index = 0;  // 1-based position of bad_value after the word
  std::string_view nonfinite_value;  // the first "nan", "inf", "-inf" ...: a number, but not a usable one
  int64_t nonfinite_index = 0;
};

// Parses a line, writing at most dim values to out. This is the hot loop of the reader: each value
// is parsed by from_chars straight from the line, which must then be at a space or at the end.
TextEntry parse_text_entry(std::string_view line, int64_t dim, float* out) {
  TextEntry e;
  e.word = next_field(line);
  const char* p = line.data();
  const char* end = p + line.size();
  while (true) {
    while (p < end && is_ascii_space(*p)) ++p;
    if (p == end) break;
    const char* field = p;
    float value = 0;
    auto [after, ec] = std::from_chars(p, end, value);
    p = after;
    if (ec != std::errc() || (p < end && !is_ascii_space(*p))) {  // not a number, or a number and more
      while (p < end && !is_ascii_space(*p)) ++p;
      if (e.bad_value.empty()) {
        e.bad_value = std::string_view(field, static_cast<size_t>(p - field));
        e.bad_index = e.values_found + 1;
      }
    }
    else if (!std::isfinite(value) && e.nonfinite_value.empty()) {
      e.nonfinite_value = std::string_view(field, static_cast<size_t>(p - field));
      e.nonfinite_index = e.values_found + 1;
    }
    if (e.values_found < dim) out[e.values_found] = value;
    ++e.values_found;
  }
  return e;
}

void check_text_entry(const std::string& path, int64_t line_number, const TextEntry& e, int64_t dim) {
  if (!e.bad_value.empty())
    fail("{}:{}: value {} after {:?} is {:?}, expected a float32 number", path, line_number, e.bad_index,
         shorten(e.word), shorten(e.bad_value));
  if (e.values_found != dim)
    fail("{}:{}: expected {} values after the word, found {}", path, line_number, dim, e.values_found);
  if (!e.nonfinite_value.empty())
    fail("{}:{}: value {} after {:?} is {:?}, expected a finite number (training on it would give nan)", path,
         line_number, e.nonfinite_index, shorten(e.word), shorten(e.nonfinite_value));
}

// The first value of a binary row that is nan or inf, or -1.
int64_t first_nonfinite(const float* row, int64_t dim) {
  for (int64_t i = 0; i < dim; ++i)
    if (!std::isfinite(row[i])) return i;
  return -1;
}

// ---------------------------------------------------------------- header and format detection

struct Header {
  int64_t count = 0;  // V, the number of words the file says it holds
  int64_t dim = 0;    // D
};

bool parse_count(std::string_view field, int64_t& value) {
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  return ec == std::errc() && end == field.data() + field.size() && value >= 0;
}

// A first line of exactly two non-negative integers: "V D".
bool parse_header(std::string_view line, Header& header) {
  std::string_view count = next_field(line), dim = next_field(line);
  return !dim.empty() && next_field(line).empty() && parse_count(count, header.count) &&
         parse_count(dim, header.dim);
}

// After a header: does the next line read as "word v1 ... vD" in text?
bool next_line_is_text(std::string_view rest, int64_t dim) {
  LineReader lines{rest};
  std::string_view line;
  if (!lines.next(line)) return true;  // nothing after the header: an empty text file
  if (static_cast<uint64_t>(dim) > line.size() / 2) return false;  // too short for D numbers and spaces
  std::vector<float> scratch(static_cast<size_t>(dim));
  TextEntry e = parse_text_entry(line, dim, scratch.data());
  return e.bad_value.empty() && e.values_found == dim;
}

VectorFormat detect_format(std::string_view text) {
  LineReader lines{text};
  std::string_view first;
  lines.next(first);
  Header header;
  if (!parse_header(first, header)) return VectorFormat::glove;
  if (header.dim > 0 && !next_line_is_text(text.substr(lines.pos), header.dim)) return VectorFormat::word2vec_binary;
  return VectorFormat::word2vec_text;
}

// ---------------------------------------------------------------- building the result

// Appends words, skipping repeats; where_first_repeats remembers a few for the warning.
struct VectorsBuilder {
  WordVectors& out;
  int64_t max_words;
  const char* unit;  // how a place in the file is named in the warning: "line" or "word"
  int64_t repeats = 0;
  std::vector<std::string> where_first_repeats{};

  bool full() const { return max_words > 0 && out.size() >= max_words; }

  // The row for the next word, to parse into (dropped again by commit() when the word is a repeat).
  float* next_row() {
    out.values.resize(out.values.size() + static_cast<size_t>(out.dim));
    return out.values.data() + out.values.size() - out.dim;
  }

  void commit(std::string_view word, int64_t place) {
    auto [it, inserted] = out.index.try_emplace(std::string(word), out.size());
    if (inserted) {
      out.words.push_back(it->first);
      return;
    }
    out.values.resize(out.values.size() - static_cast<size_t>(out.dim));
    if (++repeats <= 5) where_first_repeats.push_back(fmt::format("{:?} ({} {})", shorten(word), unit, place));
  }

  void warn_about_repeats(const std::string& path) {
    if (repeats == 0) return;
    std::string examples;
    for (const auto& w : where_first_repeats) examples += (examples.empty() ? "" : ", ") + w;
    out.warnings.push_back(fmt::format("{}: {} repeated word{} ignored, the first vector of each was kept: {}{}",
                                       path, repeats, repeats == 1 ? "" : "s", examples,
                                       repeats > 5 ? ", ..." : ""));
  }
};

void check_dim(const std::string& path, int64_t dim, int64_t expected, const char* what) {
  if (dim <= 0) fail("{}:1: {} gives dimension {}, expected a positive number", path, what, dim);
  if (expected > 0 && dim != expected)
    fail("{}:1: {} gives dimension {}, expected {}", path, what, dim, expected);
}

// Reserves the values array when the header's promise fits in the file (a corrupt header could
// otherwise ask for terabytes).
void reserve_for(WordVectors& out, const Header& header, int64_t max_words, size_t file_bytes, size_t bytes_per_value) {
  int64_t words = max_words > 0 ? std::min(header.count, max_words) : header.count;
  if (header.dim > 0 && words <= static_cast<int64_t>(file_bytes / bytes_per_value / header.dim)) {
    out.values.reserve(static_cast<size_t>(words * header.dim));
    out.words.reserve(static_cast<size_t>(words));
    out.index.reserve(static_cast<size_t>(words));
  }
}

// Text lines after `lines`' current position; stops at count words when count >= 0 (a header).
void read_text_entries(const std::string& path, LineReader& lines, int64_t count, VectorsBuilder& builder) {
  std::string_view line;
  int64_t entries = 0;
  while (!builder.full() && (count < 0 || entries < count) && lines.next(line)) {
    if (is_blank(line)) continue;
    TextEntry e = parse_text_entry(line, builder.out.dim, builder.next_row());
    check_text_entry(path, lines.number, e, builder.out.dim);
    builder.commit(e.word, lines.number);
    ++entries;
  }
  if (count < 0 || builder.full()) return;
  if (entries < count)
    fail("{}:{}: the header says {} words, but the file ends after {}", path, lines.number + 1, count, entries);
  while (lines.next(line))
    if (!is_blank(line)) fail("{}:{}: the header says {} words, but more lines follow", path, lines.number, count);
}

void read_glove(const std::string& path, std::string_view text, const VectorReadOptions& options,
                WordVectors& out) {
  LineReader lines{text};
  std::string_view first;
  while (lines.next(first) && is_blank(first)) {
  }
  int64_t values_on_first_line = count_fields(first) - 1;
  if (values_on_first_line <= 0)
    fail("{}:{}: expected a word followed by its vector, found {:?}", path, lines.number, shorten(first));
  if (options.expected_dim > 0 && values_on_first_line != options.expected_dim)
    fail("{}:{}: expected {} values after the word, found {}", path, lines.number, options.expected_dim,
         values_on_first_line);
  out.dim = values_on_first_line;
  LineReader from_first{text};  // read the first line again, as an entry
  VectorsBuilder builder{out, options.max_words, "line"};
  read_text_entries(path, from_first, -1, builder);
  builder.warn_about_repeats(path);
}

Header read_header(const std::string& path, LineReader& lines, const VectorReadOptions& options) {
  std::string_view first;
  lines.next(first);
  Header header;
  if (!parse_header(first, header))
    fail("{}:1: expected a header 'word_count dimension', found {:?}", path, shorten(first));
  check_dim(path, header.dim, options.expected_dim, "the header");
  if (header.count > 0 && static_cast<size_t>(header.dim) > lines.text.size())
    fail("{}:1: the header gives dimension {}, more than a file of {} bytes can hold", path, header.dim,
         lines.text.size());
  return header;
}

void read_word2vec_text(const std::string& path, std::string_view text, const VectorReadOptions& options,
                        WordVectors& out) {
  LineReader lines{text};
  Header header = read_header(path, lines, options);
  out.dim = header.dim;
  reserve_for(out, header, options.max_words, text.size(), 2);  // a text value takes at least 2 bytes
  VectorsBuilder builder{out, options.max_words, "line"};
  read_text_entries(path, lines, header.count, builder);
  builder.warn_about_repeats(path);
}

// word2vec's binary layout after the header: "word" ' ' float32[D], then usually '\n'.
void read_word2vec_binary(const std::string& path, std::string_view text, const VectorReadOptions& options,
                          WordVectors& out) {
  LineReader lines{text};
  Header header = read_header(path, lines, options);
  out.dim = header.dim;
  reserve_for(out, header, options.max_words, text.size(), 4);
  VectorsBuilder builder{out, options.max_words, "word"};
  size_t pos = lines.pos;
  const size_t vector_bytes = static_cast<size_t>(header.dim) * 4;
  for (int64_t n = 1; n <= header.count && !builder.full(); ++n) {
    while (pos < text.size() && text[pos] == '\n') ++pos;
    size_t space = text.find(' ', pos);
    if (pos >= text.size() || space == std::string_view::npos)
      fail("{}: word {} (byte {}): the header says {} words, but the file ends after {}", path, n, pos,
           header.count, n - 1);
    std::string_view word = text.substr(pos, space - pos);
    if (word.empty() || word.find('\n') != std::string_view::npos)
      fail("{}: word {} (byte {}): expected a word and a space, found {:?}", path, n, pos, shorten(word));
    size_t values_at = space + 1;
    if (text.size() - values_at < vector_bytes)
      fail("{}: word {} (byte {}): expected {} float32 values after {:?}, but the file ends after {} bytes", path,
           n, pos, header.dim, shorten(word), text.size() - values_at);
    float* row = builder.next_row();
    std::memcpy(row, text.data() + values_at, vector_bytes);
    if (int64_t bad = first_nonfinite(row, header.dim); bad >= 0)
      fail("{}: word {} (byte {}): value {} of {:?} is {}, expected a finite number (training on it would give nan)",
           path, n, values_at + 4 * static_cast<size_t>(bad), bad + 1, shorten(word), row[bad]);
    builder.commit(word, n);
    pos = values_at + vector_bytes;
  }
  while (!builder.full() && pos < text.size() && text[pos] == '\n') ++pos;
  if (!builder.full() && pos < text.size())
    fail("{}: byte {}: the header says {} words, but {} more bytes follow the last one", path, pos, header.count,
         text.size() - pos);
  builder.warn_about_repeats(path);
}

}  // namespace

WordVectors read_vectors(const std::string& path, const VectorReadOptions& options) {
  if (options.max_words < 0) fail("read_vectors: {}: max_words is {}, expected >= 0 (0 = all)", path, options.max_words);
  if (options.expected_dim < 0)
    fail("read_vectors: {}: expected_dim is {}, expected >= 0 (0 = any)", path, options.expected_dim);
  MappedFile file(path);
  std::string_view text = file.text();
  constexpr int32_t kFastTextModelMagic = 793712314;  // the first int32 of every fastText .bin model
  int32_t magic = 0;
  if (text.size() >= sizeof magic) std::memcpy(&magic, text.data(), sizeof magic);
  if (magic == kFastTextModelMagic)
    fail("{}: this is a fastText binary model, not a vector file; give the .vec file fastText writes beside "
         "it (or the output of 'fasttext print-word-vectors')", path);
  WordVectors out;
  out.format = options.format == VectorFormat::auto_detect ? detect_format(text) : options.format;
  switch (out.format) {
    case VectorFormat::glove: read_glove(path, text, options, out); break;
    case VectorFormat::word2vec_binary: read_word2vec_binary(path, text, options, out); break;
    default: read_word2vec_text(path, text, options, out); break;  // word2vec-text and fasttext-vec
  }
  return out;
}

// ---------------------------------------------------------------- filling an embedding table

std::string Coverage::summary() const {
  std::string text = fmt::format("found {} of {} words ({:.1f}%)", found, total, 100.0 * fraction());
  if (found_lowercase > 0) text += fmt::format(", {} of them lowercased", found_lowercase);
  if (!missing_sample.empty()) {
    text += "; missing: ";
    for (size_t i = 0; i < missing_sample.size(); ++i)
      text += fmt::format("{}{:?}", i ? ", " : "", shorten(missing_sample[i]));
    if (static_cast<int64_t>(missing_sample.size()) < total - found) text += ", ...";
  }
  return text;
}

std::string Coverage::low_coverage_warning() const {
  if (total == 0 || fraction() >= kLowFraction) return "";
  return fmt::format("warning: the vectors cover only {:.1f}% of the {} words (below {:.0f}%): are they for this "
                     "language, casing and tokenization?", 100.0 * fraction(), total, 100.0 * kLowFraction);
}

Coverage fill_embedding(float* table, const std::vector<std::string>& vocab, const WordVectors& vectors,
                        const EmbeddingFillOptions& options, Generator& gen) {
  const int64_t dim = vectors.dim;
  const double low = -options.missing_range, width = 2 * options.missing_range;
  Coverage coverage;
  for (int64_t id = 0; id < static_cast<int64_t>(vocab.size()); ++id) {
    float* row = table + id * dim;  // [dim]
    if (id == options.padding_id) {
      std::fill(row, row + dim, 0.0f);
      continue;
    }
    // <pad> and <unk> (vocab.hpp) are not words of the text: a file may have a vector for them, but
    // they are never counted or listed as missing.
    const bool special = vocab[id] == Vocab::kPadToken || vocab[id] == Vocab::kUnkToken;
    if (!special) ++coverage.total;
    const float* vector = vectors.find(vocab[id]);
    if (!vector && options.lowercase_fallback) {
      std::string lower = lowercase_ascii(vocab[id]);
      if (lower != vocab[id] && (vector = vectors.find(lower))) ++coverage.found_lowercase;
    }
    if (vector) {
      std::copy(vector, vector + dim, row);
      if (!special) ++coverage.found;
      continue;
    }
    if (!special && coverage.missing_sample.size() < options.missing_sample_size)
      coverage.missing_sample.push_back(vocab[id]);
    if (options.init_missing)
      for (int64_t d = 0; d < dim; ++d) row[d] = static_cast<float>(low + width * gen.uniform());
  }
  return coverage;
}

Coverage fill_embedding(Tensor& table, const std::vector<std::string>& vocab, const WordVectors& vectors,
                        const EmbeddingFillOptions& options, Generator& gen) {
  check_defined("fill_embedding", table);
  check_dtype("fill_embedding", table, DType::f32);
  int64_t rows = static_cast<int64_t>(vocab.size());
  if (table.dim() != 2 || table.size(0) != rows || table.size(1) != vectors.dim)
    fail("fill_embedding: table has shape {}, expected [{}, {}] ({} words, vectors of dimension {})", table.shape(),
         rows, vectors.dim, rows, vectors.dim);
  return fill_embedding(table.f32(), vocab, vectors, options, gen);
}

}  // namespace tg::models
