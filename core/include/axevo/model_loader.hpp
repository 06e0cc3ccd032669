#pragma once
// Loading a trained network file through a model-frontend plugin chosen by extension
// (".onnx" -> plugin "onnx"), then running the load-time passes and validating the graph.
#include <filesystem>

#include "axevo/graph.hpp"
#include "axevo/plugin.hpp"

namespace axevo {

struct ModelLoadOptions {
  // Opsets the executor is validated for; others are refused with a clear error.  The
  // conformance test widens this to also run ONNX's older test cases (best effort: the
  // operators follow the node's opset where their semantics changed, and old attributes
  // they do not know are reported as unsupported).
  int64_t min_opset = 11;
  int64_t max_opset = 17;
  bool fold_constants = true;
  bool fold_batch_norm = true;
  bool remove_identities = true;
};

// Throws axevo::Error naming the file for an unreadable or inconsistent model, and naming
// the node, its op type and what is missing for an unsupported operator or attribute.
Graph load_model(const std::filesystem::path& file, const PluginSearchPath& path, const ModelLoadOptions& options = {});

// The graph as the frontend described it, without passes or validation.
Graph load_model_raw(const std::filesystem::path& file, const PluginSearchPath& path);

// Reads one tensor file in a frontend's own format (e.g. an ONNX TensorProto .pb) through
// the plugin `frontend`.  Throws axevo::Error.
Tensor read_tensor_file(const std::filesystem::path& file, const PluginSearchPath& path,
                        const std::string& frontend = "onnx");

}  // namespace axevo
