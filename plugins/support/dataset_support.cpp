#include "dataset_support.hpp"

#include <zlib.h>

#include "plugin_support.hpp"

namespace axevo::plugin {

std::string read_maybe_gzip(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) throw Error(file.string(), 0, "no such file");
  gzFile f = gzopen(file.c_str(), "rb");  // reads plain files as they are
  if (!f) throw Error(file.string(), 0, "cannot open");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  int err = Z_OK;
  const char* msg = n < 0 ? gzerror(f, &err) : nullptr;
  const std::string why = msg ? msg : "";
  gzclose(f);
  if (n < 0) throw Error(file.string(), 0, "corrupt or truncated gzip data: " + why);
  return out;
}

void add_split(const axevo_dataset_sink* sink, const Split& s) {
  const void* data = s.encoding == AXEVO_SAMPLES_UINT8_PIXELS ? static_cast<const void*>(s.bytes.data())
                                                              : static_cast<const void*>(s.values.data());
  if (sink->add_split(sink->context, s.name.c_str(), s.count, s.sample_shape.data(), s.sample_shape.size(), s.encoding,
                      data, s.labels.data(), s.num_classes) != 0)
    throw HostRejected();
}

}  // namespace axevo::plugin
