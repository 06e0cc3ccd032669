#include "axevo/plugin.hpp"

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <set>

#include "axevo/error.hpp"

namespace axevo {

namespace fs = std::filesystem;

class LoadedPlugin {
 public:
  PluginInfo info;
  boost::dll::shared_library library;
};

std::string plugin_kind_name(uint32_t kind) {
  switch (kind) {
    case AXEVO_PLUGIN_MULTIPLIER_LIBRARY: return "multiplier-library";
    case AXEVO_PLUGIN_MODEL_FRONTEND: return "model-frontend";
    case AXEVO_PLUGIN_DATASET: return "dataset";
    default: return "unknown(" + std::to_string(kind) + ")";
  }
}

PluginSearchPath PluginSearchPath::standard(const std::vector<fs::path>& extra) {
  PluginSearchPath p;
  for (const auto& d : extra) p.dirs.push_back(d);
  if (const char* env = std::getenv("AXEVO_PLUGIN_PATH")) {
    std::string s = env;
    std::size_t start = 0;
    while (start <= s.size()) {
      const std::size_t colon = s.find(':', start);
      const std::string part = s.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!part.empty()) p.dirs.emplace_back(part);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }
  p.dirs.emplace_back(AXEVO_BUILD_PLUGIN_DIR);
  std::error_code ec;
  const auto exe = boost::dll::program_location(ec);
  if (!ec) p.dirs.push_back(fs::path(exe.string()).parent_path().parent_path() / "lib" / "axevo" / "plugins");
  return p;
}

std::shared_ptr<LoadedPlugin> open_plugin(const fs::path& file) {
  std::error_code fec;
  if (!fs::exists(file, fec)) throw Error(file.string(), 0, "plugin file not found");
  auto plugin = std::make_shared<LoadedPlugin>();
  boost::dll::fs::error_code ec;
  plugin->library.load(boost::dll::fs::path(file.string()), boost::dll::load_mode::rtld_lazy | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    const char* why = ::dlerror();
    throw Error(file.string(), 0, std::string("cannot load plugin: ") + (why ? why : ec.message()));
  }
  if (!plugin->library.has(AXEVO_PLUGIN_INFO_SYMBOL))
    throw Error(file.string(), 0,
                "not an axevo plugin: it does not export " AXEVO_PLUGIN_INFO_SYMBOL "() (see core/include/axevo/plugin_abi.h)");
  auto get_info = plugin->library.get<const axevo_plugin_info*()>(AXEVO_PLUGIN_INFO_SYMBOL);
  const axevo_plugin_info* info = get_info();
  if (!info) throw Error(file.string(), 0, AXEVO_PLUGIN_INFO_SYMBOL "() returned NULL");
  if (info->abi_version != AXEVO_PLUGIN_ABI_VERSION)
    throw Error(file.string(), 0,
                "plugin ABI version " + std::to_string(info->abi_version) + " does not match this axevo's ABI version " +
                    std::to_string(AXEVO_PLUGIN_ABI_VERSION) + "; rebuild the plugin against this axevo's plugin_abi.h");
  plugin->info.name = info->name ? info->name : "";
  plugin->info.kind = info->kind;
  plugin->info.abi_version = info->abi_version;
  plugin->info.description = info->description ? info->description : "";
  plugin->info.path = file;
  if (plugin->info.name.empty()) throw Error(file.string(), 0, "plugin has an empty name");
  return plugin;
}

const PluginInfo& plugin_info(const LoadedPlugin& plugin) { return plugin.info; }

void* plugin_symbol_address(const LoadedPlugin& plugin, const char* symbol) {
  if (!plugin.library.has(symbol))
    throw Error(plugin.info.path.string(), 0,
                plugin_kind_name(plugin.info.kind) + " plugin '" + plugin.info.name + "' does not export " + symbol + "()");
  return reinterpret_cast<void*>(plugin.library.get<void()>(symbol));
}

SpecPlugin open_spec_plugin(const std::string& spec, uint32_t kind, const PluginSearchPath& path) {
  SpecPlugin r;
  const std::size_t so = spec.find(".so");
  if (so != std::string::npos && (so + 3 == spec.size() || spec[so + 3] == ':')) {
    r.plugin = open_plugin(spec.substr(0, so + 3));
    if (so + 3 < spec.size()) r.arg = spec.substr(so + 4);
  } else {
    const std::size_t colon = spec.find(':');
    if (colon != std::string::npos) r.arg = spec.substr(colon + 1);
    r.plugin = find_plugin(spec.substr(0, colon), path);
  }
  if (r.plugin->info.kind != kind) {
    const std::string want = kind == AXEVO_PLUGIN_MULTIPLIER_LIBRARY ? "a multiplier library" : kind == AXEVO_PLUGIN_DATASET ? "a dataset" : "a " + plugin_kind_name(kind);
    throw Error(r.plugin->info.path.string(), 0,
                "plugin '" + r.plugin->info.name + "' is a " + plugin_kind_name(r.plugin->info.kind) + " plugin, not " + want);
  }
  return r;
}

namespace {
std::string plugin_file_name(const std::string& name) { return "axevo_" + name + ".so"; }
}  // namespace

std::shared_ptr<LoadedPlugin> find_plugin(const std::string& name, const PluginSearchPath& path) {
  std::string searched;
  for (const auto& dir : path.dirs) {
    const fs::path candidate = dir / plugin_file_name(name);
    std::error_code ec;
    if (fs::exists(candidate, ec)) {
      auto p = open_plugin(candidate);
      if (p->info.name != name)
        throw Error(candidate.string(), 0, "plugin file is named for '" + name + "' but declares the name '" + p->info.name + "'");
      return p;
    }
    searched += "\n  " + dir.string();
  }
  throw Error("no plugin named '" + name + "' (file " + plugin_file_name(name) + ") in the plugin search path:" + searched +
              "\nadd a folder with --plugin-path or $AXEVO_PLUGIN_PATH");
}

std::vector<PluginInfo> discover_plugins(const PluginSearchPath& path, std::vector<std::string>* problems) {
  std::vector<PluginInfo> out;
  std::set<std::string> seen;
  for (const auto& dir : path.dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string fn = e.path().filename().string();
      if (fn.rfind("axevo_", 0) == 0 && e.path().extension() == ".so") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      try {
        auto p = open_plugin(f);
        if (seen.insert(p->info.name).second) out.push_back(p->info);
      } catch (const Error& e) {
        if (problems) problems->push_back(e.what());
      }
    }
  }
  return out;
}

