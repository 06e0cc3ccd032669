// axevo eval: accuracy (or fidelity) of a multiplier assignment, beside the float and the
// exact 8-bit baselines.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "axevo/error.hpp"
#include "axevo/io.hpp"
#include "axevo/library.hpp"
#include "axevo/model_loader.hpp"
#include "cli.hpp"
#include "config.hpp"

namespace axevo::cli {

namespace fs = std::filesystem;

namespace {

// ---- calibration cache ---------------------------------------------------------------------
// One small text file per (model bytes, dataset, normalization, method and its options, N):
// "layer<TAB>scale" lines, the scale in shortest round-trip form.

fs::path default_cache_dir() {
  if (const char* d = std::getenv("AXEVO_CACHE_DIR")) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return fs::path(x) / "axevo";
  if (const char* h = std::getenv("HOME")) return fs::path(h) / ".cache" / "axevo";
  return fs::temp_directory_path() / "axevo-cache";
}

std::string calibration_key(const Config& c) {
  std::ostringstream k;
  k << "model-sha256=" << sha256_hex(read_file(c.model)) << "\ndataset=" << c.dataset << "\nmean=";
  for (float v : c.normalize.mean) k << format_number(v) << ",";
  k << "\nstd=";
  for (float v : c.normalize.std) k << format_number(v) << ",";
  k << "\nmethod=" << quant::calibration_method_name(c.quant.calibration) << "\npercentile=" << c.quant.observer.percentile
    << "\nbins=" << c.quant.observer.num_bins << "\nqmax=" << c.quant.qmax << "\nimages=" << c.calibration_images
    << "\nvalidation=" << c.validation_size << "," << c.validation_seed << "\n";
  return k.str();
}

bool read_cached(const fs::path& file, const std::vector<std::string>& layers, Calibration& out) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return false;
  std::istringstream in(read_file(file));
  std::string line;
  Calibration c;
  while (std::getline(in, line)) {
    const std::size_t tab = line.rfind('\t');
    if (line.empty() || line[0] == '#' || tab == std::string::npos) continue;
    float v = 0;
    const auto res = std::from_chars(line.data() + tab + 1, line.data() + line.size(), v);
    if (res.ec != std::errc()) return false;
    c.activation_scale[line.substr(0, tab)] = v;
  }
  for (const auto& l : layers)
    if (!c.activation_scale.count(l)) return false;
  out = std::move(c);
  return true;
}

// ---- evaluation ----------------------------------------------------------------------------

struct Scores {
  std::size_t images = 0;
  std::size_t top1 = 0, top5 = 0;
  std::vector<std::size_t> class_total, class_correct;
  double squared_error = 0;  // against the float outputs (fidelity metrics)
  double ref_min = INFINITY, ref_max = -INFINITY;
  std::size_t outputs = 0;
  double seconds = 0;
  double accuracy() const { return images ? static_cast<double>(top1) / images : 0; }
  double accuracy5() const { return images ? static_cast<double>(top5) / images : 0; }
  double mse() const { return outputs ? squared_error / outputs : 0; }
  double psnr() const {
    const double range = ref_max - ref_min;
    return mse() > 0 ? 10 * std::log10(range * range / mse()) : INFINITY;
  }
};

class Progress {
 public:
  Progress(std::string label, std::size_t total) : label_(std::move(label)), total_(total), tty_(::isatty(2)) {}
  void update(std::size_t done) {
    if (!tty_) return;
    const int width = 30, filled = static_cast<int>(width * done / std::max<std::size_t>(total_, 1));
    std::cerr << "\r" << label_ << " [" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << done << "/"
              << total_ << std::flush;
    if (done >= total_) std::cerr << "\r" << std::string(label_.size() + width + 30, ' ') << "\r" << std::flush;
  }

 private:
  std::string label_;
  std::size_t total_;
  bool tty_;
};

}  // namespace

