// Table files: raw .bin, AdaPT-style C headers and CSV.
#include "axevo/formats/tables.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>

#include "axevo/error.hpp"
#include "axevo/io.hpp"

namespace axevo::formats {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBinBytes = kTableSize * 2;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Shows a token or cell in a message, shortened when long.
std::string quoted(std::string_view s) {
  std::string out(s.substr(0, 40));
  if (s.size() > 40) out += "...";
  return "'" + out + "'";
}

std::string range_message(long long v) {
  return "value " + std::to_string(v) + " is outside the int16 range [-32768, 32767]";
}

bool in_int16(long long v) {
  return v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max();
}

// ---- C header lexer ------------------------------------------------------------------

struct Token {
  enum Kind { Ident, Number, Punct, End } kind = End;
  std::string_view text;
  std::size_t line = 0;
};

// Splits C source into identifiers, numbers and punctuation; skips whitespace, comments
// and preprocessor lines (#include, #pragma, #ifndef ...).
std::vector<Token> lex_c(std::string_view s, const std::string& file) {
  std::vector<Token> out;
  std::size_t i = 0, line = 1;
  bool line_start = true;  // only whitespace so far on this line
  const std::size_t n = s.size();
  while (i < n) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
      line_start = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      const std::size_t start_line = line;
      i += 2;
      while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/')) {
        if (s[i] == '\n') ++line;
        ++i;
      }
      if (i + 1 >= n) throw Error(file, start_line, "comment '/*' is not closed");
      i += 2;
      continue;
    }
    if (c == '#' && line_start) {  // preprocessor line, with '\' continuations
      while (i < n && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\n') {
          ++line;
          ++i;
        }
        ++i;
      }
      continue;
    }
    line_start = false;
    Token t;
    t.line = line;
    const std::size_t start = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      t.kind = Token::Ident;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == '.')) ++i;
      t.kind = Token::Number;
    } else if (c == ':' && i + 1 < n && s[i + 1] == ':') {
      i += 2;
      t.kind = Token::Punct;
    } else {
      ++i;
      t.kind = Token::Punct;
    }
    t.text = s.substr(start, i - start);
    out.push_back(t);
  }
  Token end;
  end.kind = Token::End;
  end.line = line;
  out.push_back(end);
  return out;
}

// An integer literal: decimal or 0x hexadecimal, no suffix.
bool parse_c_integer(std::string_view text, long long& value) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    return false;  // octal: not worth the surprise
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return ec == std::errc() && ptr == text.data() + text.size();
}

