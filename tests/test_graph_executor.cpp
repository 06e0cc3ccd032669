// The graph passes and the float executor on graphs built directly (no file format).
#include <omp.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "axevo/error.hpp"
#include "axevo/executor.hpp"
#include "axevo/graph.hpp"
#include "graph_builders.hpp"

using namespace axevo;

using axevo::test::int_attr;
using axevo::test::ints_attr;
using axevo::test::node;
using axevo::test::string_attr;

namespace {

Tensor random_tensor(Shape shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Tensor t(DType::Float32, std::move(shape));
  for (auto& v : t.f32) v = u(rng);
  return t;
}

void require_close(const Tensor& a, const Tensor& b, float tol = 1e-5f) {
  REQUIRE(a.shape == b.shape);
  for (int64_t k = 0; k < a.numel(); ++k) REQUIRE(std::fabs(a.f()[k] - b.f()[k]) <= tol * (1 + std::fabs(b.f()[k])));
}

// x -> Shape -> Gather(0) -> Unsqueeze -> Concat([batch], [-1]) -> Reshape(x): a PyTorch flatten.
Graph flatten_chain(Shape input_shape) {
  Graph g;
  g.opset = 13;
  g.inputs.push_back({"x", DType::Float32, input_shape});
  g.outputs.push_back("y");
  g.initializers["zero"] = Tensor::from_ints({}, {0});
  g.initializers["axes"] = Tensor::from_ints({1}, {0});
  g.initializers["minus_one"] = Tensor::from_ints({1}, {-1});
  g.nodes.push_back(node("Shape", {"x"}, {"s"}));
  g.nodes.push_back(node("Gather", {"s", "zero"}, {"b"}));
  g.nodes.push_back(node("Unsqueeze", {"b", "axes"}, {"b1"}));
  Node concat = node("Concat", {"b1", "minus_one"}, {"shape"});
  concat.attributes["axis"] = int_attr(0);
  g.nodes.push_back(concat);
  g.nodes.push_back(node("Identity", {"x"}, {"x2"}));
  g.nodes.push_back(node("Reshape", {"x2", "shape"}, {"y"}));
  return g;
}

void run_passes(Graph& g) {
  check_graph(g, "test");
  remove_identities(g);
  fold_constants(g);
  fold_static_shapes(g);
  fold_constants(g);
  fold_batch_norm(g);
  check_supported(g);
}

}  // namespace

TEST_CASE("graph passes: static shape chains fold, dynamic ones run", "[graph]") {
  SECTION("static") {
    Graph g = flatten_chain({2, 3, 4});
    run_passes(g);
    REQUIRE(g.nodes.size() == 1);
    CHECK(g.nodes[0].op_type == "Reshape");
    CHECK(g.initializers.at(g.nodes[0].inputs[1]).i64 == std::vector<int64_t>{2, -1});
    const auto y = Executor(g).run(random_tensor({2, 3, 4}, 1));
    CHECK(y[0].shape == Shape{2, 12});
  }
  SECTION("dynamic batch") {
    Graph g = flatten_chain({-1, 3, 4});
    run_passes(g);
    CHECK(g.nodes.size() == 5);  // only the Identity is gone
    const Tensor x = random_tensor({5, 3, 4}, 2);
    const auto y = Executor(g).run(x);
    CHECK(y[0].shape == Shape{5, 12});
    CHECK(y[0].f32 == x.f32);
  }
}

