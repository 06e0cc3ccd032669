// The search library on a synthetic network whose quality is a known function of the
// assignment: space, costs, penalty, memoization, determinism across thread counts, resume,
// and the algorithms against the exhaustive front.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <random>
#include <set>

#include "axevo/error.hpp"
#include "axevo/search/campaign.hpp"

using namespace axevo;
using namespace axevo::search;
using Catch::Matchers::Contains;

namespace {

// Multipliers t0 (exact) .. t5: the table truncates k low bits of the product; power falls with k.
struct Fixture {
  std::vector<Multiplier> mults;
  CostTable hw;
  std::vector<LayerOptions> layers;
  Fixture(int nlayers = 4, int nmults = 6) {
    mults.reserve(static_cast<std::size_t>(nmults));
    for (int k = 0; k < nmults; ++k) {
      Table t;
      for (int a = -128; a < 128; ++a)
        for (int b = -128; b < 128; ++b) t[table_index(a, b)] = static_cast<int16_t>(((a * b) >> (2 * k)) * (1 << (2 * k)));
      mults.push_back(make_multiplier("t" + std::to_string(k), t));
    }
    for (int k = 0; k < nmults; ++k) hw.set(&mults[static_cast<std::size_t>(k)], {0.4 - 0.05 * k, 700.0 - 60 * k, "test"});
    hw.exact = &mults[0];
    for (int l = 0; l < nlayers; ++l) {
      LayerOptions lo;
      lo.name = "layer" + std::to_string(l);
      lo.macs = 1000 * (l + 1);
      for (auto& m : mults) lo.options.push_back(&m);
      layers.push_back(lo);
    }
  }
};

// Quality: 10,000 images; each layer loses correct images in proportion to its multiplier's
// truncation and to a per-layer sensitivity (deeper layers are more sensitive).
class SyntheticWorker : public QualityWorker {
 public:
  explicit SyntheticWorker(std::atomic<int>* calls) : calls_(calls) {}
  Quality evaluate(const Assignment& a) override {
    ++*calls_;
    Quality q;
    q.images = 10000;
    long lost = 0;
    for (std::size_t l = 0; l < a.size(); ++l) {
      if (!a[l]) continue;
      const int k = a[l]->name[1] - '0';
      lost += static_cast<long>((l + 1) * k * k * 7);
    }
    q.top1 = static_cast<std::size_t>(std::max(0L, 9500 - lost));
    q.top5 = q.top1;
    return q;
  }

 private:
  std::atomic<int>* calls_;
};

// The same kind of quality as three parts (image batches) that the Evaluator may run part by
// part; each part's counts and error depend on the part.
class PartedWorker : public QualityWorker {
 public:
  explicit PartedWorker(std::atomic<int>* calls) : calls_(calls) {}
  Quality evaluate(const Assignment& a) override {
    Quality q;
    for (std::size_t p = 0; p < parts(); ++p) q.add(evaluate_part(a, p));
    return q;
  }
  std::size_t parts() const override { return 3; }
  Quality evaluate_part(const Assignment& a, std::size_t part) override {
    ++*calls_;
    Quality q;
    q.images = 1000;
    long lost = 0;
    for (std::size_t l = 0; l < a.size(); ++l)
      if (a[l]) lost += static_cast<long>((l + 1) * (part + 1) * (a[l]->name[1] - '0'));
    q.top1 = static_cast<std::size_t>(std::max(0L, 950 - lost));
    q.top5 = q.top1;
    q.squared_error = 0.1 * static_cast<double>(lost) + 0.01 * static_cast<double>(part);
    q.outputs = 10000;
    return q;
  }

 private:
  std::atomic<int>* calls_;
};

WorkerFactory synthetic(std::atomic<int>* calls) {
  return [calls]() -> std::unique_ptr<QualityWorker> { return std::make_unique<SyntheticWorker>(calls); };
}

ObjectiveSet accuracy_energy(double baseline = 0.95) {
  ObjectiveSet o;
  o.objectives = {Objective::AccuracyDrop, Objective::Energy};
  o.baseline_accuracy = baseline;
  return o;
}

std::vector<std::vector<double>> objective_vectors(const std::vector<const Evaluation*>& v) {
  std::vector<std::vector<double>> out;
  for (const Evaluation* e : v) out.push_back(e->objectives);
  return out;
}

}  // namespace

