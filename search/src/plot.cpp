// SVG figures for search results; see plot.hpp. No dependencies beyond the standard library.
// Every number goes through std::to_chars (locale independent) so output is byte-identical
// for identical input.
#include "axevo/search/plot.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace axevo::search {
namespace {

// ---------------------------------------------------------------- formatting helpers

// Drops the sign of a printed zero ("-0.00" -> "0.00").
std::string strip_negative_zero(std::string s) {
  if (!s.empty() && s[0] == '-' &&
      s.find_first_not_of("0.", 1) == std::string::npos)
    s.erase(0, 1);
  return s;
}

// Fixed-point with `prec` decimals; non-finite values print as "0" (never used for coordinates,
// which are finite by construction).
std::string fixed(double v, int prec = 2) {
  if (!std::isfinite(v)) return "0";
  std::array<char, 400> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, prec);
  if (r.ec != std::errc()) return "0";
  return strip_negative_zero(std::string(buf.data(), r.ptr));
}

// Shortest-ish general form with `digits` significant digits, for tooltips and labels.
std::string sig(double v, int digits = 4) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::array<char, 64> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::general, digits);
  if (r.ec != std::errc()) return "?";
  return strip_negative_zero(std::string(buf.data(), r.ptr));
}

// XML text / attribute escaping. Control characters that XML 1.0 forbids are replaced by '?'
// so that any input gives a well-formed document.
std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += '?';
        else
          out += ch;
    }
  }
  return out;
}

// Rough text width for layout (sans-serif at `font_size`).
double text_width(const std::string& s, double font_size = 11.0) {
  return static_cast<double>(s.size()) * font_size * 0.6;
}

std::string svg_open(double width, double height, const std::string& title) {
  std::string o;
  o += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + fixed(width) +
       "\" height=\"" + fixed(height) + "\" viewBox=\"0 0 " + fixed(width) + " " + fixed(height) +
       "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">\n";
  o += "<title>" + esc(title) + "</title>\n";
  o += "<rect x=\"0\" y=\"0\" width=\"" + fixed(width) + "\" height=\"" + fixed(height) +
       "\" fill=\"#ffffff\"/>\n";
  o += "<text class=\"title\" x=\"" + fixed(width / 2) +
       "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">" + esc(title) +
       "</text>\n";
  return o;
}

// ---------------------------------------------------------------- ranges and ticks

struct Range {
  double lo = 0.0;
  double hi = 1.0;
};

// Padded range of the finite values: ~5% on each side; a zero-width range is widened around
// its value; no finite value gives [0, 1].
Range padded_range(double lo, double hi, bool any) {
  if (!any) return {0.0, 1.0};
  const double span = hi - lo;
  if (!(span > 0.0) || !std::isfinite(span)) {
    if (!std::isfinite(span) && span > 0.0) return {lo, hi};  // overflowing span: no padding
    const double half = lo != 0.0 ? std::abs(lo) * 0.05 : 0.5;
    return {lo - half, hi + half};
  }
  const double pad = span * 0.05;
  return {lo - pad, hi + pad};
}

struct Ticks {
  std::vector<double> values;
  double step = 1.0;
};

// Ticks at k * step with step = {1, 2, 5} x 10^e, about `target` of them inside [lo, hi].
Ticks nice_ticks(Range r, int target = 5) {
  Ticks t;
  const double span = r.hi - r.lo;
  if (!(span > 0.0) || !std::isfinite(span)) return t;
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  double nice = 10.0;
  if (norm < 1.5) nice = 1.0;
  else if (norm < 3.0) nice = 2.0;
  else if (norm < 7.0) nice = 5.0;
  t.step = nice * mag;
  if (!(t.step > 0.0) || !std::isfinite(t.step)) return t;
  const double k0 = std::ceil(r.lo / t.step - 1e-9);
  const double k1 = std::floor(r.hi / t.step + 1e-9);
  if (!std::isfinite(k0) || !std::isfinite(k1)) return t;
  for (double k = k0; k <= k1 && t.values.size() < 50; k += 1.0) {
    double v = k * t.step;
    if (std::abs(v) < t.step * 1e-9) v = 0.0;
    t.values.push_back(v);
  }
  return t;
}

// Decimals needed to tell ticks `step` apart.
int decimals_for(double step) {
  if (!(step > 0.0)) return 2;
  const int d = -static_cast<int>(std::floor(std::log10(step) + 1e-9));
  return std::clamp(d, 0, 10);
}

