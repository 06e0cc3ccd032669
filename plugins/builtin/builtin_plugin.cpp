// builtin: the project's own multiplier library - gate-level signed 8x8 Baugh-Wooley array
// multipliers, the exact one and approximation families over it (see families.hpp).
// Every multiplier is reported with its netlist; the host evaluates it exhaustively.
#include <string>

#include "axevo/error.hpp"
#include "families.hpp"
#include "plugin_support.hpp"

AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_MULTIPLIER_LIBRARY, "builtin",
                     "gate-level Baugh-Wooley array multipliers: exact, truncation, broken array, perforation, "
                     "approximate adders")

extern "C" AXEVO_EXPORT int axevo_multiplier_library_load(const axevo_host* host, const char* arg) {
  return axevo::plugin::guarded(host, [&] {
    if (arg && *arg)
      throw axevo::Error("library builtin: takes no argument, but was given '" + std::string(arg) +
                         "' (use the SPEC 'builtin')");
    for (const auto& m : axevo::builtin::generate_builtin_library()) {
      axevo::plugin::Record r;
      r.name = m.design.name;
      r.source = "builtin generator";
      r.family = m.design.family;
      r.params = m.design.params;
      r.netlist = &m.netlist;
      axevo::plugin::add(host, r);
    }
  });
}
