// axevo search / axevo sensitivity on the shipped LeNet-5: outputs, determinism across thread
// counts, reproduction from campaign.yaml, interrupt and resume, config errors, and the
// NSGA-II front against the uniform assignments.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "test_support.hpp"

using namespace axevo;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

// A small LeNet-5 campaign: few validation images and a few builtin multipliers.
std::string campaign(const std::string& search_body, std::size_t validation = 300) {
  return std::string("model: ") + AXEVO_SOURCE_DIR + "/models/lenet5.onnx\n" +
         "dataset:\n  spec: fashion-mnist\n  normalize: {mean: [0.2860], std: [0.3530]}\n  validation: {size: " +
         std::to_string(validation) + ", seed: 1}\n" +
         "quantization:\n  activations: {method: percentile, images: 500}\n"
         "libraries: [builtin]\n"
         "search:\n" +
         search_body;
}

const char* kSmall =
    "  algorithm: nsga2\n"
    "  population: 8\n"
    "  generations: 2\n"
    "  seed: 5\n"
    "  test_images: 500\n"
    "  multipliers: [exact, bw_trunc_k4, bw_trunc_k6, bw_trunc_k8_c, bw_ama5_k6, bw_perf_r1_m1, bw_loa_k8]\n";

fs::path write_config(const fs::path& dir, const std::string& text, const std::string& name = "campaign.yaml") {
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& p) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(test::slurp(p));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(test::split_csv_line(line));
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

}  // namespace

TEST_CASE("axevo search: outputs, byte-identical pareto.csv at 1 and 2 threads and with the activation cache off, reproduced from campaign.yaml",
          "[search][cli]") {
  const fs::path dir = test::scratch("search_determinism");
  const fs::path cfg = write_config(dir, campaign(kSmall));
  // 1 thread without the activation cache; 2 threads with it.
  const auto r1 = test::run_axevo({"search", cfg.string(), "--out", (dir / "t1").string(), "--threads", "1", "--cache-mb", "0"});
  INFO(r1.err);
  REQUIRE(r1.exit_code == 0);
  const auto r2 = test::run_axevo({"search", cfg.string(), "--out", (dir / "t2").string(), "--threads", "2"});
  REQUIRE(r2.exit_code == 0);
  CHECK_THAT(r2.out, Contains("activation cache: "));
  CHECK_THAT(test::slurp(dir / "t2" / "summary.yaml"), Contains("layer_runs_skipped: 0."));
  for (const char* f : {"pareto.csv", "evaluations.csv", "campaign.yaml", "front.svg", "front-all.svg", "summary.yaml"}) {
    CHECK(fs::exists(dir / "t1" / f));
    CHECK(fs::exists(dir / "t2" / f));
  }
  CHECK_FALSE(fs::exists(dir / "t1" / "checkpoint.csv"));
  const std::string p1 = test::slurp(dir / "t1" / "pareto.csv");
  CHECK(p1 == test::slurp(dir / "t2" / "pareto.csv"));
  // campaign.yaml records the cache size (0 against the 2048 default), nothing else differs.
  std::string y1 = test::slurp(dir / "t1" / "campaign.yaml"), y2 = test::slurp(dir / "t2" / "campaign.yaml");
  CHECK(y1.find("cache_mb: 0") != std::string::npos);
  y1.replace(y1.find("cache_mb: 0"), 11, "cache_mb: 2048");
  CHECK(y1 == y2);
  CHECK(test::slurp(dir / "t1" / "front.svg") == test::slurp(dir / "t2" / "front.svg"));

  // The front: documented columns, one per layer, feasible, sorted, non-dominated.
  const auto rows = read_csv(dir / "t1" / "pareto.csv");
  REQUIRE(rows.size() >= 2);
  const auto& h = rows[0];
  for (const char* c : {"accuracy_drop_val", "energy_val", "accuracy_drop_test", "energy_test", "accuracy_val", "accuracy_test", "energy",
                        "area_um2", "distinct_multipliers", "nondominated_on_test", "/features/features.0/Conv", "/classifier/classifier.4/Gemm"})
    CHECK(std::find(h.begin(), h.end(), c) != h.end());
  const std::size_t drop = column(h, "accuracy_drop_val"), energy = column(h, "energy_val");
  for (std::size_t i = 2; i < rows.size(); ++i) {
    // Sorted by accuracy drop; along a 2-objective front energy then falls.
    CHECK(std::stod(rows[i][drop]) > std::stod(rows[i - 1][drop]));
    CHECK(std::stod(rows[i][energy]) < std::stod(rows[i - 1][energy]));
  }
  CHECK(r1.out.find("front: " + std::to_string(rows.size() - 1) + " points") != std::string::npos);
  CHECK_THAT(r1.out, Contains("stay non-dominated on 500 test images"));
  CHECK_THAT(r1.out, Contains("best uniform"));
  // Every evaluation once: no duplicate assignment in evaluations.csv.
  const auto evals = read_csv(dir / "t1" / "evaluations.csv");
  std::set<std::vector<std::string>> assignments;
  const std::size_t first_layer = column(evals[0], "/features/features.0/Conv");
  for (std::size_t i = 1; i < evals.size(); ++i)
    CHECK(assignments.insert(std::vector<std::string>(evals[i].begin() + static_cast<std::ptrdiff_t>(first_layer), evals[i].end())).second);

  // campaign.yaml is a complete config that reproduces the run.
  const std::string yaml = test::slurp(dir / "t1" / "campaign.yaml");
  for (const char* k : {"population: 8", "seed: 5", "multiplier_sha256:", "axevo_version:", "bw_trunc_k4: "}) CHECK_THAT(yaml, Contains(k));
  const auto r3 = test::run_axevo({"search", (dir / "t1" / "campaign.yaml").string(), "--out", (dir / "again").string()});
  INFO(r3.err);
  REQUIRE(r3.exit_code == 0);
  CHECK(test::slurp(dir / "again" / "pareto.csv") == p1);
}

