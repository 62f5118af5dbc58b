#include "models/vocab.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace tg::models {

// ---- WordCounts ----

void WordCounts::add(const std::vector<std::string>& tokens) {
  for (const std::string& token : tokens) add(token);
}

static uint32_t token_hash(std::string_view token) { return uint32_t(std::hash<std::string_view>{}(token)); }

size_t WordCounts::find_slot(std::string_view token, uint32_t hash) const {
  const size_t mask = slots_.size() - 1;
  for (size_t k = hash & mask;; k = (k + 1) & mask) {
    const uint64_t slot = slots_[k];
    if (slot == 0) return k;
    if (uint32_t(slot >> 32) == hash && entries_[uint32_t(slot) - 1].first == token) return k;
  }
}

void WordCounts::grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(std::max<size_t>(1024, old.size() * 2), 0);
  const size_t mask = slots_.size() - 1;
  for (uint64_t slot : old) {  // every token is distinct: each goes into the first empty slot from its hash
    if (slot == 0) continue;
    size_t k = uint32_t(slot >> 32) & mask;
    while (slots_[k] != 0) k = (k + 1) & mask;
    slots_[k] = slot;
  }
}

size_t WordCounts::add(const std::string& token, int64_t count) {
  if (2 * (entries_.size() + 1) > slots_.size()) grow();
  const uint32_t hash = token_hash(token);
  uint64_t& slot = slots_[find_slot(token, hash)];
  if (slot == 0) {
    if (entries_.size() >= UINT32_MAX) fail("word counts: more than {} distinct tokens", UINT32_MAX - 1);
    entries_.emplace_back(token, 0);
    slot = uint64_t(hash) << 32 | uint64_t(entries_.size());
  }
  const size_t index = uint32_t(slot) - 1;
  entries_[index].second += count;
  return index;
}

int64_t WordCounts::count(const std::string& token) const {
  if (slots_.empty()) return 0;
  const uint64_t slot = slots_[find_slot(token, token_hash(token))];
  return slot == 0 ? 0 : entries_[uint32_t(slot) - 1].second;
}

// ---- Vocab ----

Vocab::Vocab() {
  append(std::string(kPadToken));
  append(std::string(kUnkToken));
}

void Vocab::append(std::string word) {
  ids_.emplace(word, size());
  words_.push_back(std::move(word));
}

Vocab Vocab::from_counts(const WordCounts& counts, const VocabOptions& options) {
  if (options.min_count < 1) fail("vocab: min_count must be at least 1, got {}", options.min_count);
  if (options.max_size != 0 && options.max_size < 2)
    fail("vocab: max_size {} cannot hold <pad> and <unk>; expected 0 (no limit) or at least 2",
         options.max_size);
  // entries() is in order of first appearance; a stable sort by count keeps that order for ties.
  auto entries = counts.entries();
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  Vocab vocab;
  for (auto& [word, count] : entries) {
    if (options.max_size != 0 && vocab.size() >= options.max_size) break;
    if (count < options.min_count) break;  // sorted: every later word is rarer
    if (!vocab.contains(word)) vocab.append(std::move(word));
  }
  return vocab;
}

Vocab Vocab::build(const std::vector<std::vector<std::string>>& token_lists, const VocabOptions& options) {
  WordCounts counts;
  for (const auto& tokens : token_lists) counts.add(tokens);
  return from_counts(counts, options);
}

bool Vocab::contains(std::string_view word) const { return ids_.find(word) != ids_.end(); }

int64_t Vocab::id(std::string_view word) const {
  auto it = ids_.find(word);
  return it == ids_.end() ? kUnk : it->second;
}

const std::string& Vocab::word(int64_t id) const {
  if (id < 0 || id >= size()) fail("vocab: id {} is out of range for a vocabulary of {} tokens", id, size());
  return words_[id];
}

