#include "cli.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace axevo::cli {

void LibraryOptions::add_to(po::options_description& desc) {
  desc.add_options()
      ("library,l", po::value<std::vector<std::string>>(&libraries)->composing(),
       "multiplier library SPEC, repeatable (default: builtin):\n"
       "  builtin         the project's Baugh-Wooley family\n"
       "  lut:PATH        folder or file of .bin/.h/.csv tables\n"
       "  verilog:PATH    gate-level netlist file or folder\n"
       "  cmodel:PATH     C model file or folder (compiled with cc)\n"
       "  FILE.so[:ARG]   a plugin file")
      ("plugin-path", po::value<std::vector<std::string>>(&plugin_paths)->composing(),
       "extra folder to search for plugins (before $AXEVO_PLUGIN_PATH and the built-in folder)");
}

PluginSearchPath LibraryOptions::search_path() const {
  std::vector<std::filesystem::path> extra(plugin_paths.begin(), plugin_paths.end());
  return PluginSearchPath::standard(extra);
}

MultiplierSet LibraryOptions::load() const {
  std::vector<std::string> specs = libraries.empty() ? std::vector<std::string>{"builtin"} : libraries;
  std::vector<std::string> warnings;
  MultiplierSet set = MultiplierSet::load(specs, search_path(), &warnings);
  for (const auto& w : warnings) warn(w);
  return set;
}

bool parse(int argc, char** argv, const po::options_description& visible, const po::options_description& hidden,
           const po::positional_options_description& positional, po::variables_map& vm, const std::string& usage,
           const std::string& details) {
  po::options_description all;
  all.add(visible).add(hidden);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "Usage: " << usage << "\n\n" << details << "\n" << visible << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return true;
}

bool parse_with_config(int argc, char** argv, const po::options_description& visible, std::string& config, po::variables_map& vm,
                       const std::string& usage, const std::string& details) {
  po::options_description hidden;
  hidden.add_options()("config", po::value<std::string>(&config));
  po::positional_options_description pos;
  pos.add("config", 1);
  return parse(argc, argv, visible, hidden, pos, vm, usage, details);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts(1);
  for (char c : text) {
    if (c == separator) parts.emplace_back();
    else parts.back() += c;
  }
  return parts;
}

void warn(const std::string& message) { std::cerr << "axevo: warning: " << message << "\n"; }

std::string format_number(double v) {
  if (std::isnan(v)) return "";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

std::string format_human(double v, int significant) {
  if (std::isnan(v)) return "-";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  if (std::fabs(v) >= 1000) {
    std::snprintf(buf, sizeof buf, "%.0f", v);  // no exponent for large magnitudes
  } else {
    std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  }
  return buf;
}

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string TextTable::csv() const {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) out += ',';
      out += csv_escape(cells[i]);
    }
    out += '\n';
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}

std::string TextTable::aligned(const std::vector<bool>& right_align) const {
  std::vector<std::size_t> width(header.size(), 0);
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::size_t pad = width[i] - cells[i].size();
      const bool right = i < right_align.size() && right_align[i];
      if (i) l += "  ";
      if (right) l += std::string(pad, ' ');
      l += cells[i];
      if (!right && i + 1 < cells.size()) l += std::string(pad, ' ');
    }
    out += l + "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}

}  // namespace axevo::cli