// ---- multiplier libraries ------------------------------------------------------------

Multiplier multiplier_from_record(const axevo_multiplier_record& r, const std::string& library) {
  if (!r.name || !*r.name) throw Error("library " + library + ": a multiplier without a name");
  const std::string name = r.name;
  auto fail = [&](const std::string& what) { return Error("library " + library + ", multiplier " + name + ": " + what); };
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      throw fail("name may only contain letters, digits, '_', '-' and '.'");
  if (!r.table && !r.function && !r.netlist) throw fail("no table, function or netlist given");
  std::shared_ptr<Netlist> netlist;
  Table table{};
  bool have = false;
  const char* have_from = "";
  auto check = [&](const Table& t, const char* from) {
    if (!have) {
      table = t;
      have = true;
      have_from = from;
      return;
    }
    for (int a = -128; a < 128; ++a)
      for (int b = -128; b < 128; ++b)
        if (t[table_index(a, b)] != table[table_index(a, b)])
          throw fail(std::string("its ") + from + " and its " + have_from + " disagree at a=" + std::to_string(a) +
                     ", b=" + std::to_string(b) + " (" + std::to_string(t[table_index(a, b)]) + " vs " +
                     std::to_string(table[table_index(a, b)]) + ")");
  };
  if (r.table) {
    Table t;
    std::memcpy(t.data(), r.table, sizeof(int16_t) * kTableSize);
    check(t, "table");
  }
  if (r.function) {
    Table t;
    for (int a = -128; a < 128; ++a)
      for (int b = -128; b < 128; ++b)
        t[table_index(a, b)] = r.function(static_cast<int8_t>(a), static_cast<int8_t>(b));
    check(t, "function");
  }
  if (r.netlist) {
    try {
      netlist = std::make_shared<Netlist>(netlist_from_abi(*r.netlist));
      topological_sort(*netlist);
      const auto values = evaluate_netlist(*netlist);
      Table t;
      std::copy(values.begin(), values.end(), t.begin());
      check(t, "netlist");
    } catch (const Error& e) {
      throw fail(e.what());
    }
  }
  Multiplier m = make_multiplier(name, table);
  m.library = library;
  m.source = r.source ? r.source : "";
  m.family = r.family ? r.family : "";
  m.params = r.params ? r.params : "";
  m.netlist = netlist;
  auto figure = [&](double v, const char* what) {
    if (std::isnan(v)) return kUnknown;
    if (!(v >= 0) || std::isinf(v)) throw fail(std::string(what) + " must be a non-negative number");
    return v;
  };
  m.power_mw = figure(r.power_mw, "power_mw");
  m.area_um2 = figure(r.area_um2, "area_um2");
  m.delay_ns = figure(r.delay_ns, "delay_ns");
  return m;
}