TEST_CASE("axevo search: Ctrl-C writes a checkpoint and --resume ends with the uninterrupted front", "[search][cli]") {
  const fs::path dir = test::scratch("search_resume");
  std::string body = kSmall;
  body.replace(body.find("generations: 2"), 14, "generations: 6");
  const fs::path cfg = write_config(dir, campaign(body));
  const auto full = test::run_axevo({"search", cfg.string(), "--out", (dir / "full").string()});
  INFO(full.err);
  REQUIRE(full.exit_code == 0);

  const fs::path out = dir / "cut";
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string err = (dir / "cut.err").string(), o = (dir / "cut.out").string();
    if (!freopen(err.c_str(), "w", stderr) || !freopen(o.c_str(), "w", stdout)) _exit(126);
    // --quiet: checkpoints are written after every generation all the same.
    execl(AXEVO_BIN, AXEVO_BIN, "search", cfg.c_str(), "--out", out.c_str(), "--quiet", static_cast<char*>(nullptr));
    _exit(127);
  }
  REQUIRE(pid > 0);
  // The checkpoint appears after the initial population; interrupt right then.
  const auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(out / "checkpoint.csv") && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  INFO(test::slurp(dir / "cut.err"));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(fs::exists(out / "checkpoint.csv"));
  CHECK_FALSE(fs::exists(out / "pareto.csv"));
  CHECK_THAT(test::slurp(dir / "cut.err"), Contains("--resume"));  // said even with --quiet

  const auto resumed = test::run_axevo({"search", cfg.string(), "--out", out.string(), "--resume"});
  INFO(resumed.err);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.err, Contains("resuming:"));
  CHECK(test::slurp(out / "pareto.csv") == test::slurp(dir / "full" / "pareto.csv"));
  CHECK_FALSE(fs::exists(out / "checkpoint.csv"));

  // A checkpoint of another campaign is refused.
  const fs::path other = write_config(dir, campaign(std::string(kSmall) + "  initial: random\n"), "other.yaml");
  fs::create_directories(dir / "mixed");
  std::ofstream(dir / "mixed" / "checkpoint.csv") << "campaign_sha256,0000\n";
  const auto bad = test::run_axevo({"search", other.string(), "--out", (dir / "mixed").string(), "--resume"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Contains("checkpoint.csv") && Contains("different campaign"));
}

