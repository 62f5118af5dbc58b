// libFuzzer target: the vocabularies read back from a model file (word vocab, labels, characters).
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "models/charlm.hpp"
#include "models/vocab.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> lines(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') lines.emplace_back();
    else lines.back() += static_cast<char>(data[i]);
  }
  try {
    tg::models::Vocab vocab = tg::models::Vocab::from_lines(lines, "fuzz");
    for (const std::string& line : lines) (void)vocab.id(line);
  } catch (const tg::Error&) {
  }
  try {
    tg::models::LabelSet::from_lines(lines, "fuzz");
  } catch (const tg::Error&) {
  }
  try {
    tg::models::CharVocab chars = tg::models::CharVocab::from_tokens(lines, "fuzz");
    std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<int64_t> ids = chars.encode(text);
    (void)chars.decode(ids);
  } catch (const tg::Error&) {
  }
  return 0;
}
