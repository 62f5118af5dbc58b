#include "models/line_plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tg::models {

namespace {

constexpr double kLeft = 72, kRight = 72, kBottom = 58;
constexpr double kTitleY = 24, kLegendTop = 36, kLegendRow = 18;
constexpr double kInset = 0.05;  // the curves keep this fraction of each axis' span away from the frame

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void include(double v) { lo = std::min(lo, v); hi = std::max(hi, v); }
  bool empty() const { return lo > hi; }
  // Widened so that nothing touches the frame; a range of width zero (one point, a constant series) too.
  Range padded() const {
    if (empty()) return {0, 1};
    if (hi - lo < 1e-12) return {lo - 0.5, hi + 0.5};
    double m = (hi - lo) * kInset;
    return {lo - m, hi + m};
  }
};

bool finite_point(const PlotSeries& s, size_t i) { return std::isfinite(s.x[i]) && std::isfinite(s.y[i]); }

Color series_color(size_t i) { return colors::series[i % std::size(colors::series)]; }

struct LegendEntry {
  std::string text;
  Color color;
  bool dashed;
};

// The legend's entries laid out in rows across the width: each row's entries, left to right.
std::vector<std::vector<size_t>> legend_rows(const std::vector<LegendEntry>& entries, double width) {
  std::vector<std::vector<size_t>> rows(1);
  double x = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    double w = 30 + text_width(entries[i].text, 12) + 20;
    if (x + w > width && !rows.back().empty()) rows.emplace_back(), x = 0;
    rows.back().push_back(i);
    x += w;
  }
  return rows;
}

}  // namespace

Canvas draw_line_plot(const std::vector<PlotSeries>& series, const PlotOptions& options) {
  Range xr, left, right;
  std::vector<const PlotSeries*> shown;
  std::vector<Color> shown_colors;  // by the series' place in `series`: a left-out one does not shift the others
  for (const PlotSeries& s : series) {
    bool any = false;
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!finite_point(s, i)) continue;
      any = true;
      xr.include(s.x[i]);
      (s.axis == Axis::left ? left : right).include(s.y[i]);
    }
    if (any) shown.push_back(&s), shown_colors.push_back(series_color(static_cast<size_t>(&s - series.data())));
  }
  const bool has_right = !right.empty();
  if (options.marked_x) xr.include(*options.marked_x);
  xr = xr.padded(), left = left.padded(), right = right.padded();

  std::vector<LegendEntry> entries;
  for (size_t i = 0; i < shown.size(); ++i)
    entries.push_back({shown[i]->name + (has_right && shown[i]->axis == Axis::right ? " (right axis)" : ""),
                       shown_colors[i], shown[i]->axis == Axis::right});

  Canvas canvas(options.width, options.height);
  const double inner_width = options.width - kLeft - kRight;
  auto rows = legend_rows(entries, inner_width - 12);
  const double legend_height = entries.empty() ? 0 : rows.size() * kLegendRow + 8;
  const double frame_top = kLegendTop + legend_height + (options.marked_x ? 18 : 10);  // room for the mark's label
  const Box frame{kLeft, frame_top, inner_width, options.height - kBottom - frame_top};
  auto px = [&](double x) { return frame.x + (x - xr.lo) / (xr.hi - xr.lo) * frame.width; };
  auto py = [&](double y, Axis axis) {
    const Range& r = axis == Axis::left ? left : right;
    return frame.bottom() - (y - r.lo) / (r.hi - r.lo) * frame.height;
  };

  // Grid and ticks.
  for (double t : nice_ticks(left.lo, left.hi)) {
    double y = py(t, Axis::left);
    canvas.line({frame.x, y}, {frame.right(), y}, {.stroke = colors::grid});
    canvas.text(frame.x - 6, y + 4, tick_label(t), {.size = 12, .anchor = Anchor::end});
  }
  for (double t : nice_ticks(xr.lo, xr.hi, 6, options.integer_x ? 1 : 0)) {
    double x = px(t);
    canvas.line({x, frame.bottom()}, {x, frame.bottom() + 5}, {.stroke = colors::frame});
    canvas.text(x, frame.bottom() + 18, tick_label(t), {.size = 12, .anchor = Anchor::middle});
  }
  if (has_right)
    for (double t : nice_ticks(right.lo, right.hi)) {
      double y = py(t, Axis::right);
      canvas.line({frame.right(), y}, {frame.right() + 5, y}, {.stroke = colors::frame});
      canvas.text(frame.right() + 8, y + 4, tick_label(t), {.size = 12});
    }
  canvas.rect(frame, {.stroke = colors::frame});

  // The kept epoch: a dashed line under the curves, its label above the frame where no curve goes.
  if (options.marked_x) {
    double x = px(*options.marked_x);
    canvas.line({x, frame.y - 3}, {x, frame.bottom()}, {.stroke = colors::muted, .stroke_width = 1.2, .dashed = true});
    std::string label = options.marked_label;
    bool fits_right = x + 4 + text_width(label, 11) < frame.right() - 2;
    canvas.text(fits_right ? x + 4 : x - 4, frame.y - 4, label,
                {.size = 11, .anchor = fits_right ? Anchor::start : Anchor::end, .color = colors::muted});
  }

  for (size_t i = 0; i < shown.size(); ++i) {
    const PlotSeries& s = *shown[i];
    std::vector<Point> points;
    for (size_t j = 0; j < std::min(s.x.size(), s.y.size()); ++j)
      if (finite_point(s, j)) points.push_back({px(s.x[j]), py(s.y[j], s.axis)});
    canvas.polyline(points, {.stroke = shown_colors[i], .stroke_width = 2, .dashed = s.axis == Axis::right});
    for (const Point& p : points) canvas.circle(p, 2.8, {.fill = shown_colors[i]});
  }

  // The legend: its own band between the title and the frame, on a light background.
  if (!entries.empty()) {
    canvas.rect({frame.x, kLegendTop, frame.width, legend_height},
                {.fill = Color{247, 247, 247}, .stroke = colors::grid});
    for (size_t r = 0; r < rows.size(); ++r) {
      double x = frame.x + 10, y = kLegendTop + 4 + (r + 1) * kLegendRow - 4;
      for (size_t i : rows[r]) {
        canvas.line({x, y - 4}, {x + 24, y - 4},
                    {.stroke = entries[i].color, .stroke_width = 2, .dashed = entries[i].dashed});
        canvas.text(x + 30, y, entries[i].text, {.size = 12});
        x += 30 + text_width(entries[i].text, 12) + 20;
      }
    }
  }

  canvas.text(frame.x + frame.width / 2, options.height - 16, options.x_label, {.size = 13, .anchor = Anchor::middle});
  canvas.text(20, frame.y + frame.height / 2, options.y_label, {.size = 13, .anchor = Anchor::middle, .rotate = -90});
  if (has_right)
    canvas.text(options.width - 18, frame.y + frame.height / 2, options.y2_label,
                {.size = 13, .anchor = Anchor::middle, .rotate = 90});
  canvas.text(options.width / 2, kTitleY, fit_text(options.title, 15, options.width - 20, /*bold=*/true),
              {.size = 15, .anchor = Anchor::middle, .bold = true});
  return canvas;
}

void save_line_plot(const std::string& path, const std::vector<PlotSeries>& series, const PlotOptions& options) {
  draw_line_plot(series, options).save(path);
}

}  // namespace tg::models
