// libFuzzer target: the word-vector readers (GloVe and word2vec text, word2vec binary, detection).
#include <cstdint>

#include "core/error.hpp"
#include "models/vectors.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = tg::fuzz::write_input(data, size, "vectors.vec");
  try {
    tg::models::WordVectors v = tg::models::read_vectors(path);
    for (float x : v.values)
      if (!(x - x == 0)) __builtin_trap();  // a nan or inf got through the finite check
  } catch (const tg::Error&) {
  }
  return 0;
}
