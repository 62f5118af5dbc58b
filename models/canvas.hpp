#pragma once
// A small drawing surface for the project's pictures (heatmaps, scatters, training curves).
//
// A Canvas records shapes (rectangles, lines, polylines, circles, text) in pixel coordinates, origin at
// the top left. Two backends draw the same list: SVG, written by hand (text stays text, any browser opens
// it), and PNG through Cairo (built when Meson finds cairo; canvas_png.cpp). save() picks the backend from
// the file's extension and writes the file atomically, so a failure never leaves half a picture.
//
//   tg::models::Canvas canvas(640, 480);
//   canvas.rect({10, 10, 100, 50}, {.fill = tg::models::Color{68, 1, 84}});
//   canvas.text(60, 80, "a label", {.size = 14, .anchor = tg::models::Anchor::middle});
//   canvas.save("picture.svg");   // or "picture.png" where Cairo is built (tg::Error otherwise)
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tg::models {

struct Color {
  uint8_t r = 0, g = 0, b = 0;
  std::string hex() const;  // "#rrggbb"
  bool operator==(const Color&) const = default;
};

namespace colors {
inline constexpr Color black{0, 0, 0}, white{255, 255, 255}, frame{68, 68, 68}, grid{221, 221, 221},
    muted{119, 119, 119};
// Line colours of the curves, one after another (matplotlib's first six).
inline constexpr Color series[] = {{31, 119, 180}, {214, 39, 40}, {44, 160, 44}, {255, 127, 14}, {148, 103, 189},
                                   {140, 86, 75}};
}  // namespace colors

struct Point {
  double x = 0, y = 0;
};

struct Box {
  double x = 0, y = 0, width = 0, height = 0;  // top left corner and size
  double right() const { return x + width; }
  double bottom() const { return y + height; }
  bool overlaps(const Box& other) const {
    return x < other.right() && other.x < right() && y < other.bottom() && other.y < bottom();
  }
  bool inside(const Box& other) const {
    return x >= other.x && y >= other.y && right() <= other.right() && bottom() <= other.bottom();
  }
};

struct Paint {
  std::optional<Color> fill = std::nullopt;    // none: not filled
  std::optional<Color> stroke = std::nullopt;  // none: no outline
  double stroke_width = 1;
  double opacity = 1;  // of the whole shape
  bool dashed = false;
};

enum class Anchor { start, middle, end };  // where x is on the text: its left end, middle or right end

struct TextStyle {
  double size = 12;  // pixels
  Anchor anchor = Anchor::start;
  bool bold = false;
  double rotate = 0;  // degrees clockwise around (x, y); -90 reads bottom to top
  Color color = colors::black;
};

class Canvas {
 public:
  struct Rect { Box box; Paint paint; };
  struct Line { Point from, to; Paint paint; };
  struct Polyline { std::vector<Point> points; Paint paint; };
  struct Circle { Point centre; double radius; Paint paint; };
  struct Text { Point at; std::string text; TextStyle style; };  // at: the baseline
  using Shape = std::variant<Rect, Line, Polyline, Circle, Text>;

  Canvas(double width, double height, Color background = colors::white);

  void rect(const Box& box, const Paint& paint);
  void line(Point from, Point to, const Paint& paint);
  void polyline(std::vector<Point> points, const Paint& paint);
  void circle(Point centre, double radius, const Paint& paint);
  void text(double x, double y, std::string text, const TextStyle& style = {});

  double width() const { return width_; }
  double height() const { return height_; }
  Color background() const { return background_; }
  const std::vector<Shape>& shapes() const { return shapes_; }

  std::string to_svg() const;  // the SVG document
  std::string to_png() const;  // the PNG file's bytes; tg::Error when built without Cairo
  // Writes to_svg() for ".svg", to_png() for ".png" (tg::Error for any other extension), atomically.
  void save(const std::string& path) const;

 private:
  double width_, height_;
  Color background_;
  std::vector<Shape> shapes_;
};

bool png_supported();  // whether this build has Cairo, so Canvas::to_png works

// Checks that `path` names a picture this build can write (".svg", or ".png" with Cairo): tg::Error
// saying what is possible otherwise. Tools call it before any work so a bad --out fails at once.
void check_picture_path(const std::string& path);

// Text's width in pixels, estimated from its characters with DejaVu Sans' widths (the font both backends
// ask for, and Debian's default sans-serif), so that pictures are laid out the same in SVG and PNG.
double text_width(const std::string& text, double size, bool bold = false);

// The box a text of that style covers (unrotated), for laying labels out.
Box text_box(double x, double y, const std::string& text, const TextStyle& style);

// `text` shortened with "..." so that text_width(result, size, bold) <= max_width.
std::string fit_text(const std::string& text, double size, double max_width, bool bold = false);

// Tick positions for an axis from lo to hi: about `target` round values (1, 2 or 5 times a power of
// ten) inside [lo, hi]. min_step > 0 keeps ticks at least that far apart (1 for whole epochs).
std::vector<double> nice_ticks(double lo, double hi, int target = 5, double min_step = 0);

// A tick's label: "0.5", "1e+03", never "-0".
std::string tick_label(double value);

}  // namespace tg::models
