#pragma once
// Finding and loading plugins (Boost.DLL), and loading multiplier libraries through them.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "axevo/multiplier.hpp"
#include "axevo/plugin_abi.h"

namespace axevo {

// Where plugins are looked for, in order: folders given explicitly (a config's
// `plugin_paths`, the CLI's --plugin-path), $AXEVO_PLUGIN_PATH (':'-separated), the
// build's plugin folder, and <program dir>/../lib/axevo/plugins.
struct PluginSearchPath {
  std::vector<std::filesystem::path> dirs;
  static PluginSearchPath standard(const std::vector<std::filesystem::path>& extra = {});
};

struct PluginInfo {
  std::string name;
  uint32_t kind = 0;
  uint32_t abi_version = 0;
  std::string description;
  std::filesystem::path path;
};
std::string plugin_kind_name(uint32_t kind);

class LoadedPlugin;  // keeps the shared object loaded

// Opens a plugin file and checks its ABI; throws axevo::Error for a missing file, a file
// that is not a loadable shared object, a missing entry point or a wrong ABI version.
std::shared_ptr<LoadedPlugin> open_plugin(const std::filesystem::path& file);
const PluginInfo& plugin_info(const LoadedPlugin& plugin);

// Address of an exported symbol; throws axevo::Error naming the plugin file when missing.
void* plugin_symbol_address(const LoadedPlugin& plugin, const char* symbol);
template <class Signature>
Signature* plugin_symbol(const LoadedPlugin& plugin, const char* symbol) {
  return reinterpret_cast<Signature*>(plugin_symbol_address(plugin, symbol));
}

// Resolves a SPEC "NAME[:ARG]" (plugin found along `path`) or "FILE.so[:ARG]" to the
// plugin and ARG, and checks that the plugin is of `kind`.
struct SpecPlugin {
  std::shared_ptr<LoadedPlugin> plugin;
  std::string arg;
};
SpecPlugin open_spec_plugin(const std::string& spec, uint32_t kind, const PluginSearchPath& path);

// Finds plugin NAME (file axevo_NAME.so) along the search path.
std::shared_ptr<LoadedPlugin> find_plugin(const std::string& name, const PluginSearchPath& path);

// Every plugin file along the path (later duplicates of a name are skipped); files that
// fail to open are reported in `problems`.
std::vector<PluginInfo> discover_plugins(const PluginSearchPath& path, std::vector<std::string>* problems);

struct LibraryLoad {
  std::vector<Multiplier> multipliers;
  std::vector<std::string> warnings;
};

// Loads a multiplier library SPEC: "NAME" or "NAME:ARG" (plugin NAME, e.g. builtin,
// lut:DIR, verilog:FILE, cmodel:FILE) or the path of a plugin file ("./my.so" or
// "./my.so:ARG").  Throws axevo::Error with the plugin's own message on failure.
LibraryLoad load_multiplier_library(const std::string& spec, const PluginSearchPath& path);

// Turns a record handed over the ABI into a Multiplier: tabulates the function, evaluates
// the netlist and checks that everything given agrees.  Throws axevo::Error.
Multiplier multiplier_from_record(const axevo_multiplier_record& record, const std::string& library);

}  // namespace axevo