class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& file) : file_(file), toks_(lex_c(text, file)) {}

  Table parse() {
    parse_declaration();
    Table table{};
    expect("{", "to open the initializer");
    if (peek().text == "{")
      parse_rows(table);
    else
      parse_flat(table);
    expect(";", "after the initializer");
    if (peek().kind != Token::End)
      throw Error(file_, peek().line, "unexpected " + quoted(peek().text) + " after the table (expected one table per file)");
    return table;
  }

 private:
  static constexpr const char* kExample = "expected a declaration like `const int16_t lut[256][256] = {{...}, ...};`";

  const Token& peek(std::size_t ahead = 0) const { return toks_[std::min(pos_ + ahead, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  static std::string describe(const Token& t) { return t.kind == Token::End ? "end of file" : quoted(t.text); }
  void expect(std::string_view punct, const std::string& why) {
    const Token& t = next();
    if (t.kind != Token::Punct || t.text != punct)
      throw Error(file_, t.line, "expected '" + std::string(punct) + "' " + why + ", found " + describe(t));
  }

  // [static] [const|constexpr] int16_t|short|int ... NAME [256][256] =
  void parse_declaration() {
    static const char* const kQualifiers[] = {"static", "const", "constexpr", "inline", "volatile"};
    static const char* const kTypes[] = {"int16_t", "int32_t", "short", "int", "signed", "long"};
    bool have_type = false;
    const Token& first = peek();
    if (first.kind == Token::End) throw Error(file_, first.line, "no table found; " + std::string(kExample));
    while (true) {
      const Token& t = peek();
      if (t.kind == Token::Ident && peek(1).text == "[") break;  // the array name
      if (t.kind == Token::Ident && t.text == "std" && peek(1).text == "::") {
        pos_ += 2;
        continue;
      }
      const bool qualifier = t.kind == Token::Ident && std::any_of(std::begin(kQualifiers), std::end(kQualifiers),
                                                                     [&](const char* q) { return t.text == q; });
      const bool type = t.kind == Token::Ident &&
                        std::any_of(std::begin(kTypes), std::end(kTypes), [&](const char* q) { return t.text == q; });
      if (!qualifier && !type)
        throw Error(file_, t.line, "unexpected " + describe(t) + " in the table declaration; " + kExample);
      have_type = have_type || type;
      ++pos_;
    }
    const Token& name = next();
    if (!have_type)
      throw Error(file_, name.line,
                  "array " + std::string(name.text) + " has no element type (expected int16_t, short or int)");
    std::string dims;
    long long d[2] = {0, 0};
    for (long long& dim : d) {
      expect("[", "in the array declaration");
      const Token& t = next();
      if (t.kind != Token::Number || !parse_c_integer(t.text, dim))
        throw Error(file_, t.line, "expected an array size, found " + describe(t));
      expect("]", "after the array size");
      dims += "[" + std::string(t.text) + "]";
    }
    if (peek().text == "[")
      throw Error(file_, peek().line, "array " + std::string(name.text) + dims + "[...] has more than two dimensions; expected " +
                                          std::string(name.text) + "[256][256]");
    if (d[0] != 256 || d[1] != 256)
      throw Error(file_, name.line,
                  "array declared as " + std::string(name.text) + dims + ", expected " + std::string(name.text) +
                      "[256][256] (row = first operand byte, column = second operand byte)");
    expect("=", "after " + std::string(name.text) + dims);
  }

  int16_t parse_value() {
    const Token& first = next();
    const Token* t = &first;
    bool negative = false;
    if (t->kind == Token::Punct && (t->text == "-" || t->text == "+")) {
      negative = t->text == "-";
      t = &next();
    }
    long long v = 0;
    if (t->kind != Token::Number || !parse_c_integer(t->text, v))
      throw Error(file_, t->line, "expected an integer, found " + describe(*t));
    if (negative) v = -v;
    if (!in_int16(v)) throw Error(file_, t->line, range_message(v));
    return static_cast<int16_t>(v);
  }

  // Values up to the closing '}' (consumed); returns how many were stored (at most `cap`,
  // counting all of them in `count`).
  std::size_t parse_list(int16_t* dst, std::size_t cap) {
    std::size_t count = 0;
    while (true) {
      if (peek().text == "}") {
        next();
        return count;
      }
      const int16_t v = parse_value();
      if (count < cap) dst[count] = v;
      ++count;
      const Token& sep = next();
      if (sep.text == "}") return count;
      if (sep.text != ",") throw Error(file_, sep.line, "expected ',' or '}' after a value, found " + describe(sep));
    }
  }

  // { {row 0}, {row 1}, ..., {row 255} }
  void parse_rows(Table& table) {
    std::size_t rows = 0;
    while (true) {
      const Token& open = peek();
      if (open.text == "}") {
        next();
        break;
      }
      expect("{", "to open row " + std::to_string(rows));
      if (rows >= 256) throw Error(file_, open.line, "more than 256 rows, expected 256");
      const std::size_t n = parse_list(&table[rows * 256], 256);
      if (n != 256)
        throw Error(file_, open.line,
                    "row " + std::to_string(rows) + " has " + std::to_string(n) + " values, expected 256");
      ++rows;
      const Token& sep = next();
      if (sep.text == "}") break;
      if (sep.text != ",") throw Error(file_, sep.line, "expected ',' or '}' after a row, found " + describe(sep));
    }
    if (rows != 256)
      throw Error(file_, toks_[pos_ - 1].line, std::to_string(rows) + " rows, expected 256");
  }

  // { v0, v1, ..., v65535 } (C allows leaving out the inner braces)
  void parse_flat(Table& table) {
    const std::size_t line = peek().line;
    const std::size_t n = parse_list(table.data(), kTableSize);
    if (n != kTableSize)
      throw Error(file_, line, std::to_string(n) + " values, expected 65536 (256 rows of 256)");
  }

  std::string file_;
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<TableFormat> table_format_from_name(std::string_view name) {
  const std::string n = lower(std::string(name));
  if (n == "bin") return TableFormat::Bin;
  if (n == "h") return TableFormat::CHeader;
  if (n == "csv") return TableFormat::Csv;
  return std::nullopt;
}

std::optional<TableFormat> table_format_from_path(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext.size() < 2) return std::nullopt;
  return table_format_from_name(std::string_view(ext).substr(1));
}

Table parse_table_bin(std::string_view bytes, const std::string& file) {
  if (bytes.size() != kBinBytes)
    throw Error(file, 0,
                "wrong size: " + std::to_string(bytes.size()) + " bytes, expected 131072 bytes (65536 little-endian int16)");
  Table t;
  for (std::size_t i = 0; i < kTableSize; ++i) {
    const auto lo = static_cast<uint8_t>(bytes[2 * i]);
    const auto hi = static_cast<uint8_t>(bytes[2 * i + 1]);
    t[i] = static_cast<int16_t>(static_cast<uint16_t>(lo | (hi << 8)));
  }
  return t;
}

Table parse_table_header(std::string_view text, const std::string& file) { return HeaderParser(text, file).parse(); }

Table parse_table_csv(std::string_view text, const std::string& file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  Table t{};
  std::size_t rows = 0, line = 0, last_line = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view row = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (trim(row).empty()) continue;
    last_line = line;
    if (rows >= 256) throw Error(file, line, "more than 256 rows, expected 256");
    std::size_t col = 0, start = 0;
    while (true) {
      std::size_t comma = row.find(',', start);
      const bool last = comma == std::string_view::npos;
      if (last) comma = row.size();
      const std::string_view cell = trim(row.substr(start, comma - start));
      ++col;
      if (col <= 256) {
        std::string_view digits = cell;
        if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
        long long v = 0;
        const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (cell.empty()) throw Error(file, line, "column " + std::to_string(col) + ": empty cell, expected an integer");
        if (ec == std::errc::result_out_of_range) throw Error(file, line, "column " + std::to_string(col) + ": " + quoted(cell) + " is outside the int16 range [-32768, 32767]");
        if (ec != std::errc() || ptr != digits.data() + digits.size())
          throw Error(file, line, "column " + std::to_string(col) + ": " + quoted(cell) + " is not an integer");
        if (!in_int16(v)) throw Error(file, line, "column " + std::to_string(col) + ": " + range_message(v));
        t[rows * 256 + col - 1] = static_cast<int16_t>(v);
      }
      if (last) break;
      start = comma + 1;
    }
    if (col != 256) throw Error(file, line, std::to_string(col) + " values, expected 256");
    ++rows;
  }
  if (rows != 256)
    throw Error(file, last_line, std::to_string(rows) + " rows, expected 256 (one per first operand byte)");
  return t;
}

TableRead read_table(const fs::path& path) {
  const std::string file = path.string();
  const auto format = table_format_from_path(path);
  if (!format) throw Error(file, 0, "not a table file: expected the extension .bin, .h or .csv");
  const std::string data = read_file(path);
  TableRead r;
  switch (*format) {
    case TableFormat::Bin: r.table = parse_table_bin(data, file); break;
    case TableFormat::CHeader: r.table = parse_table_header(data, file); break;
    case TableFormat::Csv: r.table = parse_table_csv(data, file); break;
  }
  if (has_adapt_negative_quadrant_bug(r.table)) r.warnings.push_back(adapt_quadrant_warning(file));
  return r;
}

std::string write_table_bin(const Table& table) {
  std::string out(kBinBytes, '\0');
  for (std::size_t i = 0; i < kTableSize; ++i) {
    const auto u = static_cast<uint16_t>(table[i]);
    out[2 * i] = static_cast<char>(u & 0xFF);
    out[2 * i + 1] = static_cast<char>(u >> 8);
  }
  return out;
}

namespace {
void append_row(std::string& out, const Table& table, std::size_t row) {
  char buf[8];
  for (std::size_t c = 0; c < 256; ++c) {
    if (c) out += ", ";
    const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, table[row * 256 + c]);
    (void)ec;
    out.append(buf, ptr);
  }
}
}  // namespace