int cmd_eval(int argc, char** argv) {
  std::string config_file, uniform, assign, split = "test", format = "table", model, data, normalize;
  std::size_t limit = 0;
  LibraryOptions libs;
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("uniform,u", po::value<std::string>(&uniform),
                                                 "one multiplier for every layer; a list A,B,C (or all) gives one run each")(
      "assign,a", po::value<std::string>(&assign), "per-layer multipliers: LAYER=MULT,LAYER=MULT (others: the default)")(
      "split", po::value<std::string>(&split)->default_value("test"), "test, or validation (carved from the training set)")(
      "limit", po::value<std::size_t>(&limit), "evaluate only the first N images of the split")(
      "format,f", po::value<std::string>(&format)->default_value("table"), "table, csv or json")(
      "model", po::value<std::string>(&model), "ONNX model (instead of, or overriding, the config's)")(
      "data", po::value<std::string>(&data), "dataset SPEC: idx:DIR, cifar10:DIR, npy:X.npy,Y.npy or fashion-mnist")(
      "normalize", po::value<std::string>(&normalize), "MEAN,STD or M1,M2,M3:S1,S2,S3 (per channel)");
  libs.add_to(opts);
  po::options_description hidden;
  hidden.add_options()("config", po::value<std::string>(&config_file));
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  if (!parse(argc, argv, opts, hidden, pos, vm,
             "axevo eval [CONFIG.yaml] [--uniform MULT | --assign LAYER=MULT,...] [--split test|validation]\n"
             "                  [--limit N] [--format table|csv|json]\n"
             "       axevo eval --model FILE.onnx --data SPEC [--normalize MEAN,STD] [--library SPEC ...] [--uniform MULT]",
             "Runs the model in 8 bits with the assigned multipliers and reports top-1/top-5 accuracy\n"
             "(or MSE/PSNR against the float model, `metric:` in the config) beside the float and the\n"
             "exact 8-bit baselines, with per-class accuracy and images per second. Flags override the\n"
             "config's keys (configs/README.md documents them). Layer names: `axevo info MODEL`.\n"
             "Calibration scales are cached in $AXEVO_CACHE_DIR (default ~/.cache/axevo).\n\n"
             "Examples:\n"
             "  axevo eval configs/lenet5.yaml --uniform mul8s_1L2H --library lut:../shared/evoapprox\n"
             "  axevo eval --model models/lenet5.onnx --data fashion-mnist --normalize 0.2860,0.3530 --uniform bw_trunc_k6\n"))
    return 0;
  if (!uniform.empty() && !assign.empty()) throw UsageError("give --uniform or --assign, not both");
  if (split != "test" && split != "validation") throw UsageError("--split must be test or validation, not '" + split + "'");
  if (format != "table" && format != "csv" && format != "json") throw UsageError("--format must be table, csv or json");

  Config c;
  if (!config_file.empty()) c = load_config(config_file);
  if (!model.empty()) c.model = model;
  if (!data.empty()) c.dataset = data;
  if (!normalize.empty()) c.normalize = parse_normalization(normalize);
  if (!libs.libraries.empty()) c.libraries = libs.libraries;
  for (const auto& p : libs.plugin_paths) c.plugin_paths.push_back(p);
  if (c.model.empty()) throw UsageError("eval needs a CONFIG file or --model FILE.onnx");
  if (!uniform.empty()) {
    c.default_assignment = uniform;
    c.layer_assignment.clear();
  }
  if (!assign.empty()) {
    for (const std::string& item : cli::split(assign, ',')) {
      const std::size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
        throw UsageError("--assign: '" + item + "' is not LAYER=MULT");
      c.layer_assignment[item.substr(0, eq)] = item.substr(eq + 1);
    }
  }

  const auto path = PluginSearchPath::standard(std::vector<fs::path>(c.plugin_paths.begin(), c.plugin_paths.end()));
  const Graph graph = load_model(c.model, path);
  if (graph.inputs.size() != 1) throw Error(c.model.string(), 0, "has " + std::to_string(graph.inputs.size()) + " inputs; axevo evaluates single-input models");
  const Dataset ds = load_dataset(c.dataset, path);
  std::vector<std::string> warnings;
  const MultiplierSet set = MultiplierSet::load(c.libraries, path, &warnings);
  for (const auto& w : warnings) warn(w);
  const Multiplier exact = make_multiplier("exact", exact_table());
  auto resolve = [&](const std::string& name) -> const Multiplier* {
    if (name == "float") return nullptr;
    if (name == "exact") return &exact;
    return &set.get(name);
  };

  // The images to evaluate, and the training images to calibrate on.
  const bool has_train = ds.splits.count("train") != 0;
  std::vector<std::size_t> eval_idx, calib_idx;
  const DatasetSplit* eval_split = nullptr;
  const DatasetSplit* calib_split = nullptr;
  IndexSplit carved;
  if (has_train) carved = carve_validation(ds.split("train").count, std::min(c.validation_size, ds.split("train").count), c.validation_seed);
  if (split == "validation") {
    if (!has_train) throw Error("dataset " + ds.spec + " has no training split to carve a validation split from");
    eval_split = &ds.split("train");
    eval_idx = carved.validation;
  } else {
    eval_split = &ds.split("test");
    eval_idx.resize(eval_split->count);
    for (std::size_t i = 0; i < eval_idx.size(); ++i) eval_idx[i] = i;
  }
  if (limit > 0 && limit < eval_idx.size()) eval_idx.resize(limit);
  // The model's input must match the samples.
  Shape input = graph.inputs[0].shape;
  const auto& sample = eval_split->sample_shape;
  bool fits = input.size() == sample.size() + 1;
  for (std::size_t d = 1; fits && d < input.size(); ++d) fits = input[d] < 0 || input[d] == sample[d - 1];
  if (!fits) {
    std::string want, have;
    for (auto v : input) want += (want.empty() ? "" : "x") + (v < 0 ? std::string("?") : std::to_string(v));
    for (auto v : sample) have += "x" + std::to_string(v);
    throw Error(c.model.string(), 0, "input '" + graph.inputs[0].name + "' expects " + want + " but dataset " + ds.spec + " has samples N" + have);
  }
  check_normalization(c.normalize, sample.empty() ? 1 : sample[0]);

  if (has_train) {
    calib_split = &ds.split("train");
    calib_idx.assign(carved.train.begin(), carved.train.begin() + static_cast<std::ptrdiff_t>(std::min(c.calibration_images, carved.train.size())));
  } else {
    warn("dataset " + ds.spec + " has no training split: calibrating on the first images of the evaluated split");
    calib_split = eval_split;
    calib_idx.assign(eval_idx.begin(), eval_idx.begin() + static_cast<std::ptrdiff_t>(std::min(c.calibration_images, eval_idx.size())));
  }

  auto batch_of = [&](const DatasetSplit& s, const std::vector<std::size_t>& idx, std::size_t start, std::size_t n) {
    Shape shape{static_cast<int64_t>(n)};
    shape.insert(shape.end(), s.sample_shape.begin(), s.sample_shape.end());
    Tensor x(DType::Float32, shape);
    std::vector<std::size_t> part(idx.begin() + static_cast<std::ptrdiff_t>(start), idx.begin() + static_cast<std::ptrdiff_t>(start + n));
    fill_batch(s, part, c.normalize, x.f());
    return x;
  };

  // Calibration, cached.
  Executor probe(graph);
  const auto layers = probe.approximable_layer_names();
  const fs::path cache_dir = c.cache_dir.empty() ? default_cache_dir() : c.cache_dir;
  const std::string key = calibration_key(c);
  const fs::path cache_file = cache_dir / ("calibration-" + sha256_hex(key).substr(0, 24) + ".txt");
  Calibration cal;
  if (!read_cached(cache_file, layers, cal)) {
    std::vector<Tensor> batches;
    for (std::size_t s = 0; s < calib_idx.size(); s += c.batch_size)
      batches.push_back(batch_of(*calib_split, calib_idx, s, std::min(c.batch_size, calib_idx.size() - s)));
    cal = calibrate(graph, batches, c.quant);
    std::string text = "# axevo calibration cache\n# " + std::string(key.size() ? "" : "");
    for (char ch : key) text += ch == '\n' ? std::string("\n# ") : std::string(1, ch);
    text += "\n";
    for (const auto& [layer, scale] : cal.activation_scale) text += layer + "\t" + format_number(scale) + "\n";
    std::error_code ec;
    fs::create_directories(cache_dir, ec);
    if (!ec) write_file_atomic(cache_file, text);
  }

  Emulator emu(graph, cal, c.quant);
  // Checks every name before any evaluation.
  // --uniform A,B,C (or all): one uniform run per multiplier after the baselines.
  std::vector<std::string> uniform_list;
  if (c.layer_assignment.empty()) {
    if (c.default_assignment == "all") {
      for (const Multiplier& m : set.all()) uniform_list.push_back(m.name);
    } else {
      for (const std::string& item : cli::split(c.default_assignment, ','))
        if (!item.empty() && item != "exact" && item != "float") uniform_list.push_back(item);
    }
    for (const auto& u : uniform_list) resolve(u);  // unknown names fail before any work
  } else if (c.default_assignment.find(',') != std::string::npos || c.default_assignment == "all") {
    throw Error("assignment default '" + c.default_assignment + "': a list of multipliers needs --uniform without per-layer assignments");
  }
  const Multiplier* default_mult = uniform_list.empty() || !c.layer_assignment.empty() ? resolve(c.default_assignment) : nullptr;
  std::map<std::string, const Multiplier*> chosen;
  for (const auto& l : layers) chosen[l] = default_mult;
  for (const auto& [layer, mult] : c.layer_assignment) {
    if (!chosen.count(layer)) {
      std::string names;
      for (const auto& l : layers) names += (names.empty() ? "" : ", ") + l;
      throw Error("unknown layer '" + layer + "' in the assignment (the model's approximable layers: " + names + ")");
    }
    chosen[layer] = resolve(mult);
  }

  const bool classify = c.metric == "accuracy";
  std::vector<Tensor> reference;  // float outputs, for fidelity metrics
  auto evaluate = [&](const std::string& label, bool keep_reference) {
    Scores s;
    s.class_total.assign(static_cast<std::size_t>(std::max(ds.num_classes, 1)), 0);
    s.class_correct = s.class_total;
    Progress bar(label, eval_idx.size());
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t b = 0;
    for (std::size_t start = 0; start < eval_idx.size(); start += c.batch_size, ++b) {
      const std::size_t n = std::min(c.batch_size, eval_idx.size() - start);
      const Tensor out = emu.run(batch_of(*eval_split, eval_idx, start, n))[0];
      const std::size_t per = static_cast<std::size_t>(out.numel()) / n;
      if (classify) {
        for (std::size_t i = 0; i < n; ++i) {
          const float* row = out.f() + i * per;
          const int32_t label_i = eval_split->labels[eval_idx[start + i]];
          if (label_i < 0) continue;
          std::size_t better = 0;
          for (std::size_t k = 0; k < per; ++k) better += row[k] > row[label_i];
          s.top1 += better == 0;
          s.top5 += better < 5;
          ++s.images;
          if (static_cast<std::size_t>(label_i) < s.class_total.size()) {
            ++s.class_total[static_cast<std::size_t>(label_i)];
            s.class_correct[static_cast<std::size_t>(label_i)] += better == 0;
          }
        }
      } else {
        s.images += n;
        if (keep_reference) {
          reference.push_back(out);
        } else {
          const Tensor& ref = reference.at(b);
          for (int64_t i = 0; i < out.numel(); ++i) {
            const double d = static_cast<double>(out.f()[i]) - ref.f()[i];
            s.squared_error += d * d;
            s.ref_min = std::min<double>(s.ref_min, ref.f()[i]);
            s.ref_max = std::max<double>(s.ref_max, ref.f()[i]);
          }
          s.outputs += static_cast<std::size_t>(out.numel());
        }
      }
      bar.update(start + n);
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
  };

  std::vector<std::pair<std::string, Scores>> rows;
  emu.assign_all(nullptr);
  rows.emplace_back("float", evaluate("float", true));
  emu.assign_all(&exact);
  rows.emplace_back("exact 8-bit", evaluate("exact 8-bit", false));
  if (!c.layer_assignment.empty()) {
    for (const auto& [layer, m] : chosen) emu.assign(layer, m);
    rows.emplace_back("mixed", evaluate("mixed", false));
  }
  for (const auto& u : uniform_list) {
    emu.assign_all(resolve(u));
    rows.emplace_back(u, evaluate(u, false));
  }
  const Scores& main = rows.back().second;

  TextTable t;
  if (classify) t.header = {"assignment", "top1", "top5", "top1_drop", "images", "images_per_s"};
  else t.header = {"assignment", "mse", "psnr_db", "images", "images_per_s"};
  const double float_top1 = rows[0].second.accuracy();
  for (const auto& [label, s] : rows) {
    // People get rounded figures; csv and json the shortest exact form.
    auto num = [&](double v, int digits) { return format == "table" ? format_human(v, digits) : format_number(v); };
    const std::string ips = format_human(s.seconds > 0 ? s.images / s.seconds : 0, 4);
    if (classify)
      t.rows.push_back({label, num(s.accuracy(), 4), num(s.accuracy5(), 4),
                        label == "float" ? "0" : num(float_top1 - s.accuracy(), 3), std::to_string(s.images), ips});
    else
      t.rows.push_back({label, label == "float" ? "0" : num(s.mse(), 4), label == "float" ? "inf" : num(s.psnr(), 4),
                        std::to_string(s.images), ips});
  }
  if (format == "csv") {
    std::cout << t.csv();
    return 0;
  }
  if (format == "json") {
    std::cout << "{\n  \"model\": \"" << c.model.string() << "\",\n  \"dataset\": \"" << ds.spec << "\",\n  \"split\": \"" << split
              << "\",\n  \"results\": [\n";
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      std::cout << "    {";
      for (std::size_t k = 0; k < t.header.size(); ++k)
        std::cout << (k ? ", " : "") << "\"" << t.header[k] << "\": " << (k == 0 ? "\"" + t.rows[r][k] + "\"" : t.rows[r][k] == "inf" ? "null" : t.rows[r][k]);
      std::cout << "}" << (r + 1 < t.rows.size() ? "," : "") << "\n";
    }
    std::cout << "  ]";
    if (classify) {
      std::cout << ",\n  \"per_class_top1\": [";
      for (std::size_t k = 0; k < main.class_total.size(); ++k)
        std::cout << (k ? ", " : "") << format_number(main.class_total[k] ? static_cast<double>(main.class_correct[k]) / main.class_total[k] : 0);
      std::cout << "]";
    }
    std::cout << "\n}\n";
    return 0;
  }
  std::cout << "model    " << c.model.string() << "\ndataset  " << ds.spec << " (" << split << ", " << eval_idx.size()
            << " images)\nquantized: weights " << (c.quant.weights == quant::WeightGranularity::PerTensor ? "per tensor" : "per channel")
            << ", activations per tensor (" << quant::calibration_method_name(c.quant.calibration) << ", " << calib_idx.size()
            << " images), table indexed ["
            << (c.quant.order == kernels::OperandOrder::ActivationFirst ? "activation][weight" : "weight][activation") << "]\n\n";
  std::vector<bool> right(t.header.size(), true);
  right[0] = false;
  std::cout << t.aligned(right);
  if (!c.layer_assignment.empty()) {
    std::cout << "\nassignment:\n";
    for (const auto& l : layers) std::cout << "  " << l << " = " << (chosen[l] ? chosen[l]->name : "float") << "\n";
  }
  if (classify) {
    std::cout << "\nper-class top-1 (" << rows.back().first << "):";
    for (std::size_t k = 0; k < main.class_total.size(); ++k)
      std::cout << (k % 5 == 0 ? "\n  " : "  ") << k << ": "
                << format_human(main.class_total[k] ? static_cast<double>(main.class_correct[k]) / main.class_total[k] : 0, 3);
    std::cout << "\n";
  }
  return 0;
}

}  // namespace axevo::cli
