#include "axevo/search/problem.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <stdexcept>
#include <thread>

#include "axevo/error.hpp"

namespace axevo::search {

// ---- space -----------------------------------------------------------------------------------

SearchSpace::SearchSpace(std::vector<LayerOptions> layers) : layers_(std::move(layers)) {
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    if (layers_[l].options.empty()) throw Error("layer " + layers_[l].name + " has no allowed multiplier");
    if (layers_[l].options.size() > 1) genes_.push_back(l);
  }
  if (genes_.empty()) throw Error("nothing to search: every layer is pinned to one choice");
}

Assignment SearchSpace::decode(const Genome& g) const {
  if (g.size() != genes_.size()) throw std::invalid_argument("genome has " + std::to_string(g.size()) + " genes, expected " + std::to_string(genes_.size()));
  Assignment a(layers_.size());
  for (std::size_t l = 0; l < layers_.size(); ++l) a[l] = layers_[l].options[0];
  for (std::size_t k = 0; k < genes_.size(); ++k) {
    const auto& opts = layers_[genes_[k]].options;
    if (g[k] < 0 || static_cast<std::size_t>(g[k]) >= opts.size()) throw std::invalid_argument("gene out of range");
    a[genes_[k]] = opts[static_cast<std::size_t>(g[k])];
  }
  return a;
}

std::optional<Genome> SearchSpace::encode(const Assignment& a) const {
  if (a.size() != layers_.size()) return std::nullopt;
  Genome g(genes_.size());
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const auto& opts = layers_[l].options;
    const auto it = std::find(opts.begin(), opts.end(), a[l]);
    if (it == opts.end()) return std::nullopt;
    const auto pos = std::find(genes_.begin(), genes_.end(), l);
    if (pos != genes_.end()) g[static_cast<std::size_t>(pos - genes_.begin())] = static_cast<int>(it - opts.begin());
  }
  return g;
}

double SearchSpace::size() const {
  double s = 1;
  for (std::size_t k = 0; k < genes_.size(); ++k) s *= options(k);
  return s;
}

// ---- cost ------------------------------------------------------------------------------------

const Hardware* CostTable::find(const Multiplier* m) const {
  auto it = hw_.find(m);
  return it == hw_.end() ? nullptr : &it->second;
}

const Hardware& CostTable::get(const Multiplier* m) const {
  if (const Hardware* h = find(m)) return *h;
  throw Error("multiplier '" + (m ? m->name : std::string("float")) + "' has no known power and area (neither published nor from a netlist)");
}

Costs assignment_costs(const SearchSpace& space, const Assignment& a, const CostTable& hw) {
  Costs c;
  double num = 0, den = 0;
  std::set<const Multiplier*> used;
  const double p_exact = hw.get(hw.exact).power_mw;
  for (std::size_t l = 0; l < a.size(); ++l) {
    if (!a[l]) continue;  // float layers are outside the 8-bit accelerator
    const double macs = static_cast<double>(space.layers()[l].macs);
    num += macs * hw.get(a[l]).power_mw;
    den += macs * p_exact;
    used.insert(a[l]);
  }
  c.energy = den > 0 ? num / den : 0;
  c.distinct = static_cast<int>(used.size());
  // Sum in name order so the total does not depend on pointer values.
  std::vector<const Multiplier*> sorted(used.begin(), used.end());
  std::sort(sorted.begin(), sorted.end(), [](const Multiplier* x, const Multiplier* y) { return x->name < y->name; });
  for (const Multiplier* m : sorted) c.area_um2 += hw.get(m).area_um2;
  return c;
}

// ---- quality & objectives --------------------------------------------------------------------

double Quality::psnr() const {
  const double m = mse();
  return m > 0 ? 10 * std::log10(range * range / m) : INFINITY;
}