TEST_CASE("graph passes: BatchNormalization folds into Conv and Gemm", "[graph]") {
  for (const std::string op : {"Conv", "Gemm"}) {
    DYNAMIC_SECTION(op) {
      Graph g;
      g.opset = 13;
      const bool conv = op == "Conv";
      const int64_t C = 4;
      g.inputs.push_back({"x", DType::Float32, conv ? Shape{-1, 3, 6, 6} : Shape{-1, 5}});
      g.outputs.push_back("y");
      g.initializers["w"] = random_tensor(conv ? Shape{C, 3, 3, 3} : Shape{C, 5}, 3);
      g.initializers["b"] = random_tensor({C}, 4);
      Tensor var = random_tensor({C}, 5);
      for (auto& v : var.f32) v = std::fabs(v) + 0.1f;
      g.initializers["scale"] = random_tensor({C}, 6);
      g.initializers["shift"] = random_tensor({C}, 7);
      g.initializers["mean"] = random_tensor({C}, 8);
      g.initializers["var"] = var;
      Node p = node(op, {"x", "w", "b"}, {"t"}, "layer");
      if (!conv) {
        p.attributes["transB"] = int_attr(1);
        Attribute alpha;
        alpha.kind = Attribute::Kind::Float;
        alpha.f = 0.5f;
        p.attributes["alpha"] = alpha;
      }
      g.nodes.push_back(p);
      g.nodes.push_back(node("BatchNormalization", {"t", "scale", "shift", "mean", "var"}, {"y"}, "bn"));
      const Tensor x = random_tensor(conv ? Shape{2, 3, 6, 6} : Shape{3, 5}, 9);
      const auto before = Executor(g).run(x);
      run_passes(g);
      REQUIRE(g.nodes.size() == 1);
      CHECK(g.nodes[0].name == "layer");
      require_close(Executor(g).run(x)[0], before[0], 1e-5f);
    }
  }
}

TEST_CASE("executor: unsupported operators and attributes name the node", "[graph]") {
  Graph g = flatten_chain({-1, 3, 4});
  g.nodes.push_back(node("Frobnicate", {"y"}, {"z"}, "odd"));
  CHECK_THROWS_WITH(check_supported(g), Catch::Contains("node 'odd' (Frobnicate, opset 13): unsupported operator Frobnicate"));
  g.nodes.back() = node("Relu", {"y"}, {"z"}, "odd");
  g.nodes.back().attributes["beta"] = int_attr(3);
  CHECK_THROWS_WITH(check_supported(g), Catch::Contains("node 'odd' (Relu, opset 13): unsupported attribute 'beta'"));
}

TEST_CASE("executor: Conv results do not depend on the thread count", "[graph]") {
  Graph g;
  g.opset = 13;
  g.inputs.push_back({"x", DType::Float32, {-1, 4, 9, 9}});
  g.outputs.push_back("y");
  g.initializers["w"] = random_tensor({8, 2, 3, 3}, 10);
  Node c = node("Conv", {"x", "w"}, {"y"}, "conv");
  c.attributes["group"] = int_attr(2);
  c.attributes["strides"] = ints_attr({2, 1});
  c.attributes["auto_pad"] = string_attr("SAME_UPPER");
  g.nodes.push_back(c);
  const Executor exec(g);
  const Tensor x = random_tensor({7, 4, 9, 9}, 11);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = exec.run(x);
  omp_set_num_threads(std::max(2, threads));
  const auto many = exec.run(x);
  omp_set_num_threads(threads);
  CHECK(one[0].shape == Shape{7, 8, 5, 9});
  CHECK(one[0].f32 == many[0].f32);
  const auto layers = exec.trace_layers({{"x", {1, 4, 9, 9}}});
  REQUIRE(layers.size() == 1);
  CHECK(layers[0].macs == 8 * 5 * 9 * 2 * 9);
  CHECK(layers[0].params == 8 * 2 * 9);
}

