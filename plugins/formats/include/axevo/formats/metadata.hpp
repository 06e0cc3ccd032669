#pragma once
// Metadata of multipliers kept beside their tables or netlists.
//  * Folder-level CSV (`multipliers.csv` or `metadata.csv`): a header line, then one row
//    per multiplier.  Column `name` is required; `power_mw`, `area_um2`, `delay_ns`,
//    `table_file`, `family`, `params`, `source`, `sha256` are optional; other columns are ignored
//    (so ../shared/evoapprox/multipliers.csv works as is).  Empty cell = unknown.
//  * Folder-level YAML (`metadata.yaml`): a map name -> {power_mw, area_um2, delay_ns,
//    table_file, family, params, source, sha256}.
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
  std::string sha256;      // expected SHA-256 of the table (as in table_sha256), empty if not given
  std::string origin;      // "FILE:LINE" where this entry was read
};

std::vector<Metadata> read_metadata_csv(const std::filesystem::path& file);
std::vector<Metadata> read_metadata_yaml(const std::filesystem::path& file);
// Folder-level metadata: multipliers.csv, metadata.csv or metadata.yaml; empty when there
// is none, an error when there are several.
std::vector<Metadata> read_folder_metadata(const std::filesystem::path& dir);
// `<stem>.yaml` beside `data_file`, if present: a map of the keys above (all optional,
// unknown keys are an error).  Malformed YAML gives axevo::Error("FILE:LINE: ...").
std::optional<Metadata> read_sidecar(const std::filesystem::path& data_file);

// Copies into `base` every field that `over` sets (non-empty text, known figures): a
// sidecar's values take precedence over folder-level ones.
void overlay_metadata(Metadata& base, const Metadata& over);

// CSV with columns name,power_mw,area_um2,delay_ns,table_file,family,params,source,sha256
// (sha256 from `hashes`, same order, or else from each row); numbers written so they read back
// identically (shortest round-trip form).
std::string write_metadata_csv(const std::vector<Metadata>& rows, const std::vector<std::string>& hashes = {});

}  // namespace axevo::formats
