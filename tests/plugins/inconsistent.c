/* Gives a table and a function that disagree at one operand pair. */
#include <axevo/plugin_abi.h>
static int16_t table[65536];
static int16_t exact(int8_t a, int8_t b) { return (int16_t)(a * b); }
AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_MULTIPLIER_LIBRARY, "inconsistent", "table and function disagree")
AXEVO_EXPORT int axevo_multiplier_library_load(const axevo_host* host, const char* arg) {
  (void)arg;
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b) table[((a & 0xff) << 8) | (b & 0xff)] = (int16_t)(a * b);
  table[((3 & 0xff) << 8) | (5 & 0xff)] = 16; /* 3 * 5 is 15 */
  axevo_multiplier_record r = axevo_multiplier_record_empty();
  r.name = "inconsistent_mul";
  r.table = table;
  r.function = exact;
  r.power_mw = 0.1;
  return host->add_multiplier(host->context, &r);
}
