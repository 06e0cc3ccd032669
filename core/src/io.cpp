#include "axevo/io.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "axevo/error.hpp"

namespace axevo {

void write_file_atomic(const std::filesystem::path& path, std::string_view data) {
  std::random_device rd;
  const auto tmp = path.parent_path() /
                   ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                    std::to_string(rd()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path.string(), 0, std::string("cannot create file: ") + std::strerror(errno));
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw Error(path.string(), 0, "write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error(path.string(), 0, "cannot rename temporary file into place: " + ec.message());
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(path.string(), 0, "no such file");
  if (std::filesystem::is_directory(path, ec)) throw Error(path.string(), 0, "is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string(), 0, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace axevo
