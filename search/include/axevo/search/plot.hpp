#pragma once
// SVG figures for search results: Pareto fronts (2 objectives: one panel; 3 or more:
// the pairwise projections as a grid of panels) and layer x multiplier heat maps.
//
// Dependency-free; the output is a standalone SVG 1.1 document. Numbers are printed with a
// fixed precision through std::to_chars, so the same input gives a byte-identical string
// whatever the global or C locale.
#include <string>
#include <vector>

namespace axevo::search {

struct PlotAxis {
  std::string label;      // with units, e.g. "energy (relative to exact 8-bit)"
  bool percent = false;   // tick labels as percentages (value 0.012 -> "1.2%")
};

enum class MarkerStyle { FrontLine, Markers, Star };  // FrontLine: points joined by a step line in
                                                      // the first-axis order, with markers

struct PlotSeries {
  std::string label;                        // legend entry
  std::vector<std::vector<double>> points;  // one value per axis per point
  MarkerStyle style = MarkerStyle::Markers;
  std::string color;                        // "" = pick from a colour-blind-safe palette
  std::vector<std::string> tooltips;        // optional, one per point (SVG <title>)
};

// One SVG document. 2 axes: one panel with x = axes[0], y = axes[1]. N >= 3 axes: every pair
// (i < j) as its own panel, x = axes[i], y = axes[j], in a grid. Legend, title, ticks at
// "nice" values (1, 2, 5 x 10^k), grid lines, axis labels. NaN / infinite coordinates are
// skipped. Throws std::invalid_argument if axes.size() < 2 or a point's size != axes.size().
//
// Element classes (stable, for tests and styling): each panel is a <g class="panel">, each
// drawn point one element with class "marker" (a <circle> with cx/cy for Markers and
// FrontLine, a <polygon class="marker star"> for Star), each front line a
// <path class="front-line">. A point is skipped in a panel when either of that panel's two
// coordinates is NaN or infinite. Missing tooltips default to "label: (x, y, ...)".
std::string front_svg(const std::string& title, const std::vector<PlotAxis>& axes,
                      const std::vector<PlotSeries>& series);

// Heat map of values[r][c] (rows x cols; NaN = grey "n/a" cell), sequential colour scale from
// white (min) to dark red (max) with a colour bar labelled value_label, row and column labels
// (column labels rotated), each cell with a <title> tooltip "row / col: value".
// Each cell is a <rect class="cell"> ("cell na" for NaN). Throws std::invalid_argument if
// values.size() != row_labels.size() or a row's size != col_labels.size().
std::string matrix_heatmap_svg(const std::string& title, const std::vector<std::string>& row_labels,
                               const std::vector<std::string>& col_labels,
                               const std::vector<std::vector<double>>& values, const std::string& value_label);

}  // namespace axevo::search
