// lut: multipliers from table files.
//
//   lut:DIR   every table file in DIR (.bin, .h, .csv; not recursive), with the folder's
//             metadata (multipliers.csv, metadata.csv or metadata.yaml) and per-file
//             <stem>.yaml sidecars
//   lut:FILE  one table file (its sidecar, and its row in the folder metadata, if any)
//
// A `sha256` given in the metadata must match the table.
//
// Order: the metadata rows in their order, then the remaining table files by name.  A
// metadata row names its file in `table_file` (relative to the folder) or, without it,
// the table file whose stem is the row's name.  Files without a row are named by their
// stem.  Files of other types, hidden files and sub-folders are ignored, and so is a
// .csv file whose first line is a header (e.g. a data CSV such as cells.csv): a table CSV
// has no header and starts with a number.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/formats/metadata.hpp"
#include "axevo/formats/tables.hpp"
#include "axevo/io.hpp"
#include "metadata_record.hpp"
#include "plugin_support.hpp"

namespace fs = std::filesystem;
using axevo::Error;
using axevo::formats::Metadata;

namespace {

const char* const kMetadataFiles[] = {"multipliers.csv", "metadata.csv", "metadata.yaml"};

bool is_metadata_file(const fs::path& p) {
  const std::string fn = p.filename().string();
  return std::any_of(std::begin(kMetadataFiles), std::end(kMetadataFiles), [&](const char* m) { return fn == m; });
}

// A table CSV starts with an integer; anything else on its first line is a header.
bool csv_starts_with_header(const fs::path& file) {
  const std::string text = axevo::read_file(file);
  std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // UTF-8 byte order mark
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i >= text.size()) return false;  // empty: let the table parser report it
  const char c = text[i];
  return !(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+');
}

void check_name(const std::string& name, const std::string& file) {
  if (name.empty()) throw Error(file, 0, "empty multiplier name");
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      throw Error(file, 0, "multiplier name '" + name + "' may only contain letters, digits, '_', '-' and '.'");
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Entry {
  fs::path file;
  Metadata meta;
};

std::string same(const fs::path& p) { return p.lexically_normal().string(); }

// The metadata row (if any) of a single table file, from its folder's metadata.
void attach_folder_row(Entry& e) {
  const fs::path dir = e.file.parent_path().empty() ? fs::path(".") : e.file.parent_path();
  for (const Metadata& row : axevo::formats::read_folder_metadata(dir)) {
    const bool match = row.table_file.empty() ? row.name == e.file.stem().string()
                                              : same(dir / row.table_file) == same(dir / e.file.filename());
    if (match) {
      e.meta = row;
      return;
    }
  }
}

std::vector<Entry> entries_of_folder(const fs::path& dir) {
  // Table files in the folder, by name; two files with the same stem are ambiguous.
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    const std::string fn = p.filename().string();
    if (fn.empty() || fn[0] == '.' || is_metadata_file(p)) continue;
    std::error_code sec;
    if (!fs::is_regular_file(p, sec) || !axevo::formats::table_format_from_path(p)) continue;
    files.push_back(p);
  }
  if (ec) throw Error(dir.string(), 0, "cannot list the folder: " + ec.message());
  std::sort(files.begin(), files.end());
  std::map<std::string, fs::path> by_stem;
  for (const auto& f : files) {
    const auto [it, fresh] = by_stem.emplace(f.stem().string(), f);
    if (!fresh)
      throw Error(f.string(), 0,
                  "has the same stem '" + it->first + "' as " + it->second.string() +
                      ", so both would be named " + it->first + "; remove or rename one");
  }

  std::vector<Entry> out;
  std::map<std::string, std::string> used;  // normalized file -> origin of the row using it
  for (const Metadata& row : axevo::formats::read_folder_metadata(dir)) {
    fs::path file;
    if (!row.table_file.empty()) {
      file = dir / row.table_file;
      std::error_code sec;
      if (!fs::is_regular_file(file, sec))
        throw Error(row.origin + ": table file '" + row.table_file + "' of " + row.name + " not found in " + dir.string());
      if (!axevo::formats::table_format_from_path(file))
        throw Error(row.origin + ": table file '" + row.table_file + "' of " + row.name +
                    " is not a table file (expected .bin, .h or .csv)");
    } else {
      const auto it = by_stem.find(row.name);
      if (it == by_stem.end())
        throw Error(row.origin + ": no table_file given for " + row.name + " and no table file " + row.name +
                    ".bin, .h or .csv in " + dir.string());
      file = it->second;
    }
    const auto [it, fresh] = used.emplace(same(file), row.origin);
    if (!fresh) throw Error(row.origin + ": table file " + file.string() + " is already used by the row at " + it->second);
    out.push_back({file, row});
  }
  for (const auto& f : files) {
    if (used.count(same(f))) continue;
    if (axevo::formats::table_format_from_path(f) == axevo::formats::TableFormat::Csv && csv_starts_with_header(f))
      continue;  // a data CSV with a header line, not a table

    Entry e;
    e.file = f;
    e.meta.name = f.stem().string();
    out.push_back(std::move(e));
  }
  if (out.empty()) throw Error(dir.string(), 0, "no table files (.bin, .h or .csv) in this folder");
  return out;
}

void load(const axevo_host* host, const std::string& arg) {
  if (arg.empty()) throw Error("lut: no folder or table file given (use lut:FOLDER or lut:FILE)");
  const fs::path root(arg);
  std::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  std::vector<Entry> entries;
  if (!fs::exists(st)) {
    throw Error(arg, 0, "no such file or folder");
  } else if (fs::is_directory(st)) {
    entries = entries_of_folder(root);
  } else if (fs::is_regular_file(st)) {
    if (!axevo::formats::table_format_from_path(root))
      throw Error(arg, 0, "not a table file (expected the extension .bin, .h or .csv)");
    Entry e;
    e.file = root;
    e.meta.name = root.stem().string();
    attach_folder_row(e);
    entries.push_back(std::move(e));
  } else {
    throw Error(arg, 0, "neither a regular file nor a folder");
  }

  std::map<std::string, std::string> names;  // name -> file
  for (Entry& e : entries) {
    const std::string file = e.file.string();
    if (const auto side = axevo::formats::read_sidecar(e.file)) {
      if (!side->table_file.empty() && side->table_file != e.file.filename().string())
        throw Error(side->origin + ": table_file '" + side->table_file + "' does not match the file it belongs to (" +
                    e.file.filename().string() + ")");
      axevo::formats::overlay_metadata(e.meta, *side);
    }
    check_name(e.meta.name, file);
    const auto [it, fresh] = names.emplace(e.meta.name, file);
    if (!fresh) throw Error(file, 0, "multiplier name '" + e.meta.name + "' is also used by " + it->second);

    const axevo::formats::TableRead read = axevo::formats::read_table(e.file);
    for (const auto& w : read.warnings) axevo::plugin::warn(host, w);
    if (!e.meta.sha256.empty()) {
      const std::string actual = axevo::table_sha256(read.table);
      if (lower(e.meta.sha256) != actual)
        throw Error(e.meta.origin + ": sha256 " + e.meta.sha256 + " given for " + e.meta.name + ", but " + file +
                    " has sha256 " + actual + " (a stale table or metadata?)");
    }
    axevo::plugin::Record r = axevo::plugin::record_from_metadata(e.meta, file);
    r.table = read.table.data();
    axevo::plugin::add(host, r);
  }
}

}  // namespace

extern "C" {

AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_MULTIPLIER_LIBRARY, "lut",
                     "multipliers from table files (.bin, AdaPT .h, .csv) in a folder, with optional metadata")

AXEVO_EXPORT int axevo_multiplier_library_load(const axevo_host* host, const char* arg) {
  return axevo::plugin::guarded(host, [&] { load(host, arg ? arg : ""); });
}

}  // extern "C"
