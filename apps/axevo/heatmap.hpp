#pragma once
// Error heat maps of a multiplier: e(a, b) = M(a, b) - a*b over the 256x256 operand grid.
#include <string>

#include "axevo/multiplier.hpp"

namespace axevo::cli {

// 256x256 RGB image (row = a from -128 at the top to 127, column = b from -128 to 127),
// diverging colours: blue negative, white zero, red positive, scaled to max |e|; PNG bytes.
std::string error_heatmap_png(const Table& table, int scale = 2);

// The same image inside an SVG page with axes, ticks, title and a colour bar.
std::string error_heatmap_svg(const Table& table, const std::string& title);

}  // namespace axevo::cli
