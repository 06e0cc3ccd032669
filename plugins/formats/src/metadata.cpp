// Multiplier metadata: folder-level CSV / YAML and per-file YAML sidecars.
#include "axevo/formats/metadata.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <system_error>

#include "axevo/error.hpp"
#include "axevo/io.hpp"

namespace axevo::formats {

namespace fs = std::filesystem;

namespace {

// ---- small text helpers -----------------------------------------------------------------

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return std::string(s.substr(b, e - b));
}

std::string origin_of(const std::string& file, std::size_t line) { return file + ":" + std::to_string(line); }

// A published figure: empty = unknown, otherwise a finite non-negative decimal number
// (any form strtod accepts without locale: 0.425, 729.8, 72829.102e2).  Returns false
// when the text is not such a number.
bool parse_figure(const std::string& text, double& out) {
  const std::string t = trim(text);
  if (t.empty()) {
    out = kUnknown;
    return true;
  }
  const char* begin = t.data();
  const char* end = t.data() + t.size();
  if (*begin == '+') ++begin;
  if (begin == end || !(std::isdigit(static_cast<unsigned char>(*begin)) || *begin == '.')) return false;  // no nan/inf/-x
  double v = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, v, std::chars_format::general);
  if (ec != std::errc() || ptr != end || !std::isfinite(v) || v < 0) return false;
  out = v;
  return true;
}

double figure_or_throw(const std::string& text, const std::string& file, std::size_t line, const std::string& key) {
  double v = kUnknown;
  if (!parse_figure(text, v))
    throw Error(file, line,
                key + ": '" + trim(text) + "' is not a non-negative number (leave the cell empty when unknown)");
  return v;
}

// ---- CSV -------------------------------------------------------------------------------

struct CsvRow {
  std::size_t line = 0;  // line the row starts on (1-based)
  std::vector<std::string> cells;
};

// RFC 4180 style: fields separated by ',', optionally enclosed in '"' (a '"' inside a
// quoted field is written '""'; quoted fields may span lines).  Unquoted fields are
// trimmed.  Blank lines are skipped.  A UTF-8 byte order mark is ignored.
std::vector<CsvRow> parse_csv(std::string_view text, const std::string& file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRow> rows;
  std::size_t line = 1;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    CsvRow row;
    row.line = line;
    bool end_of_row = false;
    while (!end_of_row) {
      std::string cell;
      // leading blanks
      std::size_t j = i;
      while (j < n && (text[j] == ' ' || text[j] == '\t')) ++j;
      if (j < n && text[j] == '"') {
        const std::size_t quote_line = line;
        i = j + 1;
        bool closed = false;
        while (i < n) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              cell += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          cell += c;
          ++i;
        }
        if (!closed) throw Error(file, quote_line, "quoted field is not closed (missing '\"')");
        while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r')) ++i;
        if (i < n && text[i] != ',' && text[i] != '\n')
          throw Error(file, line, std::string("unexpected '") + text[i] + "' after a closing quote (expected ',' or end of line)");
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n') cell += text[i++];
        cell = trim(cell);
      }
      row.cells.push_back(std::move(cell));
      if (i >= n) {
        end_of_row = true;
      } else if (text[i] == ',') {
        ++i;
      } else {  // '\n'
        ++i;
        ++line;
        end_of_row = true;
      }
    }
    const bool blank = row.cells.size() == 1 && row.cells[0].empty();
    if (!blank) rows.push_back(std::move(row));
  }
  return rows;
}

std::string csv_field(const std::string& s) {
  bool quote = s.find_first_of(",\"\r\n") != std::string::npos;
  if (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.back() == ' ' || s.back() == '\t')) quote = true;
  if (!quote) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string format_figure(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) throw Error("cannot format number");
  return std::string(buf, ptr);
}

// ---- YAML ------------------------------------------------------------------------------

const std::set<std::string> kKeys = {"name",   "power_mw", "area_um2", "delay_ns", "table_file",
                                     "family", "params",   "source",   "sha256"};

std::size_t yaml_line(const YAML::Node& node) { return static_cast<std::size_t>(node.Mark().line) + 1; }

YAML::Node load_yaml(const fs::path& file) {
  const std::string text = read_file(file);
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(file.string(), e.mark.is_null() ? 0 : static_cast<std::size_t>(e.mark.line) + 1,
                "malformed YAML: " + e.msg);
  }
}

