// cmodel: multipliers from C models, compiled and tabulated at import time.
//
//   cmodel:FILE.c   one C model
//   cmodel:DIR      every *.c file in DIR (not recursive), by name
//
// A C model defines one public (non-static) function with two 8-bit integer parameters
// and a 16-bit integer result, e.g. `int16_t mul8s_1KV8(int8_t A, int8_t B)`.  Models
// declared with uint8_t operands / uint16_t result (as some EvoApprox models are) get the
// operands' byte patterns and their result is read as int16.  Helper functions must be
// static, or the sidecar <stem>.yaml must say which function is the multiplier (`name:`).
// The multiplier is named after its function; power/area/delay come from the sidecar or
// from the folder metadata (multipliers.csv, metadata.csv, metadata.yaml) row of that name.
//
// The model is compiled with $CC (default `cc`; split at blanks, no shell involved) and
// `-O1 -shared -fPIC -std=gnu11 -include stdint.h`, together with a small shim that
// calls it through its declared types, in a fresh folder under the system temporary
// folder that is removed afterwards; then it is loaded with dlopen and evaluated on all
// 65536 operand pairs.  The model runs inside the calling process.
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "axevo/error.hpp"
#include "axevo/formats/metadata.hpp"
#include "axevo/io.hpp"
#include "metadata_record.hpp"
#include "plugin_support.hpp"

extern char** environ;

namespace fs = std::filesystem;
using axevo::Error;
using axevo::formats::Metadata;

namespace {

// ---- finding the multiplier function ----------------------------------------------------

struct Tok {
  std::string text;
  std::size_t line = 0;
  bool ident = false;
};

// Identifiers, numbers and single-character punctuation; comments, preprocessor lines and
// string/character literals are skipped (a literal becomes the token "\"\"").
std::vector<Tok> lex(const std::string& s) {
  std::vector<Tok> out;
  std::size_t i = 0, line = 1;
  bool line_start = true;
  const std::size_t n = s.size();
  while (i < n) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
      line_start = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '/') {
      while (i < n && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      i += 2;
      while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/')) line += s[i++] == '\n';
      i += 2;
    } else if (c == '#' && line_start) {
      while (i < n && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\n') ++line, ++i;
        ++i;
      }
    } else {
      line_start = false;
      Tok t;
      t.line = line;
      const std::size_t start = i;
      if (c == '"' || c == '\'') {
        ++i;
        while (i < n && s[i] != c && s[i] != '\n') i += s[i] == '\\' ? 2 : 1;
        ++i;
        t.text = "\"\"";
      } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
        while (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
        t.text = s.substr(start, i - start);
        t.ident = !std::isdigit(static_cast<unsigned char>(c));
      } else {
        t.text = std::string(1, c);
        ++i;
      }
      out.push_back(std::move(t));
    }
  }
  return out;
}

struct Candidate {
  std::string name;
  std::size_t line = 0;
  std::string result_type, a_type, b_type;
  bool is_static = false;
};

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

// Type words of a declaration part, without qualifiers and __attribute__((...)).
std::vector<std::string> type_words(const std::vector<Tok>& toks, std::size_t b, std::size_t e, bool* is_static,
                                    bool* has_other) {
  static const std::set<std::string> kSkip = {"const", "volatile", "register", "inline", "__inline", "__inline__",
                                              "extern", "restrict", "__restrict"};
  std::vector<std::string> words;
  for (std::size_t i = b; i < e; ++i) {
    const Tok& t = toks[i];
    if (t.text == "__attribute__" || t.text == "__declspec") {  // skip the parenthesized group
      int depth = 0;
      while (i + 1 < e) {
        ++i;
        if (toks[i].text == "(") ++depth;
        if (toks[i].text == ")" && --depth == 0) break;
      }
      continue;
    }
    if (!t.ident) {
      *has_other = true;
      continue;
    }
    if (t.text == "static") {
      if (is_static) *is_static = true;
      continue;
    }
    if (!kSkip.count(t.text)) words.push_back(t.text);
  }
  return words;
}

std::optional<std::string> eight_bit_param(const std::vector<Tok>& toks, std::size_t b, std::size_t e) {
  static const std::set<std::string> kTypeWords = {"int8_t", "uint8_t", "char", "signed", "unsigned"};
  static const std::set<std::string> kTypes = {"int8_t", "uint8_t", "char", "signed char", "unsigned char"};
  bool other = false;
  std::vector<std::string> w = type_words(toks, b, e, nullptr, &other);
  if (other) return std::nullopt;  // pointer, array, ...
  if (w.size() > 1 && !kTypeWords.count(w.back())) w.pop_back();  // the parameter name
  const std::string t = join(w);
  if (kTypes.count(t)) return t;
  return std::nullopt;
}

std::optional<std::string> sixteen_bit_result(const std::vector<std::string>& w) {
  static const std::set<std::string> kTypes = {"int16_t",      "uint16_t",       "short",          "short int",
                                               "signed short", "signed short int", "unsigned short", "unsigned short int"};
  const std::string t = join(w);
  if (kTypes.count(t)) return t;
  return std::nullopt;
}