namespace {
struct HostContext {
  std::string library;
  LibraryLoad result;
  std::vector<std::string> errors;
  std::set<std::string> names;
};

int host_add(void* ctx, const axevo_multiplier_record* record) {
  auto* h = static_cast<HostContext*>(ctx);
  try {
    if (!record) throw Error("library " + h->library + ": add_multiplier(NULL)");
    Multiplier m = multiplier_from_record(*record, h->library);
    if (!h->names.insert(m.name).second)
      throw Error("library " + h->library + ": two multipliers named " + m.name);
    h->result.multipliers.push_back(std::move(m));
    return 0;
  } catch (const std::exception& e) {
    h->errors.push_back(e.what());
    return 1;
  }
}
void host_warn(void* ctx, const char* message) {
  static_cast<HostContext*>(ctx)->result.warnings.push_back(message ? message : "(null warning)");
}
void host_error(void* ctx, const char* message) {
  static_cast<HostContext*>(ctx)->errors.push_back(message ? message : "(null error)");
}
}  // namespace

LibraryLoad load_multiplier_library(const std::string& spec, const PluginSearchPath& path) {
  if (spec.empty()) throw Error("empty multiplier library SPEC (expected builtin, lut:PATH, verilog:PATH, cmodel:PATH or a plugin file)");
  const SpecPlugin sp = open_spec_plugin(spec, AXEVO_PLUGIN_MULTIPLIER_LIBRARY, path);
  const auto& plugin = sp.plugin;
  const std::string& arg = sp.arg;
  auto load = plugin_symbol<int(const axevo_host*, const char*)>(*plugin, AXEVO_MULTIPLIER_LIBRARY_LOAD_SYMBOL);
  HostContext ctx;
  ctx.library = spec;
  axevo_host host{};
  host.abi_version = AXEVO_PLUGIN_ABI_VERSION;
  host.context = &ctx;
  host.add_multiplier = &host_add;
  host.warn = &host_warn;
  host.error = &host_error;
  int rc = 0;
  try {
    rc = load(&host, arg.c_str());
  } catch (const std::exception& e) {  // a C++ plugin that let an exception escape
    ctx.errors.push_back(e.what());
    rc = 1;
  }
  if (!ctx.errors.empty()) {
    std::string msg = ctx.errors.front();
    if (ctx.errors.size() > 1) msg += " (and " + std::to_string(ctx.errors.size() - 1) + " more errors)";
    throw Error(msg);
  }
  if (rc != 0) throw Error("library " + spec + ": plugin reported failure (code " + std::to_string(rc) + ") without a message");
  if (ctx.result.multipliers.empty()) throw Error("library " + spec + ": no multipliers found");
  for (auto& m : ctx.result.multipliers)
    if (m.source.empty()) m.source = plugin->info.path.string();
  return std::move(ctx.result);
}

}  // namespace axevo
