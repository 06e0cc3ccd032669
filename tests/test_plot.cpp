// The SVG plotting module of the search subsystem: Pareto-front panels and heat maps, checked
// by parsing the produced document (markers, coordinates, panels, escaping, determinism).
#include <catch2/catch.hpp>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "axevo/search/plot.hpp"

using namespace axevo::search;
using Catch::Matchers::Contains;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

// The opening tags (from '<' to the closing '>') that contain `marker`.
std::vector<std::string> tags_with(const std::string& svg, const std::string& marker) {
  std::vector<std::string> out;
  for (std::size_t p = svg.find(marker); p != std::string::npos; p = svg.find(marker, p + 1)) {
    const std::size_t b = svg.rfind('<', p), e = svg.find('>', p);
    out.push_back(svg.substr(b, e - b + 1));
  }
  return out;
}

double attr(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const std::size_t p = tag.find(key);
  REQUIRE(p != std::string::npos);
  return std::strtod(tag.c_str() + p + key.size(), nullptr);
}

std::string attr_str(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const std::size_t p = tag.find(key);
  REQUIRE(p != std::string::npos);
  const std::size_t b = p + key.size();
  return tag.substr(b, tag.find('"', b) - b);
}

// The text of every element <text class="cls" ...>TEXT</text>.
std::vector<std::string> texts(const std::string& svg, const std::string& cls) {
  std::vector<std::string> out;
  const std::string key = "<text class=\"" + cls + "\"";
  for (std::size_t p = svg.find(key); p != std::string::npos; p = svg.find(key, p + 1)) {
    const std::size_t b = svg.find('>', p) + 1;
    out.push_back(svg.substr(b, svg.find("</text>", b) - b));
  }
  return out;
}

// A small well-formedness check: tags nest and balance, attribute quotes close, no raw '&'
// outside an entity, and a single <svg> root with the SVG namespace.
bool well_formed(const std::string& s) {
  std::vector<std::string> stack;
  std::size_t i = 0, roots = 0;
  while (i < s.size()) {
    if (s[i] == '&') {
      const std::size_t semi = s.find(';', i);
      if (semi == std::string::npos) return false;
      const std::string ent = s.substr(i, semi - i + 1);
      if (ent != "&amp;" && ent != "&lt;" && ent != "&gt;" && ent != "&quot;" && ent != "&apos;") return false;
      i = semi + 1;
      continue;
    }
    if (s[i] == '>') return false;
    if (s[i] != '<') { ++i; continue; }
    if (s.compare(i, 2, "<?") == 0) {
      const std::size_t e = s.find("?>", i);
      if (e == std::string::npos) return false;
      i = e + 2;
      continue;
    }
    const bool closing = s.compare(i, 2, "</") == 0;
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_end = s.find_first_of(" \t\n/>", j);
    if (name_end == std::string::npos || name_end == j) return false;
    const std::string name = s.substr(j, name_end - j);
    j = name_end;
    bool in_quote = false;
    while (j < s.size() && (in_quote || s[j] != '>')) {
      if (s[j] == '"') in_quote = !in_quote;
      if (in_quote && s[j] == '<') return false;
      ++j;
    }
    if (j >= s.size()) return false;
    const bool self_closing = s[j - 1] == '/';
    if (closing) {
      if (stack.empty() || stack.back() != name) return false;
      stack.pop_back();
    } else if (!self_closing) {
      if (stack.empty()) {
        ++roots;
        if (name != "svg") return false;
      }
      stack.push_back(name);
    }
    i = j + 1;
  }
  return stack.empty() && roots == 1 &&
         s.find("xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos;
}

std::vector<PlotAxis> two_axes() { return {{"energy (relative)", false}, {"accuracy drop", true}}; }

}  // namespace

