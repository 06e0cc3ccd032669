// axevo info MODEL: the approximable layers of a model.
#include <algorithm>
#include <iostream>

#include "axevo/error.hpp"
#include "axevo/executor.hpp"
#include "axevo/model_loader.hpp"
#include "cli.hpp"

namespace axevo::cli {

namespace {

std::string shape_text(const Shape& s) {
  std::string t;
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? "x" : "") + std::to_string(s[i]);
  return t.empty() ? "scalar" : t;
}

Shape parse_shape(const std::string& text) {
  Shape s;
  std::string normalized = text;
  std::replace(normalized.begin(), normalized.end(), ',', 'x');
  for (const std::string& part : split(normalized, 'x')) {
    try {
      std::size_t used = 0;
      const long long v = std::stoll(part, &used);
      if (used != part.size() || v <= 0) throw std::invalid_argument(part);
      s.push_back(v);
    } catch (const std::exception&) {
      throw UsageError("--input-shape: '" + text + "' is not a shape like 1x1x28x28");
    }
  }
  return s;
}

}  // namespace

int cmd_info(int argc, char** argv) {
  std::string model, shape_arg, format = "table";
  std::vector<std::string> plugin_paths;
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")(
      "input-shape", po::value<std::string>(&shape_arg),
      "shape of one input sample batch, e.g. 1x3x32x32 (default: the model's, with a dynamic batch of 1)")(
      "format,f", po::value<std::string>(&format)->default_value("table"), "table or csv")(
      "plugin-path", po::value<std::vector<std::string>>(&plugin_paths)->composing(), "extra folder to search for plugins");
  po::options_description hidden;
  hidden.add_options()("model", po::value<std::string>(&model));
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse(argc, argv, opts, hidden, pos, vm, "axevo info MODEL.onnx [--input-shape NxCxHxW] [--format table|csv]",
             "Lists the approximable layers (Conv, ConvTranspose, Gemm, MatMul, LSTM) of a model: the name\n"
             "to use in --assign and in configs (the ONNX node name, or <op>_<index> when the node has\n"
             "none), shapes, multiply-accumulates per sample and parameters, with totals.\n\n"
             "Example:\n  axevo info models/lenet5.onnx\n"))
    return 0;
  if (model.empty()) throw UsageError("info needs a MODEL file");
  if (format != "table" && format != "csv") throw UsageError("--format must be table or csv, not '" + format + "'");
  const auto path = PluginSearchPath::standard(std::vector<std::filesystem::path>(plugin_paths.begin(), plugin_paths.end()));
  const Graph graph = load_model(model, path);
  if (graph.inputs.size() != 1) throw Error(model, 0, "has " + std::to_string(graph.inputs.size()) + " inputs; axevo runs single-input models");
  Shape input = graph.inputs[0].shape;
  if (!shape_arg.empty()) {
    input = parse_shape(shape_arg);
  } else {
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (input[i] >= 0) continue;
      if (i != 0) throw Error(model, 0, "input '" + graph.inputs[0].name + "' has dynamic dimension " + std::to_string(i) + "; give --input-shape");
      input[i] = 1;
    }
  }
  const auto layers = approximable_layers(graph, input);
  TextTable t;
  t.header = {"layer", "op", "input", "weight", "output", "macs_per_sample", "params"};
  int64_t macs = 0, params = 0;
  for (const auto& l : layers) {
    t.rows.push_back({l.name, l.op_type, shape_text(l.input_shape), shape_text(l.weight_shape), shape_text(l.output_shape),
                      std::to_string(l.macs_per_sample), std::to_string(l.params)});
    macs += l.macs_per_sample;
    params += l.params;
  }
  if (format == "csv") {
    std::cout << t.csv();
    return 0;
  }
  t.rows.push_back({"total", std::to_string(layers.size()) + " layers", "", "", "", std::to_string(macs), std::to_string(params)});
  std::cout << model << ": input '" << graph.inputs[0].name << "' " << shape_text(input) << ", opset " << graph.opset << "\n\n";
  std::vector<bool> right(t.header.size(), false);
  right[5] = right[6] = true;
  std::cout << t.aligned(right);
  return 0;
}

}  // namespace axevo::cli