std::vector<int64_t> Vocab::encode(const std::vector<std::string>& tokens) const {
  std::vector<int64_t> ids;
  ids.reserve(tokens.size());
  for (const std::string& token : tokens) ids.push_back(token == kPadToken ? kUnk : id(token));
  return ids;
}

Vocab Vocab::from_lines(const std::vector<std::string>& lines, std::string_view source) {
  const std::string_view specials[] = {kPadToken, kUnkToken};
  for (size_t i = 0; i < 2; ++i) {
    if (i >= lines.size())
      fail("{}: has {} tokens, expected '{}' at line {} (a vocabulary starts with <pad> and <unk>)",
           source, lines.size(), specials[i], i + 1);
    if (lines[i] != specials[i])
      fail("{}:{}: expected '{}' (a vocabulary starts with <pad> and <unk>), found '{}'", source, i + 1,
           specials[i], lines[i]);
  }
  Vocab vocab;
  for (size_t i = 2; i < lines.size(); ++i) {
    if (lines[i].empty()) fail("{}:{}: empty token", source, i + 1);
    if (vocab.contains(lines[i]))
      fail("{}:{}: token '{}' already appeared at line {}", source, i + 1, lines[i], vocab.id(lines[i]) + 1);
    vocab.append(lines[i]);
  }
  return vocab;
}

namespace {

std::string escape_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

std::string unescape_token(const std::string& line, const std::string& where) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\\') {
      out += line[i];
      continue;
    }
    char next = i + 1 < line.size() ? line[i + 1] : '\0';
    if (next == '\\') out += '\\';
    else if (next == 'n') out += '\n';
    else if (next == 'r') out += '\r';
    else fail("{}: a backslash must be followed by \\, n or r (an escaped token), found '{}'", where, line);
    ++i;
  }
  return out;
}

}  // namespace

void Vocab::save(const std::string& path) const {
  std::string text;
  for (const std::string& word : words_) text += escape_token(word) + '\n';
  write_file_atomic(path, text);
}

Vocab Vocab::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '{}': {}", path, std::strerror(errno));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // a file saved with CRLF line ends
    lines.push_back(unescape_token(line, fmt::format("{}:{}", path, lines.size() + 1)));
  }
  return from_lines(lines, path);
}

// ---- LabelSet ----

namespace {

bool parse_integer(std::string_view text, int64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// Sorts numerically if every label is an integer ("2" < "10"), else as byte strings.
void sort_labels(std::vector<std::string>& labels) {
  int64_t x, y;
  bool numeric =
      std::all_of(labels.begin(), labels.end(), [&](const std::string& l) { return parse_integer(l, x); });
  std::sort(labels.begin(), labels.end(), [&](const std::string& a, const std::string& b) {
    if (numeric && parse_integer(a, x) && parse_integer(b, y) && x != y) return x < y;
    return a < b;
  });
}

}  // namespace

LabelSet::LabelSet(std::vector<std::string> labels) {
  sort_labels(labels);
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  for (std::string& label : labels) {
    if (label.empty()) fail("labels: a label is empty");
    indices_.emplace(label, size());
    names_.push_back(std::move(label));
  }
}

bool LabelSet::contains(std::string_view label) const { return indices_.find(label) != indices_.end(); }

int64_t LabelSet::index(std::string_view label) const {
  auto it = indices_.find(label);
  if (it == indices_.end()) {
    std::string known;
    for (const std::string& name : names_) known += (known.empty() ? "" : ", ") + name;
    fail("labels: unknown label '{}', expected one of: {}", label, known);
  }
  return it->second;
}

const std::string& LabelSet::name(int64_t index) const {
  if (index < 0 || index >= size())
    fail("labels: class index {} is out of range for {} classes", index, size());
  return names_[index];
}

LabelSet LabelSet::from_lines(const std::vector<std::string>& lines, std::string_view source) {
  LabelSet labels(lines);
  if (labels.names_ != lines)
    fail("{}: expected {} distinct non-empty labels in sorted order, found a duplicate or a different order",
         source, lines.size());
  return labels;
}

}  // namespace tg::models
