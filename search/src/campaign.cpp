#include "axevo/search/campaign.hpp"

#include <pagmo/algorithm.hpp>
#include <pagmo/algorithms/maco.hpp>
#include <pagmo/algorithms/moead.hpp>
#include <pagmo/algorithms/nsga2.hpp>
#include <pagmo/algorithms/nspso.hpp>
#include <pagmo/batch_evaluators/member_bfe.hpp>
#include <pagmo/bfe.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <pagmo/utils/hypervolume.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "axevo/error.hpp"

namespace axevo::search {

uint64_t Rng::next() {
  uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

int Rng::below(int n) {
  const uint64_t un = static_cast<uint64_t>(n);
  const uint64_t limit = UINT64_MAX - UINT64_MAX % un;
  uint64_t v;
  do v = next();
  while (v >= limit);
  return static_cast<int>(v % un);
}

const std::vector<std::string>& algorithm_names() {
  static const std::vector<std::string> names{"nsga2", "moead", "nspso", "maco", "uniform", "random", "greedy", "exhaustive"};
  return names;
}

namespace {

std::string count_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, v < 1e15 ? "%.0f" : "%.3g", v);
  return buf;
}

bool is_pagmo(const std::string& n) { return n == "nsga2" || n == "moead" || n == "nspso" || n == "maco"; }

// The genomes an algorithm asked for, in first-request order.
struct Archive {
  Evaluator* ev = nullptr;
  std::vector<const Evaluation*> list;
  std::set<std::size_t> ids;
  std::vector<const Evaluation*> ask(const std::vector<Genome>& genomes) {
    auto r = ev->evaluate(genomes);
    for (const Evaluation* e : r)
      if (ids.insert(e->id).second) list.push_back(e);
    return r;
  }
};

// The pagmo user-defined problem.  Copies share the archive (pagmo copies problems freely).
struct AssignmentProblem {
  Archive* archive = nullptr;
  bool integer = true;
  std::size_t nobj = 2;

  Genome genome(const double* x) const {
    const SearchSpace& s = archive->ev->space();
    Genome g(s.genes());
    for (std::size_t k = 0; k < g.size(); ++k) {
      const int n = s.options(k);
      const double v = integer ? std::round(x[k]) : std::floor(x[k]);
      g[k] = std::clamp(static_cast<int>(v), 0, n - 1);
    }
    return g;
  }
  pagmo::vector_double fitness(const pagmo::vector_double& x) const { return archive->ask({genome(x.data())})[0]->objectives; }
  pagmo::vector_double batch_fitness(const pagmo::vector_double& dvs) const {
    const std::size_t n = archive->ev->space().genes();
    std::vector<Genome> gs;
    for (std::size_t i = 0; i + n <= dvs.size(); i += n) gs.push_back(genome(dvs.data() + i));
    pagmo::vector_double f;
    for (const Evaluation* e : archive->ask(gs)) f.insert(f.end(), e->objectives.begin(), e->objectives.end());
    return f;
  }
  bool has_batch_fitness() const { return true; }
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
    const SearchSpace& s = archive->ev->space();
    pagmo::vector_double lb(s.genes(), 0.0), ub(s.genes());
    for (std::size_t k = 0; k < s.genes(); ++k) ub[k] = integer ? s.options(k) - 1 : s.options(k);
    return {lb, ub};
  }
  pagmo::vector_double::size_type get_nobj() const { return nobj; }
  pagmo::vector_double::size_type get_nix() const { return integer ? archive->ev->space().genes() : 0; }
  std::string get_name() const { return "axevo per-layer multiplier assignment"; }
};

std::vector<double> to_x(const Genome& g, bool integer) {
  std::vector<double> x(g.size());
  for (std::size_t k = 0; k < g.size(); ++k) x[k] = g[k] + (integer ? 0.0 : 0.5);
  return x;
}

Genome random_genome(const SearchSpace& s, Rng& rng) {
  Genome g(s.genes());
  for (std::size_t k = 0; k < g.size(); ++k) g[k] = rng.below(s.options(k));
  return g;
}

const Hardware& hardware_of(const Evaluator& ev, const Multiplier* m) { return ev.hardware().get(m); }

}  // namespace

Genome base_genome(const SearchSpace& space, const Multiplier* exact) {
  Genome g(space.genes(), 0);
  for (std::size_t k = 0; k < g.size(); ++k) {
    const auto& opts = space.layers()[space.gene_layers()[k]].options;
    const auto it = std::find(opts.begin(), opts.end(), exact);
    if (it != opts.end()) g[k] = static_cast<int>(it - opts.begin());
  }
  return g;
}