TEST_CASE("executor: LSTM reverse and bidirectional agree with forward", "[graph]") {
  const int64_t T = 5, B = 3, I = 4, H = 6;
  auto lstm_graph = [&](const std::string& direction, int64_t dirs) {
    Graph g;
    g.opset = 14;
    g.inputs.push_back({"x", DType::Float32, {T, B, I}});
    g.outputs = {"y", "yh", "yc"};
    g.initializers["w"] = random_tensor({dirs, 4 * H, I}, 20);
    g.initializers["r"] = random_tensor({dirs, 4 * H, H}, 21);
    g.initializers["b"] = random_tensor({dirs, 8 * H}, 22);
    g.initializers["h0"] = random_tensor({dirs, B, H}, 23);
    g.initializers["c0"] = random_tensor({dirs, B, H}, 24);
    Node n = node("LSTM", {"x", "w", "r", "b", "", "h0", "c0"}, {"y", "yh", "yc"}, "lstm");
    n.attributes["hidden_size"] = int_attr(H);
    n.attributes["direction"] = string_attr(direction);
    g.nodes.push_back(n);
    return g;
  };
  const Tensor x = random_tensor({T, B, I}, 25);
  Tensor x_rev(DType::Float32, {T, B, I});
  for (int64_t t = 0; t < T; ++t) std::copy(x.f() + t * B * I, x.f() + (t + 1) * B * I, x_rev.f() + (T - 1 - t) * B * I);
  const auto fwd_on_rev = Executor(lstm_graph("forward", 1)).run(x_rev);
  const auto rev = Executor(lstm_graph("reverse", 1)).run(x);
  require_close(rev[1], fwd_on_rev[1]);
  require_close(rev[2], fwd_on_rev[2]);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k = 0; k < B * H; ++k) REQUIRE(rev[0].f()[t * B * H + k] == Approx(fwd_on_rev[0].f()[(T - 1 - t) * B * H + k]).margin(1e-6));
  // Bidirectional with the same weights in both directions: direction 0 is forward, 1 is reverse.
  Graph bi = lstm_graph("bidirectional", 2);
  const Graph one = lstm_graph("forward", 1);
  for (const char* name : {"w", "r", "b", "h0", "c0"}) {
    Tensor& t = bi.initializers[name];
    const Tensor& s = one.initializers.at(name);
    std::copy(s.f32.begin(), s.f32.end(), t.f32.begin());
    std::copy(s.f32.begin(), s.f32.end(), t.f32.begin() + static_cast<std::ptrdiff_t>(s.f32.size()));
  }
  const auto fwd = Executor(one).run(x);
  const auto both = Executor(bi).run(x);
  REQUIRE(both[0].shape == Shape{T, 2, B, H});
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k = 0; k < B * H; ++k) {
      REQUIRE(both[0].f()[(t * 2 + 0) * B * H + k] == Approx(fwd[0].f()[t * B * H + k]).margin(1e-6));
      REQUIRE(both[0].f()[(t * 2 + 1) * B * H + k] == Approx(fwd_on_rev[0].f()[(T - 1 - t) * B * H + k]).margin(1e-6));
    }
  const auto layers = Executor(bi).trace_layers({{"x", {T, B, I}}});
  REQUIRE(layers.size() == 1);
  CHECK(layers[0].macs == T * B * 2 * 4 * H * (I + H));
}

TEST_CASE("executor: constant weights (precomputed rows) match weights given as inputs", "[graph]") {
  for (const std::string op : {"Gemm", "MatMul", "ConvTranspose"}) {
    DYNAMIC_SECTION(op) {
      const bool ct = op == "ConvTranspose";
      const Shape xs = ct ? Shape{2, 4, 3, 3} : Shape{3, 5};
      const Shape ws = ct ? Shape{4, 3, 2, 2} : Shape{5, 6};
      auto build = [&](bool constant) {
        Graph g;
        g.opset = 13;
        g.inputs.push_back({"x", DType::Float32, xs});
        if (!constant) g.inputs.push_back({"w", DType::Float32, ws});
        else g.initializers["w"] = random_tensor(ws, 30);
        g.outputs.push_back("y");
        Node n = node(op, {"x", "w"}, {"y"}, "layer");
        if (ct) {
          n.attributes["group"] = int_attr(2);
          n.attributes["strides"] = ints_attr({2, 2});
        }
        g.nodes.push_back(n);
        return g;
      };
      const Tensor x = random_tensor(xs, 31), w = random_tensor(ws, 30);
      const Executor with_constant(build(true));
      CHECK(with_constant.approximable_layer_names() == std::vector<std::string>{"layer"});
      const auto a = with_constant.run(std::map<std::string, Tensor>{{"x", x}});
      const auto b = Executor(build(false)).run(std::map<std::string, Tensor>{{"x", x}, {"w", w}});
      require_close(a.at("y"), b.at("y"), 1e-6f);
    }
  }
}