std::string tick_label(double v, double step, bool percent) {
  if (percent) return fixed(v * 100.0, decimals_for(step * 100.0)) + "%";
  const double a = std::abs(v);
  if (a >= 1e6 || step < 1e-5) return sig(v, 3);
  return fixed(v, decimals_for(step));
}

// ---------------------------------------------------------------- front plot

// Okabe & Ito colour-blind-safe palette (yellow last: weak on white).
constexpr std::array<const char*, 8> kPalette = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                 "#E69F00", "#56B4E9", "#000000", "#F0E442"};

constexpr double kPanelW = 400.0, kPanelH = 320.0;
constexpr double kMarginL = 72.0, kMarginR = 18.0, kMarginT = 14.0, kMarginB = 52.0;
constexpr double kPlotW = kPanelW - kMarginL - kMarginR;
constexpr double kPlotH = kPanelH - kMarginT - kMarginB;
constexpr double kTitleH = 40.0;

std::string series_color(const PlotSeries& s, std::size_t index) {
  return s.color.empty() ? kPalette[index % kPalette.size()] : s.color;
}

// Five-pointed star centred on (x, y) as a polygon "points" list.
std::string star_points(double x, double y, double outer = 8.0, double inner = 3.4) {
  constexpr double kPi = 3.14159265358979323846;
  std::string p;
  for (int k = 0; k < 10; ++k) {
    const double r = (k % 2 == 0) ? outer : inner;
    const double a = -kPi / 2.0 + k * kPi / 5.0;
    if (k) p += ' ';
    p += fixed(x + r * std::cos(a)) + "," + fixed(y + r * std::sin(a));
  }
  return p;
}

std::string marker_element(MarkerStyle style, double x, double y, const std::string& color,
                           const std::string& tooltip) {
  std::string o;
  const std::string title = tooltip.empty() ? std::string() : "<title>" + esc(tooltip) + "</title>";
  if (style == MarkerStyle::Star) {
    o += "<polygon class=\"marker star\" points=\"" + star_points(x, y) + "\" fill=\"" + esc(color) +
         "\" stroke=\"#000000\" stroke-width=\"0.6\"";
  } else {
    const char* r = style == MarkerStyle::FrontLine ? "3.50" : "4.00";
    o += "<circle class=\"marker\" cx=\"" + fixed(x) + "\" cy=\"" + fixed(y) + "\" r=\"" + r +
         "\" fill=\"" + esc(color) + "\" fill-opacity=\"0.85\" stroke=\"#ffffff\" stroke-width=\"0.8\"";
  }
  if (title.empty()) return o + "/>\n";
  return o + ">" + title + (style == MarkerStyle::Star ? "</polygon>\n" : "</circle>\n");
}

std::string default_tooltip(const PlotSeries& s, const std::vector<double>& p) {
  std::string t = s.label.empty() ? "(" : s.label + ": (";
  for (std::size_t k = 0; k < p.size(); ++k) {
    if (k) t += ", ";
    t += sig(p[k]);
  }
  return t + ")";
}