TEST_CASE("front_svg draws one marker per finite point and skips NaN / infinite points", "[plot]") {
  PlotSeries a{"front", {{0.2, 0.01}, {0.5, 0.005}, {kNaN, 0.02}, {0.9, 0.001}}, MarkerStyle::FrontLine, "", {}};
  PlotSeries b{"random", {{0.3, kInf}, {0.6, 0.03}, {0.7, 0.02}}, MarkerStyle::Markers, "", {}};
  PlotSeries c{"exact", {{1.0, 0.0}}, MarkerStyle::Star, "", {}};
  const std::string svg = front_svg("Pareto front", two_axes(), {a, b, c});
  CHECK(well_formed(svg));
  CHECK(count(svg, "class=\"marker") == 3 + 2 + 1);
  CHECK(count(svg, "<circle class=\"marker\"") == 5);
  CHECK(count(svg, "class=\"marker star\"") == 1);
  CHECK(count(svg, "class=\"panel\"") == 1);
  CHECK(count(svg, "class=\"legend-entry\"") == 3);
  CHECK(count(svg, "class=\"front-line\"") == 1);
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);
}

TEST_CASE("front_svg maps larger x to the right and larger y upwards", "[plot]") {
  PlotSeries s{"s", {{3.0, 10.0}, {-1.0, 20.0}, {7.5, 15.0}, {2.0, 5.0}}, MarkerStyle::Markers, "", {}};
  const std::string svg = front_svg("t", {{"x", false}, {"y", false}}, {s});
  const auto markers = tags_with(svg, "<circle class=\"marker\"");
  REQUIRE(markers.size() == 4);
  std::vector<double> cx, cy;
  for (const auto& m : markers) {
    cx.push_back(attr(m, "cx"));
    cy.push_back(attr(m, "cy"));
  }
  // Points are drawn in input order: index 1 has min x, 2 max x, 3 min y, 1 max y.
  CHECK(cx[2] > cx[0]);
  CHECK(cx[0] > cx[1]);
  CHECK(*std::max_element(cx.begin(), cx.end()) == cx[2]);
  CHECK(*std::min_element(cx.begin(), cx.end()) == cx[1]);
  CHECK(*std::min_element(cy.begin(), cy.end()) == cy[1]);  // SVG y grows downwards
  CHECK(*std::max_element(cy.begin(), cy.end()) == cy[3]);
  // ~5% padding: the extreme points lie strictly inside the plot area.
  const auto area = tags_with(svg, "class=\"plot-area\"");
  REQUIRE(area.size() == 1);
  const double left = attr(area[0], "x"), width = attr(area[0], "width");
  CHECK(cx[1] > left + 0.03 * width);
  CHECK(cx[1] < left + 0.07 * width);
  CHECK(cx[2] < left + 0.97 * width);
  CHECK(cx[2] > left + 0.93 * width);
}

TEST_CASE("front_svg lays out every pair of 3 or more axes as its own panel", "[plot]") {
  PlotSeries s3{"s", {{1, 2, 3}, {2, 1, 0.5}, {kNaN, 1, 1}}, MarkerStyle::Markers, "", {}};
  const std::string svg3 = front_svg("3 objectives", {{"a", false}, {"b", false}, {"c", true}}, {s3});
  CHECK(well_formed(svg3));
  CHECK(count(svg3, "class=\"panel\"") == 3);
  // The NaN point is skipped only in the panels showing axis a: (a,b), (a,c) 2 markers, (b,c) 3.
  CHECK(count(svg3, "class=\"marker") == 2 + 2 + 3);

  PlotSeries s4{"s", {{1, 2, 3, 4}}, MarkerStyle::Star, "", {}};
  const std::string svg4 = front_svg("4", {{"a", false}, {"b", false}, {"c", false}, {"d", false}}, {s4});
  CHECK(count(svg4, "class=\"panel\"") == 6);
  CHECK(count(svg4, "class=\"marker star\"") == 6);
}

