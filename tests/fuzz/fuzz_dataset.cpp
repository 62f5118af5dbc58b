// libFuzzer target: the labelled dataset readers (fastText, TSV, CSV, TREC; format detection).
// The first byte picks the format (auto-detection or one of the five); the rest is the file.
#include <cstdint>

#include "core/error.hpp"
#include "models/dataset.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  int choice = data[0] % 6;
  std::string path = tg::fuzz::write_input(data + 1, size - 1, "dataset.txt");
  try {
    if (choice == 0) tg::models::read_dataset(path);
    else tg::models::read_dataset(path, static_cast<tg::models::Format>(choice - 1));
  } catch (const tg::Error&) {
  }
  return 0;
}