Objective parse_objective(const std::string& name) {
  if (name == "accuracy_drop") return Objective::AccuracyDrop;
  if (name == "energy") return Objective::Energy;
  if (name == "area") return Objective::Area;
  if (name == "distinct_multipliers") return Objective::DistinctMultipliers;
  if (name == "mse") return Objective::Mse;
  if (name == "psnr") return Objective::Psnr;
  throw std::invalid_argument("unknown objective '" + name + "' (objectives: accuracy_drop, energy, area, distinct_multipliers, mse, psnr)");
}

std::string objective_name(Objective o) {
  switch (o) {
    case Objective::AccuracyDrop: return "accuracy_drop";
    case Objective::Energy: return "energy";
    case Objective::Area: return "area";
    case Objective::DistinctMultipliers: return "distinct_multipliers";
    case Objective::Mse: return "mse";
    case Objective::Psnr: return "psnr";
  }
  return "?";
}

std::string objective_label(Objective o) {
  switch (o) {
    case Objective::AccuracyDrop: return "top-1 accuracy drop";
    case Objective::Energy: return "multiplication energy (relative to exact 8-bit)";
    case Objective::Area: return "multiplier area (um^2, one unit per type)";
    case Objective::DistinctMultipliers: return "distinct multipliers";
    case Objective::Mse: return "MSE vs float outputs";
    case Objective::Psnr: return "-PSNR vs float outputs (dB)";
  }
  return "?";
}

bool objective_is_fidelity(Objective o) { return o == Objective::Mse || o == Objective::Psnr; }

void ObjectiveSet::score(Evaluation& e) const {
  e.accuracy_drop = baseline_accuracy - e.quality.accuracy();
  e.raw.clear();
  for (Objective o : objectives) {
    switch (o) {
      case Objective::AccuracyDrop: e.raw.push_back(e.accuracy_drop); break;
      case Objective::Energy: e.raw.push_back(e.costs.energy); break;
      case Objective::Area: e.raw.push_back(e.costs.area_um2); break;
      case Objective::DistinctMultipliers: e.raw.push_back(e.costs.distinct); break;
      case Objective::Mse: e.raw.push_back(e.quality.mse()); break;
      case Objective::Psnr: e.raw.push_back(-e.quality.psnr()); break;
    }
  }
  e.violation = 0;
  if (constraints.max_accuracy_drop) e.violation += std::max(0.0, e.accuracy_drop - *constraints.max_accuracy_drop);
  if (constraints.max_distinct_multipliers)
    e.violation += std::max(0, e.costs.distinct - *constraints.max_distinct_multipliers);
  e.objectives = e.raw;
  if (e.violation > 0)
    for (double& v : e.objectives) v = kInfeasible + e.violation;
}

// ---- evaluator -------------------------------------------------------------------------------

Evaluator::Evaluator(const SearchSpace& space, ObjectiveSet objectives, const CostTable& hw, WorkerFactory factory, unsigned threads)
    : space_(space), objectives_(std::move(objectives)), hw_(hw), factory_(std::move(factory)), threads_(std::max(1u, threads)) {}

Evaluator::~Evaluator() = default;

const Evaluation* Evaluator::find(const Genome& g) const {
  auto it = index_.find(g);
  return it == index_.end() ? nullptr : &all_[it->second];
}

void Evaluator::preload(Evaluation e) {
  if (index_.count(e.genome)) return;
  e.id = all_.size();
  objectives_.score(e);
  index_[e.genome] = e.id;
  all_.push_back(std::move(e));
}

