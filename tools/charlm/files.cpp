#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
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

ModelInfo charlm_info(const CharLM& model, const CharVocab& vocab) {
  return {.kind = "charlm", .config = model.config().to_json(), .vocab = vocab.tokens(), .labels = {}};
}

LoadedModel load_charlm(const std::string& path) {
  ModelFile file = read_model_file(path, "charlm");
  CharVocab vocab = CharVocab::from_tokens(file.info.vocab, path);
  CharLMConfig config = CharLMConfig::from_json(file.info.config, path);
  if (config.vocab_size != vocab.size())
    fail("{}: config says vocab_size {}, but the vocabulary has {} tokens", path, config.vocab_size, vocab.size());
  auto model = std::make_unique<CharLM>(config);
  load_parameters(*model, file);
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

void warn_unknown_chars(const CharVocab& vocab, const std::string& text, const char* what) {
  std::vector<std::string> unknown = vocab.unknown_chars(text);
  if (unknown.empty()) return;
  std::string shown;
  for (size_t i = 0; i < unknown.size() && i < 10; ++i) shown += fmt::format("{}'{}'", i ? ", " : "", printable(unknown[i]));
  if (unknown.size() > 10) shown += fmt::format(" and {} more", unknown.size() - 10);
  fmt::print(stderr, "warning: {} has {} character(s) the model has not seen, read as unknown: {}\n", what,
             unknown.size(), shown);
}

}  // namespace tg::charlm
