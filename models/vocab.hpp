#pragma once
// Vocab: token <-> id for the embedding table, and LabelSet: label <-> class index.
//
//   WordCounts counts;
//   for (auto& tokens : training_token_lists) counts.add(tokens);
//   Vocab vocab = Vocab::from_counts(counts, {.min_count = 2, .max_size = 20000});
//   vocab.id("movie");   // its id, or Vocab::kUnk for a word it has not seen
//
// Ids 0 and 1 are always "<pad>" and "<unk>"; the other words follow, most frequent first, ties
// in order of first appearance, so the same data always gives the same ids.
// A vocab is saved as plain text, one token per line in id order (to_lines() gives the same lines
// for a checkpoint's JSON metadata).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tg::models {

// A hash that lets an unordered_map<std::string, ...> be searched with a std::string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

// Token frequencies, remembering the order in which each token was first seen.
class WordCounts {
 public:
  void add(const std::vector<std::string>& tokens);
  // Returns the token's index in entries() (its order of first appearance).
  size_t add(const std::string& token, int64_t count = 1);
  int64_t count(const std::string& token) const;  // 0 if never seen
  // The distinct tokens in order of first appearance, with their counts.
  const std::vector<std::pair<std::string, int64_t>>& entries() const { return entries_; }

 private:
  // The slot of `token` in slots_: the one holding its entry, or the empty one where it would go.
  size_t find_slot(std::string_view token, uint32_t hash) const;
  void grow();

  std::vector<std::pair<std::string, int64_t>> entries_;
  // token -> index into entries_, as a table of its own rather than a StringMap: counting is one lookup
  // per word of a corpus, and a StringMap's lookup reads a bucket, then a node, then the entry, each a
  // cache miss on a corpus's vocabulary (tg-classify: 110 ns a word on SST-2). Here a slot is 8 bytes
  // (the token's hash, low 32 bits, and its entry's index + 1; 0 is empty), probed linearly from
  // hash & (size - 1) in a power-of-two table kept at most half full, and only a matching hash reads
  // the entry's string.
  std::vector<uint64_t> slots_;
};

struct VocabOptions {
  int64_t min_count = 1;  // keep words seen at least this often
  int64_t max_size = 0;   // at most this many ids in all, <pad> and <unk> included; 0: no limit
};

class Vocab {
 public:
  static constexpr int64_t kPad = 0;
  static constexpr int64_t kUnk = 1;
  static constexpr std::string_view kPadToken = "<pad>";
  static constexpr std::string_view kUnkToken = "<unk>";

  Vocab();  // only <pad> and <unk>

  // Counted words "<pad>" and "<unk>" are not added again (they already have ids 0 and 1).
  static Vocab from_counts(const WordCounts& counts, const VocabOptions& options = {});
  static Vocab build(const std::vector<std::vector<std::string>>& token_lists,
                     const VocabOptions& options = {});

  int64_t size() const { return static_cast<int64_t>(words_.size()); }
  bool contains(std::string_view word) const;
  int64_t id(std::string_view word) const;  // kUnk for an unknown word
  const std::string& word(int64_t id) const;  // throws unless 0 <= id < size()
  // The ids of a text's tokens. A token "<pad>" in the text is unknown (kUnk): id 0 is only ever the
  // padding of a batch, which the bag encoder leaves out of its mean (nn::embedding_bag's padding_idx).
  std::vector<int64_t> encode(const std::vector<std::string>& tokens) const;
  const std::vector<std::string>& words() const { return words_; }  // words()[id] == word(id)

  // The tokens in id order. from_lines() checks that lines[0] is "<pad>", lines[1] is "<unk>" and
  // that no token repeats; `source` names the origin in error messages ("vocab.txt", "checkpoint").
  std::vector<std::string> to_lines() const { return words_; }
  static Vocab from_lines(const std::vector<std::string>& lines, std::string_view source = "vocab");

  // One token per line. A backslash or line break inside a token is written as \\ , \n or \r, so
  // any token (even a newline character from tokenize_chars) survives the round trip.
  void save(const std::string& path) const;
  static Vocab load(const std::string& path);

 private:
  void append(std::string word);
  std::vector<std::string> words_;
  StringMap<int64_t> ids_;
};

// Class labels <-> class indices 0..n-1. Indices follow the sorted order of the label strings
// (numeric order when every label is an integer, so "2" < "10"), not the order in the file:
// the same label set gives the same indices whatever order the examples come in.
class LabelSet {
 public:
  LabelSet() = default;
  explicit LabelSet(std::vector<std::string> labels);  // duplicates are merged

  int64_t size() const { return static_cast<int64_t>(names_.size()); }
  bool contains(std::string_view label) const;
  // Throws "labels: unknown label 'x', expected one of: neg, pos" for a label it does not have.
  int64_t index(std::string_view label) const;
  const std::string& name(int64_t index) const;  // throws unless 0 <= index < size()
  const std::vector<std::string>& names() const { return names_; }

  std::vector<std::string> to_lines() const { return names_; }
  // Checks that the lines are distinct, non-empty and already in the sorted order.
  static LabelSet from_lines(const std::vector<std::string>& lines, std::string_view source = "labels");

 private:
  std::vector<std::string> names_;
  StringMap<int64_t> indices_;
};

}  // namespace tg::models
