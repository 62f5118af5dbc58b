#include "models/scatter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace tg::models {

std::vector<Point> points_of(const Tensor& xy) {
  if (xy.dim() != 2 || xy.size(1) != 2) fail("points_of: expected an [N, 2] tensor, found {}", xy.shape());
  const std::vector<float> v = xy.to_vector();
  std::vector<Point> points;
  for (size_t i = 0; i + 1 < v.size(); i += 2) points.push_back({v[i], v[i + 1]});
  return points;
}

namespace {

constexpr double kLeft = 60, kRight = 24, kTop = 48, kBottom = 56;
constexpr double kRadius = 4.5, kFont = 13;

// How much of `a` lies inside `b`, in square pixels.
double overlap_area(const Box& a, const Box& b) {
  double w = std::min(a.right(), b.right()) - std::max(a.x, b.x);
  double h = std::min(a.bottom(), b.bottom()) - std::max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

double outside_area(const Box& a, const Box& frame) { return a.width * a.height - overlap_area(a, frame); }

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void include(double v) { lo = std::min(lo, v), hi = std::max(hi, v); }
  // Widened by `pad` of its width on each side (one point, or all on a line, get a width of 2).
  Range padded(double pad) const {
    if (hi - lo < 1e-12) return {lo - 1, hi + 1};
    double m = (hi - lo) * pad;
    return {lo - m, hi + m};
  }
};

}  // namespace

std::vector<PlacedLabel> place_labels(const std::vector<Point>& points, const std::vector<std::string>& labels,
                                      double font_size, const Box& frame, double point_radius) {
  std::vector<Box> taken;  // the points, then each label as it is placed
  for (const Point& p : points)
    taken.push_back({p.x - point_radius, p.y - point_radius, 2 * point_radius, 2 * point_radius});

  // The most crowded points choose first, while the spots beside them are still free.
  std::vector<int> crowd(points.size(), 0);
  for (size_t i = 0; i < points.size(); ++i)
    for (size_t j = 0; j < points.size(); ++j)
      crowd[i] += j != i && std::hypot(points[i].x - points[j].x, points[i].y - points[j].y) < 4 * font_size;
  std::vector<size_t> order(points.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return crowd[a] > crowd[b]; });

  std::vector<PlacedLabel> placed(points.size());
  const double ascent = 0.8 * font_size, height = 1.05 * font_size;
  for (size_t i : order) {
    const Point p = points[i];
    const double w = text_width(labels[i], font_size);
    // Candidate boxes: right, left, above, below and the four diagonals, first beside the point, then
    // farther away (those get a leader line).
    PlacedLabel best;
    double best_cost = std::numeric_limits<double>::infinity();
    for (double gap : {point_radius + 3, point_radius + 16, point_radius + 32, point_radius + 52}) {
      const Box spots[] = {
          {p.x + gap, p.y - height / 2, w, height},               // right
          {p.x - gap - w, p.y - height / 2, w, height},           // left
          {p.x - w / 2, p.y - gap - height, w, height},           // above
          {p.x - w / 2, p.y + gap, w, height},                    // below
          {p.x + gap * 0.7, p.y - gap * 0.7 - height, w, height},      // above right
          {p.x - gap * 0.7 - w, p.y - gap * 0.7 - height, w, height},  // above left
          {p.x + gap * 0.7, p.y + gap * 0.7, w, height},               // below right
          {p.x - gap * 0.7 - w, p.y + gap * 0.7, w, height},           // below left
      };
      for (const Box& spot : spots) {
        double cost = 50 * outside_area(spot, frame);
        for (const Box& other : taken) cost += overlap_area(spot, other);
        cost += gap * 0.01;  // of two free spots, the nearer wins
        if (cost < best_cost) {
          best_cost = cost;
          best = {spot, {spot.x, spot.y + (height - 1.05 * font_size) / 2 + ascent}, gap > point_radius + 3};
        }
      }
      if (best_cost < 1) break;  // a free spot at this distance: no need to look farther
    }
    taken.push_back(best.box);
    placed[i] = best;
  }
  return placed;
}

