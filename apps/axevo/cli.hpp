#pragma once
// Shared pieces of the axevo command-line program.
#include <boost/program_options.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "axevo/library.hpp"
#include "axevo/plugin.hpp"

namespace axevo::cli {

namespace po = boost::program_options;

// Thrown for a bad command line: printed with a hint to --help, exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Options every command that loads multipliers accepts: --library SPEC (repeatable),
// --plugin-path DIR (repeatable).
struct LibraryOptions {
  std::vector<std::string> libraries;
  std::vector<std::string> plugin_paths;
  void add_to(po::options_description& desc);
  PluginSearchPath search_path() const;
  // Loads the libraries (default: builtin) and prints their warnings to stderr.
  MultiplierSet load() const;
};

// Parses argv of a subcommand; returns false when --help was printed.
bool parse(int argc, char** argv, const po::options_description& visible, const po::options_description& hidden,
           const po::positional_options_description& positional, po::variables_map& vm, const std::string& usage,
           const std::string& details);

// The same for commands whose one positional argument is a CONFIG file (stored in `config`).
bool parse_with_config(int argc, char** argv, const po::options_description& visible, std::string& config, po::variables_map& vm,
                       const std::string& usage, const std::string& details);

void warn(const std::string& message);

// "a,b,,c" -> {"a", "b", "", "c"}; "" -> {""}.
std::vector<std::string> split(const std::string& text, char separator);

// Shortest text that reads back as the same double; "" for NaN.
std::string format_number(double v);
// Fixed significant digits for human-readable tables; "-" for NaN.
std::string format_human(double v, int significant = 4);

// A table of strings written as aligned text (for people) or as CSV (for programs).
struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string csv() const;
  std::string aligned(const std::vector<bool>& right_align = {}) const;
};
std::string csv_escape(const std::string& field);

int cmd_mult(int argc, char** argv);
int cmd_plugins(int argc, char** argv);
int cmd_info(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_search(int argc, char** argv);
int cmd_sensitivity(int argc, char** argv);

}  // namespace axevo::cli