std::string yaml_scalar(const YAML::Node& node, const std::string& file, const std::string& key) {
  if (node.IsNull()) return "";
  if (!node.IsScalar()) throw Error(file, yaml_line(node), key + ": expected a single value");
  return node.Scalar();
}

// Fills `m` from a map of the keys above.  `allow_name`: whether the map may set `name`.
void fill_from_yaml(Metadata& m, const YAML::Node& map, const std::string& file, bool allow_name) {
  if (map.IsNull()) return;
  if (!map.IsMap()) throw Error(file, yaml_line(map), "expected a map of keys (power_mw, area_um2, delay_ns, ...)");
  for (const auto& kv : map) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    const std::size_t line = yaml_line(kv.first);
    if (!kKeys.count(key) || (key == "name" && !allow_name)) {
      std::string known;
      for (const auto& k : kKeys)
        if (k != "name" || allow_name) known += (known.empty() ? "" : ", ") + k;
      throw Error(file, line, "unknown key '" + key + "' (known keys: " + known + ")");
    }
    const std::string value = yaml_scalar(kv.second, file, key);
    if (key == "name") {
      m.name = trim(value);
      if (m.name.empty()) throw Error(file, line, "name: empty");
    } else if (key == "power_mw") {
      m.power_mw = figure_or_throw(value, file, yaml_line(kv.second), key);
    } else if (key == "area_um2") {
      m.area_um2 = figure_or_throw(value, file, yaml_line(kv.second), key);
    } else if (key == "delay_ns") {
      m.delay_ns = figure_or_throw(value, file, yaml_line(kv.second), key);
    } else if (key == "table_file") {
      m.table_file = value;
    } else if (key == "family") {
      m.family = value;
    } else if (key == "params") {
      m.params = value;
    } else if (key == "source") {
      m.source = value;
    } else if (key == "sha256") {
      m.sha256 = trim(value);
    }
  }
}

}  // namespace

std::vector<Metadata> read_metadata_csv(const fs::path& path) {
  const std::string file = path.string();
  const std::vector<CsvRow> rows = parse_csv(read_file(path), file);
  if (rows.empty()) throw Error(file, 0, "empty metadata CSV (expected a header line with a 'name' column)");
  const CsvRow& header = rows.front();
  std::map<std::string, std::size_t> column;
  for (std::size_t c = 0; c < header.cells.size(); ++c) {
    const std::string& h = header.cells[c];
    if (h.empty()) continue;
    if (!column.emplace(h, c).second) throw Error(file, header.line, "column '" + h + "' appears twice in the header");
  }
  if (!column.count("name"))
    throw Error(file, header.line,
                "no 'name' column in the header (expected columns name, power_mw, area_um2, delay_ns, table_file, ...)");
  auto col = [&](const char* key) -> long {
    const auto it = column.find(key);
    return it == column.end() ? -1 : static_cast<long>(it->second);
  };
  const long c_name = col("name"), c_power = col("power_mw"), c_area = col("area_um2"), c_delay = col("delay_ns"),
             c_table = col("table_file"), c_family = col("family"), c_params = col("params"), c_source = col("source"),
             c_sha256 = col("sha256");

  std::vector<Metadata> out;
  std::map<std::string, std::size_t> seen;  // name -> line
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    if (row.cells.size() != header.cells.size())
      throw Error(file, row.line,
                  std::to_string(row.cells.size()) + " cells, but the header has " + std::to_string(header.cells.size()) +
                      " columns");
    auto cell = [&](long c) { return c < 0 ? std::string() : row.cells[static_cast<std::size_t>(c)]; };
    Metadata m;
    m.origin = origin_of(file, row.line);
    m.name = trim(cell(c_name));
    if (m.name.empty()) throw Error(file, row.line, "empty 'name' cell");
    if (const auto it = seen.find(m.name); it != seen.end())
      throw Error(file, row.line, "name '" + m.name + "' already used on line " + std::to_string(it->second));
    seen.emplace(m.name, row.line);
    m.power_mw = figure_or_throw(cell(c_power), file, row.line, "power_mw");
    m.area_um2 = figure_or_throw(cell(c_area), file, row.line, "area_um2");
    m.delay_ns = figure_or_throw(cell(c_delay), file, row.line, "delay_ns");
    m.table_file = cell(c_table);
    m.family = cell(c_family);
    m.params = cell(c_params);
    m.source = cell(c_source);
    m.sha256 = trim(cell(c_sha256));
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<Metadata> read_metadata_yaml(const fs::path& path) {
  const std::string file = path.string();
  const YAML::Node root = load_yaml(path);
  std::vector<Metadata> out;
  if (root.IsNull()) return out;
  std::map<std::string, std::size_t> seen;
  auto add = [&](Metadata m, std::size_t line) {
    if (const auto it = seen.find(m.name); it != seen.end())
      throw Error(file, line, "name '" + m.name + "' already used on line " + std::to_string(it->second));
    seen.emplace(m.name, line);
    out.push_back(std::move(m));
  };
  if (root.IsMap()) {  // name: {power_mw: ..., ...}
    for (const auto& kv : root) {
      const std::size_t line = yaml_line(kv.first);
      Metadata m;
      m.name = kv.first.IsScalar() ? trim(kv.first.Scalar()) : std::string();
      if (m.name.empty()) throw Error(file, line, "expected a multiplier name as key");
      m.origin = origin_of(file, line);
      fill_from_yaml(m, kv.second, file, false);
      add(std::move(m), line);
    }
  } else if (root.IsSequence()) {  // - {name: ..., power_mw: ...}
    for (const auto& item : root) {
      const std::size_t line = yaml_line(item);
      Metadata m;
      m.origin = origin_of(file, line);
      fill_from_yaml(m, item, file, true);
      if (m.name.empty()) throw Error(file, line, "entry without a 'name'");
      add(std::move(m), line);
    }
  } else {
    throw Error(file, yaml_line(root), "expected a map from multiplier name to {power_mw, area_um2, delay_ns, ...}");
  }
  return out;
}

std::vector<Metadata> read_folder_metadata(const fs::path& dir) {
  fs::path found;
  for (const char* name : {"multipliers.csv", "metadata.csv", "metadata.yaml"}) {
    const fs::path p = dir / name;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) continue;
    if (!found.empty())
      throw Error(p.string(), 0, "more than one metadata file in this folder (also " + found.filename().string() +
                                     "); keep one of multipliers.csv, metadata.csv and metadata.yaml");
    found = p;
  }
  if (found.empty()) return {};
  return found.extension() == ".yaml" ? read_metadata_yaml(found) : read_metadata_csv(found);
}

