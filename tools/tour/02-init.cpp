// Slide 2: how an embedding starts. Embedding(1000, 50) fills its table from N(0, 1), as PyTorch does:
// every number is random, with mean about 0 and standard deviation about 1, so no two words start alike
// and none is favoured. Training moves the rows from there. The first 100 rows are drawn as a heatmap
// (one row per word, one column per dimension): noise, with no pattern yet.
//   02-init [OUTPUT_PREFIX]      writes OUTPUT_PREFIX.svg (and .png where built with Cairo); default 02-init
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "core/tapegrad.hpp"
#include "models/canvas.hpp"
#include "models/heatmap.hpp"
#include "nn/embedding.hpp"

int main(int argc, char** argv) {
  try {
    tg::manual_seed(0);
    tg::nn::Embedding embedding(1000, 50);  // weight [1000, 50] ~ N(0, 1)
    const tg::Tensor& weight = embedding.weight;

    double mean = weight.mean().item();
    double std = std::sqrt(((weight - mean) * (weight - mean)).sum().item() / double(weight.numel() - 1));
    fmt::print("embedding.weight: shape {}, {} numbers\n", weight.shape(), weight.numel());
    fmt::print("mean {:.4f}, std {:.4f} (N(0, 1) gives about 0 and 1)\n", mean, std);

    tg::models::Canvas picture = tg::models::draw_heatmap(
        tg::narrow(weight, 0, 0, 100), {.title = "Embedding(1000, 50) at initialisation: the first 100 rows"});
    std::string prefix = argc > 1 ? argv[1] : "02-init";
    for (std::string extension : {".svg", ".png"}) {
      if (extension == ".png" && !tg::models::png_supported()) {
        fmt::print("no PNG: this build has no Cairo\n");
        continue;
      }
      picture.save(prefix + extension);
      fmt::print("heatmap of rows 0-99 written to {}\n", prefix + extension);
    }
  } catch (const tg::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
