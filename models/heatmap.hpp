#pragma once
// A table of numbers as a picture: one cell per value, coloured with viridis, a colour bar with its values
// beside it, the columns as the x axis and the rows as the y axis (row 0 at the top, as the table reads).
//
//   tg::models::Canvas picture = tg::models::draw_heatmap(tg::narrow(embedding.weight, 0, 0, 100), {.title = "Embedding(1000, 50)"});
//   picture.save("init.svg");
#include <string>

#include "core/tensor.hpp"
#include "models/canvas.hpp"

namespace tg::models {

struct HeatmapOptions {
  std::string title{};
  std::string x_label = "embedding dimension";  // the columns
  std::string y_label = "word index";           // the rows
  std::string value_label = "value";            // beside the colour bar
  double width = 760;
  double height = 560;
};

// table: a 2-D [R, C] tensor (R, C >= 1; tg::Error otherwise). Non-finite values are drawn grey.
Canvas draw_heatmap(const Tensor& table, const HeatmapOptions& options = {});

}  // namespace tg::models
