// axevo search CONFIG: a multi-objective search of per-layer multiplier assignments, with its
// outputs (pareto.csv, evaluations.csv, campaign.yaml, front.svg); and axevo sensitivity.
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "axevo/cost_model.hpp"
#include "axevo/error.hpp"
#include "axevo/executor.hpp"
#include "axevo/io.hpp"
#include "axevo/search/campaign.hpp"
#include "axevo/search/plot.hpp"
#include "cli.hpp"
#include "config.hpp"
#include "workload.hpp"

namespace axevo::cli {

namespace fs = std::filesystem;
using namespace axevo::search;

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

std::string fmt_pct(double v) { return format_human(100 * v, 3) + "%"; }

std::string duration_text(double s) {
  if (!std::isfinite(s)) return "?";
  const long t = std::lround(s);
  std::ostringstream o;
  if (t >= 3600) o << t / 3600 << "h" << (t % 3600) / 60 << "m";
  else if (t >= 60) o << t / 60 << "m" << t % 60 << "s";
  else o << t << "s";
  return o.str();
}

// Everything a campaign needs once the config is loaded.
struct Setup {
  const Workload& w;
  std::vector<LayerOptions> layer_options;
  std::vector<std::string> allowed_names;  // the default option list, as names
  CostTable hw;
};

std::string where(const Config& c, const std::string& key) {
  auto it = c.search.line.find(key);
  return c.file.string() + ":" + std::to_string(it == c.search.line.end() ? 0 : it->second);
}

// Power and area: published when known, else axevo's netlist cost model.
void fill_hardware(const Workload& w, const std::vector<const Multiplier*>& used, CostTable& hw) {
  auto from = [](const Multiplier& m) -> std::optional<Hardware> {
    Hardware h;
    bool have_p = known(m.power_mw), have_a = known(m.area_um2);
    h.power_mw = m.power_mw;
    h.area_um2 = m.area_um2;
    h.source = "published";
    if ((!have_p || !have_a) && m.netlist) {
      const CostEstimate e = estimate_cost(*m.netlist);
      if (!have_p) h.power_mw = e.power_mw, h.source = have_a ? "published area, model power" : "model";
      if (!have_a) h.area_um2 = e.area_um2, h.source = have_p ? "published power, model area" : "model";
      have_p = have_a = true;
    }
    if (!have_p || !have_a) return std::nullopt;
    return h;
  };
  for (const Multiplier* m : used)
    if (m && m != &w.exact())
      if (auto h = from(*m)) hw.set(m, *h);
  // `exact` costs what the library's exact multiplier costs (the same table, known figures):
  // builtin's bw_exact (cost model, calibrated to 0.425 mW) or EvoApprox's mul8s_1KV8.
  const Multiplier* ref = nullptr;
  for (const Multiplier& m : w.multipliers().all())
    if (m.sha256 == w.exact().sha256 && from(m)) {
      ref = &m;
      if (known(m.power_mw)) break;  // prefer published figures
    }
  if (ref) {
    Hardware h = *from(*ref);
    h.source += " (" + ref->name + ")";
    hw.set(&w.exact(), h);
  }
  hw.exact = &w.exact();
}

Setup make_setup(const Workload& w) {
  const Config& c = w.config();
  Setup s{w, {}, {}, {}};
  // MACs per sample of each layer, for one sample of the model's input shape.
  Shape one = w.graph().inputs[0].shape;
  one[0] = 1;
  for (auto& d : one)
    if (d < 0) d = 1;
  const auto infos = approximable_layers(w.graph(), one);
  // Default options.
  std::vector<const Multiplier*> defaults;
  if (c.search.multipliers.empty()) {
    defaults.push_back(&w.exact());
    for (const Multiplier& m : w.multipliers().all()) defaults.push_back(&m);
  } else {
    for (const auto& name : c.search.multipliers) {
      try {
        defaults.push_back(w.resolve(name));
      } catch (const Error& e) {
        throw Error(where(c, "multipliers") + ": search.multipliers: " + e.what());
      }
    }
  }
  for (const auto& [layer, allowed] : c.search.layers)
    if (std::find(w.layers().begin(), w.layers().end(), layer) == w.layers().end()) {
      std::string names;
      for (const auto& l : w.layers()) names += (names.empty() ? "" : ", ") + l;
      throw Error(where(c, "layers." + layer) + ": search.layers: unknown layer '" + layer + "' (the model's approximable layers: " + names + ")");
    }
  std::set<const Multiplier*> used(defaults.begin(), defaults.end());
  for (const auto& name : w.layers()) {
    LayerOptions lo;
    lo.name = name;
    for (const auto& i : infos)
      if (i.name == name) lo.macs = i.macs_per_sample;
    auto it = c.search.layers.find(name);
    if (it == c.search.layers.end()) {
      lo.options = defaults;
    } else {
      for (const auto& m : it->second) {
        try {
          lo.options.push_back(w.resolve(m));
        } catch (const Error& e) {
          throw Error(where(c, "layers." + name) + ": search.layers." + name + ": " + e.what());
        }
        used.insert(lo.options.back());
      }
    }
    s.layer_options.push_back(std::move(lo));
  }
  fill_hardware(w, std::vector<const Multiplier*>(used.begin(), used.end()), s.hw);
  // Every option must have figures when a cost objective or the greedy walk needs them.
  bool need = false;
  for (const auto& o : c.search.objectives) need |= o == "energy" || o == "area";
  need |= c.search.algorithm.name == "greedy";
  if (need) {
    if (!s.hw.find(&w.exact()))
      throw Error("energy is relative to the exact multiplier, but no loaded library has an exact multiplier with known power and area "
                  "(add the builtin library: it has bw_exact)");
    for (const Multiplier* m : used)
      if (m && !s.hw.find(m))
        throw Error(where(c, "multipliers") + ": multiplier '" + m->name + "' (" + m->library +
                    ") has no published power/area and no netlist to estimate them; leave it out with search.multipliers");
  }
  // A distinct-multiplier limit the pinned layers already break can never be met.
  if (c.search.max_distinct_multipliers) {
    std::set<const Multiplier*> pinned;
    for (const auto& lo : s.layer_options)
      if (lo.options.size() == 1 && lo.options[0]) pinned.insert(lo.options[0]);
    if (static_cast<int>(pinned.size()) > *c.search.max_distinct_multipliers)
      throw Error(where(c, "max_distinct_multipliers") + ": search.constraints.max_distinct_multipliers: no assignment can meet " +
                  std::to_string(*c.search.max_distinct_multipliers) + ": the pinned layers alone use " + std::to_string(pinned.size()));
  }
  return s;
}

// ---- checkpoint (evaluations done so far; a resumed run replays them) ------------------------

std::string genome_text(const Genome& g) {
  std::string t;
  for (std::size_t i = 0; i < g.size(); ++i) t += (i ? " " : "") + std::to_string(g[i]);
  return t;
}

std::string checkpoint_text(const Evaluator& ev, const std::string& campaign_hash) {
  std::string t = "# axevo search checkpoint\ncampaign_sha256," + campaign_hash + "\n";
  t += "genome,images,top1,top5,squared_error,outputs,range,generation,seconds\n";
  for (const Evaluation& e : ev.all())
    t += genome_text(e.genome) + "," + std::to_string(e.quality.images) + "," + std::to_string(e.quality.top1) + "," +
         std::to_string(e.quality.top5) + "," + format_number(e.quality.squared_error) + "," + std::to_string(e.quality.outputs) +
         "," + format_number(e.quality.range) + "," + std::to_string(e.generation) + "," + format_number(e.seconds) + "\n";
  return t;
}

std::size_t load_checkpoint(const fs::path& file, const std::string& campaign_hash, Evaluator& ev) {
  const std::string text = read_file(file);
  std::istringstream in(text);
  std::string line;
  std::size_t n = 0, lineno = 0;
  bool hash_ok = false;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#' || line.rfind("genome,", 0) == 0) continue;
    const auto f = split(line, ',');
    if (f.size() == 2 && f[0] == "campaign_sha256") {
      if (f[1] != campaign_hash)
        throw Error(file.string(), lineno, "this checkpoint belongs to a different campaign (its config or libraries changed); start afresh without --resume");
      hash_ok = true;
      continue;
    }
    if (f.size() != 9) throw Error(file.string(), lineno, "expected 9 fields, found " + std::to_string(f.size()));
    try {
      Evaluation e;
      for (const auto& gstr : split(f[0], ' ')) e.genome.push_back(std::stoi(gstr));
      e.quality.images = std::stoull(f[1]);
      e.quality.top1 = std::stoull(f[2]);
      e.quality.top5 = std::stoull(f[3]);
      e.quality.squared_error = std::stod(f[4]);
      e.quality.outputs = std::stoull(f[5]);
      e.quality.range = std::stod(f[6]);
      e.generation = std::stoi(f[7]);
      e.seconds = std::stod(f[8]);
      if (e.genome.size() != ev.space().genes()) throw std::invalid_argument("genome size");
      for (std::size_t k = 0; k < e.genome.size(); ++k)
        if (e.genome[k] < 0 || e.genome[k] >= ev.space().options(k)) throw std::invalid_argument("gene");
      e.costs = assignment_costs(ev.space(), ev.space().decode(e.genome), ev.hardware());
      ev.preload(std::move(e));
      ++n;
    } catch (const std::exception&) {
      throw Error(file.string(), lineno, "malformed checkpoint line");
    }
  }
  if (!hash_ok) throw Error(file.string(), 0, "not an axevo checkpoint (no campaign_sha256 line)");
  return n;
}