TEST_CASE("front_svg ticks sit at nice values and percent axes print percentages", "[plot]") {
  PlotSeries s{"s", {{0.13, 0.01}, {0.87, 0.03}, {0.5, 0.02}}, MarkerStyle::Markers, "", {}};
  const std::string svg = front_svg("t", {{"x", false}, {"err", true}}, {s});
  const auto labels = texts(svg, "tick-label");
  std::vector<double> xs;
  bool saw_percent = false;
  for (const auto& l : labels) {
    if (!l.empty() && l.back() == '%') saw_percent = true;
    else xs.push_back(std::strtod(l.c_str(), nullptr));
  }
  CHECK(saw_percent);
  CHECK_THAT(svg, Contains(">1.5%<") && Contains(">3.0%<"));
  REQUIRE(xs.size() >= 3);
  const double step = xs[1] - xs[0];
  const double mant = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  CHECK((std::abs(mant - 1) < 1e-6 || std::abs(mant - 2) < 1e-6 || std::abs(mant - 5) < 1e-6));
  for (std::size_t k = 1; k < xs.size(); ++k) CHECK(xs[k] - xs[k - 1] == Approx(step));
  CHECK(xs.front() >= 0.13 - 0.05 * 0.74 - 1e-9);
  CHECK(xs.back() <= 0.87 + 0.05 * 0.74 + 1e-9);
}

TEST_CASE("front_svg handles a zero-width range and empty input", "[plot]") {
  PlotSeries s{"same", {{0.5, 2.0}, {0.5, 2.0}}, MarkerStyle::FrontLine, "", {}};
  const std::string svg = front_svg("flat", two_axes(), {s});
  CHECK(well_formed(svg));
  const auto markers = tags_with(svg, "<circle class=\"marker\"");
  REQUIRE(markers.size() == 2);
  const auto area = tags_with(svg, "class=\"plot-area\"");
  REQUIRE(area.size() == 1);
  const double x = attr(markers[0], "cx");
  CHECK(x == Approx(attr(area[0], "x") + attr(area[0], "width") / 2));
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);
  CHECK(texts(svg, "tick-label").size() >= 4);

  const std::string empty = front_svg("nothing", two_axes(), {});
  CHECK(well_formed(empty));
  CHECK(count(empty, "class=\"panel\"") == 1);
  CHECK(count(empty, "class=\"marker") == 0);
}

TEST_CASE("front_svg XML-escapes every text", "[plot]") {
  PlotSeries s{"<&> \"q\" 'a'", {{1, 2}, {2, 1}}, MarkerStyle::Markers, "#D55E00", {"tip <&>", "b"}};
  const std::string svg = front_svg("title <&>", {{"x <&>", false}, {"y", false}}, {s});
  CHECK(well_formed(svg));
  CHECK(svg.find("<&>") == std::string::npos);
  CHECK_THAT(svg, Contains("&lt;&amp;&gt; &quot;q&quot; &apos;a&apos;"));
  CHECK_THAT(svg, Contains("<title>title &lt;&amp;&gt;</title>"));
  CHECK_THAT(svg, Contains(">x &lt;&amp;&gt;</text>"));
  CHECK_THAT(svg, Contains("<title>tip &lt;&amp;&gt;</title>"));
  CHECK(count(svg, "fill=\"#D55E00\"") == 3);  // two markers and the legend entry
}

TEST_CASE("front_svg output is deterministic and locale independent", "[plot]") {
  PlotSeries a{"a", {{0.123456, 1.5e-3, 12.0}, {0.5, 2.25e-3, 7.25}}, MarkerStyle::FrontLine, "", {}};
  PlotSeries b{"b", {{0.3, 1e-3, 9.0}}, MarkerStyle::Star, "", {}};
  const std::vector<PlotAxis> axes{{"e", false}, {"err", true}, {"area", false}};
  const std::string first = front_svg("det", axes, {a, b});
  CHECK(first == front_svg("det", axes, {a, b}));
  // Under a comma-decimal C locale (when installed) the output must not change.
  const std::string old = std::setlocale(LC_NUMERIC, nullptr);
  for (const char* loc : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8"}) {
    if (std::setlocale(LC_NUMERIC, loc) == nullptr) continue;
    const std::string again = front_svg("det", axes, {a, b});
    std::setlocale(LC_NUMERIC, old.c_str());
    CHECK(again == first);
    break;
  }
  std::setlocale(LC_NUMERIC, old.c_str());
  // Coordinates have two decimals, never a comma.
  for (const auto& m : tags_with(first, "<circle class=\"marker\"")) {
    const std::string cx = attr_str(m, "cx");
    CHECK(cx.find(',') == std::string::npos);
    REQUIRE(cx.find('.') != std::string::npos);
    CHECK(cx.size() - cx.find('.') == 3);
  }
}

