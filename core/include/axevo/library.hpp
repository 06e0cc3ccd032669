#pragma once
// A set of multipliers gathered from one or more libraries (SPECs), looked up by name.
#include <string>
#include <vector>

#include "axevo/multiplier.hpp"
#include "axevo/plugin.hpp"

namespace axevo {

class MultiplierSet {
 public:
  // Loads every SPEC in order; warnings are appended to `warnings`.  Throws axevo::Error
  // when a library fails or when two libraries define the same name.
  static MultiplierSet load(const std::vector<std::string>& specs, const PluginSearchPath& path,
                            std::vector<std::string>* warnings);

  void add(Multiplier m);  // throws on a duplicate name
  const std::vector<Multiplier>& all() const { return multipliers_; }
  // Throws axevo::Error "unknown multiplier 'X'" with close names suggested.
  const Multiplier& get(const std::string& name) const;
  const Multiplier* find(const std::string& name) const;
  // Other multipliers with the same table (same SHA-256), i.e. the same circuit.
  std::vector<std::string> same_table_as(const Multiplier& m) const;

 private:
  std::vector<Multiplier> multipliers_;
};

}  // namespace axevo