std::vector<const Evaluation*> Evaluator::evaluate(const std::vector<Genome>& genomes) {
  // New, distinct genomes in request order.
  std::vector<Genome> todo;
  std::set<Genome> seen;
  for (const Genome& g : genomes) {
    if (index_.count(g)) {
      ++hits_;
      continue;
    }
    if (seen.insert(g).second) todo.push_back(g);
    else ++hits_;
  }
  std::vector<Evaluation> fresh(todo.size());
  std::vector<Assignment> assignments(todo.size());  // decoded once, read by every part
  for (std::size_t i = 0; i < todo.size(); ++i) {
    assignments[i] = space_.decode(todo[i]);
    fresh[i].genome = todo[i];
    fresh[i].generation = generation_;
    fresh[i].costs = assignment_costs(space_, assignments[i], hw_);
  }
  if (!todo.empty()) {
    const unsigned n = std::min<unsigned>(threads_, static_cast<unsigned>(todo.size()));
    while (workers_.size() < n) workers_.push_back(factory_());
    std::vector<char> ok(todo.size(), 0);
    // Evaluated in lexicographic order of the genomes (genes are in layer order), so that
    // assignments sharing a prefix run one after the other and the activation cache can
    // resume each from the previous one's states; results and ids stay in request order.
    // Each worker walks its own contiguous range of that order (neighbours run in one thread,
    // one after the other, not side by side); one that runs out takes the last genome of the
    // range with the most left.
    std::vector<std::size_t> order(todo.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return todo[a] < todo[b]; });
    std::vector<std::pair<std::size_t, std::size_t>> ranges(n);  // [begin, end) of `order` per worker
    for (unsigned t = 0; t < n; ++t) ranges[t] = {todo.size() * t / n, todo.size() * (t + 1) / n};
    std::mutex ranges_mutex;
    std::atomic<bool> stop_all{false};  // set on the first error
    auto take = [&](unsigned slot) -> std::ptrdiff_t {  // the next position in `order`, or -1
      std::lock_guard<std::mutex> lock(ranges_mutex);
      if (stop_all) return -1;
      auto& own = ranges[slot];
      if (own.first < own.second) return static_cast<std::ptrdiff_t>(own.first++);
      auto most = std::max_element(ranges.begin(), ranges.end(),
                                   [](const auto& a, const auto& b) { return a.second - a.first < b.second - b.first; });
      if (most->first >= most->second) return -1;
      return static_cast<std::ptrdiff_t>(--most->second);
    };
    std::atomic<std::size_t> done{0};
    std::atomic<unsigned> running{n};
    std::exception_ptr error;
    std::mutex error_mutex;
    // In a catch block: keeps the first error and stops every worker.
    auto record_error = [&] {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      stop_all = true;
    };
    auto evaluate_one = [&](unsigned slot, std::size_t i) {
      if (stop_ && stop_->load()) throw Interrupted();
      const auto t0 = std::chrono::steady_clock::now();
      fresh[i].quality = workers_[slot]->evaluate(assignments[i]);
      fresh[i].seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ok[i] = 1;
      done.fetch_add(1);
    };
    // Several genomes for a worker whose evaluation splits into parts (image batches): run
    // part by part instead, each part's genomes in the order above by one thread, so that
    // consecutive genomes resume from each other's states of that part (the activation cache
    // then needs one part's states of one genome, not a whole evaluation's).  The quality is
    // the parts' merged in part order, as QualityWorker::evaluate defines it; progress counts
    // genomes' worth of finished parts.
    const std::size_t parts = workers_[0]->parts();
    const bool by_part = parts > 1 && todo.size() > 1;
    std::vector<Quality> part_quality(by_part ? todo.size() * parts : 0);
    std::vector<double> part_seconds(part_quality.size(), 0.0);
    std::vector<char> part_ok(part_quality.size(), 0);
    std::atomic<std::size_t> next_part{0}, parts_done{0};
    auto work_parts = [&](unsigned slot, bool report_each) {
      omp_set_num_threads(1);
      for (;;) {
        const std::size_t p = next_part.fetch_add(1);
        if (p >= parts) break;
        try {
          for (std::size_t at = 0; at < order.size(); ++at) {
            const std::size_t i = order[at];
            if (stop_all) break;
            if (stop_ && stop_->load()) throw Interrupted();
            const auto t0 = std::chrono::steady_clock::now();
            part_quality[i * parts + p] = workers_[slot]->evaluate_part(assignments[i], p);
            part_seconds[i * parts + p] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            part_ok[i * parts + p] = 1;
            const std::size_t d = (parts_done.fetch_add(1) + 1) / parts;
            for (std::size_t cur = done.load(); cur < d && !done.compare_exchange_weak(cur, d);) {
            }
            if (report_each && on_progress) on_progress(done.load(), todo.size());
          }
        } catch (...) {
          record_error();
          break;
        }
      }
      running.fetch_sub(1);
    };
    // One worker's loop; `report_each` when it runs in the caller's thread (progress after every evaluation).
    auto work_genomes = [&](unsigned slot, bool report_each) {
      omp_set_num_threads(1);  // the parallelism is across genomes
      for (;;) {
        const std::ptrdiff_t at = take(slot);
        if (at < 0) break;
        const std::size_t i = order[static_cast<std::size_t>(at)];
        try {
          evaluate_one(slot, i);
        } catch (...) {
          record_error();
          break;
        }
        if (report_each && on_progress) on_progress(done.load(), todo.size());
      }
      running.fetch_sub(1);
    };
    auto work = [&](unsigned slot, bool report_each) { by_part ? work_parts(slot, report_each) : work_genomes(slot, report_each); };
    if (n == 1) {  // the caller's own thread, OpenMP kept to one thread as well
      const int saved = omp_get_max_threads();
      work(0, true);
      omp_set_num_threads(saved);
    } else {
      std::vector<std::thread> pool;
      for (unsigned t = 0; t < n; ++t) pool.emplace_back(work, t, false);
      std::size_t reported = 0;
      while (running.load() > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const std::size_t d = done.load();
        if (on_progress && d != reported) on_progress(reported = d, todo.size());
      }
      for (auto& th : pool) th.join();
      if (on_progress && done.load() != reported) on_progress(done.load(), todo.size());
    }
    if (by_part)  // genomes whose parts all finished
      for (std::size_t i = 0; i < todo.size(); ++i) {
        if (!std::all_of(part_ok.begin() + static_cast<std::ptrdiff_t>(i * parts),
                         part_ok.begin() + static_cast<std::ptrdiff_t>((i + 1) * parts), [](char c) { return c != 0; }))
          continue;
        fresh[i].quality = part_quality[i * parts];
        fresh[i].seconds = part_seconds[i * parts];
        for (std::size_t p = 1; p < parts; ++p) {
          fresh[i].quality.add(part_quality[i * parts + p]);
          fresh[i].seconds += part_seconds[i * parts + p];
        }
        ok[i] = 1;
      }
    // Keep what finished before an interruption or error: a checkpoint holds it.
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      if (!ok[i]) continue;
      fresh[i].id = all_.size();
      objectives_.score(fresh[i]);
      index_[fresh[i].genome] = fresh[i].id;
      all_.push_back(std::move(fresh[i]));
    }
    if (error) std::rethrow_exception(error);
  }
  std::vector<const Evaluation*> out;
  out.reserve(genomes.size());
  for (const Genome& g : genomes) out.push_back(&all_[index_.at(g)]);
  return out;
}

// ---- Pareto ----------------------------------------------------------------------------------

bool dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

std::vector<const Evaluation*> pareto_front(const std::vector<const Evaluation*>& points) {
  std::vector<const Evaluation*> feasible;
  for (const Evaluation* e : points)
    if (e->feasible()) feasible.push_back(e);
  std::sort(feasible.begin(), feasible.end(), [](const Evaluation* a, const Evaluation* b) {
    return a->objectives != b->objectives ? a->objectives < b->objectives : a->id < b->id;
  });
  std::vector<const Evaluation*> front;
  for (std::size_t i = 0; i < feasible.size(); ++i) {
    if (i > 0 && feasible[i]->objectives == feasible[i - 1]->objectives) continue;
    bool dominated = false;
    for (const Evaluation* f : front)
      if (dominates(f->objectives, feasible[i]->objectives)) {
        dominated = true;
        break;
      }
    // Lexicographic order: a later point never dominates an earlier one, so `front` is final.
    if (!dominated) front.push_back(feasible[i]);
  }
  return front;
}

}  // namespace axevo::search