// ---- campaign.yaml ---------------------------------------------------------------------------

// Shortest text that reads back as the same float (0.286, not 0.28600001335144043).
std::string shortest(float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string campaign_yaml(const Workload& w, const Setup& s, const fs::path& out_dir) {
  const Config& c = w.config();
  // Paths relative to the output folder (where campaign.yaml lies), so a results folder inside
  // the repository stays valid in any checkout; SPECs "kind:PATH" likewise (not npy lists).
  const fs::path base = fs::absolute(out_dir).lexically_normal();
  auto rel = [&](const fs::path& p) { return fs::absolute(p).lexically_normal().lexically_relative(base).string(); };
  auto rel_spec = [&](const std::string& spec) {
    const std::size_t colon = spec.find(':');
    if (colon == std::string::npos || spec.rfind("npy:", 0) == 0) return spec;
    const std::string kind = spec.substr(0, colon);
    if (kind != "idx" && kind != "cifar10" && kind != "lut" && kind != "verilog" && kind != "cmodel") return spec;
    return kind + ":" + rel(spec.substr(colon + 1));
  };
  const SearchConfig& sc = c.search;
  YAML::Emitter y;
  y << YAML::Comment("Fully resolved campaign written by axevo " AXEVO_VERSION "; `axevo search` on this file reproduces the run.");
  y << YAML::BeginMap;
  y << YAML::Key << "model" << YAML::Value << rel(c.model);
  y << YAML::Key << "dataset" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "spec" << YAML::Value << rel_spec(c.dataset);
  if (!c.normalize.empty()) {
    y << YAML::Key << "normalize" << YAML::Value << YAML::Flow << YAML::BeginMap;
    y << YAML::Key << "mean" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (float v : c.normalize.mean) y << shortest(v);
    y << YAML::EndSeq << YAML::Key << "std" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (float v : c.normalize.std) y << shortest(v);
    y << YAML::EndSeq << YAML::EndMap;
  }
  y << YAML::Key << "validation" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "size" << YAML::Value
    << c.validation_size << YAML::Key << "seed" << YAML::Value << c.validation_seed << YAML::EndMap;
  y << YAML::EndMap;
  y << YAML::Key << "quantization" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "weights" << YAML::Value << (c.quant.weights == quant::WeightGranularity::PerTensor ? "per-tensor" : "per-channel");
  y << YAML::Key << "activations" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "method" << YAML::Value
    << quant::calibration_method_name(c.quant.calibration) << YAML::Key << "percentile" << YAML::Value
    << format_number(c.quant.observer.percentile) << YAML::Key << "images" << YAML::Value << c.calibration_images << YAML::EndMap;
  y << YAML::Key << "operand_order" << YAML::Value
    << (c.quant.order == kernels::OperandOrder::ActivationFirst ? "activation-first" : "weight-first");
  y << YAML::Key << "qmax" << YAML::Value << c.quant.qmax << YAML::EndMap;
  y << YAML::Key << "libraries" << YAML::Value << YAML::BeginSeq;
  for (const auto& l : c.libraries) y << rel_spec(l);
  y << YAML::EndSeq;
  if (!c.plugin_paths.empty()) {
    y << YAML::Key << "plugin_paths" << YAML::Value << YAML::BeginSeq;
    for (const auto& p : c.plugin_paths) y << rel(p);
    y << YAML::EndSeq;
  }
  y << YAML::Key << "metric" << YAML::Value << c.metric << YAML::Key << "batch_size" << YAML::Value << c.batch_size;
  y << YAML::Key << "search" << YAML::Value << YAML::BeginMap;
  const auto& a = sc.algorithm;
  y << YAML::Key << "algorithm" << YAML::Value << a.name;
  y << YAML::Key << "objectives" << YAML::Value << YAML::Flow << sc.objectives;
  y << YAML::Key << "baseline" << YAML::Value << sc.baseline;
  y << YAML::Key << "population" << YAML::Value << a.population << YAML::Key << "generations" << YAML::Value << a.generations;
  y << YAML::Key << "seed" << YAML::Value << a.seed << YAML::Key << "budget" << YAML::Value << a.budget;
  y << YAML::Key << "initial" << YAML::Value << a.initial;
  if (sc.max_accuracy_drop || sc.max_distinct_multipliers) {
    y << YAML::Key << "constraints" << YAML::Value << YAML::BeginMap;
    if (sc.max_accuracy_drop) y << YAML::Key << "max_accuracy_drop" << YAML::Value << format_number(*sc.max_accuracy_drop);
    if (sc.max_distinct_multipliers) y << YAML::Key << "max_distinct_multipliers" << YAML::Value << *sc.max_distinct_multipliers;
    y << YAML::EndMap;
  }
  y << YAML::Key << "layers" << YAML::Value << YAML::BeginMap;
  for (const auto& lo : s.layer_options) {
    y << YAML::Key << lo.name << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const Multiplier* m : lo.options) y << (m ? m->name : "float");
    y << YAML::EndSeq;
  }
  y << YAML::EndMap;
  y << YAML::Key << "test_images" << YAML::Value << sc.test_images;
  y << YAML::Key << "cache_mb" << YAML::Value << sc.cache_mb;
  if (!sc.hypervolume_reference.empty()) {
    y << YAML::Key << "hypervolume_reference" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (double v : sc.hypervolume_reference) y << format_number(v);
    y << YAML::EndSeq;
  }
  y << YAML::Key << "nsga2" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "crossover" << YAML::Value
    << format_number(a.crossover) << YAML::Key << "eta_c" << YAML::Value << format_number(a.eta_c) << YAML::Key << "mutation"
    << YAML::Value << format_number(a.mutation >= 0 ? a.mutation : 1.0 / static_cast<double>(SearchSpace(s.layer_options).genes()))
    << YAML::Key << "eta_m" << YAML::Value << format_number(a.eta_m) << YAML::EndMap;
  y << YAML::Key << "moead" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "neighbours" << YAML::Value << a.neighbours
    << YAML::EndMap;
  y << YAML::Key << "maco" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "kernel" << YAML::Value << a.kernel
    << YAML::EndMap;
  y << YAML::EndMap;
  y << YAML::Key << "provenance" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "axevo_version" << YAML::Value << AXEVO_VERSION;
  y << YAML::Key << "model_sha256" << YAML::Value << sha256_hex(read_file(c.model));
  y << YAML::Key << "multiplier_sha256" << YAML::Value << YAML::BeginMap;
  std::set<std::string> seen;
  for (const auto& lo : s.layer_options)
    for (const Multiplier* m : lo.options)
      if (m && m != &w.exact() && seen.insert(m->name).second) y << YAML::Key << m->name << YAML::Value << m->sha256;
  y << YAML::EndMap << YAML::EndMap;
  y << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

// ---- reports ---------------------------------------------------------------------------------

std::string layer_cell(const Multiplier* m) { return m ? m->name : "float"; }

// --out defaults to results/<config name>, --threads to every core.
void campaign_defaults(const std::string& config_file, std::string& out_dir, unsigned& threads) {
  if (out_dir.empty()) out_dir = (fs::path("results") / fs::path(config_file).stem()).string();
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
}

struct Report {
  const SearchSpace& space;
  const ObjectiveSet& obj;
};

std::string evaluations_csv(const Report& r, const Evaluator& ev) {
  TextTable t;
  t.header = {"id", "generation", "seconds", "feasible", "violation"};
  for (Objective o : r.obj.objectives) t.header.push_back(objective_name(o));
  for (const char* h : {"accuracy", "top5", "accuracy_drop", "mse", "psnr_db", "energy", "area_um2", "distinct_multipliers"}) t.header.push_back(h);
  for (const auto& lo : r.space.layers()) t.header.push_back(lo.name);
  for (const Evaluation& e : ev.all()) {
    std::vector<std::string> row{std::to_string(e.id), e.generation < 0 ? "reference" : std::to_string(e.generation),
                                 format_number(e.seconds), e.feasible() ? "1" : "0", format_number(e.violation)};
    for (double v : e.raw) row.push_back(format_number(v));
    row.insert(row.end(), {format_number(e.quality.accuracy()), format_number(e.quality.top5_accuracy()), format_number(e.accuracy_drop),
                           format_number(e.quality.mse()), format_number(e.quality.psnr()), format_number(e.costs.energy),
                           format_number(e.costs.area_um2), std::to_string(e.costs.distinct)});
    for (const Multiplier* m : r.space.decode(e.genome)) row.push_back(layer_cell(m));
    t.rows.push_back(row);
  }
  return t.csv();
}

std::string pareto_csv(const Report& r, const std::vector<const Evaluation*>& front, const std::vector<const Evaluation*>& test,
                       const std::vector<bool>& test_nondominated) {
  TextTable t;
  t.header = {"point"};
  for (Objective o : r.obj.objectives) t.header.push_back(objective_name(o) + "_val");
  for (Objective o : r.obj.objectives) t.header.push_back(objective_name(o) + "_test");
  for (const char* h : {"accuracy_val", "accuracy_test", "top5_test", "mse_test", "psnr_db_test", "energy", "energy_saving", "area_um2",
                        "distinct_multipliers", "nondominated_on_test"})
    t.header.push_back(h);
  for (const auto& lo : r.space.layers()) t.header.push_back(lo.name);
  for (std::size_t i = 0; i < front.size(); ++i) {
    const Evaluation& v = *front[i];
    const Evaluation& te = *test[i];
    std::vector<std::string> row{std::to_string(i + 1)};
    for (double x : v.raw) row.push_back(format_number(x));
    for (double x : te.raw) row.push_back(format_number(x));
    row.insert(row.end(), {format_number(v.quality.accuracy()), format_number(te.quality.accuracy()),
                           format_number(te.quality.top5_accuracy()), format_number(te.quality.mse()), format_number(te.quality.psnr()),
                           format_number(v.costs.energy), format_number(1 - v.costs.energy), format_number(v.costs.area_um2),
                           std::to_string(v.costs.distinct), test_nondominated[i] ? "1" : "0"});
    for (const Multiplier* m : r.space.decode(v.genome)) row.push_back(layer_cell(m));
    t.rows.push_back(row);
  }
  return t.csv();
}

std::vector<PlotAxis> plot_axes(const ObjectiveSet& obj) {
  std::vector<PlotAxis> axes;
  for (Objective o : obj.objectives) axes.push_back({objective_label(o), o == Objective::AccuracyDrop});
  return axes;
}

// Best energy saving among feasible points whose accuracy drop is at most `limit`.
const Evaluation* best_at(const std::vector<const Evaluation*>& points, double limit) {
  const Evaluation* best = nullptr;
  for (const Evaluation* e : points)
    if (e->feasible() && e->accuracy_drop <= limit + 1e-12 && (!best || e->costs.energy < best->costs.energy)) best = e;
  return best;
}

class Bar {
 public:
  explicit Bar(bool on) : on_(on) {}
  void show(const std::string& text) {
    if (!on_) return;
    std::cerr << "\r" << text << std::string(last_ > text.size() ? last_ - text.size() : 0, ' ') << std::flush;
    last_ = text.size();
  }
  void clear() {
    if (on_ && last_) std::cerr << "\r" << std::string(last_, ' ') << "\r" << std::flush;
    last_ = 0;
  }

 private:
  bool on_;
  std::size_t last_ = 0;
};

}  // namespace

