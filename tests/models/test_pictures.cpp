// Pictures: the canvas' SVG and PNG backends, viridis, the heatmap, the labelled scatter, the line plot.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "core/random.hpp"
#include "models/canvas.hpp"
#include "models/colormap.hpp"
#include "models/heatmap.hpp"
#include "models/line_plot.hpp"
#include "models/scatter.hpp"
#include "tests/scratch.hpp"

using namespace tg;
using namespace tg::models;

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("viridis: matplotlib's ends and middle") {
  CHECK(viridis(0).hex() == "#440154");
  CHECK(viridis(1).hex() == "#fde725");
  CHECK(viridis(0.5).hex() == "#21918c");
  CHECK(viridis(-3) == viridis(0));
  CHECK(viridis(7) == viridis(1));
}

TEST_CASE("canvas: SVG keeps text as text, escaped; the extension picks the backend") {
  Canvas canvas(100, 50);
  canvas.rect({1, 2, 3, 4}, {.fill = Color{1, 2, 3}});
  canvas.text(10, 20, "a < b & c", {.anchor = Anchor::middle});
  std::string svg = canvas.to_svg();
  CHECK(svg.find("<svg") == 0);
  CHECK(svg.find("a &lt; b &amp; c</text>") != std::string::npos);
  CHECK(svg.find("fill=\"#010203\"") != std::string::npos);
  test::TempDir dir;
  CHECK(test::error_of([&] { canvas.save(dir.file("x.jpg")); }).find("expected a picture file ending in .svg or .png") !=
        std::string::npos);
  CHECK(dir.listing().empty());
}

TEST_CASE("canvas: text is kept as valid UTF-8 (a stray byte becomes U+FFFD, control characters go)") {
  Canvas canvas(10, 10);
  canvas.text(1, 1, "caf\xC3\xA9 \xFF\x01ok");
  CHECK(std::get<Canvas::Text>(canvas.shapes()[0]).text == "caf\xC3\xA9 \xEF\xBF\xBDok");
}

TEST_CASE("canvas: saving is atomic, an existing picture is replaced whole and no temporary stays") {
  test::TempDir dir;
  Canvas canvas(10, 10);
  canvas.save(dir.file("p.svg"));
  canvas.text(1, 1, "second");
  canvas.save(dir.file("p.svg"));
  CHECK(dir.listing() == std::vector<std::string>{"p.svg"});
  CHECK(read_all(dir.file("p.svg")).find("second") != std::string::npos);
  CHECK(test::error_of([&] { canvas.save(dir.file("no/such/dir/p.svg")); }) != "(no error)");
}

TEST_CASE("canvas: PNG through Cairo when built, a clear error otherwise") {
  test::TempDir dir;
  Canvas canvas(40, 30);
  canvas.circle({20, 15}, 5, {.fill = colors::series[0]});
  canvas.text(2, 12, "png");
  if (png_supported()) {
    canvas.save(dir.file("p.png"));
    std::string bytes = read_all(dir.file("p.png"));
    REQUIRE(bytes.size() > 8);
    CHECK(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  } else {
    CHECK(test::error_of([&] { canvas.save(dir.file("p.png")); }).find("without Cairo") != std::string::npos);
    CHECK(dir.listing().empty());
  }
}

TEST_CASE("heatmap: one cell per value, a colour bar with values, the axis titles and the title") {
  manual_seed(0);
  Tensor table = randn({4, 3});
  std::string svg = draw_heatmap(table, {.title = "init"}).to_svg();
  CHECK(svg.find(">embedding dimension</text>") != std::string::npos);
  CHECK(svg.find(">word index</text>") != std::string::npos);
  CHECK(svg.find(">value</text>") != std::string::npos);
  CHECK(svg.find(">init</text>") != std::string::npos);
  // 12 cells + 128 bands of the colour bar + 2 frames + the background.
  CHECK(count(svg, "<rect") == 12 + 128 + 2 + 1);
  // The lowest cell is viridis' first colour, the highest its last.
  CHECK(svg.find(viridis(0).hex()) != std::string::npos);
  CHECK(svg.find(viridis(1).hex()) != std::string::npos);
  CHECK(test::error_of([] { draw_heatmap(tensor({1, 2, 3})); }).find("expected a [rows, columns] table") !=
        std::string::npos);
}

TEST_CASE("scatter: every label drawn; labels overlap neither each other nor the points, and stay in the frame") {
  // Crowded: 12 points on a small grid, where labels beside each point must dodge.
  std::vector<Point> points;
  std::vector<std::string> labels;
  for (int i = 0; i < 12; ++i) {
    points.push_back({double(i % 4), double(i / 4)});
    labels.push_back("word" + std::to_string(i));
  }
  std::string svg = draw_scatter(points, labels, {.title = "t-SNE"}).to_svg();
  for (const std::string& label : labels) CHECK(svg.find(">" + label + "</text>") != std::string::npos);

  std::vector<Point> pixels;
  for (const Point& p : points) pixels.push_back({100 + 60 * p.x, 100 + 30 * p.y});
  const Box frame{0, 0, 500, 400};
  std::vector<PlacedLabel> placed = place_labels(pixels, labels, 13, frame, 4.5);
  for (size_t i = 0; i < placed.size(); ++i) {
    CHECK(placed[i].box.inside(frame));
    for (size_t j = 0; j < placed.size(); ++j) {
      if (i != j) CHECK_FALSE(placed[i].box.overlaps(placed[j].box));
      Box dot{pixels[j].x - 4.5, pixels[j].y - 4.5, 9, 9};
      CHECK_FALSE(placed[i].box.overlaps(dot));
    }
  }
  CHECK(test::error_of([] { draw_scatter({{0, 0}}, {}); }).find("1 points but 0 labels") != std::string::npos);
}

TEST_CASE("line plot: legend on its own band, whole-number epoch ticks, the kept epoch marked, long titles cut") {
  PlotSeries loss{"train loss", {1, 2, 3}, {0.9, 0.5, 0.4}};
  PlotSeries valid{"valid loss", {1, 2, 3}, {0.95, 0.6, 0.7}};
  std::string title(200, 'x');
  std::string svg = draw_line_plot({loss, valid}, {.title = title, .x_label = "epoch", .integer_x = true,
                                                   .marked_x = 2, .marked_label = "kept: epoch 2"})
                        .to_svg();
  CHECK(count(svg, "<polyline") == 2);
  CHECK(svg.find(">valid loss</text>") != std::string::npos);
  CHECK(svg.find(">kept: epoch 2</text>") != std::string::npos);
  CHECK(svg.find(title) == std::string::npos);  // cut with "..."
  CHECK(svg.find("...</text>") != std::string::npos);
  CHECK(svg.find(">1.5</text>") == std::string::npos);  // no half epochs
  CHECK(svg.find(">2</text>") != std::string::npos);
  CHECK(nice_ticks(0.9, 3.1, 6, 1) == std::vector<double>{1, 2, 3});
}