// One panel (x = axes[ix], y = axes[iy]) at (ox, oy).
std::string front_panel(double ox, double oy, std::size_t ix, std::size_t iy,
                        const std::vector<PlotAxis>& axes, const std::vector<Range>& ranges,
                        const std::vector<PlotSeries>& series) {
  const Range rx = ranges[ix], ry = ranges[iy];
  const auto map_x = [&](double v) { return kMarginL + (v - rx.lo) / (rx.hi - rx.lo) * kPlotW; };
  const auto map_y = [&](double v) { return kMarginT + kPlotH - (v - ry.lo) / (ry.hi - ry.lo) * kPlotH; };
  const double left = kMarginL, right = kMarginL + kPlotW, top = kMarginT, bottom = kMarginT + kPlotH;

  std::string o;
  o += "<g class=\"panel\" transform=\"translate(" + fixed(ox) + "," + fixed(oy) + ")\">\n";
  o += "<rect class=\"plot-area\" x=\"" + fixed(left) + "\" y=\"" + fixed(top) + "\" width=\"" +
       fixed(kPlotW) + "\" height=\"" + fixed(kPlotH) + "\" fill=\"#ffffff\" stroke=\"none\"/>\n";

  // Grid lines and tick labels.
  const Ticks tx = nice_ticks(rx), ty = nice_ticks(ry);
  for (const double v : tx.values) {
    const double x = map_x(v);
    o += "<line class=\"grid\" x1=\"" + fixed(x) + "\" y1=\"" + fixed(top) + "\" x2=\"" + fixed(x) +
         "\" y2=\"" + fixed(bottom) + "\" stroke=\"#e0e0e0\" stroke-width=\"1\"/>\n";
    o += "<line class=\"tick\" x1=\"" + fixed(x) + "\" y1=\"" + fixed(bottom) + "\" x2=\"" + fixed(x) +
         "\" y2=\"" + fixed(bottom + 5) + "\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
    o += "<text class=\"tick-label\" x=\"" + fixed(x) + "\" y=\"" + fixed(bottom + 17) +
         "\" text-anchor=\"middle\">" + esc(tick_label(v, tx.step, axes[ix].percent)) + "</text>\n";
  }
  for (const double v : ty.values) {
    const double y = map_y(v);
    o += "<line class=\"grid\" x1=\"" + fixed(left) + "\" y1=\"" + fixed(y) + "\" x2=\"" + fixed(right) +
         "\" y2=\"" + fixed(y) + "\" stroke=\"#e0e0e0\" stroke-width=\"1\"/>\n";
    o += "<line class=\"tick\" x1=\"" + fixed(left - 5) + "\" y1=\"" + fixed(y) + "\" x2=\"" + fixed(left) +
         "\" y2=\"" + fixed(y) + "\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
    o += "<text class=\"tick-label\" x=\"" + fixed(left - 8) + "\" y=\"" + fixed(y + 4) +
         "\" text-anchor=\"end\">" + esc(tick_label(v, ty.step, axes[iy].percent)) + "</text>\n";
  }
  o += "<rect class=\"frame\" x=\"" + fixed(left) + "\" y=\"" + fixed(top) + "\" width=\"" + fixed(kPlotW) +
       "\" height=\"" + fixed(kPlotH) + "\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n";

  // Axis labels.
  o += "<text class=\"axis-label\" x=\"" + fixed(left + kPlotW / 2) + "\" y=\"" + fixed(kPanelH - 12) +
       "\" text-anchor=\"middle\">" + esc(axes[ix].label) + "</text>\n";
  const double ly = top + kPlotH / 2;
  o += "<text class=\"axis-label\" x=\"16\" y=\"" + fixed(ly) + "\" text-anchor=\"middle\" transform=\"rotate(-90 16 " +
       fixed(ly) + ")\">" + esc(axes[iy].label) + "</text>\n";

  // Series: lines first, then markers on top.
  for (std::size_t si = 0; si < series.size(); ++si) {
    const PlotSeries& s = series[si];
    if (s.style != MarkerStyle::FrontLine) continue;
    std::vector<std::pair<double, double>> pts;
    for (const auto& p : s.points)
      if (std::isfinite(p[ix]) && std::isfinite(p[iy])) pts.emplace_back(p[ix], p[iy]);
    if (pts.size() < 2) continue;
    std::stable_sort(pts.begin(), pts.end());
    std::string d = "M" + fixed(map_x(pts[0].first)) + "," + fixed(map_y(pts[0].second));
    for (std::size_t k = 1; k < pts.size(); ++k) {
      // Step: horizontal to the next x at the previous y, then vertical to the next y.
      d += " L" + fixed(map_x(pts[k].first)) + "," + fixed(map_y(pts[k - 1].second));
      d += " L" + fixed(map_x(pts[k].first)) + "," + fixed(map_y(pts[k].second));
    }
    o += "<path class=\"front-line\" d=\"" + d + "\" fill=\"none\" stroke=\"" + esc(series_color(s, si)) +
         "\" stroke-width=\"1.5\" stroke-linejoin=\"round\"/>\n";
  }
  for (std::size_t si = 0; si < series.size(); ++si) {
    const PlotSeries& s = series[si];
    const std::string color = series_color(s, si);
    for (std::size_t pi = 0; pi < s.points.size(); ++pi) {
      const auto& p = s.points[pi];
      if (!std::isfinite(p[ix]) || !std::isfinite(p[iy])) continue;
      const std::string tip = pi < s.tooltips.size() ? s.tooltips[pi] : default_tooltip(s, p);
      o += marker_element(s.style, map_x(p[ix]), map_y(p[iy]), color, tip);
    }
  }
  o += "</g>\n";
  return o;
}

}  // namespace