std::optional<Metadata> read_sidecar(const fs::path& data_file) {
  fs::path p = data_file;
  p.replace_extension(".yaml");
  if (p == data_file) return std::nullopt;  // the data file is itself a .yaml file
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  const YAML::Node root = load_yaml(p);
  Metadata m;
  m.origin = p.string() + ":1";
  fill_from_yaml(m, root, p.string(), true);
  return m;
}

void overlay_metadata(Metadata& base, const Metadata& over) {
  if (!over.name.empty()) base.name = over.name;
  if (known(over.power_mw)) base.power_mw = over.power_mw;
  if (known(over.area_um2)) base.area_um2 = over.area_um2;
  if (known(over.delay_ns)) base.delay_ns = over.delay_ns;
  if (!over.table_file.empty()) base.table_file = over.table_file;
  if (!over.family.empty()) base.family = over.family;
  if (!over.params.empty()) base.params = over.params;
  if (!over.source.empty()) base.source = over.source;
  if (!over.sha256.empty()) base.sha256 = over.sha256;
  if (base.origin.empty()) base.origin = over.origin;
}

std::string write_metadata_csv(const std::vector<Metadata>& rows, const std::vector<std::string>& hashes) {
  if (!hashes.empty() && hashes.size() != rows.size())
    throw Error("write_metadata_csv: " + std::to_string(hashes.size()) + " hashes for " + std::to_string(rows.size()) +
                " rows");
  std::string out = "name,power_mw,area_um2,delay_ns,table_file,family,params,source,sha256\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Metadata& m = rows[i];
    out += csv_field(m.name) + "," + format_figure(m.power_mw) + "," + format_figure(m.area_um2) + "," +
           format_figure(m.delay_ns) + "," + csv_field(m.table_file) + "," + csv_field(m.family) + "," +
           csv_field(m.params) + "," + csv_field(m.source) + "," + csv_field(hashes.empty() ? m.sha256 : hashes[i]) + "\n";
  }
  return out;
}

}  // namespace axevo::formats