std::vector<Labelled> uniform_genomes(const SearchSpace& space, const Multiplier* exact) {
  const Genome base = base_genome(space, exact);
  std::vector<const Multiplier*> order;  // first appearance over the layers' option lists
  for (std::size_t k = 0; k < space.genes(); ++k)
    for (const Multiplier* m : space.layers()[space.gene_layers()[k]].options)
      if (std::find(order.begin(), order.end(), m) == order.end()) order.push_back(m);
  std::vector<Labelled> out;
  for (const Multiplier* m : order) {
    Genome g = base;
    for (std::size_t k = 0; k < g.size(); ++k) {
      const auto& opts = space.layers()[space.gene_layers()[k]].options;
      const auto it = std::find(opts.begin(), opts.end(), m);
      if (it != opts.end()) g[k] = static_cast<int>(it - opts.begin());
    }
    out.push_back({m ? m->name : "float", g});
  }
  return out;
}

std::size_t planned_evaluations(const AlgorithmOptions& a, const SearchSpace& space) {
  const double size = space.size();
  if (a.name == "exhaustive") return static_cast<std::size_t>(size);
  if (a.name == "uniform") return uniform_genomes(space, nullptr).size();
  std::size_t n = a.budget ? a.budget : static_cast<std::size_t>(a.population) * (a.generations + 1);
  if (a.name == "greedy" && !a.budget) {
    std::size_t cells = 1;
    for (std::size_t k = 0; k < space.genes(); ++k) cells += static_cast<std::size_t>(space.options(k) - 1);
    n = 2 * cells;  // the sensitivity matrix, then at most as many walk steps
  }
  if (is_pagmo(a.name) && a.initial == "uniform") n += uniform_genomes(space, nullptr).size() + 1;
  return static_cast<std::size_t>(std::min<double>(static_cast<double>(n), size));
}

void validate(const AlgorithmOptions& a, const SearchSpace& space, std::size_t nobj) {
  const auto& names = algorithm_names();
  if (std::find(names.begin(), names.end(), a.name) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown algorithm '" + a.name + "' (algorithms: " + list + ")");
  }
  if (nobj < 2) throw Error("a search needs at least two objectives");
  if (a.initial != "uniform" && a.initial != "random") throw Error("initial population must be uniform or random, not '" + a.initial + "'");
  const std::string p = std::to_string(a.population);
  if (a.name == "nsga2") {
    if (a.population < 8 || a.population % 4) throw Error("nsga2 needs a population that is a multiple of 4 and at least 8 (got " + p + ")");
    if (!(a.crossover >= 0 && a.crossover < 1)) throw Error("nsga2 crossover probability must be in [0, 1)");
    if (!(a.eta_c >= 1 && a.eta_c < 100) || !(a.eta_m >= 1 && a.eta_m < 100)) throw Error("nsga2 eta_c and eta_m must be in [1, 100)");
    if (a.mutation >= 0 && a.mutation > 1) throw Error("nsga2 mutation probability must be in [0, 1]");
  }
  if (a.name == "moead") {
    if (a.population < 3) throw Error("moead needs a population of at least 3 (got " + p + ")");
    if (nobj > 2 && a.population < nobj) throw Error("moead needs a population of at least the number of objectives");
  }
  if (a.name == "nspso" && a.population < 2) throw Error("nspso needs a population of at least 2 (got " + p + ")");
  if (a.name == "maco" && a.population < 2) throw Error("maco needs a population of at least 2 (got " + p + ")");
  if (is_pagmo(a.name) && a.generations < 1) throw Error(a.name + " needs at least one generation");
  if (a.name == "exhaustive") {
    const double limit = a.budget ? static_cast<double>(a.budget) : 1e6;
    if (space.size() > limit)
      throw Error("exhaustive: the space has " + count_text(space.size()) + " assignments, more than the limit of " +
                  std::to_string(static_cast<std::size_t>(limit)) + " (set search.budget, pin layers or restrict their multipliers)");
  }
  if ((a.name == "random" || a.name == "greedy") && a.budget == 0 && a.population * (a.generations + 1ull) == 0)
    throw Error(a.name + " needs a budget (search.budget, or population and generations)");
}

