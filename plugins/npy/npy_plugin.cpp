// Dataset plugin `npy`: NumPy .npy arrays, for any other data.
//
//   npy:X.npy,Y.npy                              split "test"
//   npy:train=X.npy,Y.npy;test=X2.npy,Y2.npy     named splits
//
// X has shape (N, ...) (the rest is one sample, channels first); dtypes float32/float64
// (values used as they are), uint8 (pixels, read as value / 255 like idx and cifar10),
// int8/int16/int32/int64/uint16 (values as they are).  Y holds N integer class labels,
// shape (N,) or (N, 1).  C order only; .npy format versions 1.0, 2.0 and 3.0.
#include <cstring>
#include <sstream>

#include "dataset_support.hpp"
#include "plugin_support.hpp"

using axevo::Error;

namespace {

struct Array {
  std::string descr;  // e.g. "<f4"
  std::vector<int64_t> shape;
  std::string data;   // raw bytes after the header
};

std::string dict_value(const std::string& header, const std::string& key, const std::string& file) {
  const std::size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) throw Error(file, 0, "npy header has no '" + key + "' entry");
  std::size_t v = header.find(':', k);
  if (v == std::string::npos) throw Error(file, 0, "malformed npy header");
  ++v;
  while (v < header.size() && header[v] == ' ') ++v;
  std::size_t end = v;
  if (header[v] == '\'') {
    end = header.find('\'', v + 1);
    return header.substr(v + 1, end - v - 1);
  }
  if (header[v] == '(') {
    end = header.find(')', v);
    return header.substr(v, end - v + 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(v, end - v);
}

Array read_npy(const std::string& file) {
  const std::string d = axevo::plugin::read_maybe_gzip(file);
  if (d.size() < 10 || std::memcmp(d.data(), "\x93NUMPY", 6) != 0)
    throw Error(file, 0, "not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(d[6]);
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(d[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(d[9])) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (d.size() < 12) throw Error(file, 0, "truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<std::size_t>(static_cast<unsigned char>(d[8 + i])) << (8 * i);
    start = 12;
  } else {
    throw Error(file, 0, ".npy format version " + std::to_string(major) + " is not supported (1, 2 or 3)");
  }
  if (d.size() < start + header_len) throw Error(file, 0, "truncated .npy header");
  const std::string header = d.substr(start, header_len);
  Array a;
  a.descr = dict_value(header, "descr", file);
  const std::string fortran = dict_value(header, "fortran_order", file);
  if (fortran.find("True") != std::string::npos) throw Error(file, 0, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
  std::string shape = dict_value(header, "shape", file);
  for (char& c : shape)
    if (c == '(' || c == ')' || c == ',') c = ' ';
  std::istringstream in(shape);
  int64_t dim;
  while (in >> dim) a.shape.push_back(dim);
  a.data = d.substr(start + header_len);
  return a;
}

std::size_t item_size(const std::string& descr) { return static_cast<std::size_t>(std::stoi(descr.substr(2))); }

template <class T>
T load_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // x86-64 and the other supported hosts are little-endian
  return v;
}

double element(const Array& a, std::size_t i, const std::string& file) {
  const std::string& t = a.descr;
  const char* p = a.data.data() + i * item_size(t);
  if (t[0] == '>') throw Error(file, 0, "big-endian arrays are not supported (dtype " + t + ")");
  const std::string k = t.substr(1);
  if (k == "f4") return load_le<float>(p);
  if (k == "f8") return load_le<double>(p);
  if (k == "u1") return static_cast<unsigned char>(*p);
  if (k == "i1") return static_cast<signed char>(*p);
  if (k == "i2") return load_le<int16_t>(p);
  if (k == "u2") return load_le<uint16_t>(p);
  if (k == "i4") return load_le<int32_t>(p);
  if (k == "i8") return static_cast<double>(load_le<int64_t>(p));
  throw Error(file, 0, "dtype " + t + " is not supported (float32/64, int8..int64, uint8, uint16)");
}

std::size_t elements(const Array& a) {
  std::size_t n = 1;
  for (int64_t d : a.shape) n *= static_cast<std::size_t>(d);
  return n;
}

void check_size(const Array& a, const std::string& file) {
  if (a.descr.size() < 3 || a.data.size() != elements(a) * item_size(a.descr))
    throw Error(file, 0, "data size " + std::to_string(a.data.size()) + " bytes does not match shape and dtype " + a.descr);
}

axevo::plugin::Split read_split(const std::string& name, const std::string& xfile, const std::string& yfile) {
  const Array x = read_npy(xfile), y = read_npy(yfile);
  check_size(x, xfile);
  check_size(y, yfile);
  if (x.shape.empty()) throw Error(xfile, 0, "inputs must have shape (N, ...)");
  const std::size_t n = static_cast<std::size_t>(x.shape[0]);
  if (!(y.shape.size() == 1 || (y.shape.size() == 2 && y.shape[1] == 1)) || static_cast<std::size_t>(y.shape[0]) != n)
    throw Error(yfile, 0, "labels must have shape (" + std::to_string(n) + ",) to match " + xfile);
  if (y.descr.find('f') != std::string::npos) throw Error(yfile, 0, "labels must be integers, not " + y.descr);
  axevo::plugin::Split s;
  s.name = name;
  s.count = n;
  s.sample_shape.assign(x.shape.begin() + 1, x.shape.end());
  if (s.sample_shape.empty()) s.sample_shape = {1};
  const std::size_t total = elements(x);
  if (x.descr.substr(1) == "u1") {
    s.encoding = AXEVO_SAMPLES_UINT8_PIXELS;
    s.bytes.assign(x.data.begin(), x.data.end());
  } else {
    s.encoding = AXEVO_SAMPLES_FLOAT32;
    s.values.resize(total);
    for (std::size_t i = 0; i < total; ++i) s.values[i] = static_cast<float>(element(x, i, xfile));
  }
  s.labels.resize(n);
  int32_t max_label = -1;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = element(y, i, yfile);
    if (v < -1 || v > 1e6) throw Error(yfile, 0, "label " + std::to_string(v) + " at index " + std::to_string(i) + " is not a class index");
    s.labels[i] = static_cast<int32_t>(v);
    max_label = std::max(max_label, s.labels[i]);
  }
  s.num_classes = static_cast<uint32_t>(max_label + 1);
  return s;
}

void load(const axevo_dataset_sink* sink, const std::string& arg) {
  if (arg.empty()) throw Error("dataset npy: give X.npy,Y.npy or train=X.npy,Y.npy;test=X.npy,Y.npy");
  std::vector<std::string> parts;
  std::string cur;
  for (char c : arg + ";") {
    if (c == ';') {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  for (const std::string& part : parts) {
    std::string name = "test", files = part;
    const std::size_t eq = part.find('=');
    if (eq != std::string::npos) name = part.substr(0, eq), files = part.substr(eq + 1);
    const std::size_t comma = files.find(',');
    if (comma == std::string::npos || files.find(',', comma + 1) != std::string::npos)
      throw Error("dataset npy: '" + part + "' must be X.npy,Y.npy (inputs, then labels)");
    axevo::plugin::add_split(sink, read_split(name, files.substr(0, comma), files.substr(comma + 1)));
  }
}

}  // namespace

AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_DATASET, "npy", "NumPy .npy arrays: inputs and labels")

AXEVO_EXPORT int axevo_dataset_load(const axevo_dataset_sink* sink, const char* arg) {
  return axevo::plugin::guarded(sink, [&] { load(sink, arg ? arg : ""); });
}
