#pragma once
// safetensors files: how tapegrad saves and loads tensors (checkpoints, PyTorch fixtures).
//
// The format (https://github.com/huggingface/safetensors), all little-endian:
//   [8 bytes]  N, the header length, as an unsigned 64-bit integer
//   [N bytes]  a JSON object, padded with spaces to a multiple of 8:
//              {"__metadata__": {"epoch": "3"},
//               "fc.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
//   [rest]     the raw tensor bytes; data_offsets [begin, end) count from the start of this part.
// The tensors must tile the data part exactly: no gaps, no overlaps, nothing after the last one.
//
// save_safetensors writes F32, I64, F16, BF16 and I8 tensors (PyTorch's names for float32, int64,
// float16, bfloat16, int8) in the reference implementation's order (larger element type first, then
// by name) through an AtomicFile. load_safetensors reads those as they are, in their dtype (as
// safetensors.torch.load_file does: call .to(DType::f32) for float values), and converts F64 to F32;
// any other dtype is an error. Loaded tensors are plain
// leaves that do not require grad. The file is read with a ten-line Python parser or with
// safetensors.torch.load_file.
//
// Checks: each tensor's element count times element size is computed with overflow checks and must equal
// its data range. save_safetensors stores each tensor's CRC-32C (core/crc32c.hpp) in the metadata as
// "crc32c.<name>": "<8 hex digits>" (strings, which other readers ignore); load_safetensors verifies them
// ("the data is corrupted") and leaves them out of the metadata it returns. Files without them still load.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.hpp"

namespace tg {

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;  // the "__metadata__" object, empty when absent
};

SafetensorsFile load_safetensors(const std::string& path);

}  // namespace tg