// Function definitions at file scope with two 8-bit parameters and a 16-bit result.
std::vector<Candidate> find_candidates(const std::string& source) {
  const std::vector<Tok> toks = lex(source);
  std::vector<Candidate> out;
  int depth = 0;
  std::size_t stmt = 0;
  for (std::size_t i = 0; i < toks.size(); ++i) {
    const std::string& t = toks[i].text;
    if (t == "{") {
      if (depth == 0 && i > stmt && toks[i - 1].text == ")") {
        // find the '(' matching toks[i - 1]
        std::size_t open = i - 1;
        int pd = 0;
        while (true) {
          if (toks[open].text == ")") ++pd;
          if (toks[open].text == "(" && --pd == 0) break;
          if (open == stmt) break;
          --open;
        }
        if (pd == 0 && open > stmt && toks[open - 1].ident) {
          Candidate c;
          c.name = toks[open - 1].text;
          c.line = toks[open - 1].line;
          bool other = false;
          const auto ret = sixteen_bit_result(type_words(toks, stmt, open - 1, &c.is_static, &other));
          // split the parameters at top-level commas
          std::vector<std::pair<std::size_t, std::size_t>> params;
          std::size_t pstart = open + 1;
          int d = 0;
          for (std::size_t k = open + 1; k < i - 1; ++k) {
            if (toks[k].text == "(") ++d;
            if (toks[k].text == ")") --d;
            if (toks[k].text == "," && d == 0) {
              params.emplace_back(pstart, k);
              pstart = k + 1;
            }
          }
          params.emplace_back(pstart, i - 1);
          if (ret && !other && params.size() == 2) {
            const auto a = eight_bit_param(toks, params[0].first, params[0].second);
            const auto b = eight_bit_param(toks, params[1].first, params[1].second);
            if (a && b) {
              c.result_type = *ret;
              c.a_type = *a;
              c.b_type = *b;
              out.push_back(c);
            }
          }
        }
      }
      ++depth;
    } else if (t == "}") {
      if (depth > 0) --depth;
      if (depth == 0) stmt = i + 1;
    } else if (t == ";" && depth == 0) {
      stmt = i + 1;
    }
  }
  return out;
}

// ---- compiling and running -------------------------------------------------------------

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "axevo-cmodel-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error(tmpl, 0, std::string("cannot create a temporary folder: ") + std::strerror(errno));
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<std::string> compiler_command() {
  std::vector<std::string> cmd;
  const char* cc = std::getenv("CC");
  const std::string s = (cc && *cc) ? cc : "cc";
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) cmd.push_back(s.substr(start, i - start));
  }
  if (cmd.empty()) cmd.push_back("cc");
  return cmd;
}