Canvas draw_scatter(const std::vector<Point>& points, const std::vector<std::string>& labels,
                    const ScatterOptions& options) {
  if (points.size() != labels.size())
    fail("scatter: {} points but {} labels; expected one label per point", points.size(), labels.size());
  if (!options.groups.empty() && options.groups.size() != points.size())
    fail("scatter: {} points but {} groups; expected one group per point", points.size(), options.groups.size());
  Range xs, ys;
  for (const Point& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) fail("scatter: a point is not finite ({}, {})", p.x, p.y);
    xs.include(p.x), ys.include(p.y);
  }
  if (points.empty()) xs = {0, 1}, ys = {0, 1};
  xs = xs.padded(0.08), ys = ys.padded(0.08);

  Canvas canvas(options.width, options.height);
  const Box frame{kLeft, kTop, options.width - kLeft - kRight, options.height - kTop - kBottom};
  // The points sit inside an inner area so that a label beside an outer point still fits in the frame.
  double widest = 0;
  for (const std::string& label : labels) widest = std::max(widest, text_width(label, kFont));
  const double inset_x = std::min(frame.width / 4, widest / 2 + 12), inset_y = 22;
  auto px = [&](double x) { return frame.x + inset_x + (x - xs.lo) / (xs.hi - xs.lo) * (frame.width - 2 * inset_x); };
  auto py = [&](double y) { return frame.bottom() - inset_y - (y - ys.lo) / (ys.hi - ys.lo) * (frame.height - 2 * inset_y); };

  canvas.rect(frame, {.stroke = colors::frame});
  std::vector<Point> pixels;
  for (const Point& p : points) pixels.push_back({px(p.x), py(p.y)});

  std::vector<PlacedLabel> placed = place_labels(pixels, labels, kFont, frame, kRadius);
  for (size_t i = 0; i < pixels.size(); ++i) {
    if (!placed[i].leader) continue;
    const Box& b = placed[i].box;  // the leader runs from the point to the nearest point of the label's box
    Point to{std::clamp(pixels[i].x, b.x, b.right()), std::clamp(pixels[i].y, b.y, b.bottom())};
    canvas.line(pixels[i], to, {.stroke = colors::muted, .stroke_width = 0.8});
  }
  for (size_t i = 0; i < pixels.size(); ++i) {
    int group = options.groups.empty() ? 0 : options.groups[i];
    Color color = colors::series[static_cast<size_t>(group) % std::size(colors::series)];
    canvas.circle(pixels[i], kRadius, {.fill = color, .stroke = colors::white, .stroke_width = 1});
  }
  for (size_t i = 0; i < pixels.size(); ++i)
    canvas.text(placed[i].baseline.x, placed[i].baseline.y, labels[i], {.size = kFont});

  // Legend of the groups, in one row under the title.
  if (!options.group_names.empty()) {
    double x = frame.x, y = kTop - 10;
    for (size_t g = 0; g < options.group_names.size(); ++g) {
      canvas.circle({x + 5, y - 4}, kRadius, {.fill = colors::series[g % std::size(colors::series)]});
      canvas.text(x + 14, y, options.group_names[g], {.size = 12});
      x += 14 + text_width(options.group_names[g], 12) + 18;
    }
  }
  canvas.text(frame.x + frame.width / 2, options.height - 14, options.x_label, {.size = 13, .anchor = Anchor::middle});
  canvas.text(22, frame.y + frame.height / 2, options.y_label, {.size = 13, .anchor = Anchor::middle, .rotate = -90});
  double title_y = options.group_names.empty() ? 30 : 20;
  canvas.text(options.width / 2, title_y, fit_text(options.title, 16, options.width - 20, /*bold=*/true),
              {.size = 16, .anchor = Anchor::middle, .bold = true});
  return canvas;
}

}  // namespace tg::models
