#pragma once
// Metadata of multipliers kept beside their tables or netlists.
//  * Folder-level CSV (`multipliers.csv` or `metadata.csv`): a header line, then one row
//    per multiplier.  Column `name` is required; `power_mw`, `area_um2`, `delay_ns`,
//    `table_file`, `family`, `params`, `source` are optional; other columns are ignored
//    (so ../shared/evoapprox/multipliers.csv works as is).  Empty cell = unknown.
//  * Folder-level YAML (`metadata.yaml`): a map name -> {power_mw, area_um2, delay_ns,
//    table_file, family, params, source}.
//  * Per-file sidecar: `<stem>.yaml` next to `<stem>.bin|.h|.csv|.v` with the same keys
//    (and optionally `name`).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "axevo/multiplier.hpp"

namespace axevo::formats {

struct Metadata {
  std::string name;
  double power_mw = kUnknown;
  double area_um2 = kUnknown;
  double delay_ns = kUnknown;
  std::string table_file;  // relative to the metadata file's folder
  std::string family, params, source;
  std::string origin;      // "FILE:LINE" where this entry was read
};

std::vector<Metadata> read_metadata_csv(const std::filesystem::path& file);
std::vector<Metadata> read_metadata_yaml(const std::filesystem::path& file);
// Folder-level metadata: multipliers.csv, metadata.csv or metadata.yaml (first found);
// empty when there is none.
std::vector<Metadata> read_folder_metadata(const std::filesystem::path& dir);
// `<stem>.yaml` beside `data_file`, if present.
std::optional<Metadata> read_sidecar(const std::filesystem::path& data_file);

// CSV with columns name,power_mw,area_um2,delay_ns,table_file,family,params,source,sha256
// (sha256 from `hashes`, same order, may be empty); numbers written so they read back
// identically (shortest round-trip form).
std::string write_metadata_csv(const std::vector<Metadata>& rows, const std::vector<std::string>& hashes = {});

}  // namespace axevo::formats
