#include <algorithm>
#include <exception>
#include <mutex>

#include "op.hpp"

namespace axevo::ops {

void parallel_for(int64_t n, const std::function<void(int64_t)>& f) {
  std::exception_ptr error;
  std::mutex m;
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < n; ++k) {
    try {
      f(k);
    } catch (...) {
      std::lock_guard<std::mutex> lock(m);
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

void WindowAttrs::read(NodeReader& r, bool with_dilations, bool with_ceil) {
  kernel = r.get_ints("kernel_shape");
  strides = r.get_ints("strides");
  if (with_dilations) dilations = r.get_ints("dilations");
  pads = r.get_ints("pads");
  auto_pad = r.get_string("auto_pad", "NOTSET");
  if (with_ceil) ceil_mode = r.get_int("ceil_mode", 0) != 0;
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    r.fail("unsupported auto_pad value '" + auto_pad + "'");
  if (!pads.empty() && auto_pad != "NOTSET") r.fail("pads and auto_pad " + auto_pad + " given together");
}

Window3 forward_window(const WindowAttrs& a, const Shape& spatial, const Shape& kernel) {
  const std::size_t r = spatial.size();
  if (r < 1 || r > 3) runtime_fail("only 1 to 3 spatial dimensions are supported, got " + std::to_string(r));
  if (kernel.size() != r) runtime_fail("kernel has " + std::to_string(kernel.size()) + " dims for " + std::to_string(r) + " spatial dims");
  auto pick = [&](const std::vector<int64_t>& v, std::size_t k, int64_t def, const char* what) {
    if (v.empty()) return def;
    if (v.size() != r) runtime_fail(std::string(what) + " has " + std::to_string(v.size()) + " values for " + std::to_string(r) + " spatial dims");
    return v[k];
  };
  if (!a.pads.empty() && a.pads.size() != 2 * r) runtime_fail("pads must have " + std::to_string(2 * r) + " values");
  Window3 w{};
  const std::size_t off = 3 - r;
  for (std::size_t k = 0; k < 3; ++k) w.in[k] = w.out[k] = w.k[k] = w.s[k] = w.d[k] = 1, w.pb[k] = w.pe[k] = 0;
  for (std::size_t k = 0; k < r; ++k) {
    const int64_t in = spatial[k], ks = kernel[k];
    const int64_t s = pick(a.strides, k, 1, "strides"), d = pick(a.dilations, k, 1, "dilations");
    if (s < 1 || d < 1 || ks < 1) runtime_fail("kernel sizes, strides and dilations must be positive");
    const int64_t span = d * (ks - 1) + 1;
    int64_t pb = 0, pe = 0, out = 0;
    if (a.auto_pad == "SAME_UPPER" || a.auto_pad == "SAME_LOWER") {
      out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + span - in);
      pb = a.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe = total - pb;
    } else {
      if (!a.pads.empty()) pb = a.pads[k], pe = a.pads[k + r];
      const int64_t room = in + pb + pe - span;
      if (room < 0) runtime_fail("the kernel is larger than the padded input");
      out = (a.ceil_mode ? (room + s - 1) / s : room / s) + 1;
      // With ceil_mode the last window must start inside the input or the begin padding.
      if (a.ceil_mode && (out - 1) * s >= in + pb) --out;
    }
    w.in[k + off] = in;
    w.out[k + off] = out;
    w.k[k + off] = ks;
    w.s[k + off] = s;
    w.d[k + off] = d;
    w.pb[k + off] = pb;
    w.pe[k + off] = pe;
  }
  return w;
}

}  // namespace axevo::ops
