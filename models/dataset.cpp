#include "models/dataset.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/ranges.h>

#include "core/error.hpp"
#include "models/tokenize.hpp"

namespace tg::models {

namespace fs = std::filesystem;

// ---- encoding ----

bool is_valid_utf8(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    int length = utf8_sequence_length(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

namespace {

// Windows-1252 bytes 0x80..0x9F (the rest of the byte range is Latin-1: byte = code point).
constexpr char32_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // 0x80
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,  // 0x88
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 0x90
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,  // 0x98
};

char32_t cp1252_to_unicode(unsigned char byte) {
  return byte >= 0x80 && byte < 0xA0 ? kCp1252High[byte - 0x80] : byte;
}

}  // namespace

std::string to_utf8(std::string_view line) {
  if (is_valid_utf8(line)) return std::string(line);
  std::string out;
  for (char c : line) append_utf8(out, cp1252_to_unicode(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> read_utf8_lines(const std::string& path) {
  if (fs::is_directory(path)) fail("cannot read '{}': it is a directory, expected a file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '{}': {}", path, std::strerror(errno));
  // The whole file at once, then its lines: std::getline was a quarter of reading SST-2's training file.
  std::string text;
  std::array<char, 1 << 16> chunk;
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) text.append(chunk.data(), size_t(in.gcount()));
  if (in.bad()) fail("cannot read '{}': {}", path, std::strerror(errno));
  std::vector<std::string> lines;
  lines.reserve(size_t(std::count(text.begin(), text.end(), '\n')) + 1);
  for (size_t start = 0; start < text.size();) {  // as std::getline: no last line after a final '\n'
    const size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line(text.data() + start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(to_utf8(line));  // a valid line as it is (one copy), else decoded
    start = end + 1;
  }
  return lines;
}

// ---- small string helpers ----

namespace {

constexpr const char* kFormatList = "fasttext, tsv, classfiles, trec, csv";

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_blank(std::string_view line) { return trim(line).empty(); }

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;; ) {
    size_t end = s.find(separator, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// The first whitespace-separated token of the line, and the text after it (trimmed).
std::pair<std::string_view, std::string_view> first_token(std::string_view line) {
  line = trim(line);
  size_t end = 0;
  while (end < line.size() && !is_ascii_space(line[end])) ++end;
  return {line.substr(0, end), trim(line.substr(end))};
}

// A piece of a line for an error message: at most 60 bytes (cut at a UTF-8 boundary), quoted.
std::string excerpt(std::string_view text) {
  if (text.size() <= 60) return fmt::format("'{}'", text);
  size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("'{}...'", text.substr(0, cut));
}

// Column names that mark a first line as a header (TSV and CSV).
const std::set<std::string> kLabelColumns = {"label", "labels", "class", "category", "target",
                                             "sentiment", "polarity", "y"};
const std::set<std::string> kIdColumns = {"id", "index", "idx"};
const std::set<std::string> kTextColumns = {"sentence", "sentence1", "text", "review", "document",
                                            "content", "title", "description", "question", "phrase"};

bool is_column_name(std::string_view field) {
  std::string name = lowercase_ascii(trim(field));
  return kLabelColumns.count(name) || kIdColumns.count(name) || kTextColumns.count(name);
}

bool is_header(const std::vector<std::string_view>& fields) {
  return std::all_of(fields.begin(), fields.end(), is_column_name);
}

void require_examples(const std::string& path, const std::vector<Example>& examples, bool had_header) {
  if (!examples.empty()) return;
  if (had_header) fail("{}: no examples after the header line", path);
  fail("{}: the file is empty, expected labelled examples", path);
}

}  // namespace

// ---- fastText: "__label__pos __label__good the text" ----

std::vector<Example> read_fasttext(const std::string& path, std::string_view label_prefix) {
  std::vector<std::string> lines = read_utf8_lines(path);
  std::vector<Example> examples;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is_blank(lines[i])) continue;
    auto [token, rest] = first_token(lines[i]);
    if (!token.starts_with(label_prefix))
      fail("{}:{}: expected a label '{}<name>' at the start of the line, found {}", path, i + 1, label_prefix,
           excerpt(token));
    std::string_view label = token.substr(label_prefix.size());
    if (label.empty()) fail("{}:{}: the label '{}' has an empty name", path, i + 1, token);
    if (auto [second, after] = first_token(rest); second.starts_with(label_prefix))
      fail("{}:{}: a second label {} after '{}', expected one label per line (multi-label data is not supported)",
           path, i + 1, excerpt(second), token);
    examples.push_back({std::string(rest), std::string(label)});
  }
  require_examples(path, examples, false);
  return examples;
}

// ---- TSV: "sentence<TAB>label" ----

namespace {

// The columns of a TSV file: which one holds the label, which ones make the text.
struct TsvColumns {
  size_t label = 0;
  std::vector<size_t> text;
};

TsvColumns columns_from_header(const std::string& path, const std::vector<std::string_view>& header) {
  TsvColumns columns;
  bool found_label = false;
  for (size_t c = 0; c < header.size(); ++c) {
    std::string name = lowercase_ascii(trim(header[c]));
    if (kLabelColumns.count(name) && !found_label) {
      columns.label = c;
      found_label = true;
    } else if (!kIdColumns.count(name)) {
      columns.text.push_back(c);
    }
  }
  if (!found_label)
    fail("{}:1: the header has no label column (found {}), expected a column named label or class",
         path, excerpt(fmt::format("{}", fmt::join(header, ", "))));
  return columns;
}

// A label column holds a short token without spaces on every line.
bool looks_like_labels(const std::vector<std::vector<std::string_view>>& rows, size_t column) {
  return std::all_of(rows.begin(), rows.end(), [&](const auto& fields) {
    std::string_view value = trim(fields[column]);
    return !value.empty() && value.size() <= 30 && value.find(' ') == std::string_view::npos;
  });
}

size_t distinct_values(const std::vector<std::vector<std::string_view>>& rows, size_t column) {
  std::set<std::string_view> values;
  for (const auto& fields : rows) values.insert(trim(fields[column]));
  return values.size();
}

// Without a header: the label is the last column (GLUE) or the first, whichever looks like a
// label on the first lines; if both do, the one with fewer distinct values.
TsvColumns columns_from_data(const std::string& path, const std::vector<std::vector<std::string_view>>& rows,
                             size_t first_line) {
  size_t count = rows.front().size(), last = count - 1;
  bool first_ok = looks_like_labels(rows, 0), last_ok = looks_like_labels(rows, last);
  if (!first_ok && !last_ok)
    fail("{}:{}: neither the first nor the last tab-separated column looks like a label (a short word "
         "without spaces) on the first lines; found {} and {}",
         path, first_line, excerpt(rows.front()[0]), excerpt(rows.front()[last]));
  bool label_last = last_ok && (!first_ok || distinct_values(rows, last) <= distinct_values(rows, 0));
  TsvColumns columns{.label = label_last ? last : 0, .text = {}};
  for (size_t c = 0; c < count; ++c)
    if (c != columns.label) columns.text.push_back(c);
  return columns;
}

std::string join_fields(const std::vector<std::string_view>& fields, const std::vector<size_t>& which) {
  std::string text;
  for (size_t c : which) {
    std::string_view field = trim(fields[c]);
    if (field.empty()) continue;
    if (!text.empty()) text += ' ';
    text += field;
  }
  return text;
}

}  // namespace

std::vector<Example> read_tsv(const std::string& path) {
  std::vector<std::string> lines = read_utf8_lines(path);
  std::vector<size_t> line_numbers;  // of the non-blank lines
  for (size_t i = 0; i < lines.size(); ++i)
    if (!is_blank(lines[i])) line_numbers.push_back(i + 1);
  if (line_numbers.empty()) fail("{}: the file is empty, expected labelled examples", path);
  // Row r is non-blank line r, split when it is used: all rows split at once were 67,000 small vectors
  // for SST-2, whose memory's first touch (page faults) was a third of reading the file.
  auto line_of = [&](size_t r) -> const std::string& { return lines[line_numbers[r] - 1]; };
  auto row = [&](size_t r) { return split(line_of(r), '\t'); };
  const std::vector<std::string_view> first = row(0);
  if (first.size() < 2)
    fail("{}:{}: expected at least 2 tab-separated columns (text and label), found 1: {}", path,
         line_numbers.front(), excerpt(line_of(0)));

  bool has_header = is_header(first);
  size_t first_data = has_header ? 1 : 0;
  // Every row has as many columns as the first line; the label column is decided on the first 100 rows.
  for (size_t r = first_data; r < line_numbers.size(); ++r) {
    const std::string& line = line_of(r);
    const size_t columns = size_t(std::count(line.begin(), line.end(), '\t')) + 1;  // split's field count
    if (columns != first.size())
      fail("{}:{}: expected {} tab-separated columns, found {}", path, line_numbers[r], first.size(), columns);
  }
  if (line_numbers.size() == first_data) fail("{}: no examples after the header line", path);
  std::vector<std::vector<std::string_view>> sample;
  for (size_t r = first_data; r < std::min(line_numbers.size(), first_data + 100); ++r) sample.push_back(row(r));
  TsvColumns columns = has_header ? columns_from_header(path, first)
                                  : columns_from_data(path, sample, line_numbers.front());

  std::vector<Example> examples;
  examples.reserve(line_numbers.size() - first_data);
  for (size_t r = first_data; r < line_numbers.size(); ++r) {
    const std::vector<std::string_view> fields = row(r);
    std::string_view label = trim(fields[columns.label]);
    if (label.empty()) fail("{}:{}: empty label in column {}", path, line_numbers[r], columns.label + 1);
    examples.push_back({join_fields(fields, columns.text), std::string(label)});
  }
  return examples;
}

// ---- one file per class: rt-polarity.pos, rt-polarity.neg ----

namespace {

// "dir/stem" for both "dir/stem" and an existing file "dir/stem.pos".
fs::path class_file_stem(const std::string& path) {
  fs::path p(path);
  return fs::is_regular_file(p) && p.has_extension() ? p.parent_path() / p.stem() : p;
}

}  // namespace

std::vector<std::string> class_files(const std::string& path) {
  fs::path stem = class_file_stem(path);
  fs::path dir = stem.parent_path().empty() ? fs::path(".") : stem.parent_path();
  std::string prefix = stem.filename().string() + ".";
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::string name = entry.path().filename().string();
    bool is_class_file = entry.is_regular_file() && name.size() > prefix.size() && name.starts_with(prefix) &&
                         name.find('.', prefix.size()) == std::string::npos;
    if (is_class_file) files.push_back((stem.parent_path() / name).string());
  }
  std::sort(files.begin(), files.end());
  if (files.size() < 2) files.clear();
  return files;
}

std::vector<Example> read_class_files(const std::string& path) {
  std::vector<std::string> files = class_files(path);
  if (files.empty())
    fail("{}: expected one file per class named {}.<label> (like rt-polarity.pos and rt-polarity.neg), "
         "found fewer than two",
         path, class_file_stem(path).string());
  std::vector<Example> examples;
  for (const std::string& file : files) {
    std::string label = fs::path(file).extension().string().substr(1);
    size_t before = examples.size();
    for (const std::string& line : read_utf8_lines(file))
      if (!is_blank(line)) examples.push_back({std::string(trim(line)), label});
    if (examples.size() == before) fail("{}: the file is empty, expected one example per line", file);
  }
  return examples;
}

// ---- TREC: "NUM:dist How far is it from Denver to Aspen ?" ----

namespace {

// "NUM:dist": upper-case letters, a colon, a non-empty fine label.
bool is_trec_label(std::string_view token) {
  size_t colon = token.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == token.size()) return false;
  return std::all_of(token.begin(), token.begin() + colon, [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

std::vector<Example> read_trec(const std::string& path, bool fine_labels) {
  std::vector<std::string> lines = read_utf8_lines(path);
  std::vector<Example> examples;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is_blank(lines[i])) continue;
    auto [label, question] = first_token(lines[i]);
    if (!is_trec_label(label))
      fail("{}:{}: expected a label 'COARSE:fine' (like NUM:dist) before the question, found {}", path, i + 1,
           excerpt(label));
    if (!fine_labels) label = label.substr(0, label.find(':'));
    examples.push_back({std::string(question), std::string(label)});
  }
  require_examples(path, examples, false);
  return examples;
}

// ---- CSV (RFC 4180): "3","Title","Description" ----

namespace {

struct CsvRecord {
  std::vector<std::string> fields;
  size_t line;  // where the record starts
};

// Splits the lines into records. A quoted field may hold commas, doubled quotes ("") and line
// breaks; an unquoted field is taken as it is.
std::vector<CsvRecord> parse_csv(const std::string& path, const std::vector<std::string>& lines) {
  std::vector<CsvRecord> records;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (is_blank(lines[i])) continue;
    CsvRecord record{{}, i + 1};
    std::string field;
    bool in_quotes = false, was_quoted = false;
    for (size_t at = 0;; ++at) {
      while (at == lines[i].size() && in_quotes) {  // a line break inside a quoted field
        if (++i == lines.size())
          fail("{}:{}: a quoted field is not closed before the end of the file", path, record.line);
        field += '\n';
        at = 0;
      }
      if (at == lines[i].size()) break;
      std::string_view rest = std::string_view(lines[i]).substr(at);
      if (in_quotes && rest.starts_with("\"\"")) {
        field += '"';
        ++at;
      } else if (in_quotes) {
        if (rest[0] == '"') in_quotes = false;
        else field += rest[0];
      } else if (rest[0] == ',') {
        record.fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
      } else if (rest[0] == '"' && field.empty() && !was_quoted) {
        in_quotes = was_quoted = true;
      } else if (was_quoted) {
        fail("{}:{}: expected ',' after the closing quote of column {}, found '{}'", path, i + 1,
             record.fields.size() + 1, rest[0]);
      } else {
        field += rest[0];
      }
    }
    record.fields.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

// AG News text: "\" (its line break; also in "\n" and "\$") becomes a space, and an HTML
// character number written "#39;" or "&#39;" becomes the character ("'").
std::string clean_csv_text(std::string_view text) {
  std::string out;
  for (size_t at = 0; at < text.size(); ++at) {
    char c = text[at];
    if (c == '\\') {
      out += ' ';
      continue;
    }
    size_t end = at + 1;
    while (c == '#' && end < text.size() && end - at <= 7 && text[end] >= '0' && text[end] <= '9') ++end;
    if (c == '#' && end > at + 1 && end < text.size() && text[end] == ';') {
      unsigned long number = std::stoul(std::string(text.substr(at + 1, end - at - 1)));
      bool is_character = number >= 0x20 && number <= 0x10FFFF && !(number >= 0xD800 && number <= 0xDFFF);
      if (is_character) {
        if (!out.empty() && out.back() == '&') out.pop_back();
        // Numbers 128..159 are Windows-1252 bytes in such data ("#151;" is an em dash).
        append_utf8(out, number < 0x100 ? cp1252_to_unicode(number) : static_cast<char32_t>(number));
        at = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}

}  // namespace

std::vector<Example> read_csv(const std::string& path) {
  std::vector<CsvRecord> records = parse_csv(path, read_utf8_lines(path));
  if (records.empty()) fail("{}: the file is empty, expected labelled examples", path);
  const std::vector<std::string>& first = records.front().fields;
  if (first.size() < 2)
    fail("{}:{}: expected at least 2 comma-separated columns (label and text), found 1", path,
         records.front().line);
  bool has_header = is_header(std::vector<std::string_view>(first.begin(), first.end()));
  std::vector<Example> examples;
  for (size_t r = has_header ? 1 : 0; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (record.fields.size() != first.size())
      fail("{}:{}: expected {} comma-separated columns, found {}", path, record.line, first.size(),
           record.fields.size());
    std::string_view label = trim(record.fields[0]);
    if (label.empty()) fail("{}:{}: empty label in column 1", path, record.line);
    std::string text;
    for (size_t c = 1; c < record.fields.size(); ++c) {
      std::string part = clean_csv_text(trim(record.fields[c]));
      if (part.empty()) continue;
      text += (text.empty() ? "" : " ") + part;
    }
    examples.push_back({std::string(trim(text)), std::string(label)});
  }
  require_examples(path, examples, has_header);
  return examples;
}

// ---- choosing the format ----

const char* format_name(Format format) {
  switch (format) {
    case Format::fasttext: return "fasttext";
    case Format::tsv: return "tsv";
    case Format::classfiles: return "classfiles";
    case Format::trec: return "trec";
    case Format::csv: return "csv";
  }
  return "?";
}

Format parse_format(std::string_view name) {
  for (Format f : {Format::fasttext, Format::tsv, Format::classfiles, Format::trec, Format::csv})
    if (name == format_name(f)) return f;
  fail("unknown data format '{}', expected one of: {}", name, kFormatList);
}

namespace {

// The first non-blank line of the file, decoded to UTF-8 ("" if there is none).
std::string first_line(const std::string& path) {
  if (fs::is_directory(path)) fail("cannot read '{}': it is a directory, expected a file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '{}': {}", path, std::strerror(errno));
  for (std::string line; std::getline(in, line);)
    if (!is_blank(line)) return to_utf8(line);
  return "";
}

// The line starts with a quoted CSV field followed by a comma: "3","..." as AG News writes it.
bool starts_with_quoted_field(std::string_view line) {
  if (!line.starts_with('"')) return false;
  for (size_t at = 1; at < line.size(); ++at) {
    if (line[at] != '"') continue;
    if (at + 1 < line.size() && line[at + 1] == '"') {
      ++at;  // a doubled quote inside the field
      continue;
    }
    return at + 1 < line.size() && line[at + 1] == ',';
  }
  return false;
}

}  // namespace

// The first line decides; the reader then checks every line and reports the bad ones by number.
Format detect_format(const std::string& path, const ReadOptions& options) {
  if (!fs::exists(path) && !class_files(path).empty()) return Format::classfiles;
  std::string line = first_line(path);
  if (line.empty()) fail("{}: the file is empty, expected labelled examples", path);
  std::string_view token = first_token(line).first;
  if (token.starts_with(options.label_prefix)) return Format::fasttext;
  if (is_trec_label(token)) return Format::trec;
  if (starts_with_quoted_field(line) || fs::path(path).extension() == ".csv") return Format::csv;
  if (line.find('\t') != std::string::npos) return Format::tsv;
  if (!class_files(path).empty()) return Format::classfiles;
  fail("{}: cannot tell the data format from the first line {}: it has no '{}' label, no TREC 'COARSE:fine' "
       "label, no quoted CSV field, no tab, and there are no class files {}.<label>; name the format, "
       "one of: {}",
       path, excerpt(line), options.label_prefix, class_file_stem(path).string(), kFormatList);
}

std::vector<Example> read_examples(const std::string& path, Format format, const ReadOptions& options) {
  switch (format) {
    case Format::fasttext: return read_fasttext(path, options.label_prefix);
    case Format::tsv: return read_tsv(path);
    case Format::classfiles: return read_class_files(path);
    case Format::trec: return read_trec(path, options.trec_fine);
    case Format::csv: return read_csv(path);
  }
  fail("read_examples: unknown format {}", static_cast<int>(format));
}

std::vector<Example> read_examples(const std::string& path, const ReadOptions& options) {
  return read_examples(path, detect_format(path, options), options);
}

// ---- saying what was read ----

namespace {

// The first line of a TSV or CSV file is a header (read_tsv and read_csv decide the same way).
bool first_line_is_header(const std::string& path, Format format) {
  std::string line = first_line(path);
  if (format == Format::tsv) return is_header(split(line, '\t'));
  std::vector<std::string_view> fields = split(line, ',');  // column names hold no commas
  for (std::string_view& field : fields) {
    field = trim(field);
    if (field.size() >= 2 && field.front() == '"' && field.back() == '"') field = field.substr(1, field.size() - 2);
  }
  return is_header(fields);
}

std::string format_description(const std::string& path, Format format, const ReadOptions& options) {
  switch (format) {
    case Format::fasttext: return fmt::format("fastText ({}<label> text)", options.label_prefix);
    case Format::tsv: return first_line_is_header(path, format) ? "TSV with header" : "TSV without header";
    case Format::csv: return first_line_is_header(path, format) ? "CSV with header" : "CSV without header";
    case Format::trec: return options.trec_fine ? "TREC (COARSE:fine labels)" : "TREC (COARSE labels)";
    case Format::classfiles: {
      std::vector<std::string> files = class_files(path), others;
      for (const std::string& file : files)
        if (file != path) others.push_back(file);
      std::string text = "one file per class (label = extension)";
      if (others.size() < files.size()) text += fmt::format(", also read {}", fmt::join(others, ", "));
      else text += fmt::format(": {}", fmt::join(files, ", "));
      return text;
    }
  }
  return format_name(format);
}

}  // namespace

Dataset read_dataset(const std::string& path, std::optional<Format> format, const ReadOptions& options) {
  Dataset dataset;
  dataset.format = format ? *format : detect_format(path, options);
  dataset.examples = read_examples(path, dataset.format, options);
  std::set<std::string_view> labels;
  for (const Example& example : dataset.examples) labels.insert(example.label);
  dataset.summary = fmt::format("{}: {}, {} examples, {} labels", path, format_description(path, dataset.format, options),
                                dataset.examples.size(), labels.size());
  return dataset;
}

}  // namespace tg::models
