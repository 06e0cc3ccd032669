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
#include "workload.hpp"

namespace axevo::cli {

namespace fs = std::filesystem;

namespace {

struct Scores : search::Quality {
  std::vector<std::size_t> class_total, class_correct;
  double seconds = 0;
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
  po::variables_map vm;
  if (!parse_with_config(argc, argv, opts, config_file, vm,
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
  apply_library_options(libs, c);
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

  const Workload w(c);
  const auto& layers = w.layers();
  auto resolve = [&](const std::string& name) { return w.resolve(name); };
  const MultiplierSet& set = w.multipliers();
  const ImageSet images = w.images(split, limit, !w.classifies());
  Emulator emu(w.graph(), w.calibration(), c.quant);
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

  const bool classify = w.classifies();
  auto evaluate = [&](const std::string& label) {
    Scores s;
    s.class_total.assign(static_cast<std::size_t>(std::max(w.dataset().num_classes, 1)), 0);
    s.class_correct = s.class_total;
    s.range = images.reference_range;
    Progress bar(label, images.indices.size());
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t first = 0;
    for (std::size_t b = 0; b < images.batches.size(); ++b) {
      const Tensor out = emu.run(images.batches[b])[0];
      score_batch(out, images.labels.data() + first, classify ? nullptr : &images.reference[b], s, &s.class_total, &s.class_correct);
      first += static_cast<std::size_t>(images.batches[b].shape[0]);
      bar.update(first);
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
  };

  std::vector<std::pair<std::string, Scores>> rows;
  emu.assign_all(nullptr);
  rows.emplace_back("float", evaluate("float"));
  emu.assign_all(&w.exact());
  rows.emplace_back("exact 8-bit", evaluate("exact 8-bit"));
  if (!c.layer_assignment.empty()) {
    for (const auto& [layer, m] : chosen) emu.assign(layer, m);
    rows.emplace_back("mixed", evaluate("mixed"));
  }
  for (const auto& u : uniform_list) {
    emu.assign_all(resolve(u));
    rows.emplace_back(u, evaluate(u));
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
      t.rows.push_back({label, num(s.accuracy(), 4), num(s.top5_accuracy(), 4),
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
    std::cout << "{\n  \"model\": \"" << c.model.string() << "\",\n  \"dataset\": \"" << w.dataset().spec << "\",\n  \"split\": \"" << split
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
  std::cout << "model    " << c.model.string() << "\ndataset  " << w.dataset().spec << " (" << split << ", " << images.indices.size()
            << " images)\nquantized: weights " << (c.quant.weights == quant::WeightGranularity::PerTensor ? "per tensor" : "per channel")
            << ", activations per tensor (" << quant::calibration_method_name(c.quant.calibration) << ", " << w.calibration_images()
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
