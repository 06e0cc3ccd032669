#pragma once
// Small helpers for tests that build graphs by hand.
#include <map>
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

// A graph of one node y = op(x, W, B) named `name`, with float input x of `x_shape`
// (opset 13), for layer-level tests.
inline Graph one_node_graph(const std::string& op, const std::string& name, const Shape& x_shape, Tensor w, Tensor b,
                            std::map<std::string, Attribute> attributes) {
  Graph g;
  g.opset = 13;
  g.inputs.push_back({"x", DType::Float32, x_shape});
  g.outputs = {"y"};
  g.initializers["W"] = std::move(w);
  g.initializers["B"] = std::move(b);
  Node n = node(op, {"x", "W", "B"}, {"y"}, name);
  n.attributes = std::move(attributes);
  g.nodes.push_back(std::move(n));
  return g;
}

}  // namespace axevo::test
