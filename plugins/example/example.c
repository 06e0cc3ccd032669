/* A complete axevo multiplier plugin in C: one approximate multiplier given as a function.
 * Operand truncation: the two least significant bits of each operand's magnitude are
 * cleared before an exact multiplication (a classic, crude approximation). */
#include <axevo/plugin_abi.h>

static int truncate2(int x) { return x < 0 ? -((-x) & ~3) : (x & ~3); }

static int16_t optrunc2(int8_t a, int8_t b) { return (int16_t)(truncate2(a) * truncate2(b)); }

AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_MULTIPLIER_LIBRARY, "example", "worked example: operand truncation")

AXEVO_EXPORT int axevo_multiplier_library_load(const axevo_host* host, const char* arg) {
  (void)arg; /* this library takes no argument */
  axevo_multiplier_record r = axevo_multiplier_record_empty();
  r.name = "example_optrunc2";
  r.family = "operand truncation";
  r.params = "k=2";
  r.function = optrunc2; /* or r.table = a 65536-entry table, or r.netlist = gates */
  return host->add_multiplier(host->context, &r);
}