TEST_CASE("search: pinned layers are not genes; decode and encode are inverse", "[search]") {
  Fixture f;
  f.layers[1].options = {&f.mults[2]};  // pinned
  f.layers[3].options = {nullptr, &f.mults[0], &f.mults[4]};  // float allowed
  SearchSpace s(f.layers);
  REQUIRE(s.genes() == 3);
  CHECK(s.gene_layers() == std::vector<std::size_t>{0, 2, 3});
  CHECK(s.size() == 6.0 * 6 * 3);
  const Assignment a = s.decode({5, 1, 0});
  CHECK(a[0] == &f.mults[5]);
  CHECK(a[1] == &f.mults[2]);
  CHECK(a[2] == &f.mults[1]);
  CHECK(a[3] == nullptr);
  CHECK(s.encode(a) == Genome{5, 1, 0});
  Assignment bad = a;
  bad[1] = &f.mults[3];  // not allowed on the pinned layer
  CHECK_FALSE(s.encode(bad).has_value());
  for (auto& l : f.layers) l.options.resize(1);
  CHECK_THROWS_WITH(SearchSpace(f.layers), Contains("nothing to search"));
}

TEST_CASE("search: energy, area and distinct multipliers of an assignment", "[search]") {
  Fixture f(3);
  f.layers[2].options.push_back(nullptr);
  SearchSpace s(f.layers);
  // layer MACs 1000, 2000, 3000; powers 0.4, 0.35, ...; areas 700, 640, ...
  Costs c = assignment_costs(s, {&f.mults[0], &f.mults[0], &f.mults[0]}, f.hw);
  CHECK(c.energy == Approx(1.0));
  CHECK(c.area_um2 == Approx(700));
  CHECK(c.distinct == 1);
  c = assignment_costs(s, {&f.mults[2], &f.mults[0], &f.mults[2]}, f.hw);
  CHECK(c.energy == Approx((1000 * 0.3 + 2000 * 0.4 + 3000 * 0.3) / (6000 * 0.4)));
  CHECK(c.area_um2 == Approx(700 + 580));
  CHECK(c.distinct == 2);
  // A float layer is outside the 8-bit accelerator: out of both sums.
  c = assignment_costs(s, {&f.mults[1], &f.mults[1], nullptr}, f.hw);
  CHECK(c.energy == Approx(0.35 / 0.4));
  CHECK(c.distinct == 1);
}

TEST_CASE("search: infeasible points are dominated by every feasible one and never on the front", "[search]") {
  ObjectiveSet o = accuracy_energy(0.9);
  o.constraints.max_accuracy_drop = 0.02;
  o.constraints.max_distinct_multipliers = 2;
  auto make = [&](std::size_t top1, double energy, int distinct, std::size_t id) {
    Evaluation e;
    e.id = id;
    e.quality.images = 1000;
    e.quality.top1 = top1;
    e.costs.energy = energy;
    e.costs.distinct = distinct;
    o.score(e);
    return e;
  };
  const Evaluation good = make(890, 0.9, 1, 0);       // drop 0.01
  const Evaluation cheap_bad = make(850, 0.2, 1, 1);  // drop 0.05: violates by 0.03
  const Evaluation worse_bad = make(800, 0.1, 1, 2);  // violates by 0.08
  const Evaluation too_many = make(900, 0.5, 3, 3);   // 3 distinct > 2: violates by 1
  CHECK(good.feasible());
  CHECK(cheap_bad.violation == Approx(0.03));
  CHECK(too_many.violation == Approx(1));
  CHECK(cheap_bad.raw[1] == 0.2);  // raw values kept for reports
  CHECK(dominates(good.objectives, cheap_bad.objectives));
  CHECK(dominates(cheap_bad.objectives, worse_bad.objectives));
  const auto front = pareto_front({&cheap_bad, &worse_bad, &good, &too_many});
  REQUIRE(front.size() == 1);
  CHECK(front[0]->id == 0);
}

