#include "workload.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "axevo/error.hpp"
#include "axevo/io.hpp"
#include "axevo/model_loader.hpp"
#include "cli.hpp"

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

}  // namespace

Workload::Workload(Config config) : c_(std::move(config)), exact_(make_multiplier("exact", exact_table())) {
  const auto path = PluginSearchPath::standard(std::vector<fs::path>(c_.plugin_paths.begin(), c_.plugin_paths.end()));
  graph_ = load_model(c_.model, path);
  if (graph_.inputs.size() != 1)
    throw Error(c_.model.string(), 0, "has " + std::to_string(graph_.inputs.size()) + " inputs; axevo evaluates single-input models");
  ds_ = load_dataset(c_.dataset, path);
  std::vector<std::string> warnings;
  set_ = MultiplierSet::load(c_.libraries, path, &warnings);
  for (const auto& w : warnings) warn(w);

  has_train_ = ds_.splits.count("train") != 0;
  if (has_train_)
    carved_ = carve_validation(ds_.split("train").count, std::min(c_.validation_size, ds_.split("train").count), c_.validation_seed);
  // The model's input must match the samples.
  const DatasetSplit& any = has_train_ ? ds_.split("train") : ds_.split("test");
  const Shape input = graph_.inputs[0].shape;
  const auto& sample = any.sample_shape;
  bool fits = input.size() == sample.size() + 1;
  for (std::size_t d = 1; fits && d < input.size(); ++d) fits = input[d] < 0 || input[d] == sample[d - 1];
  if (!fits) {
    std::string want, have;
    for (auto v : input) want += (want.empty() ? "" : "x") + (v < 0 ? std::string("?") : std::to_string(v));
    for (auto v : sample) have += "x" + std::to_string(v);
    throw Error(c_.model.string(), 0, "input '" + graph_.inputs[0].name + "' expects " + want + " but dataset " + ds_.spec + " has samples N" + have);
  }
  check_normalization(c_.normalize, sample.empty() ? 1 : sample[0]);

  if (has_train_) {
    calib_split_ = &ds_.split("train");
    calib_idx_.assign(carved_.train.begin(),
                      carved_.train.begin() + static_cast<std::ptrdiff_t>(std::min(c_.calibration_images, carved_.train.size())));
  } else {
    warn("dataset " + ds_.spec + " has no training split: calibrating on the first images of the test split");
    calib_split_ = &ds_.split("test");
    for (std::size_t i = 0; i < std::min(c_.calibration_images, calib_split_->count); ++i) calib_idx_.push_back(i);
  }

  // Calibration, cached.
  Executor probe(graph_);
  layers_ = probe.approximable_layer_names();
  const fs::path cache_dir = c_.cache_dir.empty() ? default_cache_dir() : c_.cache_dir;
  const std::string key = calibration_key(c_);
  const fs::path cache_file = cache_dir / ("calibration-" + sha256_hex(key).substr(0, 24) + ".txt");
  if (!read_cached(cache_file, layers_, cal_)) {
    std::vector<Tensor> batches;
    for (std::size_t s = 0; s < calib_idx_.size(); s += c_.batch_size)
      batches.push_back(batch(*calib_split_, calib_idx_, s, std::min(c_.batch_size, calib_idx_.size() - s)));
    cal_ = calibrate(graph_, batches, c_.quant);
    std::string text = "# axevo calibration cache\n# ";
    for (char ch : key) text += ch == '\n' ? std::string("\n# ") : std::string(1, ch);
    text += "\n";
    for (const auto& [layer, scale] : cal_.activation_scale) text += layer + "\t" + format_number(scale) + "\n";
    std::error_code ec;
    fs::create_directories(cache_dir, ec);
    if (!ec) write_file_atomic(cache_file, text);
  }
}

const Multiplier* Workload::resolve(const std::string& name) const {
  if (name == "float") return nullptr;
  if (name == "exact") return &exact_;
  return &set_.get(name);
}

Tensor Workload::batch(const DatasetSplit& s, const std::vector<std::size_t>& idx, std::size_t start, std::size_t n) const {
  Shape shape{static_cast<int64_t>(n)};
  shape.insert(shape.end(), s.sample_shape.begin(), s.sample_shape.end());
  Tensor x(DType::Float32, shape);
  std::vector<std::size_t> part(idx.begin() + static_cast<std::ptrdiff_t>(start), idx.begin() + static_cast<std::ptrdiff_t>(start + n));
  fill_batch(s, part, c_.normalize, x.f());
  return x;
}

