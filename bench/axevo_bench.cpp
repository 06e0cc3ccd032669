// axevo_bench: approximate-multiplication speed, side by side in one process (bench/README.md).
//
// Per layer shape (every Conv and Gemm of the shipped LeNet-5 and ResNet-8 at batch 256, read
// from models/*.onnx, and three larger shapes) it times, at 1 and 2 OpenMP threads:
//   axevo  the approximate kernel the emulator runs (kernels::approx_conv2d / approx_gemm,
//          the best path this CPU has), on random signed activations;
//   relu   the same on random non-negative activations (0..127), what every layer after a
//          ReLU sees (its kernel then looks up half of each table row);
//          which of the two a layer gets in its network (column "in": relu when its input is a
//          ReLU's output, possibly through pooling or reshaping; the large shapes count as
//          signed) gives the "net" ratios, the ones the targets are judged on; the signed and
//          non-negative ratios of every shape are printed as well;
//   adapt  the design of AdaPT's CPU kernel, rebuilt here (reference_kernels.hpp);
//   eigen  exact float through Eigen (im2col + GEMM);
//   int8   exact int8 through oneDNN (u8 x s8 -> s32), the physical ceiling.
// Then whole networks: test-set images per second of LeNet-5 and ResNet-8 in float and with
// every layer on an approximate multiplier, 1 and 2 threads.  At the end it prints GMAC/s and
// the ratios axevo/adapt, axevo/eigen, axevo/int8 and approximate/float, with the targets, and
// each CPU's clock as measured before and after the run (cpu_clocks below).
//
//   build/bench/axevo_bench                       # everything (about 4 minutes on 2 cores)
//   build/bench/axevo_bench --benchmark_filter=resnet8   # a subset; any Google Benchmark flag
//   build/bench/axevo_bench --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
//                                                 # the summary from medians of 3 runs in shuffled order
//
// Operands are uniform random bytes (activations non-negative for `relu`) and the table is the exact product with its lowest bit
// flipped (M(0, w) = 1), so no kernel can skip zero operands: a conservative setting for axevo.
#include <benchmark/benchmark.h>
#include <omp.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sched.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "axevo/dataset.hpp"
#include "axevo/emulator.hpp"
#include "axevo/error.hpp"
#include "axevo/executor.hpp"
#include "axevo/kernels/approx_conv.hpp"
#include "axevo/kernels/approx_gemm.hpp"
#include "axevo/library.hpp"
#include "axevo/model_loader.hpp"
#include "reference_kernels.hpp"

using namespace axevo;

namespace {

const int kThreadCounts[] = {1, 2};
const char* const kNoDnnl = "oneDNN not built in";
const char* const kImpls[] = {"axevo", "relu", "adapt", "eigen", "int8"};

PluginSearchPath plugins() { return PluginSearchPath::standard({AXEVO_PLUGIN_DIR}); }
std::filesystem::path source_dir() { return AXEVO_SOURCE_DIR; }

const kernels::PreparedTable& approx_table() {
  static const kernels::PreparedTable t = [] {
    Table table = exact_table();
    for (auto& v : table) v = static_cast<int16_t>(v ^ 1);
    return kernels::PreparedTable(table);
  }();
  return t;
}
const int16_t* adapt_lut() {  // lut[(uint8)a << 8 | (uint8)w], the same products
  static const std::vector<int16_t> t = [] {
    std::vector<int16_t> v(kTableSize);
    for (int a = -128; a < 128; ++a)
      for (int w = -128; w < 128; ++w) v[table_index(a, w)] = approx_table()(a, w);
    return v;
  }();
  return t.data();
}

// One layer shape and its operands (made on first use, kept for the other implementations).
struct Case {
  std::string id;     // benchmark name prefix, e.g. "resnet8/stage1.conv1"
  std::string label;  // for the table
  bool conv = true;
  kernels::Conv2dParams p;
  int M = 0, N = 0, K = 0;  // GEMM: Y[M][N] = X[M][K] W[N][K]^T
  double macs = 0;
  // Whether the layer's input is non-negative in its network (it comes from a ReLU), so that
  // the emulator runs it on the kernel `relu` times; else (a first layer, a large shape) `axevo`.
  bool after_relu = false;