Sensitivity sensitivity(Evaluator& ev, const Multiplier* exact) {
  const SearchSpace& s = ev.space();
  Sensitivity out;
  out.base = base_genome(s, exact);
  std::vector<Genome> all{out.base};
  for (std::size_t k = 0; k < s.genes(); ++k)
    for (int o = 0; o < s.options(k); ++o) {
      Genome g = out.base;
      g[k] = o;
      all.push_back(g);
    }
  const auto r = ev.evaluate(all);
  std::size_t i = 1;
  out.cell.resize(s.genes());
  for (std::size_t k = 0; k < s.genes(); ++k)
    for (int o = 0; o < s.options(k); ++o) out.cell[k].push_back(r[i++]);
  return out;
}

CampaignResult run_campaign(Evaluator& ev, const AlgorithmOptions& a, const std::function<void(const Progress&)>& on_generation) {
  const SearchSpace& space = ev.space();
  validate(a, space, ev.objectives().objectives.size());
  Archive archive;
  archive.ev = &ev;
  Rng rng(a.seed);
  const Multiplier* exact = ev.hardware().exact;
  auto report = [&](int gen, int gens) {
    if (on_generation) on_generation(Progress{gen, gens, archive.list.size()});
  };
  const std::size_t budget = planned_evaluations(a, space);
  std::vector<const Evaluation*> walk;

  if (a.name == "uniform") {
    ev.set_generation(0);
    std::vector<Genome> gs;
    for (const auto& u : uniform_genomes(space, exact)) gs.push_back(u.genome);
    archive.ask(gs);
    report(0, 0);
  } else if (a.name == "exhaustive") {
    Genome g(space.genes(), 0);
    std::vector<Genome> batch;
    int gen = 0;
    bool more = true;
    while (more) {
      batch.push_back(g);
      std::size_t k = 0;  // mixed-radix increment
      while (k < g.size() && ++g[k] == space.options(k)) g[k++] = 0;
      more = k < g.size();
      if (batch.size() == 256 || !more) {
        ev.set_generation(gen);
        archive.ask(batch);
        batch.clear();
        report(gen++, 0);
      }
    }
  } else if (a.name == "random") {
    int gen = 0;
    const unsigned chunk = std::max(1u, a.population);
    std::size_t draws = 0;
    while (archive.list.size() < budget && draws < 100 * budget + 1000) {
      std::vector<Genome> batch;
      std::set<Genome> in_batch;
      while (batch.size() < std::min<std::size_t>(chunk, budget - archive.list.size()) && draws < 100 * budget + 1000) {
        Genome g = random_genome(space, rng);
        ++draws;
        if (ev.find(g) && archive.ids.count(ev.find(g)->id)) continue;
        if (in_batch.insert(g).second) batch.push_back(g);
      }
      ev.set_generation(gen);
      archive.ask(batch);
      report(gen++, 0);
    }
  } else if (a.name == "greedy") {
    ev.set_generation(0);
    const Sensitivity sens = sensitivity(ev, exact);
    archive.ask({sens.base});
    for (const auto& row : sens.cell)
      for (const Evaluation* e : row)
        if (archive.ids.insert(e->id).second) archive.list.push_back(e);
    report(0, 0);
    // Walk from the base: each step takes the single-gene change with the smallest predicted
    // accuracy loss per unit of energy saved (predicted from the layer's sensitivity).
    Genome cur = sens.base;
    int gen = 1;
    const double base_drop = archive.list.front()->accuracy_drop;
    while (archive.list.size() < budget) {
      double best = INFINITY;
      std::size_t bk = 0;
      int bo = -1;
      for (std::size_t k = 0; k < space.genes(); ++k) {
        const auto& opts = space.layers()[space.gene_layers()[k]].options;
        const Multiplier* now = opts[static_cast<std::size_t>(cur[k])];
        const double p_now = now ? hardware_of(ev, now).power_mw : hardware_of(ev, exact).power_mw;
        for (int o = 0; o < space.options(k); ++o) {
          if (!opts[static_cast<std::size_t>(o)]) continue;
          const double saved = static_cast<double>(space.layers()[space.gene_layers()[k]].macs) *
                               (p_now - hardware_of(ev, opts[static_cast<std::size_t>(o)]).power_mw);
          if (saved <= 0) continue;
          const double loss = std::max(0.0, sens.cell[k][static_cast<std::size_t>(o)]->accuracy_drop - base_drop) -
                              std::max(0.0, sens.cell[k][static_cast<std::size_t>(cur[k])]->accuracy_drop - base_drop);
          const double score = (loss + 1e-9) / saved;  // the 1e-9: of two equal ratios, the larger saving
          if (score < best) best = score, bk = k, bo = o;
        }
      }
      if (bo < 0) break;
      cur[bk] = bo;
      ev.set_generation(gen);
      walk.push_back(archive.ask({cur})[0]);
      report(gen++, 0);
    }
  } else {
    // pagmo algorithms.
    const bool integer = a.name == "nsga2" || a.name == "maco";
    AssignmentProblem udp;
    udp.archive = &archive;
    udp.integer = integer;
    udp.nobj = ev.objectives().objectives.size();
    pagmo::problem prob{udp};
    const unsigned seed = static_cast<unsigned>(a.seed & 0xffffffffu);
    pagmo::algorithm algo;
    if (a.name == "nsga2") {
      const double m = a.mutation >= 0 ? a.mutation : 1.0 / static_cast<double>(space.genes());
      pagmo::nsga2 n(1u, a.crossover, a.eta_c, m, a.eta_m, seed);
      n.set_bfe(pagmo::bfe{pagmo::member_bfe{}});
      algo = pagmo::algorithm{n};
    } else if (a.name == "moead") {
      const unsigned t = std::min(a.neighbours, a.population - 1);
      const std::string weights = udp.nobj == 2 ? "grid" : "low discrepancy";
      algo = pagmo::algorithm{pagmo::moead(1u, weights, "tchebycheff", t, 1.0, 0.5, 20., 0.9, 2u, true, seed)};
    } else if (a.name == "nspso") {
      pagmo::nspso n(1u, 0.6, 0.01, 0.5, 0.5, 0.5, 2u, "crowding distance", true, seed);
      n.set_bfe(pagmo::bfe{pagmo::member_bfe{}});
      algo = pagmo::algorithm{n};
    } else {
      pagmo::maco n(1u, std::min(a.kernel, a.population), 1.0, 1u, 7u, 0u, 0., true, seed);
      n.set_bfe(pagmo::bfe{pagmo::member_bfe{}});
      algo = pagmo::algorithm{n};
    }
    // Initial population: evaluated as one batch, then handed to pagmo with its fitness.
    std::vector<Genome> init;
    std::set<Genome> seen;
    if (a.initial == "uniform") {
      // The all-exact assignment and the non-dominated uniform assignments (at most half the
      // population, best first along the front), the rest random.
      ev.set_generation(0);
      const Genome base = base_genome(space, exact);
      std::vector<Genome> uni{base};
      for (const auto& u : uniform_genomes(space, exact)) uni.push_back(u.genome);
      const auto evaluated = archive.ask(uni);
      init.push_back(base);
      seen.insert(base);
      for (const Evaluation* e : pareto_front(evaluated))
        if (init.size() < std::max(1u, a.population / 2) && seen.insert(e->genome).second) init.push_back(e->genome);
    }
    std::size_t tries = 0;
    while (init.size() < a.population) {
      Genome g = random_genome(space, rng);
      if (seen.insert(g).second || ++tries > 1000) init.push_back(g);
    }
    ev.set_generation(0);
    const auto first = archive.ask(init);
    pagmo::population pop{prob, 0u, seed};
    for (std::size_t i = 0; i < init.size(); ++i) pop.push_back(to_x(init[i], integer), first[i]->objectives);
    report(0, static_cast<int>(a.generations));
    for (unsigned g = 1; g <= a.generations; ++g) {
      ev.set_generation(static_cast<int>(g));
      try {
        pop = algo.evolve(pop);
      } catch (const Interrupted&) {
        throw;
      } catch (const Error&) {
        throw;
      } catch (const std::exception& e) {
        // pagmo wraps exceptions thrown inside fitness; an interruption must stay one.
        if (std::string(e.what()).find("interrupted") != std::string::npos) throw Interrupted();
        throw Error(a.name + " (pagmo): " + e.what());
      }
      report(static_cast<int>(g), static_cast<int>(a.generations));
    }
  }
  CampaignResult r;
  r.walk = walk;
  r.archive = archive.list;
  r.front = pareto_front(r.archive);
  return r;
}

double hypervolume(const std::vector<const Evaluation*>& front, const std::vector<double>& reference) {
  std::vector<pagmo::vector_double> pts;
  for (const Evaluation* e : front) {
    bool inside = e->feasible();
    for (std::size_t i = 0; inside && i < reference.size(); ++i) inside = e->objectives[i] < reference[i];
    if (inside) pts.push_back(e->objectives);
  }
  if (pts.empty()) return 0;
  return pagmo::hypervolume(pts, false).compute(reference);
}

}  // namespace axevo::search