TEST_CASE("executor: a Relu folded into the Conv, Gemm or Add before it gives the same floats", "[graph]") {
  // The executor folds a Relu into the op producing its input when nothing else reads that
  // value.  Compared with the graph run node by node (evaluate_node: no folding), bit for bit:
  // Conv with and without bias, Add, Gemm folded; a Conv output read twice and a Gemm output
  // that is also a graph output keep their Relu nodes.
  Graph g;
  g.opset = 13;
  g.inputs.push_back({"x", DType::Float32, {2, 3, 6, 6}});
  g.outputs = {"y", "g2"};
  g.initializers["W1"] = random_tensor({4, 3, 3, 3}, 1);
  g.initializers["B1"] = random_tensor({4}, 2);
  g.initializers["W2"] = random_tensor({4, 4, 3, 3}, 3);
  g.initializers["W3"] = random_tensor({4, 4, 1, 1}, 4);
  g.initializers["B3"] = random_tensor({4}, 5);
  g.initializers["G1"] = random_tensor({10, 144}, 6);
  g.initializers["C1"] = random_tensor({10}, 7);
  g.initializers["G2"] = random_tensor({5, 10}, 8);
  std::map<std::string, Attribute> pad1 = {{"pads", ints_attr({1, 1, 1, 1})}};
  auto with = [](Node n, std::map<std::string, Attribute> a) {
    n.attributes = std::move(a);
    return n;
  };
  g.nodes.push_back(with(node("Conv", {"x", "W1", "B1"}, {"c1"}), pad1));
  g.nodes.push_back(node("Relu", {"c1"}, {"r1"}));                       // folded (Conv with bias)
  g.nodes.push_back(with(node("Conv", {"r1", "W2"}, {"c2"}), pad1));
  g.nodes.push_back(node("Relu", {"c2"}, {"r2"}));                       // folded (Conv without bias)
  g.nodes.push_back(node("Add", {"r2", "r1"}, {"a"}));
  g.nodes.push_back(node("Relu", {"a"}, {"ra"}));                        // folded (Add)
  g.nodes.push_back(node("Conv", {"ra", "W3", "B3"}, {"c3"}));
  g.nodes.push_back(node("Relu", {"c3"}, {"r3"}));                       // kept: c3 is read twice
  g.nodes.push_back(node("Sub", {"c3", "r3"}, {"t"}));
  g.nodes.push_back(with(node("Flatten", {"t"}, {"f"}), {{"axis", int_attr(1)}}));
  g.nodes.push_back(with(node("Gemm", {"f", "G1", "C1"}, {"g1"}), {{"transB", int_attr(1)}}));
  g.nodes.push_back(node("Relu", {"g1"}, {"r4"}));                       // folded (Gemm)
  g.nodes.push_back(with(node("Gemm", {"r4", "G2"}, {"g2"}), {{"transB", int_attr(1)}}));
  g.nodes.push_back(node("Relu", {"g2"}, {"y"}));                        // kept: g2 is a graph output
  check_graph(g, "test");

  Tensor x = random_tensor({2, 3, 6, 6}, 9);
  x.f()[0] = -0.0f, x.f()[1] = 0.0f;
  std::map<std::string, Tensor> v = g.initializers;
  v["x"] = x;
  for (const Node& n : g.nodes) {
    std::vector<const Tensor*> in;
    for (const auto& i : n.inputs) in.push_back(&v.at(i));
    auto out = evaluate_node(n, g.opset, in);
    v[n.outputs[0]] = std::move(out[0]);
  }
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    const auto got = Executor(g).run({{"x", x}});
    for (const char* name : {"y", "g2"}) {
      INFO(name << " at " << threads << " threads");
      REQUIRE(got.at(name).shape == v.at(name).shape);
      REQUIRE(got.at(name).f32 == v.at(name).f32);
    }
  }
  omp_set_num_threads(saved);
}