std::string write_table_header(const Table& table, const std::string& name) {
  std::string shown;  // the name as it may appear in a // comment
  for (char c : name) shown += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  std::string out;
  out.reserve(kTableSize * 7);
  out += "// Multiplier " + shown + ", written by axevo (AdaPT layout).\n";
  out += "// lut[(uint8_t)a][(uint8_t)b] is the product of first operand a (input A) and second operand b (input B).\n";
  out += "#pragma once\n#include <stdint.h>\n\nconst int16_t lut[256][256] = {\n";
  for (std::size_t r = 0; r < 256; ++r) {
    out += "{";
    append_row(out, table, r);
    out += r + 1 < 256 ? "},\n" : "}\n";
  }
  out += "};\n";
  return out;
}

std::string write_table_csv(const Table& table) {
  std::string out;
  out.reserve(kTableSize * 6);
  for (std::size_t r = 0; r < 256; ++r) {
    std::string row;
    append_row(row, table, r);
    row.erase(std::remove(row.begin(), row.end(), ' '), row.end());
    out += row + "\n";
  }
  return out;
}

std::string write_table(const Table& table, TableFormat format, const std::string& name) {
  switch (format) {
    case TableFormat::Bin: return write_table_bin(table);
    case TableFormat::CHeader: return write_table_header(table, name);
    case TableFormat::Csv: return write_table_csv(table);
  }
  throw Error("write_table: unknown format");
}

namespace {
// -x in int8, with -(-128) wrapping to -128.
int negate_int8(int x) { return static_cast<int8_t>(static_cast<uint8_t>(-x)); }
}  // namespace

bool has_adapt_negative_quadrant_bug(const Table& table) {
  for (int a = -128; a < 0; ++a)
    for (int b = -128; b < 0; ++b)
      if (table[table_index(a, b)] != table[table_index(negate_int8(a), negate_int8(b))]) return false;
  return true;
}

Table with_adapt_negative_quadrant_bug(const Table& table) {
  Table out = table;
  for (int a = -128; a < 0; ++a)
    for (int b = -128; b < 0; ++b) out[table_index(a, b)] = table[table_index(negate_int8(a), negate_int8(b))];
  return out;
}

std::string adapt_quadrant_warning(const std::string& file) {
  return file +
         ": where both operands are negative this table holds M(-a, -b) (with -(-128) taken as -128), "
         "the mirror of the other quadrants; AdaPT's LUT conversion notebook wrote its headers that way, so this "
         "quadrant is probably wrong (even for the exact multiplier, e.g. (-128) * (-1) would give -128). "
         "The table was loaded as is; regenerate it from the circuit's C model or netlist if possible.";
}

}  // namespace axevo::formats