  std::vector<int8_t> x, w, x_relu;  // x_relu: non-negative activations
  std::vector<int32_t> y, y_axevo;    // y_axevo: axevo's result, which the AdaPT-style one must equal
  std::vector<int32_t> y_relu;        // the AdaPT-style result on x_relu, which axevo's must equal
  std::vector<float> xf, wf, yf;
  std::unique_ptr<bench::Int8Primitive> int8;
  // GEMM: the weights packed for the kernel's rows once, as the emulator's Gemm layer does
  // (once per assignment, then reused for every batch) when they go there (right_on_rows).
  std::unique_ptr<kernels::PackedRows> packed_w;
  bool ready = false;

  void prepare() {
    if (ready) return;
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> byte(-128, 127);
    std::uniform_real_distribution<float> real(-1.0f, 1.0f);
    std::size_t nx, nw, ny;
    if (conv) {
      nx = static_cast<std::size_t>(p.batch) * p.in_channels * p.in_h * p.in_w;
      nw = static_cast<std::size_t>(p.out_channels) * (p.in_channels / p.groups) * p.kernel_h * p.kernel_w;
      ny = static_cast<std::size_t>(p.batch) * p.out_channels * p.out_h() * p.out_w();
    } else {
      nx = static_cast<std::size_t>(M) * K, nw = static_cast<std::size_t>(N) * K, ny = static_cast<std::size_t>(M) * N;
    }
    x.resize(nx), w.resize(nw), y.resize(ny), xf.resize(nx), wf.resize(nw), yf.resize(ny), x_relu.resize(nx);
    for (auto& v : x) v = static_cast<int8_t>(byte(rng));
    for (auto& v : x_relu) v = static_cast<int8_t>(byte(rng) & 127);
    for (auto& v : w) v = static_cast<int8_t>(byte(rng));
    for (auto& v : xf) v = real(rng);
    for (auto& v : wf) v = real(rng);
    int8 = conv ? bench::dnnl_conv2d(p) : bench::dnnl_gemm(M, N, K);
    if (!conv && kernels::right_on_rows(M, N))
      packed_w = std::make_unique<kernels::PackedRows>(approx_table(), N, K, w.data(), K, 1, false);
    run_axevo(x);
    y_axevo = y;
    run_adapt(x_relu);
    y_relu = y;
    ready = true;
  }
  void run_axevo(const std::vector<int8_t>& in) {
    if (conv) kernels::approx_conv2d(approx_table(), p, in.data(), w.data(), y.data());
    else {  // what the emulator's Gemm layer runs for a batch (core/src/emulator.cpp, run)
      kernels::StridedGemm g;
      g.M = M, g.N = N, g.K = K;
      g.L = in.data(), g.l_m = K, g.l_k = 1;
      g.R = w.data(), g.r_n = K, g.r_k = 1;
      g.Y = y.data(), g.y_m = N, g.y_n = 1;
      g.left_is_activation = true;
      g.packed_right = packed_w.get();
      kernels::approx_gemm_strided(approx_table(), g);
    }
  }
  void run_adapt(const std::vector<int8_t>& in) {
    if (conv) bench::adapt_conv2d(adapt_lut(), p, in.data(), w.data(), y.data());
    else bench::adapt_gemm(adapt_lut(), M, N, K, in.data(), w.data(), y.data());
  }
};

std::vector<std::unique_ptr<Case>>& cases() {
  static std::vector<std::unique_ptr<Case>> v;
  return v;
}

std::string short_name(const std::string& layer) {  // "/stage1/conv1/Conv" -> "stage1.conv1"
  std::string s = layer;
  for (const char* suffix : {"/Conv", "/Gemm", "/MatMul"})
    if (s.size() > std::strlen(suffix) && s.compare(s.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
      s.erase(s.size() - std::strlen(suffix));
  while (!s.empty() && s.front() == '/') s.erase(0, 1);
  std::replace(s.begin(), s.end(), '/', '.');
  return s;
}

int64_t attr_at(const Node& n, const char* name, std::size_t i, int64_t fallback) {
  auto it = n.attributes.find(name);
  return it != n.attributes.end() && it->second.ints.size() > i ? it->second.ints[i] : fallback;
}

std::string dims(const kernels::Conv2dParams& p) {
  std::ostringstream o;
  o << p.in_channels << "->" << p.out_channels << " " << p.kernel_h << "x" << p.kernel_w;
  if (p.stride_h > 1) o << "/" << p.stride_h;
  o << " on " << p.in_h << "x" << p.in_w << ", batch " << p.batch;
  return o.str();
}

// Whether node `index`'s first input is a ReLU's output, directly or through operators that
// keep values non-negative (pooling, reshaping).  Anything else (a graph input, an Add, a
// BatchNormalization, ...) counts as signed.  producer: the node writing each value.
bool input_after_relu(const Graph& graph, const std::map<std::string, std::size_t>& producer, std::size_t index) {
  static const std::set<std::string> kKeepSign{"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten",
                                               "Reshape", "Squeeze",     "Unsqueeze",         "Transpose",     "Identity"};
  for (std::string value = graph.nodes.at(index).inputs.at(0);;) {
    auto it = producer.find(value);
    if (it == producer.end()) return false;
    const Node& n = graph.nodes[it->second];
    if (n.op_type == "Relu") return true;
    if (!kKeepSign.count(n.op_type) || n.inputs.empty()) return false;
    value = n.inputs[0];
  }
}

// Every Conv (2-D, groups 1) and Gemm/MatMul of a model, at `batch`.
void add_model_cases(const std::string& model, const std::string& tag, int batch) {
  const Graph graph = load_model(source_dir() / "models" / model, plugins());
  Shape input = graph.inputs.at(0).shape;
  input[0] = batch;
  std::map<std::string, std::size_t> producer;
  for (std::size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& o : graph.nodes[i].outputs) producer[o] = i;
  for (const LayerInfo& l : approximable_layers(graph, input)) {
    auto c = std::make_unique<Case>();
    c->id = tag + "/" + short_name(l.name);
    c->after_relu = input_after_relu(graph, producer, l.node_index);
    if (l.op_type == "Conv" && l.input_shape.size() == 4) {
      const Node& n = graph.nodes.at(l.node_index);
      kernels::Conv2dParams& p = c->p;
      p.batch = batch, p.in_channels = static_cast<int>(l.input_shape[1]);
      p.in_h = static_cast<int>(l.input_shape[2]), p.in_w = static_cast<int>(l.input_shape[3]);
      p.out_channels = static_cast<int>(l.weight_shape[0]);
      p.kernel_h = static_cast<int>(l.weight_shape[2]), p.kernel_w = static_cast<int>(l.weight_shape[3]);
      p.stride_h = static_cast<int>(attr_at(n, "strides", 0, 1)), p.stride_w = static_cast<int>(attr_at(n, "strides", 1, 1));
      p.pad_h = static_cast<int>(attr_at(n, "pads", 0, 0)), p.pad_w = static_cast<int>(attr_at(n, "pads", 1, 0));
      p.dilation_h = static_cast<int>(attr_at(n, "dilations", 0, 1)), p.dilation_w = static_cast<int>(attr_at(n, "dilations", 1, 1));
      auto g = n.attributes.find("group");
      p.groups = g == n.attributes.end() ? 1 : static_cast<int>(g->second.i);
      if (p.groups != 1 || attr_at(n, "pads", 2, p.pad_h) != p.pad_h || attr_at(n, "pads", 3, p.pad_w) != p.pad_w) continue;
      if (p.out_h() != l.output_shape[2] || p.out_w() != l.output_shape[3])
        throw Error(model + ": layer " + l.name + ": the benchmark's Conv2d parameters do not reproduce its output shape");
      c->macs = static_cast<double>(l.macs);
      c->label = c->id + " (" + dims(p) + ")";
    } else if ((l.op_type == "Gemm" || l.op_type == "MatMul") && l.input_shape.size() == 2) {
      c->conv = false;
      c->M = batch, c->K = static_cast<int>(l.input_shape[1]), c->N = static_cast<int>(l.output_shape[1]);
      c->macs = static_cast<double>(c->M) * c->N * c->K;
      c->label = c->id + " (GEMM " + std::to_string(c->M) + "x" + std::to_string(c->N) + "x" + std::to_string(c->K) + ")";
    } else {
      continue;
    }
    cases().push_back(std::move(c));
  }
}

void add_large_cases() {
  auto conv = [](const std::string& id, int batch, int cin, int hw, int cout, int k, int pad) {
    auto c = std::make_unique<Case>();
    c->id = id;
    kernels::Conv2dParams& p = c->p;
    p.batch = batch, p.in_channels = cin, p.in_h = p.in_w = hw, p.out_channels = cout, p.kernel_h = p.kernel_w = k;
    p.pad_h = p.pad_w = pad;
    c->macs = static_cast<double>(batch) * p.out_h() * p.out_w() * cout * cin * k * k;
    c->label = id + " (" + dims(p) + ")";
    cases().push_back(std::move(c));
  };
  conv("large/conv3x3.64-64.56x56", 16, 64, 56, 64, 3, 1);
  conv("large/conv1x1.256-64.28x28", 16, 256, 28, 64, 1, 0);
  auto c = std::make_unique<Case>();
  c->id = "large/gemm.1024x1024x256";
  c->conv = false;
  c->M = 1024, c->N = 1024, c->K = 256;
  c->macs = 1024.0 * 1024 * 256;
  c->label = c->id;
  cases().push_back(std::move(c));
}

void run_kernel(benchmark::State& state, Case* c, const std::string& impl, int threads) {
  c->prepare();
  if (impl == "int8" && !c->int8) {
    state.SkipWithError(kNoDnnl);
    return;
  }
  omp_set_num_threads(threads);
  for (auto _ : state) {
    if (impl == "axevo") {
      c->run_axevo(c->x);
    } else if (impl == "relu") {
      c->run_axevo(c->x_relu);
    } else if (impl == "adapt") {
      c->run_adapt(c->x);
    } else if (impl == "eigen") {
      if (c->conv) bench::eigen_conv2d(c->p, c->xf.data(), c->wf.data(), c->yf.data());
      else bench::eigen_gemm(c->M, c->N, c->K, c->xf.data(), c->wf.data(), c->yf.data());
    } else {
      c->int8->run();
    }
    benchmark::ClobberMemory();
  }
  if (impl == "adapt" && c->y != c->y_axevo) state.SkipWithError("the AdaPT-style kernel's output differs from axevo's");
  if (impl == "relu" && c->y != c->y_relu)
    state.SkipWithError("axevo's output on non-negative activations differs from the AdaPT-style kernel's");
  state.counters["GMAC/s"] = benchmark::Counter(c->macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// ---- whole networks -----------------------------------------------------------------------

struct Network {
  std::string tag, label;
  Graph graph;
  std::vector<Tensor> batches;  // the test images, normalized, 500 per batch
  std::size_t images = 0;
  std::unique_ptr<Emulator> emulator;  // every layer on the approximate multiplier
};

const MultiplierSet& builtin() {
  static const MultiplierSet set = MultiplierSet::load({"builtin"}, plugins(), nullptr);
  return set;
}
constexpr const char* kNetworkMultiplier = "bw_trunc_k3";

Network& network(const std::string& tag) {
  static std::map<std::string, Network> nets;
  auto it = nets.find(tag);
  if (it != nets.end()) return it->second;
  Network& n = nets[tag];
  n.tag = tag;
  n.graph = load_model(source_dir() / "models" / (tag + ".onnx"), plugins());
  static const Dataset ds = load_dataset("fashion-mnist", plugins());
  const Normalization norm{{0.2860f}, {0.3530f}};
  auto batch_of = [&](const DatasetSplit& split, std::size_t start, std::size_t count) {
    std::vector<std::size_t> idx(count);
    for (std::size_t i = 0; i < count; ++i) idx[i] = start + i;
    Tensor t(DType::Float32, {static_cast<int64_t>(count), 1, 28, 28});
    fill_batch(split, idx, norm, t.f());
    return t;
  };
  const DatasetSplit& test = ds.split("test");
  for (std::size_t s = 0; s < test.count; s += 500) n.batches.push_back(batch_of(test, s, std::min<std::size_t>(500, test.count - s)));
  n.images = test.count;
  QuantOptions opt;  // the project's defaults: per-tensor weights, percentile 99.99 activations
  n.emulator = std::make_unique<Emulator>(n.graph, calibrate(n.graph, {batch_of(ds.split("train"), 0, 2000)}, opt), opt);
  n.emulator->assign_all(&builtin().get(kNetworkMultiplier));
  return n;
}

void run_network(benchmark::State& state, const std::string& tag, bool approx, int threads) {
  Network& n = network(tag);
  const Executor exec(n.graph);
  omp_set_num_threads(threads);
  for (auto _ : state)
    for (const Tensor& b : n.batches) benchmark::DoNotOptimize(approx ? n.emulator->run(b) : exec.run(b));
  state.counters["images/s"] = benchmark::Counter(static_cast<double>(n.images), benchmark::Counter::kIsIterationInvariantRate);
}

// ---- report -------------------------------------------------------------------------------

class Collect : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, std::vector<double>> runs_s;  // benchmark name -> seconds per iteration, each repetition
  std::vector<std::string> failures;                  // errors other than a missing optional reference
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.error_occurred && r.error_message != kNoDnnl) failures.push_back(r.run_name.function_name + ": " + r.error_message);
      if (!r.error_occurred && r.run_type == Run::RT_Iteration && r.iterations > 0)
        runs_s[r.run_name.function_name].push_back(r.real_accumulated_time / static_cast<double>(r.iterations));
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // The median over the repetitions (--benchmark_repetitions), NAN when the benchmark did not run.
  double seconds(const std::string& name) const {
    auto it = runs_s.find(name);
    if (it == runs_s.end() || it->second.empty()) return NAN;
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
};

std::string name_of(const std::string& id, const std::string& impl, int threads) {
  return id + "/" + impl + "/threads:" + std::to_string(threads);
}

std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "-";
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << v;
  return o.str();
}

void print_summary(const Collect& c) {
  auto time = [&](const std::string& name) { return c.seconds(name); };
  std::cout << "\nkernels: GMAC/s (multiply-accumulates per second) and ratios; axevo: random signed activations,"
               " relu: non-negative ones;\nin: what the layer's input is in its network (relu: it comes from a ReLU;"
               " the large shapes count as signed),\nnet/...: axevo on that kind of activations (the kernel the"
               " emulator runs on the layer);\ntargets at 2 threads: axevo/adapt >= 10, axevo/eigen >= 0.3\n";
  std::cout << std::left << std::setw(70) << "shape" << std::setw(7) << "in" << std::right << std::setw(4) << "thr"
            << std::setw(9) << "axevo" << std::setw(9) << "relu" << std::setw(9) << "adapt" << std::setw(9) << "eigen"
            << std::setw(9) << "int8" << std::setw(11) << "net/adapt" << std::setw(11) << "/adapt" << std::setw(11)
            << "relu/adapt" << std::setw(11) << "net/eigen" << std::setw(11) << "/int8" << "\n";
  struct Worst {
    double v = INFINITY;
    std::string at;
    void see(double r, const std::string& id) {
      if (std::isfinite(r) && r < v) v = r, at = id;
    }
  } net_adapt, net_eigen, adapt_w, adapt_relu_w, eigen_w, eigen_relu_w;
  for (const auto& cs : cases())
    for (int t : kThreadCounts) {
      double g[5];  // axevo, relu, adapt, eigen, int8
      for (int i = 0; i < 5; ++i) g[i] = cs->macs * 1e-9 / time(name_of(cs->id, kImpls[i], t));
      if (!std::isfinite(g[0])) continue;
      const double net = cs->after_relu ? g[1] : g[0];
      std::cout << std::left << std::setw(70) << cs->label << std::setw(7) << (cs->after_relu ? "relu" : "signed")
                << std::right << std::setw(4) << t;
      for (double v : g) std::cout << std::setw(9) << fixed(v, 2);
      for (double r : {net / g[2], g[0] / g[2], g[1] / g[2], net / g[3], g[0] / g[4]})
        std::cout << std::setw(10) << fixed(r, 2) << "x";
      std::cout << "\n";
      if (t != 2) continue;
      net_adapt.see(net / g[2], cs->id), net_eigen.see(net / g[3], cs->id);
      adapt_w.see(g[0] / g[2], cs->id), adapt_relu_w.see(g[1] / g[2], cs->id);
      eigen_w.see(g[0] / g[3], cs->id), eigen_relu_w.see(g[1] / g[3], cs->id);
    }
  auto verdict = [](const char* what, const Worst& w, double target) {
    if (std::isfinite(w.v))
      std::cout << "  lowest " << what << " at 2 threads: " << fixed(w.v, 2) << "x (" << w.at << "), target " << target
                << "x: " << (w.v >= target ? "met" : "NOT met") << "\n";
  };
  std::cout << "each shape on the activations its layer gets in its network (column in):\n";
  verdict("axevo/adapt", net_adapt, 10);
  verdict("axevo/eigen", net_eigen, 0.3);
  std::cout << "stress, every shape on signed activations (column axevo):\n";
  verdict("axevo/adapt", adapt_w, 10);
  verdict("axevo/eigen", eigen_w, 0.3);
  std::cout << "every shape on non-negative activations (column relu):\n";
  verdict("axevo/adapt", adapt_relu_w, 10);
  verdict("axevo/eigen", eigen_relu_w, 0.3);

  bool header = false;
  for (const char* tag : {"lenet5", "resnet8"})
    for (int t : kThreadCounts) {
      const double f = time(std::string("network/") + tag + "/float/threads:" + std::to_string(t));
      const double a = time(std::string("network/") + tag + "/approx/threads:" + std::to_string(t));
      if (!std::isfinite(a)) continue;
      if (!header) {
        std::cout << "\nwhole networks: Fashion-MNIST test images per second, float vs every layer on " << kNetworkMultiplier
                  << " (8-bit emulation)\n"
                  << std::left << std::setw(12) << "model" << std::right << std::setw(4) << "thr" << std::setw(12) << "float"
                  << std::setw(12) << "approx" << std::setw(16) << "approx/float" << "\n";
        header = true;
      }
      const double images = static_cast<double>(network(tag).images);
      std::cout << std::left << std::setw(12) << tag << std::right << std::setw(4) << t << std::setw(12) << fixed(images / f, 0)
                << std::setw(12) << fixed(images / a, 0) << std::setw(15) << fixed(f / a, 2) << "x\n";
    }
}

// The clock each CPU of this process runs at, measured: a thread pinned to it runs a chain of
// dependent additions (one per cycle on x86) for 20 ms, so it also drops when other programs
// share the CPU.  On a virtual machine the host may run one virtual CPU slower than the other
// (this project's 2-core VM: 2.0 against 3.4 GHz for minutes at a time), which moves every
// 2-thread ratio, so the summary prints it before and after the benchmarks.
std::string cpu_clocks() {
#if defined(__linux__) && defined(__x86_64__)
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return "";
  std::ostringstream o;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    double ghz = NAN;
    std::thread probe([&] {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      if (sched_setaffinity(0, sizeof one, &one) != 0) return;
      const auto start = std::chrono::steady_clock::now();
      long cycles = 0, x = 0;
      while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(20)) {
        for (int i = 0; i < 100000; ++i) __asm__ volatile("add $1, %0" : "+r"(x));
        cycles += 100000;
      }
      ghz = cycles / std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    });
    probe.join();
    if (std::isfinite(ghz)) o << (o.tellp() > 0 ? ", " : "") << "cpu" << cpu << " " << fixed(ghz, 2) << " GHz";
  }
  return o.str();
#else
  return "";
#endif
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 << 20);  // as the axevo program does (apps/axevo/main.cpp)
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_ARENA_MAX, 1);
#endif
  try {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    std::cout << "axevo kernel path: " << kernels::kernel_path_name(kernels::best_kernel_path()) << "; int8 reference: "
              << bench::dnnl_version() << "\n";
    const std::string clocks_before = cpu_clocks();
    add_model_cases("lenet5.onnx", "lenet5", 256);
    add_model_cases("resnet8.onnx", "resnet8", 256);
    add_large_cases();
    for (const auto& c : cases())
      for (int t : kThreadCounts)
        for (const char* impl : kImpls)
          benchmark::RegisterBenchmark(name_of(c->id, impl, t).c_str(), run_kernel, c.get(), std::string(impl), t)
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime()
              ->MinTime(0.2);
    for (const char* tag : {"lenet5", "resnet8"})
      for (int t : kThreadCounts)
        for (bool approx : {false, true})
          benchmark::RegisterBenchmark(
              (std::string("network/") + tag + (approx ? "/approx" : "/float") + "/threads:" + std::to_string(t)).c_str(),
              run_network, std::string(tag), approx, t)
              ->Unit(benchmark::kSecond)
              ->UseRealTime()
              ->Iterations(1);
    Collect reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    print_summary(reporter);
    if (!clocks_before.empty())
      std::cout << "\nCPU clocks (busy loop per CPU, 20 ms), before: " << clocks_before << "; after: " << cpu_clocks() << "\n";
    benchmark::Shutdown();
    if (!reporter.failures.empty()) {
      for (const auto& f : reporter.failures) std::cerr << "axevo_bench: " << f << "\n";
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "axevo_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
