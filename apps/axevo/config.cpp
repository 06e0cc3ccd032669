#include "config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "axevo/error.hpp"
#include "axevo/io.hpp"
#include "cli.hpp"

namespace axevo::cli {

namespace fs = std::filesystem;

namespace {

// Reads one mapping, refusing keys that are not in `allowed` (with the key's line).
class Section {
 public:
  Section(const YAML::Node& node, const std::string& file, const std::string& where, std::set<std::string> allowed)
      : node_(node), file_(file), where_(where) {
    if (!node.IsMap()) fail(node, where + " must be a mapping of keys to values");
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(kv.first, "unknown key '" + key + "' in " + where + " (allowed: " + list + ")");
      }
    }
  }
  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
    throw Error(file_, static_cast<std::size_t>(at.Mark().line + 1), message);
  }
  bool has(const std::string& key) const { return static_cast<bool>(node_[key]); }
  YAML::Node get(const std::string& key) const { return node_[key]; }

  std::string qualified(const std::string& key) const { return where_ == "the config" ? key : where_ + "." + key; }

  template <class T>
  void read(const std::string& key, T& out, const char* type) const {
    const YAML::Node n = node_[key];
    if (!n) return;
    try {
      out = n.as<T>();
    } catch (const YAML::Exception&) {
      fail(n, qualified(key) + " must be " + type);
    }
  }
  std::string text(const std::string& key, const std::string& fallback) const {
    std::string v = fallback;
    read(key, v, "a string");
    return v;
  }
  std::vector<float> floats(const YAML::Node& n, const std::string& key) const {
    std::vector<float> v;
    try {
      if (n.IsSequence()) v = n.as<std::vector<float>>();
      else v = {n.as<float>()};
    } catch (const YAML::Exception&) {
      fail(n, qualified(key) + " must be a number or a list of numbers");
    }
    return v;
  }

 private:
  YAML::Node node_;
  std::string file_, where_;
};

std::size_t line_of(const YAML::Node& n) { return static_cast<std::size_t>(n.Mark().line + 1); }