std::string front_svg(const std::string& title, const std::vector<PlotAxis>& axes,
                      const std::vector<PlotSeries>& series) {
  const std::size_t n = axes.size();
  if (n < 2) throw std::invalid_argument("front_svg: need at least 2 axes, got " + std::to_string(n));
  for (const PlotSeries& s : series)
    for (std::size_t pi = 0; pi < s.points.size(); ++pi)
      if (s.points[pi].size() != n)
        throw std::invalid_argument("front_svg: series '" + s.label + "' point " + std::to_string(pi) +
                                    " has " + std::to_string(s.points[pi].size()) + " values, expected " +
                                    std::to_string(n));

  // One range per axis (shared by every panel that shows the axis), over all finite values.
  std::vector<Range> ranges(n);
  for (std::size_t a = 0; a < n; ++a) {
    double lo = 0.0, hi = 0.0;
    bool any = false;
    for (const PlotSeries& s : series)
      for (const auto& p : s.points) {
        const double v = p[a];
        if (!std::isfinite(v)) continue;
        if (!any) lo = hi = v;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        any = true;
      }
    ranges[a] = padded_range(lo, hi, any);
  }

  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) pairs.emplace_back(i, j);
  const std::size_t cols = std::min<std::size_t>(pairs.size(), 3);
  const std::size_t rows = (pairs.size() + cols - 1) / cols;

  // Legend to the right of the panels.
  double legend_w = 0.0;
  if (!series.empty()) {
    double longest = 0.0;
    for (const PlotSeries& s : series) longest = std::max(longest, text_width(s.label));
    legend_w = longest + 56.0;
  }
  const double legend_h = series.empty() ? 0.0 : 16.0 + 20.0 * static_cast<double>(series.size());
  const double grid_w = static_cast<double>(cols) * kPanelW;
  const double width = std::max(grid_w + legend_w + 16.0, text_width(title, 15.0) + 40.0);
  const double height = kTitleH + std::max(static_cast<double>(rows) * kPanelH, legend_h + 12.0) + 8.0;

  std::string o = svg_open(width, height, title);
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const double ox = static_cast<double>(k % cols) * kPanelW;
    const double oy = kTitleH + static_cast<double>(k / cols) * kPanelH;
    o += front_panel(ox, oy, pairs[k].first, pairs[k].second, axes, ranges, series);
  }

  if (!series.empty()) {
    const double lx = grid_w + 8.0, ly = kTitleH + kMarginT;
    o += "<g class=\"legend\" transform=\"translate(" + fixed(lx) + "," + fixed(ly) + ")\">\n";
    o += "<rect x=\"0\" y=\"0\" width=\"" + fixed(legend_w) + "\" height=\"" + fixed(legend_h) +
         "\" fill=\"#ffffff\" stroke=\"#cccccc\"/>\n";
    for (std::size_t si = 0; si < series.size(); ++si) {
      const PlotSeries& s = series[si];
      const std::string color = esc(series_color(s, si));
      const double y = 18.0 + 20.0 * static_cast<double>(si);
      o += "<g class=\"legend-entry\">\n";
      if (s.style == MarkerStyle::FrontLine)
        o += "<line x1=\"8\" y1=\"" + fixed(y) + "\" x2=\"32\" y2=\"" + fixed(y) + "\" stroke=\"" + color +
             "\" stroke-width=\"1.5\"/>\n";
      if (s.style == MarkerStyle::Star)
        o += "<polygon class=\"legend-marker\" points=\"" + star_points(20.0, y) + "\" fill=\"" + color +
             "\" stroke=\"#000000\" stroke-width=\"0.6\"/>\n";
      else
        o += "<circle class=\"legend-marker\" cx=\"20.00\" cy=\"" + fixed(y) + "\" r=\"4.00\" fill=\"" + color +
             "\"/>\n";
      o += "<text x=\"40\" y=\"" + fixed(y + 4) + "\">" + esc(s.label) + "</text>\n";
      o += "</g>\n";
    }
    o += "</g>\n";
  }
  o += "</svg>\n";
  return o;
}

// ---------------------------------------------------------------- heat map

