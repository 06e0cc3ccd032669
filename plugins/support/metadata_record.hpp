#pragma once
// A plugin Record from the metadata a folder or sidecar gave (plugins that read metadata
// link axevo::formats).
#include "axevo/formats/metadata.hpp"
#include "plugin_support.hpp"

namespace axevo::plugin {

inline Record record_from_metadata(const formats::Metadata& meta, const std::string& source) {
  Record r;
  r.name = meta.name;
  r.source = source;
  r.family = meta.family;
  r.params = meta.params;
  r.power_mw = meta.power_mw;
  r.area_um2 = meta.area_um2;
  r.delay_ns = meta.delay_ns;
  return r;
}

}  // namespace axevo::plugin
