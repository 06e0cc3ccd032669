/* Declares an ABI version this axevo does not speak. */
#include <axevo/plugin_abi.h>
AXEVO_EXPORT const axevo_plugin_info* axevo_plugin_get_info(void) {
  static const axevo_plugin_info info = {AXEVO_PLUGIN_ABI_VERSION + 41u, AXEVO_PLUGIN_MULTIPLIER_LIBRARY, "bad_abi", "wrong ABI"};
  return &info;
}
AXEVO_EXPORT int axevo_multiplier_library_load(const axevo_host* host, const char* arg) {
  (void)host; (void)arg;
  return 0;
}
