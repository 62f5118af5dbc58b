// tg-embed memory --vocab V --dim D [--dtype f32|f16|bf16|int8|all]: what an embedding table costs,
// computed (V * D * bytes per element, plus V float32 scales for int8) and measured (the increase of
// this process's resident memory, VmRSS, once the table is allocated and written).
//
// Each dtype is measured on its own: the float32 table is made (N(0, 1), so every page is touched),
// converted (.half(), .bfloat16(), quantize_per_row()), the float32 buffer freed and given back
// (tg::release_cached_memory), and then the resident memory is read.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/process_memory.hpp"
#include "core/tensor.hpp"
#include "nn/embedding.hpp"
#include "tools/common/cli.hpp"
#include "tools/embed/commands.hpp"

namespace tg::embed {

namespace {

struct MemoryOptions {
  int64_t vocab = 0;
  int64_t dim = 0;
  std::string dtype = "all";
};

struct Measured {
  int64_t computed = 0;  // bytes of the table's parameters
  int64_t resident = 0;  // increase of VmRSS, bytes
};

// Makes the table in `dtype` and measures it; the table is gone again when this returns.
Measured measure(int64_t vocab, int64_t dim, const std::string& dtype) {
  release_cached_memory();
  const int64_t before = resident_memory_bytes();
  nn::Embedding table(vocab, dim);  // float32, written by its N(0, 1) initialisation
  if (dtype == "f16") table.half();
  if (dtype == "bf16") table.bfloat16();
  if (dtype == "int8") table.quantize_per_row();
  release_cached_memory();  // the float32 buffer the conversion freed goes back to the system
  Measured m;
  m.resident = resident_memory_bytes() - before;
  for (const auto& [name, p] : table.named_parameters()) m.computed += p.nbytes();
  return m;
}

std::string megabytes(int64_t bytes) { return fmt::format("{:.2f} MB", double(bytes) / 1e6); }

int run_memory(const MemoryOptions& o) {
  if (resident_memory_bytes() < 0) fail("memory: cannot read VmRSS from /proc/self/status (Linux only)");
  const std::vector<std::string> dtypes =
      o.dtype == "all" ? std::vector<std::string>{"f32", "f16", "bf16", "int8"} : std::vector<std::string>{o.dtype};
  fmt::print("Embedding({}, {}): {} parameters (MB = 10^6 bytes)\n", o.vocab, o.dim, o.vocab * o.dim);
  fmt::print("{:<6} {:>14} {:>14} {:>10} {:>10}\n", "dtype", "computed", "measured RSS", "vs f32", "RSS/comp");
  const int64_t f32_bytes = o.vocab * o.dim * 4;
  measure(std::min<int64_t>(o.vocab, 1000), o.dim, "f32");  // warm-up: the allocators' own first pages
  for (const std::string& dtype : dtypes) {
    const Measured m = measure(o.vocab, o.dim, dtype);
    fmt::print("{:<6} {:>14} {:>14} {:>9.3f}x {:>10.3f}\n", dtype, megabytes(m.computed), megabytes(m.resident),
               double(m.computed) / double(f32_bytes), double(m.resident) / double(m.computed));
  }
  fmt::print("measured: the increase of resident memory (VmRSS) with the table allocated and written;\n"
             "the int8 table also holds one float32 scale per row\n");
  return 0;
}

}  // namespace

void add_memory_command(CLI::App& app, std::vector<Command>& commands) {
  auto options = std::make_shared<MemoryOptions>();
  CLI::App* cmd = app.add_subcommand("memory", "what an embedding table costs at f32, f16, bf16 and int8: computed and measured (VmRSS)");
  cmd->add_option("--vocab", options->vocab, "rows of the table (V)")->required()->check(at_least(1));
  cmd->add_option("--dim", options->dim, "columns of the table (D)")->required()->check(at_least(1));
  cmd->add_option("--dtype", options->dtype, "f32, f16, bf16, int8 or all")
      ->check(CLI::IsMember({"f32", "f16", "bf16", "int8", "all"}))->capture_default_str();
  commands.push_back({cmd, [options] { return run_memory(*options); }});
}

}  // namespace tg::embed
