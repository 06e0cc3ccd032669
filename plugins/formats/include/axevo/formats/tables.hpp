#pragma once
// Multiplier table files.  Three layouts, all holding M(a, b) for the 65536 signed
// operand pairs, first operand a (input A) selecting the row:
//   .bin  65536 little-endian int16, element ((uint8)a << 8) | (uint8)b (EvoApprox layout)
//   .h    AdaPT-style C header: `const int16_t lut[256][256] = { {...}, ... };`,
//         lut[(uint8)a][(uint8)b]
//   .csv  256 lines of 256 comma-separated integers, line (uint8)a, column (uint8)b
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "axevo/multiplier.hpp"

namespace axevo::formats {

enum class TableFormat { Bin, CHeader, Csv };

// By extension (.bin, .h, .csv); nullopt for anything else.
std::optional<TableFormat> table_format_from_path(const std::filesystem::path& file);
std::optional<TableFormat> table_format_from_name(std::string_view name);  // "bin", "h", "csv"

struct TableRead {
  Table table{};
  std::vector<std::string> warnings;  // e.g. the AdaPT negative-quadrant warning
};

// Reads a table file by its extension (case-insensitive); also flags the AdaPT
// negative-quadrant bug in `warnings`.  Throws axevo::Error("FILE:LINE: problem") for a
// wrong size, a row with the wrong number of values, a non-numeric cell, a value outside
// int16, a wrong array declaration (e.g. lut[128][256]) ...
TableRead read_table(const std::filesystem::path& file);
Table parse_table_bin(std::string_view bytes, const std::string& file);
Table parse_table_header(std::string_view text, const std::string& file);
Table parse_table_csv(std::string_view text, const std::string& file);

std::string write_table(const Table& table, TableFormat format, const std::string& name);
std::string write_table_bin(const Table& table);
// The header declares `const int16_t lut[256][256]` (AdaPT's array name, so it drops into
// AdaPT as is); `name` only appears in the leading comment.
std::string write_table_header(const Table& table, const std::string& name);
std::string write_table_csv(const Table& table);

// True when the whole negative-times-negative quadrant (a < 0 and b < 0) holds
// M(-a, -b) with -(-128) wrapping to -128, as AdaPT's LUT conversion notebook wrote it.
bool has_adapt_negative_quadrant_bug(const Table& table);
// `table` with that quadrant overwritten as AdaPT's notebook did (for tests and checks).
Table with_adapt_negative_quadrant_bug(const Table& table);
// The warning text for that case, naming the file and the likely cause.
std::string adapt_quadrant_warning(const std::string& file);

}  // namespace axevo::formats
