#pragma once
// Helpers shared by the tests: paths, running the axevo program, reading files.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "axevo/plugin.hpp"

namespace axevo::test {

inline std::filesystem::path shared_dir() { return AXEVO_SHARED_DIR; }
inline std::filesystem::path evoapprox_dir() { return shared_dir() / "evoapprox"; }
inline axevo::PluginSearchPath plugin_path() { return axevo::PluginSearchPath::standard({AXEVO_PLUGIN_DIR}); }

// A fresh, empty scratch folder for one test.
inline std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::path(AXEVO_TEST_TMP) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Run {
  int exit_code = -1;
  std::string out, err;
};

// Runs the axevo program with `args` (each quoted), capturing stdout and stderr.
inline Run run_axevo(const std::vector<std::string>& args, const std::string& cwd = "") {
  static int counter = 0;
  const auto dir = std::filesystem::path(AXEVO_TEST_TMP) / "runs";
  std::filesystem::create_directories(dir);
  // ctest runs test cases as parallel processes: the pid keeps their files apart.
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++counter);
  const auto out = dir / ("out" + tag);
  const auto err = dir / ("err" + tag);
  std::string cmd;
  if (!cwd.empty()) cmd += "cd " + shell_quote(cwd) + " && ";
  cmd += shell_quote(AXEVO_BIN);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string());
  const int status = std::system(cmd.c_str());
  Run r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// Splits one CSV line (no quoted commas needed by the callers).
inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
      else if (c == '"') quoted = false;
      else cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  cells.push_back(cur);
  return cells;
}

// A CSV text as rows of name -> value maps (first line is the header).
inline std::vector<std::vector<std::pair<std::string, std::string>>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::pair<std::string, std::string>>> rows;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto cells = split_csv_line(line);
    if (header.empty()) {
      header = cells;
      continue;
    }
    std::vector<std::pair<std::string, std::string>> row;
    for (std::size_t i = 0; i < header.size(); ++i) row.emplace_back(header[i], i < cells.size() ? cells[i] : "");
    rows.push_back(row);
  }
  return rows;
}

inline std::string cell(const std::vector<std::pair<std::string, std::string>>& row, const std::string& key) {
  for (const auto& [k, v] : row)
    if (k == key) return v;
  throw std::runtime_error("no column " + key);
}

}  // namespace axevo::test
