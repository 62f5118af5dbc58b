#pragma once
// The ranges a model's size fields may take, wherever they come from: a command-line flag or the config
// of a model file. A config read from a file is checked against these before anything is built from it,
// so a corrupted or hostile file gives one error line instead of a 2^62-element allocation, a hang in an
// n-gram loop or a wrapped multiply:
//   "m.safetensors: config 'ngrams' is -3, expected 1 to 5"
// The bounds are far above any model these tools train (a 1M-wide embedding, 64 LSTM layers) and low
// enough that products of two of them fit in 64 bits. Whether a run fits in memory is a separate check
// (tools/common/memory.hpp) made before training.
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace tg::models::limits {

struct Range {
  const char* name;
  int64_t min;
  int64_t max;
};

inline constexpr Range kVocab{"vocab_size", 1, int64_t{1} << 31};
inline constexpr Range kClasses{"num_classes", 2, int64_t{1} << 24};
inline constexpr Range kDim{"dim", 1, int64_t{1} << 20};  // embedding width (charlm: emb)
inline constexpr Range kHidden{"hidden", 1, int64_t{1} << 20};
inline constexpr Range kLayers{"layers", 1, 64};
inline constexpr Range kNgrams{"ngrams", 1, 5};
inline constexpr Range kMaxLen{"max_len", 0, int64_t{1} << 31};  // tokens kept per text; 0 = all
inline constexpr Range kSeq{"seq", 1, int64_t{1} << 24};        // characters per training window
inline constexpr Range kBatch{"batch", 1, int64_t{1} << 24};

// Throws "<where>: <what> <name> is <value>, expected <min> to <max>".
inline int64_t check(const Range& range, int64_t value, std::string_view where, std::string_view what = "") {
  if (value < range.min || value > range.max)
    fail("{}: {}{} is {}, expected {} to {}", where, what, range.name, value, range.min, range.max);
  return value;
}

// The integer field `key` of a JSON config, checked against `range` (under the range's own name if no key).
inline int64_t config_integer(const nlohmann::json& config, const Range& range, std::string_view where,
                              const char* key = nullptr) {
  const char* name = key ? key : range.name;
  if (!config.is_object() || !config.contains(name))
    fail("{}: config has no '{}'", where, name);
  const nlohmann::json& value = config.at(name);
  if (!value.is_number_integer())
    fail("{}: config '{}' is {}, expected an integer", where, name, value.dump().substr(0, 40));
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    fail("{}: config '{}' is {}, expected {} to {}", where, name, value.dump(), range.min, range.max);
  int64_t n = value.get<int64_t>();
  if (n < range.min || n > range.max)
    fail("{}: config '{}' is {}, expected {} to {}", where, name, n, range.min, range.max);
  return n;
}

}  // namespace tg::models::limits