int cmd_search(int argc, char** argv) {
  std::string config_file, out_dir;
  unsigned threads = 0;
  bool resume = false, quiet = false;
  std::string algorithm_flag;
  std::size_t budget_flag = 0, cache_flag = 0;
  uint64_t seed_flag = 0;
  LibraryOptions libs;
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("out,o", po::value<std::string>(&out_dir), "output folder (default: results/<config name>)")(
      "threads,j", po::value<unsigned>(&threads), "evaluation threads (default: all cores); results do not depend on it")(
      "resume", po::bool_switch(&resume), "continue an interrupted campaign from OUT/checkpoint.csv")(
      "quiet,q", po::bool_switch(&quiet), "no progress output")(
      "algorithm", po::value<std::string>(&algorithm_flag), "override search.algorithm (nsga2, moead, nspso, maco, uniform, random, greedy, exhaustive)")(
      "budget", po::value<std::size_t>(&budget_flag), "override search.budget (distinct evaluations of random / greedy)")(
      "seed", po::value<uint64_t>(&seed_flag), "override search.seed")(
      "cache-mb", po::value<std::size_t>(&cache_flag), "activation cache size in MB (search.cache_mb, default 2048; 0 = off)");
  libs.add_to(opts);
  po::variables_map vm;
  if (!parse_with_config(argc, argv, opts, config_file, vm,
             "axevo search CONFIG.yaml [--out DIR] [--threads N] [--resume] [--algorithm A] [--budget N] [--seed S]\n"
             "                    [--library SPEC ...]",
             "Searches per-layer multiplier assignments with the config's algorithm (NSGA-II by default) on\n"
             "the validation split, re-evaluates the Pareto set on the test split and writes to DIR:\n"
             "  pareto.csv       the front: objectives on validation and test, accuracy, energy, area, one\n"
             "                   column per layer with its multiplier\n"
             "  evaluations.csv  every evaluated assignment, its generation and evaluation time\n"
             "  campaign.yaml    the fully resolved config: `axevo search DIR/campaign.yaml` reproduces the run\n"
             "  front.svg        the front beside the uniform assignments and the all-exact point\n"
             "Ctrl-C (or SIGTERM) stops after the running evaluations and writes DIR/checkpoint.csv;\n"
             "--resume continues and ends with the same front as an uninterrupted run. The `search:`\n"
             "keys (algorithm, objectives, constraints, population, ...) are in configs/README.md.\n\n"
             "Examples:\n"
             "  axevo search configs/lenet5-search.yaml --out results/lenet5\n"
             "  AXEVO_EVOAPPROX=../shared/evoapprox axevo search configs/lenet5-evoapprox-search.yaml\n"))
    return 0;
  if (config_file.empty()) throw UsageError("search needs a CONFIG file");
  Config c = load_config(config_file);
  if (!algorithm_flag.empty()) c.search.algorithm.name = algorithm_flag;
  if (vm.count("budget")) c.search.algorithm.budget = budget_flag;
  if (vm.count("seed")) c.search.algorithm.seed = seed_flag;
  if (vm.count("cache-mb")) c.search.cache_mb = cache_flag;
  apply_library_options(libs, c);
  campaign_defaults(config_file, out_dir, threads);
  const SearchConfig& sc = c.search;
  const bool fidelity = c.metric != "accuracy";
  for (const auto& o : sc.objectives) {
    const Objective ob = parse_objective(o);
    if (ob == Objective::AccuracyDrop && fidelity)
      throw Error(c.file.string() + ": search.objectives: accuracy_drop needs metric: accuracy (this config's metric is " + c.metric + ")");
    if (objective_is_fidelity(ob) && !fidelity)
      throw Error(c.file.string() + ": search.objectives: " + o + " compares outputs with the float model; set metric: mse or psnr");
  }
  if (fidelity && sc.max_accuracy_drop) throw Error(c.file.string() + ": search.constraints.max_accuracy_drop needs metric: accuracy");

  const fs::path out(out_dir);
  const auto t_start = std::chrono::steady_clock::now();
  const Workload w(c);
  for (const auto& [name, sha] : c.recorded_sha256) {
    const Multiplier* m = w.multipliers().find(name);
    if (!m) throw Error(c.file.string() + ": provenance: multiplier '" + name + "' of the recorded campaign is not in the libraries");
    if (m->sha256 != sha)
      throw Error(c.file.string() + ": provenance: multiplier '" + name + "' has changed since the campaign was recorded (table SHA-256 " +
                  m->sha256.substr(0, 12) + "..., recorded " + sha.substr(0, 12) + "...)");
  }
  const Setup setup = make_setup(w);
  const SearchSpace space(setup.layer_options);
  AlgorithmOptions algo = sc.algorithm;
  try {
    validate(algo, space, sc.objectives.size());
  } catch (const Error& e) {
    throw Error(c.file.string() + ": search: " + e.what());
  }

  ObjectiveSet obj;
  for (const auto& o : sc.objectives) obj.objectives.push_back(parse_objective(o));
  obj.constraints.max_accuracy_drop = sc.max_accuracy_drop;
  obj.constraints.max_distinct_multipliers = sc.max_distinct_multipliers;

  const ImageSet val = w.images("validation", 0, fidelity);
  const std::vector<std::string> order = w.layers();
  // Activation reuse across evaluations; a state is worth the MACs of the layers before it.
  std::vector<double> layer_macs;
  for (const auto& lo : setup.layer_options) layer_macs.push_back(static_cast<double>(lo.macs));
  auto cache = std::make_unique<ActivationCache>(sc.cache_mb << 20);
  cache->set_layer_costs(layer_macs);
  auto factory_for = [&](const ImageSet& set, ActivationCache* ac) {
    return [&w, &set, order, ac]() -> std::unique_ptr<QualityWorker> { return std::make_unique<EmulatorWorker>(w, set, order, ac); };
  };
  // The baseline accuracy (exact 8-bit or float on every layer, pins ignored).
  auto baseline_quality = [&](const ImageSet& set) {
    EmulatorWorker wk(w, set, order);
    return wk.evaluate(Assignment(order.size(), sc.baseline == "float" ? nullptr : &w.exact()));
  };
  const Quality base_val = baseline_quality(val);
  obj.baseline_accuracy = base_val.accuracy();

  const std::string campaign = campaign_yaml(w, setup, out);
  // The checkpoint belongs to the campaign whatever the cache size (it changes no result).
  std::string hashed = campaign;
  if (const std::size_t at = hashed.find("\n  cache_mb: "); at != std::string::npos) hashed.erase(at, hashed.find('\n', at + 1) - at);
  const std::string campaign_hash = sha256_hex(hashed);
  Evaluator ev(space, obj, setup.hw, factory_for(val, sc.cache_mb ? cache.get() : nullptr), threads);
  const fs::path checkpoint = out / "checkpoint.csv";
  std::size_t resumed = 0;
  if (resume) {
    if (!fs::exists(checkpoint)) throw Error(checkpoint.string() + ": no checkpoint to resume from");
    resumed = load_checkpoint(checkpoint, campaign_hash, ev);
  }
  fs::create_directories(out);
  write_file_atomic(out / "campaign.yaml", campaign);

  const bool tty = !quiet && ::isatty(2);
  if (!quiet) {
    std::cerr << "axevo search: " << algo.name << " on " << space.genes() << " layer genes (" << format_human(space.size(), 3)
              << " assignments), " << val.indices.size() << " validation images, " << threads << " thread" << (threads > 1 ? "s" : "")
              << "; baseline (" << sc.baseline << ") accuracy " << format_human(obj.baseline_accuracy, 4) << "\n";
    if (resume) std::cerr << "resuming: " << resumed << " evaluations from " << checkpoint.string() << "\n";
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ev.set_stop_flag(&g_stop);

  Report rep{space, obj};
  Bar bar(tty);
  const auto t_search = std::chrono::steady_clock::now();
  const std::size_t planned = planned_evaluations(algo, space);
  int shown_generation = 0, total_generations = 0;
  double gen0_seconds = 0;
  ev.on_progress = [&](std::size_t done, std::size_t total) {
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_search).count();
    const std::size_t evals = ev.all().size() + done;
    const double rate = el > 0 ? static_cast<double>(evals - resumed) / el : 0;
    std::ostringstream o;
    o << "gen " << shown_generation << "/" << total_generations << "  [" << done << "/" << total << "]  " << evals << " evals  "
      << format_human(rate, 3) << " evals/s  ETA " << duration_text(rate > 0 ? static_cast<double>(planned > evals ? planned - evals : 0) / rate : NAN);
    bar.show(o.str());
  };
  CampaignResult result;
  std::vector<Labelled> uniform;
  try {
    // Reference points for the plot and the summary: all-exact and each uniform assignment.
    ev.set_generation(-1);
    uniform = uniform_genomes(space, &w.exact());
    {
      std::vector<Genome> ref{base_genome(space, &w.exact())};
      for (const auto& u : uniform) ref.push_back(u.genome);
      ev.evaluate(ref);
    }
    result = run_campaign(ev, algo, [&](const Progress& p) {
      shown_generation = p.generation + 1;
      total_generations = p.generations;
      write_file_atomic(checkpoint, checkpoint_text(ev, campaign_hash));
      if (quiet) return;
      // One line per generation: the current best trade-offs on validation.
      std::vector<const Evaluation*> so_far;  // everything evaluated, the reference points included
      for (const Evaluation& e : ev.all()) so_far.push_back(&e);
      const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_search).count();
      bar.clear();
      std::ostringstream o;
      o << "gen " << p.generation;
      if (p.generations) o << "/" << p.generations;
      o << "  " << p.evaluations << " evals  " << format_human(el > 0 ? static_cast<double>(ev.all().size() - resumed) / el : 0, 3)
        << " evals/s";
      if (p.generation == 0) gen0_seconds = el;
      if (p.generations && p.generation > 0 && p.generation < p.generations)  // generations after the initial population
        o << "  ETA " << duration_text((el - gen0_seconds) / p.generation * (p.generations - p.generation));
      o << "  front " << pareto_front(so_far).size();
      if (!fidelity)
        for (double lim : {0.005, 0.01, 0.02})
          if (const Evaluation* b = best_at(so_far, lim)) o << "  saving@" << fmt_pct(lim) << " " << fmt_pct(1 - b->costs.energy);
      std::cerr << o.str() << "\n";
    });
  } catch (const Interrupted&) {
    bar.clear();
    write_file_atomic(checkpoint, checkpoint_text(ev, campaign_hash));
    std::cerr << "axevo search: interrupted; " << ev.all().size() << " evaluations saved in " << checkpoint.string()
              << "\ncontinue with: axevo search " << config_file << " --out " << out_dir << " --resume\n";
    return 130;
  }
  bar.clear();
  const double search_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_search).count();

  // Re-evaluate the front (and the reference points) on the test split.
  const ImageSet test = w.images("test", sc.test_images, fidelity);
  ObjectiveSet obj_test = obj;
  obj_test.baseline_accuracy = baseline_quality(test).accuracy();
  // The search's states are of validation images: freed, and a cache of the same size serves
  // the front's evaluations on the test images (front points share most of their layers).
  cache->clear();
  ActivationCache test_cache(sc.cache_mb << 20);
  test_cache.set_layer_costs(layer_macs);
  Evaluator ev_test(space, obj_test, setup.hw, factory_for(test, sc.cache_mb ? &test_cache : nullptr), threads);
  std::vector<Genome> gs;
  for (const Evaluation* e : result.front) gs.push_back(e->genome);
  if (!quiet) std::cerr << "re-evaluating " << gs.size() << " front points on " << test.indices.size() << " test images\n";
  ev_test.on_progress = [&](std::size_t done, std::size_t total) { bar.show("test [" + std::to_string(done) + "/" + std::to_string(total) + "]"); };
  std::vector<const Evaluation*> on_test;
  try {
    on_test = ev_test.evaluate(gs);
  } catch (const Interrupted&) {
    bar.clear();
    std::cerr << "axevo search: interrupted during the test re-evaluation; the search itself is in " << checkpoint.string()
              << " (--resume finishes it)\n";
    write_file_atomic(checkpoint, checkpoint_text(ev, campaign_hash));
    return 130;
  }
  bar.clear();
  const auto test_front = pareto_front(on_test);
  std::vector<bool> nd(on_test.size());
  for (std::size_t i = 0; i < on_test.size(); ++i)
    nd[i] = std::find(test_front.begin(), test_front.end(), on_test[i]) != test_front.end() ||
            std::any_of(test_front.begin(), test_front.end(), [&](const Evaluation* f) { return f->objectives == on_test[i]->objectives; });
  const std::size_t nd_count = static_cast<std::size_t>(std::count(nd.begin(), nd.end(), true));

  // Outputs.
  write_file_atomic(out / "pareto.csv", pareto_csv(rep, result.front, on_test, nd));
  write_file_atomic(out / "evaluations.csv", evaluations_csv(rep, ev));
  {
    std::vector<PlotSeries> series;
    PlotSeries all{"evaluated (" + algo.name + ")", {}, MarkerStyle::Markers, "#bbbbbb", {}};
    for (const Evaluation* e : result.archive)
      if (e->feasible()) all.points.push_back(e->raw);
    PlotSeries uni{"uniform assignments", {}, MarkerStyle::Markers, "#0072b2", {}};
    for (const auto& u : uniform) {
      const Evaluation* e = ev.find(u.genome);
      uni.points.push_back(e->raw);
      uni.tooltips.push_back(u.label);
    }
    PlotSeries fr{"Pareto front (" + algo.name + ")", {}, MarkerStyle::FrontLine, "#d55e00", {}};
    for (const Evaluation* e : result.front) fr.points.push_back(e->raw);
    PlotSeries ex{"all exact 8-bit", {ev.find(base_genome(space, &w.exact()))->raw}, MarkerStyle::Star, "#000000", {}};
    series = {all, uni, fr, ex};
    const std::string title = fs::path(c.model).filename().string() + ": " + algo.name + ", " + std::to_string(result.archive.size()) +
                              " evaluations on " + std::to_string(val.indices.size()) + " validation images";
    // front.svg: the region that matters (accuracy drop up to the constraint, else 5%);
    // front-all.svg: every point.
    const auto drop_axis = std::find(obj.objectives.begin(), obj.objectives.end(), Objective::AccuracyDrop);
    if (drop_axis != obj.objectives.end()) {
      const std::size_t k = static_cast<std::size_t>(drop_axis - obj.objectives.begin());
      const double zoom = sc.max_accuracy_drop ? *sc.max_accuracy_drop : 0.05;
      std::vector<PlotSeries> near = series;
      for (auto& sr : near) {
        PlotSeries kept = sr;
        kept.points.clear();
        kept.tooltips.clear();
        for (std::size_t i = 0; i < sr.points.size(); ++i)
          if (sr.points[i][k] <= zoom) {
            kept.points.push_back(sr.points[i]);
            if (i < sr.tooltips.size()) kept.tooltips.push_back(sr.tooltips[i]);
          }
        sr = kept;
      }
      write_file_atomic(out / "front.svg", front_svg(title + " (accuracy drop up to " + fmt_pct(zoom) + ")", plot_axes(obj), near));
      write_file_atomic(out / "front-all.svg", front_svg(title, plot_axes(obj), series));
    } else {
      write_file_atomic(out / "front.svg", front_svg(title, plot_axes(obj), series));
    }
  }
  std::error_code ec;
  fs::remove(checkpoint, ec);

  // Summary (terminal and summary.yaml).
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  std::vector<const Evaluation*> unif;
  for (const auto& u : uniform) unif.push_back(ev.find(u.genome));
  YAML::Emitter sy;
  sy << YAML::BeginMap;
  sy << YAML::Key << "algorithm" << YAML::Value << algo.name;
  sy << YAML::Key << "front_size" << YAML::Value << result.front.size();
  sy << YAML::Key << "nondominated_on_test" << YAML::Value << nd_count;
  sy << YAML::Key << "evaluations" << YAML::Value << result.archive.size();
  sy << YAML::Key << "evaluations_all" << YAML::Value << ev.all().size();
  sy << YAML::Key << "repeats_from_memory" << YAML::Value << ev.hits();
  sy << YAML::Key << "validation_images" << YAML::Value << val.indices.size();
  sy << YAML::Key << "test_images" << YAML::Value << test.indices.size();
  sy << YAML::Key << "baseline_accuracy_validation" << YAML::Value << format_number(obj.baseline_accuracy);
  sy << YAML::Key << "baseline_accuracy_test" << YAML::Value << format_number(obj_test.baseline_accuracy);
  if (!sc.hypervolume_reference.empty()) {
    const double hv = hypervolume(result.front, sc.hypervolume_reference);
    const double hv_u = hypervolume(pareto_front(unif), sc.hypervolume_reference);
    sy << YAML::Key << "hypervolume" << YAML::Value << format_number(hv);
    sy << YAML::Key << "hypervolume_uniform" << YAML::Value << format_number(hv_u);
    std::cout << "hypervolume (validation, reference point";
    for (double v : sc.hypervolume_reference) std::cout << " " << format_number(v);
    std::cout << "): " << format_human(hv, 4) << " (" << algo.name << "), " << format_human(hv_u, 4) << " (uniform assignments)\n";
  }
  if (!fidelity) {
    sy << YAML::Key << "best_energy_saving" << YAML::Value << YAML::BeginMap;
    for (double lim : {0.005, 0.01, 0.02}) {
      const Evaluation* b = best_at(result.front, lim);
      const Evaluation* u = best_at(unif, lim);
      sy << YAML::Key << format_number(lim) << YAML::Value << YAML::Flow << YAML::BeginMap;
      sy << YAML::Key << "search" << YAML::Value << (b ? format_number(1 - b->costs.energy) : "none");
      sy << YAML::Key << "uniform" << YAML::Value << (u ? format_number(1 - u->costs.energy) : "none");
      sy << YAML::EndMap;
    }
    sy << YAML::EndMap;
  }
  sy << YAML::Key << "search_seconds" << YAML::Value << format_number(std::round(search_seconds * 10) / 10);
  sy << YAML::Key << "total_seconds" << YAML::Value << format_number(std::round(wall * 10) / 10);
  sy << YAML::Key << "evaluations_per_second" << YAML::Value
     << format_number(std::round((static_cast<double>(ev.all().size() - resumed) / std::max(search_seconds, 1e-9)) * 100) / 100);
  sy << YAML::Key << "threads" << YAML::Value << threads;
  {
    const auto cs = cache->stats();
    const double layers = static_cast<double>(cs.layers_run + cs.layers_skipped);
    sy << YAML::Key << "activation_cache" << YAML::Value << YAML::BeginMap;
    sy << YAML::Key << "max_mb" << YAML::Value << sc.cache_mb;
    sy << YAML::Key << "layer_runs_skipped" << YAML::Value << format_number(layers > 0 ? std::round(cs.layers_skipped / layers * 1e4) / 1e4 : 0);
    sy << YAML::Key << "batch_runs_resumed" << YAML::Value << format_number(cs.runs ? std::round(static_cast<double>(cs.hits) / cs.runs * 1e4) / 1e4 : 0);
    sy << YAML::Key << "peak_mb" << YAML::Value << format_number(std::round(cs.peak_bytes / 1048576.0));
    sy << YAML::Key << "evictions" << YAML::Value << cs.evictions;
    sy << YAML::EndMap;
  }
  sy << YAML::EndMap;
  write_file_atomic(out / "summary.yaml", std::string(sy.c_str()) + "\n");
  std::cout << "front: " << result.front.size() << " points (" << nd_count << " stay non-dominated on " << test.indices.size()
            << " test images); " << result.archive.size() << " assignments evaluated by " << algo.name << ", " << ev.all().size()
            << " in all, " << ev.hits() << " repeats answered from memory; search " << duration_text(search_seconds) << ", total "
            << duration_text(wall) << "\n";
  if (sc.cache_mb) {
    const auto cs = cache->stats();
    const double layers = static_cast<double>(cs.layers_run + cs.layers_skipped);
    std::cout << "activation cache: " << fmt_pct(layers > 0 ? cs.layers_skipped / layers : 0) << " of the layer runs skipped, peak "
              << format_human(cs.peak_bytes / 1048576.0, 3) << " MB of " << sc.cache_mb << " MB\n";
  }
  if (!fidelity) {
    TextTable t;
    t.header = {"max drop", "best saving (" + algo.name + ")", "drop val", "drop test", "best uniform", "its saving"};
    for (double lim : {0.005, 0.01, 0.02}) {
      const Evaluation* b = best_at(result.front, lim);
      const Evaluation* u = best_at(unif, lim);
      std::string test_drop = "-";
      if (b)
        for (std::size_t i = 0; i < result.front.size(); ++i)
          if (result.front[i] == b) test_drop = fmt_pct(on_test[i]->accuracy_drop);
      std::string uname = "-";
      if (u)
        for (const auto& x : uniform)
          if (ev.find(x.genome) == u) uname = x.label;
      t.rows.push_back({fmt_pct(lim), b ? fmt_pct(1 - b->costs.energy) : "-", b ? fmt_pct(b->accuracy_drop) : "-", test_drop, uname,
                        u ? fmt_pct(1 - u->costs.energy) : "-"});
    }
    std::cout << "energy saving vs all-exact at a validation accuracy drop of at most:\n" << t.aligned({false, true, true, true, false, true});
  }
  std::cout << "wrote " << (out / "pareto.csv").string() << ", " << (out / "evaluations.csv").string() << ", "
            << (out / "campaign.yaml").string() << ", " << (out / "front.svg").string() << ", " << (out / "summary.yaml").string() << "\n";
  return 0;
}

