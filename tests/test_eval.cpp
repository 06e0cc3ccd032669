// axevo eval from the command line: results, the calibration cache, configs and every kind
// of bad input (a clear message, exit 1).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>

#include "axevo/io.hpp"
#include "test_support.hpp"

using axevo::test::run_axevo;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {
const std::string kSrc = AXEVO_SOURCE_DIR;

fs::path use_scratch_cache(const std::string& name) {
  const auto dir = axevo::test::scratch(name);
  ::setenv("AXEVO_CACHE_DIR", dir.c_str(), 1);
  return dir;
}
}  // namespace

TEST_CASE("eval: a config with --uniform reports float, exact 8-bit and the assignment", "[eval][cli]") {
  const auto cache = use_scratch_cache("eval_cache");
  const std::vector<std::string> args = {"eval", kSrc + "/configs/lenet5.yaml", "--uniform", "bw_trunc_k5_c", "--limit",
                                         "500", "--format", "csv"};
  const auto r = run_axevo(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = axevo::test::parse_csv(r.out);
  REQUIRE(rows.size() == 3);
  CHECK(axevo::test::cell(rows[0], "assignment") == "float");
  CHECK(axevo::test::cell(rows[1], "assignment") == "exact 8-bit");
  CHECK(axevo::test::cell(rows[2], "assignment") == "bw_trunc_k5_c");
  const double float_top1 = std::stod(axevo::test::cell(rows[0], "top1"));
  const double exact_top1 = std::stod(axevo::test::cell(rows[1], "top1"));
  CHECK(float_top1 > 0.85);
  CHECK(std::abs(float_top1 - exact_top1) <= 0.01);
  for (const auto& row : rows) CHECK(axevo::test::cell(row, "images") == "500");
  // The calibration went to the cache; a second run reads it and gives the same numbers.
  std::size_t cached = 0;
  for (const auto& e : fs::directory_iterator(cache)) cached += e.path().filename().string().rfind("calibration-", 0) == 0;
  CHECK(cached == 1);
  const auto again = run_axevo(args);
  REQUIRE(again.exit_code == 0);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (const char* k : {"top1", "top5", "top1_drop"})
      CHECK(axevo::test::cell(axevo::test::parse_csv(again.out)[i], k) == axevo::test::cell(rows[i], k));
}

TEST_CASE("eval: a mixed per-layer assignment without a config", "[eval][cli]") {
  use_scratch_cache("eval_mixed");
  const auto r = run_axevo({"eval", "--model", kSrc + "/models/lenet5.onnx", "--data", "fashion-mnist", "--normalize",
                            "0.2860,0.3530", "--library", "lut:" + axevo::test::evoapprox_dir().string(), "--assign",
                            "/features/features.0/Conv=mul8s_1KV8,/classifier/classifier.0/Gemm=mul8s_1L2H", "--limit", "300",
                            "--split", "validation"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("mixed") && Contains("/classifier/classifier.0/Gemm = mul8s_1L2H") &&
                        Contains("/features/features.3/Conv = exact") && Contains("validation, 300 images") &&
                        Contains("per-class top-1"));
}

TEST_CASE("eval: bad configs and inputs are one clear error each", "[eval][cli][errors]") {
  use_scratch_cache("eval_errors");
  const auto dir = axevo::test::scratch("eval_bad_configs");
  auto config = [&](const std::string& name, const std::string& text) {
    axevo::write_file_atomic(dir / name, text);
    return (dir / name).string();
  };
  const std::string model = "model: " + kSrc + "/models/lenet5.onnx\n";
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {{"eval", config("typo.yaml", model + "datset:\n  spec: fashion-mnist\n")}, {"typo.yaml:2", "unknown key 'datset'"}},
      {{"eval", config("type.yaml", model + "batch_size: lots\n")}, {"type.yaml:2", "batch_size must be a whole number"}},
      {{"eval", config("metric.yaml", model + "metric: acuracy\n")}, {"metric.yaml:2", "metric must be accuracy, mse or psnr"}},
      {{"eval", config("method.yaml", model + "quantization:\n  activations: {method: kl}\n")}, {"method.yaml:3", "max, percentile, entropy or mse"}},
      {{"eval", config("yaml.yaml", model + "dataset: [unclosed\n")}, {"yaml.yaml:", "malformed YAML"}},
      {{"eval", config("nomodel.yaml", "metric: accuracy\n")}, {"nomodel.yaml", "missing key 'model'"}},
      {{"eval", kSrc + "/configs/lenet5.yaml", "--assign", "/conv9/Conv=exact", "--limit", "10"},
       {"unknown layer '/conv9/Conv'", "/features/features.0/Conv"}},
      {{"eval", kSrc + "/configs/lenet5.yaml", "--uniform", "bw_trunc_k44", "--limit", "10"},
       {"unknown multiplier 'bw_trunc_k44'", "did you mean"}},
      {{"eval", "--model", kSrc + "/models/lenet5.onnx", "--data",
        "npy:" + kSrc + "/tests/data/npy/x_f32.npy," + kSrc + "/tests/data/npy/y_i64.npy"},
       {"lenet5.onnx", "expects ?x1x28x28", "Nx3x2x2"}},
      {{"eval", "--model", kSrc + "/models/lenet5.onnx", "--data", "idx:/no/such/dataset"}, {"/no/such/dataset", "no such folder"}},
      {{"eval", "--model", (dir / "missing.onnx").string(), "--data", "fashion-mnist"}, {"missing.onnx"}},
      {{"eval", "--model", kSrc + "/models/lenet5.onnx", "--data", "fashion-mnist", "--normalize", "0.1,0.2,0.3:1,1"},
       {"normalization", "3 mean values but 2 std values"}},
  };
  for (const auto& c : cases) {
    const auto r = run_axevo(c.args);
    INFO(c.args[1] << "\n" << r.err);
    CHECK(r.exit_code == 1);
    for (const auto& e : c.expected) CHECK_THAT(r.err, Contains(e));
  }
  // A truncated model file.
  const std::string onnx = axevo::read_file(kSrc + "/models/lenet5.onnx");
  axevo::write_file_atomic(dir / "half.onnx", onnx.substr(0, onnx.size() / 2));
  const auto r = run_axevo({"eval", "--model", (dir / "half.onnx").string(), "--data", "fashion-mnist"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("half.onnx"));
  // Usage errors exit 2.
  CHECK(run_axevo({"eval", "--uniform", "exact", "--assign", "a=b", "--model", "x.onnx"}).exit_code == 2);
  CHECK(run_axevo({"eval", "--split", "train", "--model", "x.onnx"}).exit_code == 2);
}

TEST_CASE("eval: --uniform with a list gives one row per multiplier after the baselines", "[eval][cli]") {
  use_scratch_cache("eval_list");
  const auto r = run_axevo({"eval", kSrc + "/configs/lenet5.yaml", "--uniform", "bw_trunc_k2,bw_exact,exact", "--limit", "200",
                            "--format", "csv"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = axevo::test::parse_csv(r.out);
  REQUIRE(rows.size() == 4);  // float, exact 8-bit, bw_trunc_k2, bw_exact ("exact" is the baseline row)
  CHECK(axevo::test::cell(rows[2], "assignment") == "bw_trunc_k2");
  // bw_exact is the exact circuit: the same accuracy as the exact baseline.
  CHECK(axevo::test::cell(rows[3], "top1") == axevo::test::cell(rows[1], "top1"));
}

TEST_CASE("eval: a generator's fidelity against float as MSE and PSNR", "[eval][cli]") {
  use_scratch_cache("eval_psnr");
  const auto r = run_axevo({"eval", kSrc + "/configs/dcgan.yaml", "--uniform", "bw_trunc_k4,bw_trunc_k8", "--limit", "200",
                            "--format", "csv"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = axevo::test::parse_csv(r.out);
  REQUIRE(rows.size() == 4);
  CHECK(axevo::test::cell(rows[0], "mse") == "0");
  const double exact_psnr = std::stod(axevo::test::cell(rows[1], "psnr_db"));
  const double k4 = std::stod(axevo::test::cell(rows[2], "psnr_db"));
  const double k8 = std::stod(axevo::test::cell(rows[3], "psnr_db"));
  CHECK(exact_psnr > 35);  // 8-bit exact stays close to the float generator
  CHECK(k4 < exact_psnr);  // coarser multipliers lose fidelity, monotonically here
  CHECK(k8 < k4);
  // PSNR and MSE agree: PSNR = 10 log10(range^2 / MSE) with the same range for every row.
  const double mse1 = std::stod(axevo::test::cell(rows[1], "mse")), mse3 = std::stod(axevo::test::cell(rows[3], "mse"));
  CHECK(exact_psnr - k8 == Approx(10 * std::log10(mse3 / mse1)).margin(1e-6));
}