TEST_CASE("axevo search: a malformed campaign is refused with file and line before any evaluation", "[search][cli]") {
  const fs::path dir = test::scratch("search_errors");
  struct Case {
    std::string body, expect;
  };
  const std::vector<Case> cases{
      {"  algorithm: nsga2\n  populaton: 8\n", "campaign.yaml:11: unknown key 'populaton' in search"},
      {"  population: eight\n", "campaign.yaml:10: search.population must be a whole number"},
      {"  population: 10\n", "campaign.yaml:10: search.population: nsga2 needs a population that is a multiple of 4 and at least 8 (got 10)"},
      {"  objectives: [accuracy_drop, energie]\n", "campaign.yaml:10: search.objectives: unknown objective 'energie'"},
      {"  algorithm: nsga3\n", "campaign.yaml:10: search.algorithm: unknown algorithm 'nsga3'"},
      {"  constraints: {max_accuracy_drop: -0.01}\n", "campaign.yaml:10: search.constraints.max_accuracy_drop: no assignment can meet -0.01"},
      {"  constraints: {max_distinct_multipliers: 1}\n  layers: {/features/features.0/Conv: bw_trunc_k4, /features/features.3/Conv: bw_trunc_k6}\n",
       "campaign.yaml:10: search.constraints.max_distinct_multipliers: no assignment can meet 1: the pinned layers alone use 2"},
      {"  layers: {conv9: [exact, bw_trunc_k4]}\n", "campaign.yaml:10: search.layers: unknown layer 'conv9'"},
      {"  multipliers: [exact, bw_trunc_k44]\n", "campaign.yaml:10: search.multipliers: unknown multiplier 'bw_trunc_k44'"},
      {"  algorithm: exhaustive\n  budget: 100\n", "campaign.yaml: search: exhaustive: the space has 601692057 assignments, more than the limit of 100"},
  };
  for (const auto& c : cases) {
    const fs::path cfg = write_config(dir, campaign(c.body));
    const fs::path out = dir / "out";
    const auto r = test::run_axevo({"search", cfg.string(), "--out", out.string()});
    INFO(c.body << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains(c.expect));
    CHECK_FALSE(fs::exists(out));  // nothing written, nothing evaluated
  }
}

TEST_CASE("axevo sensitivity: one row per layer and multiplier, and a heat map", "[search][cli]") {
  const fs::path dir = test::scratch("sensitivity");
  const fs::path cfg = write_config(dir, campaign(kSmall));
  const auto r = test::run_axevo({"sensitivity", cfg.string(), "--out", dir.string(), "--limit", "200"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(dir / "sensitivity.csv");
  REQUIRE(rows.size() == 1 + 5 * 7);  // 5 layers x 7 multipliers
  const std::size_t drop = column(rows[0], "accuracy_drop"), mult = column(rows[0], "multiplier");
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i][mult] == "exact") CHECK(std::stod(rows[i][drop]) == 0.0);  // exact everywhere = the baseline
  const std::string svg = test::slurp(dir / "sensitivity.svg");
  std::size_t cells = 0;
  for (std::size_t p = svg.find("class=\"cell\""); p != std::string::npos; p = svg.find("class=\"cell\"", p + 1)) ++cells;
  CHECK(cells == 5 * 7);
}

TEST_CASE("axevo search: on LeNet-5 the NSGA-II front beats the best uniform assignment at 1% accuracy drop", "[search][cli][slow]") {
  // A small budget: 1,000 validation images, population 16, 12 generations, 20 builtin multipliers.
  const fs::path dir = test::scratch("search_vs_uniform");
  const std::string body =
      "  algorithm: nsga2\n  population: 16\n  generations: 12\n  seed: 1\n  test_images: 1000\n"
      "  multipliers: [exact, bw_trunc_k5, bw_trunc_k6, bw_trunc_k7, bw_trunc_k8, bw_trunc_k5_c, bw_trunc_k6_c, bw_trunc_k7_c,\n"
      "                bw_trunc_k8_c, bw_trunc_k9_c, bw_bam_h1_v5, bw_bam_h2_v4, bw_perf_r0_m1, bw_perf_r1_m1, bw_ama2_k8,\n"
      "                bw_ama5_k6, bw_ama5_k8, bw_ama5_k10, bw_loa_k6, bw_loa_k8]\n";
  const fs::path cfg = write_config(dir, campaign(body, 1000));
  const auto r = test::run_axevo({"search", cfg.string(), "--out", (dir / "out").string()});
  INFO(r.err << r.out);
  REQUIRE(r.exit_code == 0);
  // Saving at 1% drop on validation: the front's best against the best uniform assignment's.
  auto best_saving = [](const std::vector<std::vector<std::string>>& rows, bool uniform_only, const std::string& drop_col) {
    const auto& h = rows[0];
    const std::size_t d = column(h, drop_col), e = column(h, "energy");
    const std::size_t gen = uniform_only ? column(h, "generation") : 0;
    double best = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      if (uniform_only && rows[i][gen] != "reference") continue;
      if (std::stod(rows[i][d]) <= 0.01 + 1e-12) best = std::max(best, 1 - std::stod(rows[i][e]));
    }
    return best;
  };
  const double front = best_saving(read_csv(dir / "out" / "pareto.csv"), false, "accuracy_drop_val");
  const double uniform = best_saving(read_csv(dir / "out" / "evaluations.csv"), true, "accuracy_drop");
  INFO("front saving " << front << ", best uniform " << uniform);
  CHECK(uniform > 0.05);
  CHECK(front > uniform + 0.01);  // at least one point of energy better
}
