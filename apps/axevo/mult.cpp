// axevo mult list | show | import | export
#include <cmath>
#include <iostream>
#include <optional>

#include "axevo/cost_model.hpp"
#include "axevo/error.hpp"
#include "axevo/error_metrics.hpp"
#include "axevo/formats/metadata.hpp"
#include "axevo/formats/tables.hpp"
#include "axevo/formats/verilog.hpp"
#include "axevo/io.hpp"
#include "cli.hpp"
#include "heatmap.hpp"

namespace axevo::cli {

namespace fs = std::filesystem;

namespace {

// Everything `mult list` and `mult show` report about one multiplier.
struct Report {
  const Multiplier* m = nullptr;
  ErrorMetrics metrics;
  std::optional<CostEstimate> cost;  // when a netlist is known
  bool commutative = true;

  // Published figure where known, else the model's.
  std::pair<double, std::string> power() const {
    if (known(m->power_mw)) return {m->power_mw, "published"};
    if (cost) return {cost->power_mw, "model"};
    return {kUnknown, "unknown"};
  }
  std::pair<double, std::string> area() const {
    if (known(m->area_um2)) return {m->area_um2, "published"};
    if (cost) return {cost->area_um2, "model"};
    return {kUnknown, "unknown"};
  }
  std::pair<double, std::string> delay() const {
    if (known(m->delay_ns)) return {m->delay_ns, "published"};
    if (cost && known(cost->delay_ns)) return {cost->delay_ns, "model"};
    return {kUnknown, "unknown"};
  }
};

Report make_report(const Multiplier& m) {
  Report r;
  r.m = &m;
  r.metrics = compute_error_metrics(*m.table);
  if (m.netlist) r.cost = estimate_cost(*m.netlist);
  for (int a = -128; a < 128 && r.commutative; ++a)
    for (int b = a + 1; b < 128; ++b)
      if (m(a, b) != m(b, a)) {
        r.commutative = false;
        break;
      }
  return r;
}

const char* kListColumns =
    "CSV columns (stable; see README.md, 'Multiplier table columns'):\n"
    "  name, library, family, params,\n"
    "  mae, mae_pct, wce, wce_pct, wcre_pct, ep_pct, mre_pct, mse, mean_error, error_std,\n"
    "  power_mw, power_source, area_um2, area_source, delay_ns, delay_source,\n"
    "  power_model, area_model, delay_model, cells, commutative, sha256, same_as\n"
    "A *_source column says where the figure beside it came from: published (the\n"
    "library's synthesis data), model (axevo's cost model of the netlist) or unknown.\n";

int mult_list(int argc, char** argv) {
  LibraryOptions libs;
  std::string format = "table";
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help");
  libs.add_to(opts);
  opts.add_options()("format,f", po::value<std::string>(&format)->default_value("table"), "table (for people) or csv");
  po::variables_map vm;
  if (!parse(argc, argv, opts, {}, {}, vm, "axevo mult list [--library SPEC ...] [--format table|csv]",
             std::string("One row per multiplier with every error metric and the cost figures.\n\n") + kListColumns +
                 "\nExamples:\n  axevo mult list\n"
                 "  axevo mult list --library lut:../shared/evoapprox --format csv > evoapprox.csv\n"))
    return 0;
  if (format != "table" && format != "csv") throw UsageError("--format must be table or csv, not '" + format + "'");
  const MultiplierSet set = libs.load();

  TextTable t;
  const bool csv = format == "csv";
  if (csv)
    t.header = {"name", "library", "family", "params", "mae", "mae_pct", "wce", "wce_pct", "wcre_pct", "ep_pct",
                "mre_pct", "mse", "mean_error", "error_std", "power_mw", "power_source", "area_um2", "area_source",
                "delay_ns", "delay_source", "power_model", "area_model", "delay_model", "cells", "commutative",
                "sha256", "same_as"};
  else
    t.header = {"name", "library", "MAE", "MAE%", "WCE", "WCE%", "WCRE%", "EP%", "MRE%", "MSE", "bias", "std",
                "power_mW", "area_um2", "delay_ns", "from", "power_model", "area_model"};
  for (const Multiplier& m : set.all()) {
    const Report r = make_report(m);
    const auto& e = r.metrics;
    const auto [power, power_src] = r.power();
    const auto [area, area_src] = r.area();
    const auto [delay, delay_src] = r.delay();
    const double power_model = r.cost ? r.cost->power_mw : kUnknown;
    const double area_model = r.cost ? r.cost->area_um2 : kUnknown;
    const double delay_model = r.cost ? r.cost->delay_ns : kUnknown;
    if (csv) {
      std::string same;
      for (const auto& s : set.same_table_as(m)) same += (same.empty() ? "" : ";") + s;
      t.rows.push_back({m.name, m.library, m.family, m.params, format_number(e.mae), format_number(e.mae_pct),
                        format_number(e.wce), format_number(e.wce_pct), format_number(e.wcre_pct),
                        format_number(e.ep_pct), format_number(e.mre_pct), format_number(e.mse),
                        format_number(e.mean_error), format_number(e.error_std), format_number(power), power_src,
                        format_number(area), area_src, format_number(delay), delay_src, format_number(power_model),
                        format_number(area_model), format_number(delay_model), r.cost ? r.cost->cells_text() : "",
                        r.commutative ? "yes" : "no", m.sha256, same});
    } else {
      std::string from;
      for (const std::string& s : {power_src, area_src, delay_src}) from += s == "published" ? 'P' : s == "model" ? 'M' : '-';
      t.rows.push_back({m.name, m.library, format_human(e.mae), format_human(e.mae_pct, 2), format_human(e.wce),
                        format_human(e.wce_pct, 3), format_human(e.wcre_pct), format_human(e.ep_pct),
                        format_human(e.mre_pct), format_human(e.mse, 5), format_human(e.mean_error, 3),
                        format_human(e.error_std, 4), format_human(power, 3), format_human(area, 4),
                        format_human(delay, 3), from, format_human(power_model, 3), format_human(area_model, 4)});
    }
  }
  if (csv) {
    std::cout << t.csv();
  } else {
    std::vector<bool> right(t.header.size(), true);
    right[0] = right[1] = false;
    std::cout << t.aligned(right);
    std::cout << "\n" << set.all().size()
              << " multipliers. Percentages as EvoApproxLib defines them (of 2^16). 'from': power, area, delay each\n"
                 "Published or Model (axevo's netlist cost model) or - unknown. --format csv gives every column.\n";
  }
  return 0;
}

int mult_show(int argc, char** argv) {
  LibraryOptions libs;
  std::string name, heatmap;
  bool no_heatmap = false;
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help");
  libs.add_to(opts);
  opts.add_options()("heatmap", po::value<std::string>(&heatmap),
                     "error heat-map file, .svg (with axes) or .png (default: NAME-error.svg)")(
      "no-heatmap", po::bool_switch(&no_heatmap), "do not write a heat map");
  po::options_description hidden;
  hidden.add_options()("name", po::value<std::string>(&name));
  po::positional_options_description pos;
  pos.add("name", 1);
  po::variables_map vm;
  if (!parse(argc, argv, opts, hidden, pos, vm, "axevo mult show NAME [--library SPEC ...] [--heatmap FILE]",
             "Error metrics, cost figures and an error heat map of one multiplier.\n\n"
             "Example:\n  axevo mult show mul8s_1L2H --library lut:../shared/evoapprox --heatmap 1L2H.png\n"))
    return 0;
  if (name.empty()) throw UsageError("mult show needs a multiplier NAME");
  if (!heatmap.empty()) {
    const auto ext = fs::path(heatmap).extension();
    if (ext != ".svg" && ext != ".png") throw UsageError("--heatmap must end in .svg or .png: " + heatmap);
  }
  const MultiplierSet set = libs.load();
  const Multiplier& m = set.get(name);
  const Report r = make_report(m);
  const auto& e = r.metrics;
  auto line = [](const std::string& k, const std::string& v) { std::cout << "  " << k << std::string(k.size() < 14 ? 14 - k.size() : 1, ' ') << v << "\n"; };
  std::cout << m.name << "\n";
  line("library", m.library);
  line("source", m.source);
  if (!m.family.empty()) line("family", m.family + (m.params.empty() ? "" : " (" + m.params + ")"));
  line("sha256", m.sha256);
  const auto same = set.same_table_as(m);
  if (!same.empty()) {
    std::string s;
    for (const auto& x : same) s += (s.empty() ? "" : ", ") + x;
    line("same table as", s);
  }
  line("commutative", r.commutative ? "yes" : "no (M(a,b) != M(b,a) for some pairs: operand order matters)");
  std::cout << "error (e = M(a,b) - a*b over all 65536 pairs; % of 2^16 as in EvoApproxLib)\n";
  line("MAE", format_human(e.mae, 8) + "   (" + format_human(e.mae_pct, 3) + " %)");
  line("WCE", format_human(e.wce) + "   (" + format_human(e.wce_pct, 4) + " %)");
  line("WCRE", format_human(e.wcre_pct, 6) + " %");
  line("EP", format_human(e.ep_pct, 6) + " %");
  line("MRE", format_human(e.mre_pct, 6) + " %");
  line("MSE", format_human(e.mse, 8));
  line("mean error", format_human(e.mean_error, 6));
  line("error std", format_human(e.error_std, 6));
  std::cout << "cost\n";
  auto fig = [](double v, const char* unit) { return known(v) ? format_human(v, 4) + " " + unit : std::string("unknown"); };
  line("power", fig(m.power_mw, "mW") + (known(m.power_mw) ? " (published)" : ""));
  line("area", fig(m.area_um2, "um2") + (known(m.area_um2) ? " (published)" : ""));
  line("delay", fig(m.delay_ns, "ns") + (known(m.delay_ns) ? " (published)" : ""));
  if (r.cost) {
    line("power_model", fig(r.cost->power_mw, "mW"));
    line("area_model", fig(r.cost->area_um2, "um2 (NanGate45 cells)"));
    line("delay_model", fig(r.cost->delay_ns, "ns (NanGate45 critical path)"));
    line("cells", r.cost->cells_text() + " (" + std::to_string(r.cost->total_cells) + " in all)");
  } else {
    line("netlist", "none (table only): no cost model figures");
  }
  if (!no_heatmap) {
    const std::string file = heatmap.empty() ? m.name + "-error.svg" : heatmap;
    const bool png = fs::path(file).extension() == ".png";
    write_file_atomic(file, png ? error_heatmap_png(*m.table) : error_heatmap_svg(*m.table, m.name));
    std::cout << "heat map written to " << file << "\n";
  }
  return 0;
}

// Writes every multiplier of the set into `dir` (tables + multipliers.csv), atomically:
// all files go to a temporary sibling folder that is renamed to `dir` at the end.
void write_table_folder(const MultiplierSet& set, const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
    throw Error(dir.string(), 0, "already exists and is not an empty folder; choose a new --out");
  const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec)) throw Error(parent.string(), 0, "folder does not exist");
  const fs::path tmp = parent / ("." + dir.filename().string() + ".tmp-import");
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp);
  try {
    std::vector<formats::Metadata> rows;
    std::vector<std::string> hashes;
    for (const Multiplier& m : set.all()) {
      formats::Metadata md;
      md.name = m.name;
      md.power_mw = m.power_mw;
      md.area_um2 = m.area_um2;
      md.delay_ns = m.delay_ns;
      md.table_file = m.name + ".bin";
      md.family = m.family;
      md.params = m.params;
      md.source = m.source;
      write_file_atomic(tmp / md.table_file, formats::write_table_bin(*m.table));
      if (m.netlist) write_file_atomic(tmp / (m.name + ".v"), formats::write_verilog(*m.netlist, m.name));
      rows.push_back(md);
      hashes.push_back(m.sha256);
    }
    write_file_atomic(tmp / "multipliers.csv", formats::write_metadata_csv(rows, hashes));
    if (fs::exists(dir, ec)) fs::remove(dir);  // empty, checked above
    fs::rename(tmp, dir);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

int mult_import(int argc, char** argv) {
  LibraryOptions libs;
  std::string out;
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("out,o", po::value<std::string>(&out), "new folder to write (required)");
  opts.add_options()("plugin-path", po::value<std::vector<std::string>>(&libs.plugin_paths)->composing(),
                     "extra folder to search for plugins");
  po::options_description hidden;
  hidden.add_options()("spec", po::value<std::vector<std::string>>(&libs.libraries));
  po::positional_options_description pos;
  pos.add("spec", -1);
  po::variables_map vm;
  if (!parse(argc, argv, opts, hidden, pos, vm, "axevo mult import SPEC [SPEC ...] --out DIR",
             "Loads the libraries and writes each multiplier as DIR/NAME.bin, its netlist (if any) as\n"
             "DIR/NAME.v, and DIR/multipliers.csv with the published figures. `lut:DIR` reads the\n"
             "folder back with identical tables and figures. Nothing is written if anything fails.\n\n"
             "Examples:\n  axevo mult import verilog:netlists/ --out luts/mine\n"
             "  axevo mult import builtin --out /tmp/builtin-tables\n"))
    return 0;
  if (libs.libraries.empty()) throw UsageError("mult import needs at least one library SPEC");
  if (out.empty()) throw UsageError("mult import needs --out DIR");
  const MultiplierSet set = libs.load();
  write_table_folder(set, out);
  std::cout << "wrote " << set.all().size() << " multipliers to " << out << "/ (read back with --library lut:" << out
            << ")\n";
  return 0;
}

int mult_export(int argc, char** argv) {
  LibraryOptions libs;
  std::string name, format, out;
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help");
  libs.add_to(opts);
  opts.add_options()("format,f", po::value<std::string>(&format), "bin, h, csv or verilog (required)")(
      "out,o", po::value<std::string>(&out), "output file (default: NAME.bin|.h|.csv|.v; - for standard output)");
  po::options_description hidden;
  hidden.add_options()("name", po::value<std::string>(&name));
  po::positional_options_description pos;
  pos.add("name", 1);
  po::variables_map vm;
  if (!parse(argc, argv, opts, hidden, pos, vm, "axevo mult export NAME --format bin|h|csv|verilog [--out FILE]",
             "Writes one multiplier's table (bin: EvoApprox layout, h: AdaPT-style C header with\n"
             "lut[(uint8)a][(uint8)b], csv: 256 rows of 256 values) or its gate-level netlist.\n\n"
             "Example:\n  axevo mult export bw_trunc_k4 --format verilog --out trunc4.v\n"))
    return 0;
  if (name.empty()) throw UsageError("mult export needs a multiplier NAME");
  if (format.empty()) throw UsageError("mult export needs --format bin|h|csv|verilog");
  std::string ext;
  std::optional<formats::TableFormat> tf;
  if (format == "verilog" || format == "v") {
    ext = ".v";
  } else {
    tf = formats::table_format_from_name(format);
    if (!tf) throw UsageError("--format must be bin, h, csv or verilog, not '" + format + "'");
    ext = "." + format;
  }
  const MultiplierSet set = libs.load();
  const Multiplier& m = set.get(name);
  std::string data;
  if (tf) {
    data = formats::write_table(*m.table, *tf, m.name);
  } else {
    if (!m.netlist)
      throw Error("multiplier " + m.name + " (" + m.library + ") has no gate-level netlist, only a table; export it as bin, h or csv");
    data = formats::write_verilog(*m.netlist, m.name);
  }
  if (out == "-") {
    std::cout << data;
    return 0;
  }
  if (out.empty()) out = m.name + ext;
  write_file_atomic(out, data);
  std::cerr << "wrote " << out << "\n";
  return 0;
}

}  // namespace

