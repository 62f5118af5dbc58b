#include "models/heatmap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "models/colormap.hpp"

namespace tg::models {

namespace {

// Margins around the cells: the title above, tick labels and axis titles left and below, the colour bar right.
constexpr double kLeft = 78, kTop = 48, kBottom = 62, kRight = 130;
constexpr double kBarGap = 18, kBarWidth = 18;
constexpr Color kNotFinite{160, 160, 160};

}  // namespace

Canvas draw_heatmap(const Tensor& table, const HeatmapOptions& options) {
  if (table.dim() != 2 || table.size(0) < 1 || table.size(1) < 1)
    fail("heatmap: expected a [rows, columns] table with at least one of each, found shape {}", table.shape());
  const int64_t rows = table.size(0), cols = table.size(1);
  std::vector<float> values = table.to_vector();  // [R, C] row-major

  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (float v : values)
    if (std::isfinite(v)) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
  if (lo > hi) lo = 0, hi = 1;                // nothing finite
  if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;  // a constant table

  Canvas canvas(options.width, options.height);
  const Box cells{kLeft, kTop, options.width - kLeft - kRight, options.height - kTop - kBottom};
  const double cell_w = cells.width / cols, cell_h = cells.height / rows;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      float v = values[r * cols + c];
      Color color = std::isfinite(v) ? viridis((v - lo) / (hi - lo)) : kNotFinite;
      // A hair wider than the cell, so that no background shows between neighbours when anti-aliased.
      canvas.rect({cells.x + c * cell_w, cells.y + r * cell_h, cell_w + 0.3, cell_h + 0.3}, {.fill = color});
    }
  canvas.rect(cells, {.stroke = colors::frame});

  // Axes: ticks at the middle of a column / row, whole indices only.
  const TextStyle tick_style{.size = 11, .anchor = Anchor::middle};
  for (double t : nice_ticks(0, double(cols - 1), 6, 1)) {
    double x = cells.x + (t + 0.5) * cell_w;
    canvas.line({x, cells.bottom()}, {x, cells.bottom() + 5}, {.stroke = colors::frame});
    canvas.text(x, cells.bottom() + 18, tick_label(t), tick_style);
  }
  for (double t : nice_ticks(0, double(rows - 1), 6, 1)) {
    double y = cells.y + (t + 0.5) * cell_h;
    canvas.line({cells.x - 5, y}, {cells.x, y}, {.stroke = colors::frame});
    canvas.text(cells.x - 8, y + 4, tick_label(t), {.size = 11, .anchor = Anchor::end});
  }
  canvas.text(cells.x + cells.width / 2, options.height - 18, options.x_label, {.size = 13, .anchor = Anchor::middle});
  canvas.text(24, cells.y + cells.height / 2, options.y_label, {.size = 13, .anchor = Anchor::middle, .rotate = -90});

  // The colour bar: thin bands from the lowest value (bottom) to the highest (top), ticks at round values.
  const Box bar{cells.right() + kBarGap, cells.y, kBarWidth, cells.height};
  constexpr int kBands = 128;
  for (int i = 0; i < kBands; ++i) {
    double band_h = bar.height / kBands;
    canvas.rect({bar.x, bar.bottom() - (i + 1) * band_h, bar.width, band_h + 0.3},
                {.fill = viridis((i + 0.5) / kBands)});
  }
  canvas.rect(bar, {.stroke = colors::frame});
  for (double t : nice_ticks(lo, hi, 6)) {
    double y = bar.bottom() - (t - lo) / (hi - lo) * bar.height;
    canvas.line({bar.right(), y}, {bar.right() + 5, y}, {.stroke = colors::frame});
    canvas.text(bar.right() + 8, y + 4, tick_label(t), {.size = 11});
  }
  canvas.text(options.width - 16, bar.y + bar.height / 2, options.value_label,
              {.size = 13, .anchor = Anchor::middle, .rotate = 90});

  canvas.text(options.width / 2, 28, fit_text(options.title, 16, options.width - 20, /*bold=*/true),
              {.size = 16, .anchor = Anchor::middle, .bold = true});
  return canvas;
}

}  // namespace tg::models
