#include "plugin_support.hpp"

namespace axevo::plugin {

void add(const axevo_host* host, const Record& r) {
  axevo_multiplier_record rec = axevo_multiplier_record_empty();
  rec.name = r.name.c_str();
  rec.source = r.source.empty() ? nullptr : r.source.c_str();
  rec.family = r.family.empty() ? nullptr : r.family.c_str();
  rec.params = r.params.empty() ? nullptr : r.params.c_str();
  rec.table = r.table;
  AbiNetlist abi;
  if (r.netlist) {
    abi = netlist_to_abi(*r.netlist);
    rec.netlist = &abi.view;
  }
  rec.power_mw = r.power_mw;
  rec.area_um2 = r.area_um2;
  rec.delay_ns = r.delay_ns;
  if (host->add_multiplier(host->context, &rec) != 0) throw HostRejected();
}

void warn(const axevo_host* host, const std::string& message) { host->warn(host->context, message.c_str()); }

}  // namespace axevo::plugin
