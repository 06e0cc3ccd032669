#pragma once
// Small helpers for tests that build graphs by hand.
#include <string>
#include <vector>

#include "axevo/graph.hpp"

namespace axevo::test {

inline Node node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
                 const std::string& name = "") {
  Node n;
  n.op_type = op;
  n.name = name;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

inline Attribute ints_attr(std::vector<int64_t> v) {
  Attribute a;
  a.kind = Attribute::Kind::Ints;
  a.ints = std::move(v);
  return a;
}
inline Attribute int_attr(int64_t v) {
  Attribute a;
  a.kind = Attribute::Kind::Int;
  a.i = v;
  return a;
}
inline Attribute string_attr(const std::string& v) {
  Attribute a;
  a.kind = Attribute::Kind::String;
  a.s = v;
  return a;
}

}  // namespace axevo::test