ImageSet Workload::images(const std::string& split, std::size_t limit, bool with_reference) const {
  ImageSet s;
  s.split = split;
  if (split == "validation") {
    if (!has_train_) throw Error("dataset " + ds_.spec + " has no training split to carve a validation split from");
    s.source = &ds_.split("train");
    s.indices = carved_.validation;
  } else if (split == "test") {
    s.source = &ds_.split("test");
    s.indices.resize(s.source->count);
    for (std::size_t i = 0; i < s.indices.size(); ++i) s.indices[i] = i;
  } else {
    throw Error("unknown split '" + split + "' (test or validation)");
  }
  if (limit > 0 && limit < s.indices.size()) s.indices.resize(limit);
  for (std::size_t i : s.indices) s.labels.push_back(s.source->labels[i]);
  for (std::size_t start = 0; start < s.indices.size(); start += c_.batch_size)
    s.batches.push_back(batch(*s.source, s.indices, start, std::min(c_.batch_size, s.indices.size() - start)));
  if (with_reference) {
    Emulator emu(graph_, cal_, c_.quant);  // every layer float
    double lo = INFINITY, hi = -INFINITY;
    for (const Tensor& b : s.batches) {
      s.reference.push_back(emu.run(b)[0]);
      for (float v : s.reference.back().f32) lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
    }
    s.reference_range = hi > lo ? hi - lo : 0;
  }
  return s;
}

void score_batch(const Tensor& out, const int32_t* labels, const Tensor* reference, search::Quality& q,
                 std::vector<std::size_t>* class_total, std::vector<std::size_t>* class_correct) {
  const std::size_t n = static_cast<std::size_t>(out.shape.at(0));
  if (!reference) {
    const std::size_t per = static_cast<std::size_t>(out.numel()) / n;
    for (std::size_t i = 0; i < n; ++i) {
      const float* row = out.f() + i * per;
      const int32_t label = labels[i];
      if (label < 0 || static_cast<std::size_t>(label) >= per) continue;
      std::size_t better = 0;
      for (std::size_t k = 0; k < per; ++k) better += row[k] > row[label];
      q.top1 += better == 0;
      q.top5 += better < 5;
      ++q.images;
      if (class_total && static_cast<std::size_t>(label) < class_total->size()) {
        ++(*class_total)[static_cast<std::size_t>(label)];
        (*class_correct)[static_cast<std::size_t>(label)] += better == 0;
      }
    }
  } else {
    q.images += n;
    for (int64_t i = 0; i < out.numel(); ++i) {
      const double d = static_cast<double>(out.f()[i]) - reference->f()[i];
      q.squared_error += d * d;
    }
    q.outputs += static_cast<std::size_t>(out.numel());
  }
}

EmulatorWorker::EmulatorWorker(const Workload& w, const ImageSet& images, const std::vector<std::string>& layer_order,
                               ActivationCache* cache)
    : images_(images), order_(layer_order), emu_(w.graph(), w.calibration(), w.config().quant), classify_(w.classifies()), cache_(cache) {
  std::size_t first = 0;
  for (const Tensor& t : images_.batches) batch_first_.push_back(first), first += static_cast<std::size_t>(t.shape[0]);
}

search::Quality EmulatorWorker::evaluate(const search::Assignment& a) {
  search::Quality q;
  q.range = images_.reference_range;
  for (std::size_t b = 0; b < images_.batches.size(); ++b) q.add(evaluate_part(a, b));
  return q;
}

search::Quality EmulatorWorker::evaluate_part(const search::Assignment& a, std::size_t b) {
  for (std::size_t l = 0; l < order_.size(); ++l)
    if (emu_.assigned(order_[l]) != a[l]) emu_.assign(order_[l], a[l]);
  search::Quality q;
  q.range = images_.reference_range;
  const Tensor out = cache_ ? cache_->run(emu_, b, images_.batches.at(b))[0] : emu_.run(images_.batches.at(b))[0];
  score_batch(out, images_.labels.data() + batch_first_[b], classify_ ? nullptr : &images_.reference.at(b), q);
  return q;
}

}  // namespace axevo::cli