namespace {

// Sequential white -> dark red (ColorBrewer "Reds" end points and waypoints), t in [0, 1].
constexpr std::array<std::array<int, 3>, 5> kReds = {{
    {255, 255, 255}, {252, 187, 161}, {251, 106, 74}, {203, 24, 29}, {103, 0, 13}}};

std::string hex_color(int r, int g, int b) {
  static const char* digits = "0123456789abcdef";
  std::string s = "#";
  for (const int c : {r, g, b}) {
    const int v = std::clamp(c, 0, 255);
    s += digits[v / 16];
    s += digits[v % 16];
  }
  return s;
}

std::string reds(double t) {
  if (!(t >= 0.0)) t = 0.0;  // also catches NaN
  if (t > 1.0) t = 1.0;
  const double pos = t * static_cast<double>(kReds.size() - 1);
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(pos), kReds.size() - 2);
  const double f = pos - static_cast<double>(k);
  int c[3];
  for (int i = 0; i < 3; ++i)
    c[i] = static_cast<int>(std::lround(kReds[k][i] + f * (kReds[k + 1][i] - kReds[k][i])));
  return hex_color(c[0], c[1], c[2]);
}

constexpr const char* kNaColor = "#bdbdbd";

}  // namespace

std::string matrix_heatmap_svg(const std::string& title, const std::vector<std::string>& row_labels,
                               const std::vector<std::string>& col_labels,
                               const std::vector<std::vector<double>>& values, const std::string& value_label) {
  const std::size_t rows = row_labels.size(), cols = col_labels.size();
  if (values.size() != rows)
    throw std::invalid_argument("matrix_heatmap_svg: " + std::to_string(values.size()) + " value rows for " +
                                std::to_string(rows) + " row labels");
  for (std::size_t r = 0; r < rows; ++r)
    if (values[r].size() != cols)
      throw std::invalid_argument("matrix_heatmap_svg: row " + std::to_string(r) + " has " +
                                  std::to_string(values[r].size()) + " values for " + std::to_string(cols) +
                                  " column labels");

  // Colour scale over the finite values; +-inf clamp to the ends, NaN is "n/a".
  double lo = 0.0, hi = 0.0;
  bool any = false, any_na = false;
  for (const auto& row : values)
    for (const double v : row) {
      if (std::isnan(v)) any_na = true;
      if (!std::isfinite(v)) continue;
      if (!any) lo = hi = v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      any = true;
    }
  Range scale{lo, hi};
  if (!any) scale = {0.0, 1.0};
  else if (!(hi > lo) || !std::isfinite(hi - lo)) scale = padded_range(lo, hi, true);  // constant: mid colour
  const auto to_t = [&](double v) {
    if (v == HUGE_VAL) return 1.0;
    if (v == -HUGE_VAL) return 0.0;
    return (v - scale.lo) / (scale.hi - scale.lo);
  };

  constexpr double kCellW = 40.0, kCellH = 22.0, kTop = 44.0;
  constexpr double kDiag = 0.7071;  // column labels at -45 degrees
  double row_w = 0.0, col_w = 0.0;
  for (const auto& s : row_labels) row_w = std::max(row_w, text_width(s));
  for (const auto& s : col_labels) col_w = std::max(col_w, text_width(s));
  const double grid_left = std::max({row_w + 16.0, col_w * kDiag - kCellW / 2 + 12.0, 40.0});
  const double grid_w = static_cast<double>(cols) * kCellW, grid_h = static_cast<double>(rows) * kCellH;
  const double bar_h = std::max(grid_h, 140.0);
  const double bar_x = grid_left + grid_w + 28.0, bar_w = 16.0;

  Range bar_range = scale;
  const Ticks bar_ticks = nice_ticks(bar_range, 5);
  double tick_w = 0.0;
  std::vector<std::string> tick_text;
  for (const double v : bar_ticks.values) {
    tick_text.push_back(tick_label(v, bar_ticks.step, false));
    tick_w = std::max(tick_w, text_width(tick_text.back()));
  }
  const double vlabel_x = bar_x + bar_w + 12.0 + tick_w + 14.0;
  const double width = std::max(vlabel_x + 16.0, text_width(title, 15.0) + 40.0);
  const double na_h = any_na ? 30.0 : 0.0;
  const double height = kTop + std::max(grid_h + col_w * kDiag + 24.0, bar_h + na_h + 12.0) + 8.0;

  std::string o = svg_open(width, height, title);
  o += "<defs>\n<linearGradient id=\"axevo-heat-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
  for (std::size_t k = 0; k < kReds.size(); ++k) {
    const double off = static_cast<double>(k) / static_cast<double>(kReds.size() - 1);
    o += "<stop offset=\"" + fixed(off) + "\" stop-color=\"" +
         hex_color(kReds[k][0], kReds[k][1], kReds[k][2]) + "\"/>\n";
  }
  o += "</linearGradient>\n</defs>\n";

  // Cells.
  o += "<g class=\"cells\">\n";
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) {
      const double v = values[r][c];
      const bool na = std::isnan(v);
      const double x = grid_left + static_cast<double>(c) * kCellW, y = kTop + static_cast<double>(r) * kCellH;
      o += std::string("<rect class=\"") + (na ? "cell na" : "cell") + "\" x=\"" + fixed(x) + "\" y=\"" +
           fixed(y) + "\" width=\"" + fixed(kCellW) + "\" height=\"" + fixed(kCellH) + "\" fill=\"" +
           (na ? std::string(kNaColor) : reds(to_t(v))) + "\" stroke=\"#ffffff\" stroke-width=\"1\">";
      o += "<title>" + esc(row_labels[r] + " / " + col_labels[c] + ": " + sig(v)) + "</title></rect>\n";
      if (na)
        o += "<text class=\"na-label\" x=\"" + fixed(x + kCellW / 2) + "\" y=\"" + fixed(y + kCellH / 2 + 3.5) +
             "\" text-anchor=\"middle\" font-size=\"9\" fill=\"#555555\">n/a</text>\n";
    }
  o += "</g>\n";

  // Row labels (left of the grid) and column labels (below, rotated).
  for (std::size_t r = 0; r < rows; ++r) {
    const double y = kTop + (static_cast<double>(r) + 0.5) * kCellH + 4.0;
    o += "<text class=\"row-label\" x=\"" + fixed(grid_left - 6) + "\" y=\"" + fixed(y) +
         "\" text-anchor=\"end\">" + esc(row_labels[r]) + "</text>\n";
  }
  for (std::size_t c = 0; c < cols; ++c) {
    const double x = grid_left + (static_cast<double>(c) + 0.5) * kCellW, y = kTop + grid_h + 10.0;
    o += "<text class=\"col-label\" x=\"" + fixed(x) + "\" y=\"" + fixed(y) +
         "\" text-anchor=\"end\" transform=\"rotate(-45 " + fixed(x) + " " + fixed(y) + ")\">" +
         esc(col_labels[c]) + "</text>\n";
  }

  // Colour bar with ticks and its label.
  o += "<g class=\"colorbar\">\n";
  o += "<rect x=\"" + fixed(bar_x) + "\" y=\"" + fixed(kTop) + "\" width=\"" + fixed(bar_w) + "\" height=\"" +
       fixed(bar_h) + "\" fill=\"url(#axevo-heat-scale)\" stroke=\"#333333\" stroke-width=\"0.8\"/>\n";
  for (std::size_t k = 0; k < bar_ticks.values.size(); ++k) {
    const double t = (bar_ticks.values[k] - bar_range.lo) / (bar_range.hi - bar_range.lo);
    const double y = kTop + bar_h - t * bar_h;
    o += "<line x1=\"" + fixed(bar_x + bar_w) + "\" y1=\"" + fixed(y) + "\" x2=\"" + fixed(bar_x + bar_w + 4) +
         "\" y2=\"" + fixed(y) + "\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
    o += "<text class=\"tick-label\" x=\"" + fixed(bar_x + bar_w + 7) + "\" y=\"" + fixed(y + 4) + "\">" +
         esc(tick_text[k]) + "</text>\n";
  }
  const double vy = kTop + bar_h / 2;
  o += "<text class=\"axis-label\" x=\"" + fixed(vlabel_x) + "\" y=\"" + fixed(vy) +
       "\" text-anchor=\"middle\" transform=\"rotate(90 " + fixed(vlabel_x) + " " + fixed(vy) + ")\">" +
       esc(value_label) + "</text>\n";
  if (any_na) {
    const double y = kTop + bar_h + 12.0;
    o += "<rect class=\"na-swatch\" x=\"" + fixed(bar_x) + "\" y=\"" + fixed(y) + "\" width=\"" + fixed(bar_w) +
         "\" height=\"12.00\" fill=\"" + kNaColor + "\" stroke=\"#333333\" stroke-width=\"0.8\"/>\n";
    o += "<text x=\"" + fixed(bar_x + bar_w + 7) + "\" y=\"" + fixed(y + 10) + "\">n/a</text>\n";
  }
  o += "</g>\n</svg>\n";
  return o;
}

}  // namespace axevo::search
