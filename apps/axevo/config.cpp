#include "config.hpp"

#include <yaml-cpp/yaml.h>

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
               "cache_dir"});
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
    for (auto& spec : c.libraries) {
      const std::size_t colon = spec.find(':');
      if (colon != std::string::npos && !fs::path(spec.substr(colon + 1)).is_absolute())
        spec = spec.substr(0, colon + 1) + resolve(spec.substr(colon + 1)).string();
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
  return c;
}

}  // namespace axevo::cli
