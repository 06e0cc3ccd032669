#include "axevo/multiplier.hpp"

#include <openssl/evp.h>

#include <cstdio>

#include "axevo/error.hpp"
#include "axevo/io.hpp"

namespace axevo {

Table exact_table() {
  Table t{};
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b) t[table_index(a, b)] = static_cast<int16_t>(a * b);
  return t;
}

std::string table_sha256(const Table& table) {
  std::string bytes(kTableSize * 2, '\0');
  for (std::size_t i = 0; i < kTableSize; ++i) {
    const auto v = static_cast<uint16_t>(table[i]);
    bytes[2 * i] = static_cast<char>(v & 0xff);
    bytes[2 * i + 1] = static_cast<char>(v >> 8);
  }
  return sha256_hex(bytes);
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw Error("internal error: SHA-256 failed");
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

Multiplier make_multiplier(std::string name, Table table) {
  Multiplier m;
  m.name = std::move(name);
  m.sha256 = table_sha256(table);
  m.table = std::make_shared<const Table>(std::move(table));
  return m;
}

}  // namespace axevo
