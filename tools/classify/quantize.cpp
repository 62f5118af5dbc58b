// tg-classify quantize --model M --out M.q [--dtype int8|f16]: a smaller copy of a trained model, as
// fastText's `quantize`. `test` and `predict` take the new file as they are: the loader sees the
// embedding table's dtype (models/checkpoint.hpp).
//   int8: the embedding table as int8 with one float32 scale per row ("embedding.weight_scale"),
//         about a quarter of the bytes; the other parameters stay float32. Inference only.
//   f16:  every float parameter as float16, half the bytes (and the table stays float16 in memory).
// In PyTorch: load_file(M.q) gives the int8 weight and its scales; weight.float() * scale[:, None] is
// the table, and .float() turns an f16 file back into the model's float32 parameters.
#include <sys/stat.h>

#include <fmt/format.h>

#include "core/quantize.hpp"
#include "core/safetensors.hpp"
#include "models/checkpoint.hpp"
#include "tools/classify/commands.hpp"
#include "tools/classify/data.hpp"

namespace tg::classify {

static int64_t file_bytes(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail("{}: cannot stat the file", path);
  return int64_t(st.st_size);
}

int run_quantize(const QuantizeOptions& o) {
  load_classifier(o.model_path);  // checks that it is a classifier tapegrad can use, before anything is written
  SafetensorsFile file = load_safetensors(o.model_path);
  auto table = file.tensors.find("embedding.weight");
  if (table == file.tensors.end()) fail("{}: no tensor 'embedding.weight' to quantise", o.model_path);
  if (table->second.dtype() != DType::f32)
    fail("{}: the embedding is already {}; quantise the float32 model", o.model_path, dtype_name(table->second.dtype()));

  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [name, t] : file.tensors) {
    if (o.dtype == "f16") {
      out.emplace_back(name, is_floating(t.dtype()) ? t.to(DType::f16) : t);
    } else if (name == "embedding.weight") {
      QuantizedRows q = quantize_per_row(t);
      out.emplace_back(name, q.values);
      out.emplace_back("embedding.weight_scale", q.scales);
    } else {
      out.emplace_back(name, t);
    }
  }
  file.metadata["quantized"] = o.dtype;
  save_safetensors(o.out_path, out, file.metadata);
  load_classifier(o.out_path);  // the new file loads as test and predict will load it

  const int64_t before = file_bytes(o.model_path), after = file_bytes(o.out_path);
  fmt::print("{}: {} bytes ({:.2f} MB)\n{} ({}): {} bytes ({:.2f} MB, {:.1f}% of the original)\n", o.model_path,
             before, double(before) / 1e6, o.out_path, o.dtype, after, double(after) / 1e6,
             100.0 * double(after) / double(before));
  return 0;
}

}  // namespace tg::classify