// Runs argv (no shell) with stdout and stderr going to `log`; returns the exit status
// (128 + signal when killed).  Throws when the program cannot be started.
int run(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw Error("cannot run the C compiler '" + argv[0] + "': " + std::strerror(rc) +
                " (set $CC to a C compiler such as gcc or clang)");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Error(std::string("waiting for the C compiler failed: ") + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::string read_log(const fs::path& log) {
  std::string text;
  try {
    text = axevo::read_file(log);
  } catch (const Error&) {
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  constexpr std::size_t kMax = 8000;
  if (text.size() > kMax) text = text.substr(0, kMax) + "\n[... compiler output cut ...]";
  return text;
}

struct Handle {
  void* h = nullptr;
  ~Handle() {
    if (h) ::dlclose(h);
  }
};

axevo::Table tabulate(const fs::path& file, const Candidate& c) {
  TempDir tmp;
  const fs::path shim = tmp.path() / "axevo_cmodel_shim.c";
  const fs::path so = tmp.path() / "model.so";
  const fs::path log = tmp.path() / "compiler.log";
  axevo::write_file_atomic(shim,
                           "/* axevo cmodel shim: evaluates " + c.name + " on int8 operands, result as int16 */\n" +
                               c.result_type + " " + c.name + "(" + c.a_type + ", " + c.b_type + ");\n" +
                               "int16_t axevo_cmodel_eval(int8_t a, int8_t b);\n"
                               "int16_t axevo_cmodel_eval(int8_t a, int8_t b) { return (int16_t)" +
                               c.name + "((" + c.a_type + ")a, (" + c.b_type + ")b); }\n");
  std::vector<std::string> cmd = compiler_command();
  const std::string cc = cmd.front();
  for (const char* flag : {"-O1", "-shared", "-fPIC", "-std=gnu11", "-include", "stdint.h", "-o"}) cmd.push_back(flag);
  cmd.push_back(so.string());
  // A relative path starting with '-' would read as an option.
  cmd.push_back(file.string().rfind('-', 0) == 0 ? "./" + file.string() : file.string());
  cmd.push_back(shim.string());
  const int status = run(cmd, log);
  if (status != 0)
    throw Error(file.string(), 0,
                "the C model does not compile (" + cc + " exited with status " + std::to_string(status) + "):\n" +
                    read_log(log));
  Handle lib;
  lib.h = ::dlopen(so.c_str(), RTLD_LOCAL | RTLD_NOW);
  if (!lib.h) {
    const char* why = ::dlerror();
    throw Error(file.string(), 0, std::string("the compiled C model cannot be loaded: ") + (why ? why : "dlopen failed"));
  }
  using Eval = int16_t (*)(int8_t, int8_t);
  auto eval = reinterpret_cast<Eval>(::dlsym(lib.h, "axevo_cmodel_eval"));
  if (!eval) throw Error(file.string(), 0, "the compiled C model lacks axevo_cmodel_eval");
  axevo::Table t;
  for (int a = -128; a < 128; ++a)
    for (int b = -128; b < 128; ++b)
      t[axevo::table_index(a, b)] = eval(static_cast<int8_t>(a), static_cast<int8_t>(b));
  return t;
}

// ---- the plugin ------------------------------------------------------------------------

void load(const axevo_host* host, const std::string& arg) {
  if (arg.empty()) throw Error("cmodel: no C file or folder given (use cmodel:FILE.c or cmodel:FOLDER)");
  const fs::path root(arg);
  std::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  std::vector<fs::path> files;
  fs::path dir;
  if (!fs::exists(st)) {
    throw Error(arg, 0, "no such file or folder");
  } else if (fs::is_directory(st)) {
    dir = root;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path p = it->path();
      const std::string fn = p.filename().string();
      std::error_code sec;
      if (!fn.empty() && fn[0] != '.' && p.extension() == ".c" && fs::is_regular_file(p, sec)) files.push_back(p);
    }
    if (ec) throw Error(arg, 0, "cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw Error(arg, 0, "no C models (.c files) in this folder");
  } else if (fs::is_regular_file(st)) {
    if (root.extension() != ".c") throw Error(arg, 0, "not a C file (expected the extension .c)");
    files.push_back(root);
    dir = root.parent_path().empty() ? fs::path(".") : root.parent_path();
  } else {
    throw Error(arg, 0, "neither a regular file nor a folder");
  }

  const std::vector<Metadata> folder_rows = axevo::formats::read_folder_metadata(dir);
  std::map<std::string, std::string> names;  // name -> file
  for (const fs::path& path : files) {
    const std::string file = path.string();
    const std::optional<Metadata> side = axevo::formats::read_sidecar(path);
    const std::vector<Candidate> all = find_candidates(axevo::read_file(path));
    std::vector<Candidate> pub;
    for (const auto& c : all)
      if (!c.is_static) pub.push_back(c);
    const Candidate* chosen = nullptr;
    if (side && !side->name.empty() && pub.size() > 1) {
      for (const auto& c : pub)
        if (c.name == side->name) chosen = &c;
    } else if (pub.size() == 1) {
      chosen = &pub.front();
    }
    if (!chosen) {
      if (pub.empty())
        throw Error(file, 0,
                    "no multiplier function found: expected one non-static function like "
                    "`int16_t NAME(int8_t a, int8_t b)` (uint8_t operands / uint16_t result are accepted too)" +
                        std::string(all.empty() ? "" : "; static functions are not considered"));
      std::string list;
      for (const auto& c : pub) list += (list.empty() ? "" : ", ") + c.name + " (line " + std::to_string(c.line) + ")";
      fs::path sidecar = path;
      sidecar.replace_extension(".yaml");
      throw Error(file, pub[1].line,
                  side && !side->name.empty()
                      ? "the sidecar names '" + side->name + "', but the candidate functions are " + list
                      : "several functions could be the multiplier: " + list + "; make helpers static or write `name: NAME` into " +
                            sidecar.string());
    }
    Metadata meta;
    meta.name = chosen->name;
    for (const Metadata& row : folder_rows)
      if (row.name == (side && !side->name.empty() ? side->name : chosen->name)) meta = row;
    if (side) axevo::formats::overlay_metadata(meta, *side);
    const auto [it, fresh] = names.emplace(meta.name, file);
    if (!fresh) throw Error(file, chosen->line, "multiplier name '" + meta.name + "' is also used by " + it->second);

    const axevo::Table table = tabulate(path, *chosen);
    axevo::plugin::Record r = axevo::plugin::record_from_metadata(meta, file);
    r.table = table.data();
    axevo::plugin::add(host, r);
  }
}

}  // namespace

extern "C" {

AXEVO_DECLARE_PLUGIN(AXEVO_PLUGIN_MULTIPLIER_LIBRARY, "cmodel",
                     "multipliers from C models (int16_t NAME(int8_t, int8_t)), compiled with $CC and tabulated")

AXEVO_EXPORT int axevo_multiplier_library_load(const axevo_host* host, const char* arg) {
  return axevo::plugin::guarded(host, [&] { load(host, arg ? arg : ""); });
}

}  // extern "C"