int cmd_mult(int argc, char** argv) {
  const char* usage =
      "Usage: axevo mult <list|show|import|export> [options]   (axevo mult <cmd> --help)\n"
      "  list     every multiplier with error metrics and cost figures\n"
      "  show     one multiplier in detail, with an error heat map\n"
      "  import   convert libraries into a table folder (lut:DIR reads it back)\n"
      "  export   write one multiplier as .bin, .h, .csv or Verilog\n";
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << usage;
    return argc < 2 ? 2 : 0;
  }
  const std::string sub = argv[1];
  if (sub == "list") return mult_list(argc - 1, argv + 1);
  if (sub == "show") return mult_show(argc - 1, argv + 1);
  if (sub == "import") return mult_import(argc - 1, argv + 1);
  if (sub == "export") return mult_export(argc - 1, argv + 1);
  throw UsageError("unknown subcommand 'mult " + sub + "' (list, show, import or export)");
}

int cmd_plugins(int argc, char** argv) {
  std::vector<std::string> extra;
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")("plugin-path", po::value<std::vector<std::string>>(&extra)->composing(),
                                                 "extra folder to search");
  po::variables_map vm;
  if (!parse(argc, argv, opts, {}, {}, vm, "axevo plugins [--plugin-path DIR ...]",
             "Lists the plugins found along the search path: --plugin-path folders,\n"
             "$AXEVO_PLUGIN_PATH (':'-separated), the build's plugin folder, <prefix>/lib/axevo/plugins.\n"))
    return 0;
  const auto path = PluginSearchPath::standard(std::vector<fs::path>(extra.begin(), extra.end()));
  std::vector<std::string> problems;
  const auto found = discover_plugins(path, &problems);
  TextTable t;
  t.header = {"name", "kind", "abi", "path", "description"};
  for (const auto& p : found)
    t.rows.push_back({p.name, plugin_kind_name(p.kind), std::to_string(p.abi_version), p.path.string(), p.description});
  std::cout << t.aligned();
  std::cout << "\nsearch path:\n";
  for (const auto& d : path.dirs) std::cout << "  " << d.string() << "\n";
  for (const auto& p : problems) warn(p);
  return 0;
}

}  // namespace axevo::cli
