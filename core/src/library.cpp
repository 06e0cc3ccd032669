#include "axevo/library.hpp"

#include <algorithm>

#include "axevo/error.hpp"

namespace axevo {

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

MultiplierSet MultiplierSet::load(const std::vector<std::string>& specs, const PluginSearchPath& path,
                                  std::vector<std::string>* warnings) {
  MultiplierSet set;
  for (const auto& spec : specs) {
    LibraryLoad lib = load_multiplier_library(spec, path);
    if (warnings) warnings->insert(warnings->end(), lib.warnings.begin(), lib.warnings.end());
    for (auto& m : lib.multipliers) set.add(std::move(m));
  }
  return set;
}

void MultiplierSet::add(Multiplier m) {
  if (const Multiplier* other = find(m.name))
    throw Error("multiplier name '" + m.name + "' is defined by two libraries: " + other->library + " and " + m.library +
                " (load only one, or rename one)");
  multipliers_.push_back(std::move(m));
}

const Multiplier* MultiplierSet::find(const std::string& name) const {
  for (const auto& m : multipliers_)
    if (m.name == name) return &m;
  return nullptr;
}

const Multiplier& MultiplierSet::get(const std::string& name) const {
  if (const Multiplier* m = find(name)) return *m;
  std::vector<std::pair<std::size_t, std::string>> close;
  for (const auto& m : multipliers_) close.emplace_back(edit_distance(name, m.name), m.name);
  std::sort(close.begin(), close.end());
  std::string msg = "unknown multiplier '" + name + "'";
  if (!close.empty() && close.front().first <= std::max<std::size_t>(2, name.size() / 3)) msg += "; did you mean '" + close.front().second + "'?";
  msg += " (" + std::to_string(multipliers_.size()) + " multipliers loaded; `axevo mult list` shows them, --library adds libraries)";
  throw Error(msg);
}

std::vector<std::string> MultiplierSet::same_table_as(const Multiplier& m) const {
  std::vector<std::string> out;
  for (const auto& o : multipliers_)
    if (o.name != m.name && o.sha256 == m.sha256) out.push_back(o.name);
  return out;
}

}  // namespace axevo
