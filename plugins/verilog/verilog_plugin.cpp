// verilog: multipliers from gate-level Verilog netlists.
//
//   verilog:FILE.v   every multiplier module (ports A[7:0], B[7:0], O[15:0]) of the file
//   verilog:DIR      every *.v file of the folder (not recursive), by file name
//
// Each multiplier module becomes one multiplier named after the module, with source =
// the file, family "netlist" and its netlist (the host evaluates it; see
// formats/verilog.hpp for the accepted Verilog).  Published power / area / delay come
// from the folder's metadata (multipliers.csv, metadata.csv or metadata.yaml, matched
// by module name) and from a `<stem>.yaml` sidecar beside the .v file, which takes
// precedence.  A sidecar describes the file's multiplier whose name it gives, or - with
// no name - the file's only multiplier.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/formats/metadata.hpp"
#include "axevo/formats/verilog.hpp"
#include "axevo/io.hpp"
#include "metadata_record.hpp"
#include "plugin_support.hpp"

namespace fs = std::filesystem;
using axevo::Error;
using axevo::formats::Metadata;

namespace {

bool is_verilog_file(const fs::path& p) {
  const std::string fn = p.filename().string();
  std::error_code ec;
  return p.extension() == ".v" && !fn.empty() && fn[0] != '.' && fs::is_regular_file(p, ec);
}

std::vector<fs::path> verilog_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (is_verilog_file(it->path())) files.push_back(it->path());
  if (ec) throw Error(dir.string(), 0, "cannot list the folder: " + ec.message());
  if (files.empty()) throw Error(dir.string(), 0, "no Verilog netlists (*.v files) in this folder");
  std::sort(files.begin(), files.end());
  return files;
}

void load(const axevo_host* host, const std::string& arg) {
  if (arg.empty()) throw Error("verilog: no file or folder given (use verilog:FILE.v or verilog:FOLDER)");
  const fs::path root(arg);
  std::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  std::vector<fs::path> files;
  fs::path dir;
  if (!fs::exists(st)) {
    throw Error(arg, 0, "no such file or folder");
  } else if (fs::is_directory(st)) {
    files = verilog_files(root);
    dir = root;
  } else if (fs::is_regular_file(st)) {
    files.push_back(root);
    dir = root.parent_path().empty() ? fs::path(".") : root.parent_path();
  } else {
    throw Error(arg, 0, "neither a regular file nor a folder");
  }

  std::map<std::string, Metadata> folder;  // module name -> folder-level row
  for (const Metadata& row : axevo::formats::read_folder_metadata(dir)) folder.emplace(row.name, row);

  std::map<std::string, std::string> names;  // multiplier name -> file
  for (const fs::path& file : files) {
    const std::string path = file.string();
    const std::vector<axevo::Netlist> netlists = axevo::formats::parse_verilog(axevo::read_file(file), path);
    const auto sidecar = axevo::formats::read_sidecar(file);
    if (sidecar) {
      const bool matches = sidecar->name.empty()
                               ? netlists.size() == 1
                               : std::any_of(netlists.begin(), netlists.end(),
                                             [&](const axevo::Netlist& n) { return n.module_name == sidecar->name; });
      if (!matches)
        throw Error(sidecar->origin + ": " +
                    (sidecar->name.empty() ? "no name given, but " + path + " has " + std::to_string(netlists.size()) +
                                                 " multiplier modules"
                                           : "no multiplier module " + sidecar->name + " in " + path));
    }
    for (const axevo::Netlist& n : netlists) {
      const auto [it, fresh] = names.emplace(n.module_name, path);
      if (!fresh) throw Error(path, 0, "multiplier module " + n.module_name + " is also defined in " + it->second);
      Metadata meta;
      meta.name = n.module_name;
      if (const auto row = folder.find(n.module_name); row != folder.end()) meta = row->second;
      if (sidecar && (sidecar->name.empty() || sidecar->name == n.module_name))
        axevo::formats::overlay_metadata(meta, *sidecar);
      axevo::plugin::Record r = axevo::plugin::record_from_metadata(meta, path);
      r.name = n.module_name;
      r.family = "netlist";
      r.netlist = &n;
      axevo::plugin::add(host, r);
    }
  }
}

}  // namespace

extern "C" {

AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_MULTIPLIER_LIBRARY, "verilog",
                     "multipliers from gate-level Verilog netlists (a .v file or a folder of them)")

AXEVO_EXPORT int axevo_multiplier_library_load(const axevo_host* host, const char* arg) {
  return axevo::plugin::guarded(host, [&] { load(host, arg ? arg : ""); });
}

}  // extern "C"