TEST_CASE("front_svg rejects fewer than two axes and points of the wrong size", "[plot]") {
  PlotSeries ok{"s", {{1, 2}}, MarkerStyle::Markers, "", {}};
  CHECK_THROWS_AS(front_svg("t", {{"x", false}}, {ok}), std::invalid_argument);
  CHECK_THROWS_AS(front_svg("t", {}, {}), std::invalid_argument);
  PlotSeries bad{"s", {{1, 2}, {1, 2, 3}}, MarkerStyle::Markers, "", {}};
  CHECK_THROWS_AS(front_svg("t", two_axes(), {bad}), std::invalid_argument);
  PlotSeries short_pt{"s", {{1}}, MarkerStyle::Markers, "", {}};
  CHECK_THROWS_AS(front_svg("t", two_axes(), {short_pt}), std::invalid_argument);
  CHECK_NOTHROW(front_svg("t", two_axes(), {ok}));
}

TEST_CASE("matrix_heatmap_svg draws rows x cols cells with a grey n/a cell", "[plot]") {
  const std::vector<std::string> rows{"conv1", "conv2", "fc <1>"};
  const std::vector<std::string> cols{"mul8u_exact", "mul8u_A", "mul8u_B", "mul8u_C"};
  const std::vector<std::vector<double>> values{{0.0, 0.5, 1.0, 2.0}, {0.1, kNaN, 0.3, 0.4}, {4.0, 3.0, 2.0, 1.0}};
  const std::string svg = matrix_heatmap_svg("layer x multiplier", rows, cols, values, "accuracy drop (pp)");
  CHECK(well_formed(svg));
  const auto cells = tags_with(svg, "<rect class=\"cell");
  REQUIRE(cells.size() == rows.size() * cols.size());
  const auto na = tags_with(svg, "<rect class=\"cell na\"");
  REQUIRE(na.size() == 1);
  CHECK(attr_str(na[0], "fill") == "#bdbdbd");
  // Row-major order: min (0.0) is white, max (4.0) the darkest red.
  CHECK(attr_str(cells[0], "fill") == "#ffffff");
  CHECK(attr_str(cells[8], "fill") == "#67000d");
  // The cells are laid out in a grid: same row same y, next column further right.
  CHECK(attr(cells[1], "y") == attr(cells[0], "y"));
  CHECK(attr(cells[1], "x") > attr(cells[0], "x"));
  CHECK(attr(cells[4], "y") > attr(cells[0], "y"));
  CHECK_THAT(svg, Contains("<title>conv2 / mul8u_A: n/a</title>"));
  CHECK_THAT(svg, Contains("<title>conv1 / mul8u_B: 1</title>"));
  CHECK_THAT(svg, Contains("<title>fc &lt;1&gt; / mul8u_C: 1</title>"));
  CHECK(count(svg, "<text class=\"col-label\"") == cols.size());
  CHECK(count(svg, "rotate(-45") == cols.size());
  CHECK(count(svg, "<text class=\"row-label\"") == rows.size());
  CHECK_THAT(svg, Contains(">accuracy drop (pp)</text>"));
  CHECK_THAT(svg, Contains("linearGradient"));
  CHECK(svg == matrix_heatmap_svg("layer x multiplier", rows, cols, values, "accuracy drop (pp)"));
}

TEST_CASE("matrix_heatmap_svg handles constant values and rejects ragged input", "[plot]") {
  const std::string svg = matrix_heatmap_svg("c", {"r"}, {"a", "b"}, {{3.0, 3.0}}, "v");
  CHECK(well_formed(svg));
  const auto cells = tags_with(svg, "<rect class=\"cell");
  REQUIRE(cells.size() == 2);
  CHECK(attr_str(cells[0], "fill") == attr_str(cells[1], "fill"));
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("<rect class=\"cell na\"") == std::string::npos);

  CHECK_THROWS_AS(matrix_heatmap_svg("t", {"r1", "r2"}, {"a"}, {{1.0}}, "v"), std::invalid_argument);
  CHECK_THROWS_AS(matrix_heatmap_svg("t", {"r1"}, {"a", "b"}, {{1.0}}, "v"), std::invalid_argument);
}
