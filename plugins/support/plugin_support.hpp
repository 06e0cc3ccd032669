#pragma once
// Glue for in-tree C++ plugins: report multipliers over the C ABI and turn exceptions
// into host->error() calls (an exception must never cross the C boundary).
#include <exception>
#include <string>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/multiplier.hpp"
#include "axevo/netlist.hpp"
#include "axevo/plugin_abi.h"

namespace axevo::plugin {

struct Record {
  std::string name, source, family, params;
  const int16_t* table = nullptr;  // 65536 entries, or null
  const Netlist* netlist = nullptr;  // or null
  double power_mw = kUnknown, area_um2 = kUnknown, delay_ns = kUnknown;
};

// Reports one multiplier.  Throws HostRejected when the host rejects it.
void add(const axevo_host* host, const Record& record);

void warn(const axevo_host* host, const std::string& message);

// Thrown by add() when the host rejected a record (the host already knows why).
struct HostRejected : std::exception {
  const char* what() const noexcept override { return "multiplier rejected by the host"; }
};

// Runs `body`; an exception becomes host->error(what) and a return value of 1.
// Works for every callback struct with `context` and `error` (axevo_host,
// axevo_dataset_sink, axevo_graph_builder).
template <class Host, class F>
int guarded(const Host* host, F&& body) {
  try {
    body();
    return 0;
  } catch (const HostRejected&) {
    return 1;
  } catch (const std::exception& e) {
    host->error(host->context, e.what());
    return 1;
  } catch (...) {
    host->error(host->context, "unknown exception in plugin");
    return 1;
  }
}

}  // namespace axevo::plugin