int cmd_sensitivity(int argc, char** argv) {
  std::string config_file, out_dir;
  unsigned threads = 0;
  std::size_t limit = 0;
  LibraryOptions libs;
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("out,o", po::value<std::string>(&out_dir), "output folder (default: results/<config name>)")(
      "threads,j", po::value<unsigned>(&threads), "evaluation threads (default: all cores)")(
      "limit", po::value<std::size_t>(&limit), "use only the first N validation images");
  libs.add_to(opts);
  po::variables_map vm;
  if (!parse_with_config(argc, argv, opts, config_file, vm, "axevo sensitivity CONFIG.yaml [--out DIR] [--threads N] [--limit N]",
             "Approximates one layer at a time: for every layer and every multiplier allowed there (the\n"
             "config's search.multipliers / search.layers), the accuracy drop (or MSE) on the validation\n"
             "split with that layer on that multiplier and every other layer exact. Writes\n"
             "DIR/sensitivity.csv (one row per layer and multiplier) and DIR/sensitivity.svg (heat map).\n"
             "The greedy search baseline walks this matrix.\n\n"
             "Example:\n  axevo sensitivity configs/lenet5-search.yaml --out results/lenet5\n"))
    return 0;
  if (config_file.empty()) throw UsageError("sensitivity needs a CONFIG file");
  Config c = load_config(config_file);
  apply_library_options(libs, c);
  campaign_defaults(config_file, out_dir, threads);
  const bool fidelity = c.metric != "accuracy";
  if (c.search.objectives == std::vector<std::string>{"accuracy_drop", "energy"} && fidelity) c.search.objectives = {c.metric, "energy"};
  const Workload w(c);
  const Setup setup = make_setup(w);
  const SearchSpace space(setup.layer_options);
  const ImageSet val = w.images("validation", limit, fidelity);
  const std::vector<std::string> order = w.layers();
  ObjectiveSet obj;
  obj.objectives = {fidelity ? Objective::Mse : Objective::AccuracyDrop, Objective::Energy};
  if (!setup.hw.find(&w.exact())) obj.objectives = {obj.objectives[0], Objective::DistinctMultipliers};
  {
    EmulatorWorker wk(w, val, order);
    obj.baseline_accuracy = wk.evaluate(Assignment(order.size(), c.search.baseline == "float" ? nullptr : &w.exact())).accuracy();
  }
  Evaluator ev(space, obj, setup.hw, [&w, &val, order]() -> std::unique_ptr<QualityWorker> { return std::make_unique<EmulatorWorker>(w, val, order); },
               threads);
  Bar bar(::isatty(2));
  ev.on_progress = [&](std::size_t done, std::size_t total) { bar.show("sensitivity [" + std::to_string(done) + "/" + std::to_string(total) + "]"); };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  ev.set_stop_flag(&g_stop);
  Sensitivity sens;
  try {
    sens = sensitivity(ev, &w.exact());
  } catch (const Interrupted&) {
    bar.clear();
    std::cerr << "axevo sensitivity: interrupted; nothing written\n";
    return 130;
  }
  bar.clear();
  // Columns: every distinct option over the gene layers, in first-appearance order.
  std::vector<const Multiplier*> cols;
  for (std::size_t k = 0; k < space.genes(); ++k)
    for (const Multiplier* m : space.layers()[space.gene_layers()[k]].options)
      if (std::find(cols.begin(), cols.end(), m) == cols.end()) cols.push_back(m);
  TextTable t;
  t.header = {"layer", "macs", "multiplier", fidelity ? "mse" : "accuracy_drop", fidelity ? "psnr_db" : "accuracy", "layer_energy_saving",
              "network_energy"};
  std::vector<std::string> rows, col_names;
  std::vector<std::vector<double>> matrix;
  for (const Multiplier* m : cols) col_names.push_back(layer_cell(m));
  const Evaluation* base = ev.find(sens.base);
  for (std::size_t k = 0; k < space.genes(); ++k) {
    const auto& lo = space.layers()[space.gene_layers()[k]];
    rows.push_back(lo.name);
    std::vector<double> line(cols.size(), NAN);
    for (std::size_t o = 0; o < lo.options.size(); ++o) {
      const Evaluation* e = sens.cell[k][o];
      const double v = fidelity ? e->quality.mse() : e->accuracy_drop;
      line[static_cast<std::size_t>(std::find(cols.begin(), cols.end(), lo.options[o]) - cols.begin())] = v;
      const Hardware* h = lo.options[o] ? setup.hw.find(lo.options[o]) : nullptr;
      const Hardware* hx = setup.hw.find(&w.exact());
      t.rows.push_back({lo.name, std::to_string(lo.macs), layer_cell(lo.options[o]), format_number(v),
                        format_number(fidelity ? e->quality.psnr() : e->quality.accuracy()),
                        h && hx ? format_number(1 - h->power_mw / hx->power_mw) : "", format_number(e->costs.energy)});
    }
    matrix.push_back(line);
  }
  const fs::path out(out_dir);
  fs::create_directories(out);
  write_file_atomic(out / "sensitivity.csv", t.csv());
  const std::string title = fs::path(c.model).filename().string() + ": one layer approximated at a time (" + std::to_string(val.indices.size()) +
                            " validation images; baseline " + format_human(fidelity ? base->quality.mse() : obj.baseline_accuracy, 4) + ")";
  write_file_atomic(out / "sensitivity.svg",
                    matrix_heatmap_svg(title, rows, col_names, matrix, fidelity ? "MSE vs float outputs" : "top-1 accuracy drop"));
  std::cout << ev.all().size() << " evaluations (" << space.genes() << " layers x their multipliers); wrote " << (out / "sensitivity.csv").string()
            << " and " << (out / "sensitivity.svg").string() << "\n";
  return 0;
}

}  // namespace axevo::cli
