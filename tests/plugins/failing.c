/* Reports an error the way a library plugin should: file, line, problem. */
#include <axevo/plugin_abi.h>
AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_MULTIPLIER_LIBRARY, "failing", "always fails")
AXEVO_EXPORT int axevo_multiplier_library_load(const axevo_host* host, const char* arg) {
  (void)arg;
  host->error(host->context, "tables/x.dat:3: value 'abc' is not a number");
  return 1;
}
