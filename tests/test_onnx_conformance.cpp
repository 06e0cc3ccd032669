// ONNX's own backend test cases (Debian's libonnx-testdata) through the ONNX frontend and
// the float executor: every case whose operators, attributes and data types are supported
// must match the expected outputs (rtol 1e-4, atol 1e-5).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>

#include "axevo/error.hpp"
#include "axevo/executor.hpp"
#include "axevo/model_loader.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace axevo;

namespace {

const fs::path kTestData = "/usr/share/libonnx-testdata/data";

// A short reason for a skipped case, from the loader's message.
std::string skip_reason(const std::string& message) {
  std::smatch m;
  if (std::regex_search(message, m, std::regex("unsupported operator (\\S+)"))) return "operator " + m[1].str();
  if (std::regex_search(message, m, std::regex("opset (\\d+) is not supported"))) return "opset " + m[1].str();
  if (std::regex_search(message, m, std::regex("\\((\\w+), opset \\d+\\): unsupported attribute '(\\w+)'")))
    return m[1].str() + " attribute " + m[2].str();
  if (std::regex_search(message, m, std::regex("\\((\\w+), opset \\d+\\): (.*)"))) return m[1].str() + ": " + m[2].str();
  if (message.find("data type") != std::string::npos) return "data type";
  if (message.find("operator domain") != std::string::npos) return "operator domain";
  if (message.find("not a tensor") != std::string::npos) return "non-tensor value";
  return message.substr(message.find(": ") == std::string::npos ? 0 : message.find(": ") + 2);
}

// Empty when equal within tolerance, else what differs.
std::string compare(const Tensor& got, const Tensor& want) {
  if (got.dtype != want.dtype) return "type " + dtype_name(got.dtype) + " instead of " + dtype_name(want.dtype);
  if (got.shape != want.shape) return "shape " + shape_string(got.shape) + " instead of " + shape_string(want.shape);
  for (int64_t k = 0; k < want.numel(); ++k) {
    if (want.dtype == DType::Int64) {
      if (got.i()[k] != want.i()[k]) return "element " + std::to_string(k) + ": " + std::to_string(got.i()[k]) + " instead of " + std::to_string(want.i()[k]);
      continue;
    }
    const float a = got.f()[k], b = want.f()[k];
    if (std::isnan(b) && std::isnan(a)) continue;
    if (a == b) continue;  // also equal infinities
    if (!(std::fabs(a - b) <= 1e-5f + 1e-4f * std::fabs(b)))
      return "element " + std::to_string(k) + ": " + std::to_string(a) + " instead of " + std::to_string(b);
  }
  return "";
}

std::vector<fs::path> sorted_entries(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    // input_10 after input_9
    const auto sa = a.filename().string(), sb = b.filename().string();
    return sa.size() != sb.size() ? sa.size() < sb.size() : sa < sb;
  });
  return out;
}

}  // namespace

TEST_CASE("onnx conformance: backend test cases through the float executor", "[onnx][conformance]") {
  if (!fs::is_directory(kTestData / "node"))
    FAIL("ONNX's backend test data is missing (" << kTestData.string()
                                                 << "): install the Debian package libonnx-testdata (apt-get install libonnx-testdata)");
  const auto plugins = test::plugin_path();
  // Also ONNX's cases for older opsets (best effort, see ModelLoadOptions).
  ModelLoadOptions options;
  options.min_opset = 1;
  int legacy = 0;
  int found = 0, applicable = 0, passed = 0;
  std::map<std::string, int> skipped;
  std::map<std::string, int> skipped_ops;  // op types of the skipped cases
  const bool verbose = std::getenv("AXEVO_CONFORMANCE_VERBOSE") != nullptr;  // lists every skipped case
  auto note_ops = [&](const fs::path& model, const std::string& why) {
    if (verbose) std::printf("skipped %s: %s\n", model.parent_path().filename().c_str(), why.c_str());
    try {
      std::set<std::string> ops;
      for (const auto& n : load_model_raw(model, plugins).nodes) ops.insert(n.op_type);
      for (const auto& op : ops) ++skipped_ops[op];
    } catch (const Error&) {
      ++skipped_ops["(unreadable)"];
    }
  };
  std::vector<std::string> failures;
  for (const char* suite : {"node", "pytorch-converted"}) {
    for (const auto& dir : sorted_entries(kTestData / suite, "test_")) {
      const fs::path model = dir / "model.onnx";
      if (!fs::exists(model)) continue;
      ++found;
      const std::string name = std::string(suite) + "/" + dir.filename().string();
      Graph g;
      try {
        g = load_model(model, plugins, options);
      } catch (const Error& e) {
        ++skipped[skip_reason(e.what())];
        note_ops(model, e.what());
        continue;
      }
      // Read every data set first: a data type we cannot represent makes the case inapplicable.
      struct DataSet {
        std::map<std::string, Tensor> inputs;
        std::vector<Tensor> outputs;
      };
      std::vector<DataSet> sets;
      std::string unreadable;
      for (const auto& set_dir : sorted_entries(dir, "test_data_set_")) {
        DataSet ds;
        try {
          const auto ins = sorted_entries(set_dir, "input_");
          std::size_t k = 0;
          for (const auto& in : g.inputs) {
            if (k >= ins.size()) break;
            ds.inputs[in.name] = read_tensor_file(ins[k++], plugins);
          }
          for (const auto& out : sorted_entries(set_dir, "output_")) ds.outputs.push_back(read_tensor_file(out, plugins));
        } catch (const Error& e) {
          unreadable = e.what();
          break;
        }
        sets.push_back(std::move(ds));
      }
      if (!unreadable.empty()) {
        ++skipped[unreadable.find("data type") != std::string::npos ? "data type" : skip_reason(unreadable)];
        note_ops(model, unreadable);
        continue;
      }
      ++applicable;
      std::string problem;
      try {
        const Executor exec(g);
        for (std::size_t s = 0; s < sets.size() && problem.empty(); ++s) {
          const auto got = exec.run(sets[s].inputs);
          if (sets[s].outputs.size() > g.outputs.size()) problem = "more expected outputs than graph outputs";
          for (std::size_t k = 0; k < sets[s].outputs.size() && problem.empty(); ++k) {
            const std::string diff = compare(got.at(g.outputs[k]), sets[s].outputs[k]);
            if (!diff.empty()) problem = "data set " + std::to_string(s) + ", output '" + g.outputs[k] + "': " + diff;
          }
        }
      } catch (const std::exception& e) {
        problem = e.what();
      }
      if (g.opset < 11) ++legacy;
      if (problem.empty()) ++passed;
      else failures.push_back(name + ": " + problem);
    }
  }
  std::printf("ONNX conformance: %d cases found, %d applicable (%d of them with opset < 11), %d passed\n", found, applicable, legacy,
              passed);
  std::vector<std::pair<int, std::string>> reasons;
  for (const auto& [reason, count] : skipped) reasons.emplace_back(count, reason);
  std::sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::printf("skipped (%d):", found - applicable);
  for (const auto& [count, reason] : reasons) std::printf(" %s x%d;", reason.c_str(), count);
  std::printf("\n");
  std::printf("operators in the skipped cases:");
  for (const auto& [op, count] : skipped_ops) std::printf(" %s x%d;", op.c_str(), count);
  std::printf("\n");
  for (const auto& f : failures) std::printf("FAILED %s\n", f.c_str());
  CHECK(found > 0);
  CHECK(failures.empty());
  CHECK(passed == applicable);
}