void read_search(const YAML::Node& node, const std::string& f, SearchConfig& s) {
  s.present = true;
  Section top(node, f, "search",
              {"algorithm", "objectives", "baseline", "population", "generations", "seed", "budget", "initial", "constraints",
               "multipliers", "layers", "test_images", "hypervolume_reference", "cache_mb", "nsga2", "moead", "maco"});
  auto& a = s.algorithm;
  a.name = top.text("algorithm", a.name);
  const auto& names = search::algorithm_names();
  if (std::find(names.begin(), names.end(), a.name) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    top.fail(top.get("algorithm"), "search.algorithm: unknown algorithm '" + a.name + "' (algorithms: " + list + ")");
  }
  if (top.has("objectives")) {
    top.read("objectives", s.objectives, "a list of objective names");
    for (const auto& o : s.objectives) {
      try {
        search::parse_objective(o);
      } catch (const std::exception& e) {
        top.fail(top.get("objectives"), std::string("search.objectives: ") + e.what());
      }
    }
    if (s.objectives.size() < 2) top.fail(top.get("objectives"), "search.objectives: give at least two objectives");
    for (std::size_t i = 0; i < s.objectives.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (s.objectives[i] == s.objectives[j]) top.fail(top.get("objectives"), "search.objectives: '" + s.objectives[i] + "' is listed twice");
  }
  s.baseline = top.text("baseline", s.baseline);
  if (s.baseline != "exact" && s.baseline != "float") top.fail(top.get("baseline"), "search.baseline must be exact or float, not '" + s.baseline + "'");
  top.read("population", a.population, "a whole number");
  top.read("generations", a.generations, "a whole number");
  top.read("seed", a.seed, "a whole number");
  top.read("budget", a.budget, "a whole number");
  a.initial = top.text("initial", a.initial);
  if (a.initial != "uniform" && a.initial != "random") top.fail(top.get("initial"), "search.initial must be uniform or random, not '" + a.initial + "'");
  top.read("test_images", s.test_images, "a whole number");
  top.read("cache_mb", s.cache_mb, "a whole number of megabytes");
  if (top.has("hypervolume_reference")) {
    top.read("hypervolume_reference", s.hypervolume_reference, "a list of numbers (one per objective)");
    if (s.hypervolume_reference.size() != s.objectives.size())
      top.fail(top.get("hypervolume_reference"), "search.hypervolume_reference needs one value per objective (" +
                                                     std::to_string(s.objectives.size()) + ")");
  }
  // The population rules of the pagmo algorithms, checked here so the error has a line.
  const YAML::Node pop_at = top.has("population") ? top.get("population") : node;
  if (a.name == "nsga2" && (a.population < 8 || a.population % 4))
    top.fail(pop_at, "search.population: nsga2 needs a population that is a multiple of 4 and at least 8 (got " + std::to_string(a.population) + ")");
  if ((a.name == "moead" && a.population < 3) || ((a.name == "nspso" || a.name == "maco") && a.population < 2))
    top.fail(pop_at, "search.population: " + a.name + " needs a larger population (got " + std::to_string(a.population) + ")");
  if (top.has("generations") && a.generations == 0 && (a.name == "nsga2" || a.name == "moead" || a.name == "nspso" || a.name == "maco"))
    top.fail(top.get("generations"), "search.generations must be at least 1");
  if (top.has("nsga2")) {
    Section n(top.get("nsga2"), f, "search.nsga2", {"crossover", "eta_c", "mutation", "eta_m"});
    n.read("crossover", a.crossover, "a number");
    n.read("eta_c", a.eta_c, "a number");
    n.read("mutation", a.mutation, "a number");
    n.read("eta_m", a.eta_m, "a number");
    if (!(a.crossover >= 0 && a.crossover < 1)) n.fail(n.get("crossover"), "search.nsga2.crossover must be in [0, 1)");
    if (!(a.eta_c >= 1 && a.eta_c < 100)) n.fail(n.get("eta_c"), "search.nsga2.eta_c must be in [1, 100)");
    if (!(a.eta_m >= 1 && a.eta_m < 100)) n.fail(n.get("eta_m"), "search.nsga2.eta_m must be in [1, 100)");
    if (n.has("mutation") && !(a.mutation >= 0 && a.mutation <= 1)) n.fail(n.get("mutation"), "search.nsga2.mutation must be in [0, 1]");
  }
  if (top.has("moead")) {
    Section n(top.get("moead"), f, "search.moead", {"neighbours"});
    n.read("neighbours", a.neighbours, "a whole number");
  }
  if (top.has("maco")) {
    Section n(top.get("maco"), f, "search.maco", {"kernel"});
    n.read("kernel", a.kernel, "a whole number");
  }
  if (top.has("constraints")) {
    Section c(top.get("constraints"), f, "search.constraints", {"max_accuracy_drop", "max_distinct_multipliers"});
    if (c.has("max_accuracy_drop")) {
      double v = 0;
      c.read("max_accuracy_drop", v, "a number (a fraction: 0.01 is one point)");
      if (!(v >= 0 && v <= 1))
        c.fail(c.get("max_accuracy_drop"), "search.constraints.max_accuracy_drop: no assignment can meet " + format_number(v) +
                                               " (it is a fraction of the images, in [0, 1]; 0.01 is one point)");
      s.max_accuracy_drop = v;
    }
    if (c.has("max_distinct_multipliers")) {
      int v = 0;
      c.read("max_distinct_multipliers", v, "a whole number");
      if (v < 1) c.fail(c.get("max_distinct_multipliers"), "search.constraints.max_distinct_multipliers: no assignment can use fewer than 1 multiplier");
      s.max_distinct_multipliers = v;
      s.line["max_distinct_multipliers"] = line_of(c.get("max_distinct_multipliers"));
    }
  }
  if (top.has("multipliers")) {
    top.read("multipliers", s.multipliers, "a list of multiplier names");
    s.line["multipliers"] = line_of(top.get("multipliers"));
  }
  if (top.has("layers")) {
    const YAML::Node l = top.get("layers");
    if (!l.IsMap()) top.fail(l, "search.layers must map layer names to a multiplier or a list of them");
    for (const auto& kv : l) {
      const std::string name = kv.first.as<std::string>();
      std::vector<std::string> allowed;
      try {
        if (kv.second.IsSequence()) allowed = kv.second.as<std::vector<std::string>>();
        else allowed = {kv.second.as<std::string>()};
      } catch (const YAML::Exception&) {
        top.fail(kv.second, "search.layers." + name + " must be a multiplier name (pins the layer) or a list of names");
      }
      if (allowed.empty()) top.fail(kv.second, "search.layers." + name + ": an empty list allows nothing");
      s.layers[name] = allowed;
      s.line["layers." + name] = line_of(kv.first);
    }
  }
}

}  // namespace

