// Slide 12: what an embedding table costs, and how to make it smaller.
// An Embedding(V, 300) holds V * 300 numbers. At fp32 that is 4 bytes each; fp16 and bf16 store 2
// bytes (the lookup still gives fp32 vectors), int8 stores 1 byte plus one fp32 scale per row. The
// bytes are computed from the shape and measured as the growth of the process's resident memory.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "nn/embedding.hpp"

struct Cost {
  double computed_mb;  // from the tensors' sizes
  double measured_mb;  // growth of resident memory (VmRSS)
};

// Makes Embedding(vocab, 300) in fp32, converts it to `dtype`, and returns its cost.
Cost table_cost(int64_t vocab, const std::string& dtype) {
  tg::release_cached_memory();  // memory of earlier, freed tables goes back to the system first
  const int64_t before = tg::resident_memory_bytes();
  tg::nn::Embedding table(vocab, 300);  // fp32, every element written by the N(0, 1) init
  if (dtype == "fp16") table.half();
  if (dtype == "bf16") table.bfloat16();
  if (dtype == "int8") table.quantize_per_row();
  tg::release_cached_memory();          // the fp32 buffer the conversion replaced is given back
  const int64_t after = tg::resident_memory_bytes();
  int64_t bytes = 0;
  for (const auto& [name, p] : table.named_parameters()) bytes += p.nbytes();  // weight (+ weight_scale)
  return {double(bytes) / 1e6, double(after - before) / 1e6};
}

int main() {
  try {
    tg::manual_seed(0);
    const std::string dtypes[] = {"fp32", "fp16", "bf16", "int8"};
    table_cost(1000, "fp32");  // warm-up: the allocators' own first pages are not the table's
    fmt::print("Embedding(V, 300): bytes computed, resident memory measured (MB = 10^6 bytes)\n");
    fmt::print("{:>8}  {:<5} {:>10} {:>10}\n", "V", "dtype", "computed", "measured");
    std::map<std::string, Cost> at_100k;
    for (int64_t vocab : {1000, 10000, 100000})
      for (const std::string& dtype : dtypes) {
        const Cost cost = table_cost(vocab, dtype);
        fmt::print("{:>8}  {:<5} {:>7.2f} MB {:>7.2f} MB\n", vocab, dtype, cost.computed_mb, cost.measured_mb);
        if (vocab == 100000) at_100k[dtype] = cost;
      }
    for (const std::string dtype : {"fp16", "bf16", "int8"})
      fmt::print("{} / fp32 at V = 100000: computed {:.3f}, measured {:.3f}\n", dtype,
                 at_100k[dtype].computed_mb / at_100k["fp32"].computed_mb,
                 at_100k[dtype].measured_mb / at_100k["fp32"].measured_mb);

    // The price: each format rounds. Look up the same rows from a reduced copy and compare.
    tg::nn::Embedding exact(1000, 300);
    tg::Tensor ids = tg::randint(1000, {64});
    const tg::Tensor want = exact.forward(ids);
    for (const std::string dtype : {"fp16", "bf16", "int8"}) {
      auto reduced = tg::nn::Embedding::from_pretrained(exact.weight.detach().clone(), /*freeze=*/true);
      if (dtype == "fp16") reduced.half();
      if (dtype == "bf16") reduced.bfloat16();
      if (dtype == "int8") reduced.quantize_per_row();
      const tg::Tensor got = reduced.forward(ids);  // fp32 vectors, whatever the table's dtype
      double worst = 0;
      for (int64_t i = 0; i < got.numel(); ++i) worst = std::max(worst, double(std::fabs(got.f32()[i] - want.f32()[i])));
      fmt::print("lookup from the {} table: largest difference from fp32 {:.2g} (values are N(0, 1))\n", dtype, worst);
    }
    fmt::print("fp16/bf16 tables still train (fp32 gradients and optimizer moments); int8 is for inference\n");
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