TEST_CASE("search: the evaluator memoizes and gives the same results at 1 and 2 threads", "[search]") {
  Fixture f;
  SearchSpace s(f.layers);
  std::atomic<int> calls1{0}, calls2{0};
  Evaluator e1(s, accuracy_energy(), f.hw, synthetic(&calls1), 1);
  Evaluator e2(s, accuracy_energy(), f.hw, synthetic(&calls2), 2);
  std::vector<Genome> batch{{0, 0, 0, 0}, {1, 2, 3, 4}, {0, 0, 0, 0}, {5, 5, 5, 5}, {1, 2, 3, 4}, {2, 0, 1, 0}};
  const auto r1 = e1.evaluate(batch);
  const auto r2 = e2.evaluate(batch);
  CHECK(calls1 == 4);
  CHECK(calls2 == 4);
  CHECK(e1.hits() == 2);
  REQUIRE(r1.size() == 6);
  CHECK(r1[0] == r1[2]);
  for (std::size_t i = 0; i < r1.size(); ++i) {
    CHECK(r1[i]->id == r2[i]->id);
    CHECK(r1[i]->objectives == r2[i]->objectives);
  }
  e1.evaluate({{1, 2, 3, 4}});
  CHECK(calls1 == 4);
  CHECK(e1.all().size() == 4);
  // 0.95 - (9500 - (1*1*7 + 2*4*7 + 3*9*7 + 4*16*7)) / 10000
  CHECK(r1[1]->accuracy_drop == Approx(0.95 - (9500 - 7 * (1 + 8 + 27 + 64)) / 10000.0));
}

TEST_CASE("search: nsga2 gives the same archive and front at 1 and 2 threads, and stays within the exhaustive front", "[search]") {
  Fixture f(4, 5);
  SearchSpace s(f.layers);
  AlgorithmOptions a;
  a.population = 16;
  a.generations = 8;
  a.seed = 7;
  std::atomic<int> c1{0}, c2{0}, cx{0};
  Evaluator e1(s, accuracy_energy(), f.hw, synthetic(&c1), 1);
  Evaluator e2(s, accuracy_energy(), f.hw, synthetic(&c2), 2);
  int generations_seen = 0;
  const auto r1 = run_campaign(e1, a, [&](const Progress& p) { generations_seen = p.generation; });
  const auto r2 = run_campaign(e2, a, nullptr);
  CHECK(generations_seen == 8);
  CHECK(objective_vectors(r1.archive) == objective_vectors(r2.archive));
  CHECK(objective_vectors(r1.front) == objective_vectors(r2.front));
  CHECK(c1 == static_cast<int>(e1.all().size()));  // never the same genome twice

  // Exhaustive: 5^4 = 625 assignments; no nsga2 point may dominate a true front point, and
  // every nsga2 front point is either on the true front or dominated by it.
  AlgorithmOptions x;
  x.name = "exhaustive";
  Evaluator ex(s, accuracy_energy(), f.hw, synthetic(&cx), 2);
  const auto rx = run_campaign(ex, x, nullptr);
  CHECK(rx.archive.size() == 625);
  for (const Evaluation* p : r1.front)
    for (const Evaluation* t : rx.front) CHECK_FALSE(dominates(p->objectives, t->objectives));
  std::size_t on_true = 0;
  for (const Evaluation* p : r1.front)
    for (const Evaluation* t : rx.front) on_true += p->objectives == t->objectives;
  CHECK(on_true >= r1.front.size() / 2);  // nsga2 finds most of this small front
}

