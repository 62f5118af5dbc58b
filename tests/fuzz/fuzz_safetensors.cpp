// libFuzzer target: the safetensors reader (header, layout, dtypes, checksums).
#include <cstdint>

#include "core/error.hpp"
#include "core/safetensors.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = tg::fuzz::write_input(data, size, "t.safetensors");
  try {
    tg::SafetensorsFile file = tg::load_safetensors(path);
    for (const auto& [name, t] : file.tensors)
      if (t.numel() > static_cast<int64_t>(size)) __builtin_trap();  // more elements than the file has bytes
  } catch (const tg::Error&) {
  }
  return 0;
}
