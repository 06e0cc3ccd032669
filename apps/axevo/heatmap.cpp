#include "heatmap.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "axevo/error.hpp"

namespace axevo::cli {

namespace {

struct Rgb {
  unsigned char r, g, b;
};

// Diverging map: t in [-1, 1] -> blue .. white .. red.
Rgb diverging(double t) {
  t = std::clamp(t, -1.0, 1.0);
  const double s = std::sqrt(std::fabs(t));  // square-root emphasis so small errors show
  const auto mix = [&](double from, double to) { return static_cast<unsigned char>(std::lround(from + (to - from) * s)); };
  if (t >= 0) return {mix(255, 178), mix(255, 24), mix(255, 43)};
  return {mix(255, 33), mix(255, 102), mix(255, 172)};
}

int max_abs_error(const Table& table) {
  int m = 0;
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b) m = std::max(m, std::abs(table[table_index(a, b)] - a * b));
  return m;
}

void png_append(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

std::string encode_png(const std::vector<unsigned char>& rgb, int width, int height) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) throw Error("libpng: cannot create write struct");
  png_infop info = png_create_info_struct(png);
  std::string out;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw Error("libpng: encoding failed");
  }
  png_set_write_fn(png, &out, png_append, nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y)
    png_write_row(png, const_cast<png_bytep>(rgb.data() + static_cast<std::size_t>(y) * width * 3));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += {k[v >> 18], k[(v >> 12) & 63], i + 1 < bytes.size() ? k[(v >> 6) & 63] : '=', '='};
  }
  return out;
}

}  // namespace

std::string error_heatmap_png(const Table& table, int scale) {
  const int wce = std::max(1, max_abs_error(table));
  const int n = 256 * scale;
  std::vector<unsigned char> rgb(static_cast<std::size_t>(n) * n * 3);
  for (int row = 0; row < 256; ++row) {
    const int a = row - 128;
    for (int col = 0; col < 256; ++col) {
      const int b = col - 128;
      const Rgb c = diverging(static_cast<double>(table[table_index(a, b)] - a * b) / wce);
      for (int dy = 0; dy < scale; ++dy)
        for (int dx = 0; dx < scale; ++dx) {
          unsigned char* p = &rgb[(static_cast<std::size_t>(row * scale + dy) * n + (col * scale + dx)) * 3];
          p[0] = c.r, p[1] = c.g, p[2] = c.b;
        }
    }
  }
  return encode_png(rgb, n, n);
}

std::string error_heatmap_svg(const Table& table, const std::string& title) {
  const int wce = max_abs_error(table);
  const std::string png = base64(error_heatmap_png(table, 2));
  const int x0 = 70, y0 = 50, size = 512;
  std::string s;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n"
                "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                x0 + size + 130, y0 + size + 60);
  s += buf;
  auto escape = [](const std::string& t) {
    std::string o;
    for (char c : t) {
      if (c == '<') o += "&lt;";
      else if (c == '>') o += "&gt;";
      else if (c == '&') o += "&amp;";
      else o += c;
    }
    return o;
  };
  std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"25\" font-size=\"15\">Error M(a,b) - a*b of %s</text>\n", x0,
                escape(title).c_str());
  s += buf;
  std::snprintf(buf, sizeof buf,
                "<image x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" style=\"image-rendering:pixelated\" "
                "href=\"data:image/png;base64,",
                x0, y0, size, size);
  s += buf + png + "\"/>\n";
  s += "<g stroke=\"black\" fill=\"none\"><rect x=\"" + std::to_string(x0) + "\" y=\"" + std::to_string(y0) +
       "\" width=\"512\" height=\"512\"/></g>\n";
  for (int v = -128; v <= 128; v += 64) {
    const int off = (v + 128) * 2;
    const int label = std::min(v, 127);
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>"
                  "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>\n"
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>"
                  "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>\n",
                  x0 + off, y0 + size, x0 + off, y0 + size + 5, x0 + off, y0 + size + 18, label, x0 - 5, y0 + off, x0,
                  y0 + off, x0 - 8, y0 + off + 4, label);
    s += buf;
  }
  std::snprintf(buf, sizeof buf,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">b (second operand, input B)</text>\n"
                "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">a (first operand, input A)</text>\n",
                x0 + size / 2, y0 + size + 40, 22, y0 + size / 2);
  s += buf;
  // Colour bar.
  const int bx = x0 + size + 30, bh = 256;
  for (int i = 0; i < bh; ++i) {
    const Rgb c = diverging(1.0 - 2.0 * i / (bh - 1));
    std::snprintf(buf, sizeof buf, "<rect x=\"%d\" y=\"%d\" width=\"20\" height=\"1\" fill=\"rgb(%d,%d,%d)\"/>\n", bx,
                  y0 + i, c.r, c.g, c.b);
    s += buf;
  }
  std::snprintf(buf, sizeof buf,
                "<rect x=\"%d\" y=\"%d\" width=\"20\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n"
                "<text x=\"%d\" y=\"%d\">+%d</text><text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\">-%d</text>\n"
                "<text x=\"%d\" y=\"%d\">error (sqrt scale)</text>\n",
                bx, y0, bh, bx + 25, y0 + 10, wce, bx + 25, y0 + bh / 2 + 4, bx + 25, y0 + bh, wce, bx - 10, y0 + bh + 25);
  s += buf;
  s += "</svg>\n";
  return s;
}

}  // namespace axevo::cli