TEST_CASE("search: an interrupted campaign resumed from its evaluations ends with the same front", "[search]") {
  Fixture f(4, 5);
  SearchSpace s(f.layers);
  for (const std::string algo : {"nsga2", "random", "moead"}) {
    AlgorithmOptions a;
    a.name = algo;
    a.population = 12;
    a.generations = 6;
    a.seed = 3;
    std::atomic<int> calls{0};
    Evaluator full(s, accuracy_energy(), f.hw, synthetic(&calls), 2);
    const auto ref = run_campaign(full, a, nullptr);

    // Stop after generation 2 (the flag is checked before each new evaluation).
    std::atomic<bool> stop{false};
    std::atomic<int> calls_a{0};
    Evaluator first(s, accuracy_energy(), f.hw, synthetic(&calls_a), 2);
    first.set_stop_flag(&stop);
    CHECK_THROWS_AS(run_campaign(first, a, [&](const Progress& p) { if (p.generation == 2) stop = true; }), Interrupted);
    const std::size_t done = first.all().size();
    CHECK(done < full.all().size());

    std::atomic<int> calls_b{0};
    Evaluator second(s, accuracy_energy(), f.hw, synthetic(&calls_b), 2);
    for (const Evaluation& e : first.all()) {
      Evaluation copy;
      copy.genome = e.genome;
      copy.quality = e.quality;
      copy.costs = e.costs;
      copy.generation = e.generation;
      second.preload(copy);
    }
    const auto resumed = run_campaign(second, a, nullptr);
    INFO(algo);
    CHECK(objective_vectors(resumed.front) == objective_vectors(ref.front));
    CHECK(objective_vectors(resumed.archive) == objective_vectors(ref.archive));
    CHECK(static_cast<std::size_t>(calls_b.load()) == full.all().size() - done);  // only the rest evaluated
  }
}

TEST_CASE("search: every algorithm runs and returns a feasible, non-dominated front", "[search]") {
  Fixture f(4, 5);
  SearchSpace s(f.layers);
  for (const auto& name : algorithm_names()) {
    AlgorithmOptions a;
    a.name = name;
    a.population = 8;
    a.generations = 3;
    a.budget = name == "exhaustive" ? 0 : 0;
    std::atomic<int> calls{0};
    ObjectiveSet o = accuracy_energy();
    o.constraints.max_accuracy_drop = 0.2;
    Evaluator ev(s, o, f.hw, synthetic(&calls), 2);
    const auto r = run_campaign(ev, a, nullptr);
    INFO(name);
    CHECK(!r.front.empty());
    CHECK(r.archive.size() <= planned_evaluations(a, s));
    for (const Evaluation* p : r.front) {
      CHECK(p->feasible());
      for (const Evaluation* q : r.archive) CHECK_FALSE(dominates(q->objectives, p->objectives));
    }
    if (name == "uniform") CHECK(r.archive.size() == 5);
    if (name == "random") CHECK(r.archive.size() == 8 * 4);
  }
}

TEST_CASE("search: algorithm options that pagmo would refuse are errors before any evaluation", "[search]") {
  Fixture f(3, 4);
  SearchSpace s(f.layers);
  AlgorithmOptions a;
  a.population = 10;
  CHECK_THROWS_WITH(validate(a, s, 2), Contains("multiple of 4"));
  a.population = 4;
  CHECK_THROWS_WITH(validate(a, s, 2), Contains("at least 8"));
  a.population = 8;
  CHECK_NOTHROW(validate(a, s, 2));
  CHECK_THROWS_WITH(validate(a, s, 1), Contains("two objectives"));
  a.name = "nsga3";
  CHECK_THROWS_WITH(validate(a, s, 2), Contains("unknown algorithm 'nsga3'"));
  a.name = "exhaustive";
  a.budget = 10;  // 4^3 = 64 > 10
  CHECK_THROWS_WITH(validate(a, s, 2), Contains("64 assignments"));
}

TEST_CASE("search: hypervolume of a known front", "[search]") {
  Evaluation a, b;
  a.objectives = {0.0, 0.5};
  b.objectives = {0.5, 0.0};
  // Union of [0,1]x[0.5,1] and [0.5,1]x[0,1]: 0.5 + 0.5 - 0.25.
  CHECK(hypervolume({&a, &b}, {1.0, 1.0}) == Approx(0.75));
  Evaluation out;
  out.objectives = {2.0, 0.0};  // outside the reference box: ignored
  CHECK(hypervolume({&a, &b, &out}, {1.0, 1.0}) == Approx(0.75));
}

