/* Declares itself a multiplier library but does not export the load function. */
#include <axevo/plugin_abi.h>
AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_MULTIPLIER_LIBRARY, "no_load", "missing load symbol")