Normalization parse_normalization(const std::string& text) {
  auto numbers = [&](const std::string& part) {
    std::vector<float> v;
    for (const std::string& item : split(part, ',')) {
      try {
        std::size_t used = 0;
        v.push_back(std::stof(item, &used));
        if (used != item.size()) throw std::invalid_argument(item);
      } catch (const std::exception&) {
        throw UsageError("--normalize: '" + item + "' is not a number (expected MEAN,STD or M1,M2,M3:S1,S2,S3)");
      }
    }
    return v;
  };
  Normalization n;
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos) {
    const auto v = numbers(text);
    if (v.size() != 2) throw UsageError("--normalize: give MEAN,STD or M1,M2,M3:S1,S2,S3");
    n.mean = {v[0]};
    n.std = {v[1]};
  } else {
    n.mean = numbers(text.substr(0, colon));
    n.std = numbers(text.substr(colon + 1));
  }
  return n;
}

std::string expand_environment(const std::string& text, const std::string& file, std::size_t line, bool* from_environment) {
  std::string out;
  if (from_environment) *from_environment = false;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find("${", i);
    if (open == std::string::npos) break;
    const std::size_t close = text.find('}', open);
    if (close == std::string::npos) throw Error(file, line, "unterminated ${ in '" + text + "'");
    out += text.substr(i, open - i);
    std::string name = text.substr(open + 2, close - open - 2), fallback;
    bool has_fallback = false;
    const std::size_t dash = name.find(":-");
    if (dash != std::string::npos) {
      fallback = name.substr(dash + 2);
      name = name.substr(0, dash);
      has_fallback = true;
    }
    const char* v = std::getenv(name.c_str());
    if (v && *v) {
      out += v;
      if (from_environment) *from_environment = true;
    }
    else if (has_fallback) out += fallback;
    else throw Error(file, line, "environment variable " + name + " is not set (used in '" + text + "'); set it or give a default as ${" + name + ":-VALUE}");
    i = close + 1;
  }
  return out + text.substr(i);
}

void apply_library_options(const LibraryOptions& libs, Config& c) {
  if (!libs.libraries.empty()) c.libraries = libs.libraries;
  for (const auto& p : libs.plugin_paths) c.plugin_paths.push_back(p);
}

