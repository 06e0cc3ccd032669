/* A plugin of another kind: not usable as a multiplier library. */
#include <axevo/plugin_abi.h>
AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_DATASET, "dataset_kind", "a dataset plugin")
