#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "models/tokenize.hpp"
#include "tools/charlm/commands.hpp"

namespace tg::charlm {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '{}': {}", path, std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) fail("cannot read '{}': {}", path, std::strerror(errno));
  return std::move(bytes).str();
}

TextIds read_text_ids(const std::string& path) {
  std::string text = read_text_file(path);
  if (text.empty()) fail("{}: the text is empty, expected at least one character", path);
  // Pass 1: which code points occur (a UTF-8 character's bytes sort as its code point, as CharVocab's do).
  constexpr char32_t kCodePoints = 0x110000;
  std::vector<int64_t> id_of(kCodePoints, -1);
  auto code_point = [&](size_t at, int length) -> char32_t {
    auto byte = [&](size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(text[at + i])); };
    if (length == 1) return byte(0);
    if (length == 2) return ((byte(0) & 0x1f) << 6) | (byte(1) & 0x3f);
    if (length == 3) return ((byte(0) & 0x0f) << 12) | ((byte(1) & 0x3f) << 6) | (byte(2) & 0x3f);
    return ((byte(0) & 0x07) << 18) | ((byte(1) & 0x3f) << 12) | ((byte(2) & 0x3f) << 6) | (byte(3) & 0x3f);
  };
  int64_t line = 1, characters = 0;
  for (size_t at = 0; at < text.size();) {
    int length = models::utf8_sequence_length(text, at);
    if (length == 0)
      fail("{}:{}: byte 0x{:02x} is not valid UTF-8, expected a UTF-8 text", path, line,
           static_cast<unsigned char>(text[at]));
    if (text[at] == '\n') ++line;
    id_of[code_point(at, length)] = 0;
    at += static_cast<size_t>(length);
    ++characters;
  }
  std::vector<std::string> tokens{std::string(models::CharVocab::kUnkToken)};
  for (char32_t c = 0; c < kCodePoints; ++c) {
    if (id_of[c] < 0) continue;
    id_of[c] = static_cast<int64_t>(tokens.size());
    std::string character;
    models::append_utf8(character, c);
    tokens.push_back(std::move(character));
  }
  // Pass 2: the ids.
  TextIds out{models::CharVocab::from_tokens(std::move(tokens), path), {}};
  out.ids.reserve(static_cast<size_t>(characters));
  for (size_t at = 0; at < text.size();) {
    int length = models::utf8_sequence_length(text, at);
    out.ids.push_back(id_of[code_point(at, length)]);
    at += static_cast<size_t>(length);
  }
  return out;
}

models::ModelInfo charlm_info(const models::CharLM& model, const models::CharVocab& vocab) {
  return {.kind = "charlm", .config = model.config().to_json(), .vocab = vocab.tokens(), .labels = {}};
}

LoadedModel load_charlm(const std::string& path) {
  models::ModelFile file = models::read_model_file(path, "charlm");
  models::CharVocab vocab = models::CharVocab::from_tokens(file.info.vocab, path);
  models::CharLMConfig config = models::CharLMConfig::from_json(file.info.config, path);
  if (config.vocab_size != vocab.size())
    fail("{}: config says vocab_size {}, but the vocabulary has {} tokens", path, config.vocab_size, vocab.size());
  auto model = std::make_unique<models::CharLM>(config);
  models::load_parameters(*model, file);
  return {std::move(vocab), std::move(model)};
}

namespace {

// A character as it can be shown inside one line: control characters and stray bytes as \n, \t, \xff.
std::string printable(const std::string& c) {
  if (c == "\n") return "\\n";
  if (c == "\t") return "\\t";
  auto byte = static_cast<unsigned char>(c[0]);
  if (c.size() == 1 && (byte < 0x20 || byte >= 0x7f)) return fmt::format("\\x{:02x}", byte);
  return c;
}

}  // namespace

void warn_unknown_chars(const models::CharVocab& vocab, const std::string& text, const char* what) {
  std::vector<std::string> unknown = vocab.unknown_chars(text);
  if (unknown.empty()) return;
  std::string shown;
  for (size_t i = 0; i < unknown.size() && i < 10; ++i) shown += fmt::format("{}'{}'", i ? ", " : "", printable(unknown[i]));
  if (unknown.size() > 10) shown += fmt::format(" and {} more", unknown.size() - 10);
  fmt::print(stderr, "warning: {} has {} character(s) the model has not seen, read as unknown: {}\n", what,
             unknown.size(), shown);
}

}  // namespace tg::charlm