Config load_config(const fs::path& file) {
  const std::string text = read_file(file);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw Error(file.string(), static_cast<std::size_t>(e.mark.line + 1), "malformed YAML: " + e.msg);
  }
  const std::string f = file.string();
  if (!root || root.IsNull()) throw Error(f, 0, "empty config");
  Config c;
  c.file = file;
  const fs::path base = file.parent_path();
  auto resolve = [&](const std::string& p) { return p.empty() || fs::path(p).is_absolute() ? fs::path(p) : base / p; };
  Section top(root, f, "the config",
              {"model", "dataset", "quantization", "libraries", "plugin_paths", "assignment", "metric", "batch_size",
               "cache_dir", "search", "provenance"});
  if (!top.has("model")) throw Error(f, 1, "missing key 'model' (the ONNX file to emulate)");
  c.model = resolve(top.text("model", ""));
  if (top.has("dataset")) {
    Section d(top.get("dataset"), f, "dataset", {"spec", "normalize", "validation"});
    c.dataset = d.text("spec", c.dataset);
    // A dataset SPEC's path part is relative to the config too.
    const std::size_t colon = c.dataset.find(':');
    if (c.dataset.rfind("npy:", 0) == 0) {
      // npy:X,Y or npy:train=X,Y;test=X,Y: every file relative to the config.
      std::string spec = "npy:";
      const auto parts = split(c.dataset.substr(4), ';');
      for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string part = parts[i];
        const std::size_t eq = part.find('=');
        const std::string name = eq == std::string::npos ? "" : part.substr(0, eq + 1);
        const auto files = split(eq == std::string::npos ? part : part.substr(eq + 1), ',');
        spec += (i ? ";" : "") + name;
        for (std::size_t k = 0; k < files.size(); ++k) spec += (k ? "," : "") + resolve(files[k]).string();
      }
      c.dataset = spec;
    } else if (colon != std::string::npos) {
      const std::string arg = c.dataset.substr(colon + 1);
      if (!arg.empty() && !fs::path(arg).is_absolute()) c.dataset = c.dataset.substr(0, colon + 1) + resolve(arg).string();
    }
    if (d.has("normalize")) {
      Section n(d.get("normalize"), f, "dataset.normalize", {"mean", "std"});
      if (!n.has("mean") || !n.has("std")) n.fail(d.get("normalize"), "dataset.normalize needs both mean and std");
      c.normalize.mean = n.floats(n.get("mean"), "mean");
      c.normalize.std = n.floats(n.get("std"), "std");
      if (c.normalize.mean.size() != c.normalize.std.size())
        n.fail(n.get("std"), "dataset.normalize: mean and std must have the same number of values");
    }
    if (d.has("validation")) {
      Section v(d.get("validation"), f, "dataset.validation", {"size", "seed"});
      v.read("size", c.validation_size, "a whole number");
      v.read("seed", c.validation_seed, "a whole number");
    }
  }
  if (top.has("quantization")) {
    Section q(top.get("quantization"), f, "quantization", {"weights", "activations", "operand_order", "qmax"});
    const std::string w = q.text("weights", "per-tensor");
    if (w == "per-tensor") c.quant.weights = quant::WeightGranularity::PerTensor;
    else if (w == "per-channel") c.quant.weights = quant::WeightGranularity::PerChannel;
    else q.fail(q.get("weights"), "quantization.weights must be per-tensor or per-channel, not '" + w + "'");
    const std::string order = q.text("operand_order", "activation-first");
    if (order == "activation-first") c.quant.order = kernels::OperandOrder::ActivationFirst;
    else if (order == "weight-first") c.quant.order = kernels::OperandOrder::WeightFirst;
    else q.fail(q.get("operand_order"), "quantization.operand_order must be activation-first or weight-first");
    q.read("qmax", c.quant.qmax, "a whole number");
    if (c.quant.qmax < 1 || c.quant.qmax > 127) q.fail(q.get("qmax"), "quantization.qmax must be 1..127");
    c.quant.observer.qmax = c.quant.qmax;
    if (q.has("activations")) {
      Section a(q.get("activations"), f, "quantization.activations", {"method", "percentile", "images"});
      const std::string m = a.text("method", "percentile");
      try {
        c.quant.calibration = quant::parse_calibration_method(m);
      } catch (const std::exception&) {
        a.fail(a.get("method"), "quantization.activations.method must be max, percentile, entropy or mse, not '" + m + "'");
      }
      a.read("percentile", c.quant.observer.percentile, "a number");
      if (!(c.quant.observer.percentile > 0 && c.quant.observer.percentile <= 100))
        a.fail(a.get("percentile"), "quantization.activations.percentile must be in (0, 100]");
      a.read("images", c.calibration_images, "a whole number");
    }
  }
  if (top.has("libraries")) {
    top.read("libraries", c.libraries, "a list of library SPECs");
    const std::size_t line = static_cast<std::size_t>(top.get("libraries").Mark().line + 1);
    for (auto& spec : c.libraries) {
      // A path from the environment is relative to the working folder, one written in the
      // config relative to the config.
      bool from_env = false;
      spec = expand_environment(spec, f, line, &from_env);
      const std::size_t colon = spec.find(':');
      if (colon != std::string::npos && !fs::path(spec.substr(colon + 1)).is_absolute())
        spec = spec.substr(0, colon + 1) + (from_env ? fs::absolute(spec.substr(colon + 1)) : resolve(spec.substr(colon + 1))).string();
    }
  }
  top.read("plugin_paths", c.plugin_paths, "a list of folders");
  for (auto& p : c.plugin_paths) p = resolve(p).string();
  if (top.has("assignment")) {
    Section a(top.get("assignment"), f, "assignment", {"default", "layers"});
    c.default_assignment = a.text("default", c.default_assignment);
    a.read("layers", c.layer_assignment, "a mapping of layer names to multiplier names");
  }
  c.metric = top.text("metric", c.metric);
  if (c.metric != "accuracy" && c.metric != "mse" && c.metric != "psnr")
    top.fail(top.get("metric"), "metric must be accuracy, mse or psnr, not '" + c.metric + "'");
  top.read("batch_size", c.batch_size, "a whole number");
  if (c.batch_size == 0) top.fail(top.get("batch_size"), "batch_size must be positive");
  if (top.has("cache_dir")) c.cache_dir = resolve(top.text("cache_dir", ""));
  if (top.has("provenance")) {
    Section p(top.get("provenance"), f, "provenance", {"axevo_version", "multiplier_sha256", "model_sha256", "note"});
    c.recorded_version = p.text("axevo_version", "");
    p.read("multiplier_sha256", c.recorded_sha256, "a mapping of multiplier names to SHA-256 hashes");
  }
  if (top.has("search")) read_search(top.get("search"), f, c.search);
  return c;
}

}  // namespace axevo::cli
