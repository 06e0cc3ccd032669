#pragma once
// Small file helpers shared by every writer: outputs are written atomically.
#include <filesystem>
#include <string>
#include <string_view>

namespace axevo {

// Writes `data` to a temporary file beside `path`, then renames it over `path`.
void write_file_atomic(const std::filesystem::path& path, std::string_view data);

// Reads a whole file; throws axevo::Error naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// SHA-256 of bytes, lowercase hex.
std::string sha256_hex(std::string_view bytes);

}  // namespace axevo