TEST_CASE("search: a worker with parts is run part by part with the results of whole evaluations, at any thread count", "[search]") {
  Fixture f(4, 5);
  SearchSpace s(f.layers);
  std::mt19937 rng(3);
  std::vector<Genome> genomes;
  for (int i = 0; i < 23; ++i) {
    Genome g(s.genes());
    for (std::size_t k = 0; k < g.size(); ++k) g[k] = std::uniform_int_distribution<int>(0, s.options(k) - 1)(rng);
    genomes.push_back(g);
  }
  genomes.push_back(genomes[4]);  // a repeat: answered from memory
  std::atomic<int> reference_calls{0};
  PartedWorker reference(&reference_calls);
  for (unsigned threads : {1u, 2u, 3u}) {
    std::atomic<int> calls{0};
    Evaluator ev(s, accuracy_energy(), f.hw, [&calls]() -> std::unique_ptr<QualityWorker> { return std::make_unique<PartedWorker>(&calls); },
                 threads);
    std::size_t progress_calls = 0, last = 0;
    bool monotonic = true;
    ev.on_progress = [&](std::size_t done, std::size_t) { ++progress_calls, monotonic &= done >= last, last = done; };
    const auto r = ev.evaluate(genomes);
    INFO(threads << " threads");
    REQUIRE(r.size() == genomes.size());
    const std::set<Genome> distinct(genomes.begin(), genomes.end());
    CHECK(calls.load() == static_cast<int>(3 * distinct.size()));  // every part of every new genome once
    CHECK(monotonic);
    CHECK(progress_calls > 0);
    for (std::size_t i = 0; i < genomes.size(); ++i) {
      CHECK(r[i]->genome == genomes[i]);
      const Quality q = reference.evaluate(s.decode(genomes[i]));
      CHECK(r[i]->quality.images == q.images);
      CHECK(r[i]->quality.top1 == q.top1);
      CHECK(r[i]->quality.squared_error == q.squared_error);
      CHECK(r[i]->quality.outputs == q.outputs);
    }
    for (std::size_t k = 0; k < ev.all().size(); ++k) CHECK(ev.all()[k].id == k);  // ids in request order
    CHECK(ev.all()[0].genome == genomes[0]);
  }
}

TEST_CASE("search: an error in one part of a parted evaluation ends the call and keeps no partial genome", "[search]") {
  struct FailingWorker : PartedWorker {
    using PartedWorker::PartedWorker;
    Quality evaluate_part(const Assignment& a, std::size_t part) override {
      if (part == 2) throw Error("part 2 failed");
      return PartedWorker::evaluate_part(a, part);
    }
  };
  Fixture f(4, 5);
  SearchSpace s(f.layers);
  std::vector<Genome> genomes;
  for (int i = 0; i < 5; ++i) genomes.push_back(Genome(s.genes(), i % s.options(0)));
  for (unsigned threads : {1u, 2u}) {
    std::atomic<int> calls{0};
    Evaluator ev(s, accuracy_energy(), f.hw, [&calls]() -> std::unique_ptr<QualityWorker> { return std::make_unique<FailingWorker>(&calls); },
                 threads);
    INFO(threads << " threads");
    CHECK_THROWS_WITH(ev.evaluate(genomes), Catch::Contains("part 2 failed"));
    CHECK(ev.all().empty());
  }
}

TEST_CASE("search: the greedy walk follows the sensitivity and lowers energy at every step", "[search]") {
  Fixture f(4, 5);
  SearchSpace s(f.layers);
  std::atomic<int> calls{0};
  Evaluator ev(s, accuracy_energy(), f.hw, synthetic(&calls), 1);
  const Sensitivity sens = sensitivity(ev, &f.mults[0]);
  REQUIRE(sens.cell.size() == 4);
  // Layer l with t_k loses (l+1)*k*k*7 images.
  CHECK(sens.cell[2][3]->quality.top1 == 9500 - 3 * 9 * 7);
  AlgorithmOptions a;
  a.name = "greedy";
  const auto r = run_campaign(ev, a, nullptr);
  // Each walk step is cheaper than the one before.
  const auto& walk = r.walk;
  REQUIRE(walk.size() >= 4);
  for (std::size_t i = 1; i < walk.size(); ++i) CHECK(walk[i]->costs.energy < walk[i - 1]->costs.energy);
  // The first step has the smallest loss per saved energy: t1 on layer 0 (7 images for 1000 MACs
  // x 0.05 mW) ties with t1 on layer 3 (28 images for 4000 MACs); the larger saving wins a tie.
  CHECK(walk[0]->genome == Genome{0, 0, 0, 1});
  CHECK(walk[1]->genome == Genome{0, 0, 1, 1});
}
