// Gate-level combinational Verilog netlists of signed 8x8 multipliers.
//
// Pipeline: a tokenizer (Lexer), a recursive-descent parser into a small syntax tree
// (Parser -> Module), and an elaborator that lowers one module to axevo cells
// (Elaborator -> Netlist).  No external simulator is involved.
//
// Accepted subset
// ---------------
// * Modules with ANSI (`module m(input [7:0] A, ...)`) or non-ANSI port lists; a
//   multiplier is a module whose ports are exactly input [7:0] A, input [7:0] B and
//   output [15:0] O.  Every multiplier module of a file is returned, in file order.
// * `input`/`output`/`wire`/`tri` declarations (scalars, ranges `[7:0]`, comma lists,
//   `wire x = expr;`), `supply0`/`supply1` (constant nets).  Identifiers used without a
//   declaration are implicit scalar wires (as in Verilog).
// * `assign` with `~ ! & | ^ ~^ ^~ + ?:`, parentheses, bit selects `x[3]`, part
//   selects `x[7:4]`, concatenations `{a, b}`, replications `{4{a}}`, and constants
//   (`1'b0`, `2'b10`, `8'h00`, `4'd9`, plain decimals).  Widths follow Verilog: operands
//   are zero-extended to the context width (max of the target and the operands) and the
//   result is truncated to the target.  Statements may come in any order.
// * Lowering: & -> AND2, | -> OR2, ^ -> XOR2, ~^ -> XNOR2, ~ -> INV, ?: -> MUX2, and
//   ~(a & b), ~(a | b), ~(a ^ b) -> NAND2, NOR2, XNOR2.  Constants fold inside
//   expressions (`x & 1'b1` is x, bits beyond an operand's width are 0), but a plain
//   wire-to-wire assign is never a cell.  Vector `+` becomes a ripple chain: per bit the
//   non-zero inputs (two operand bits and the carry; constant-0 bits are dropped,
//   constant-1 bits kept) give nothing (0 or 1 input), a half adder (2) or a full adder
//   (3); the carry out of the target's top bit is dropped.  So an N-bit add of two
//   N-bit operands is 1 HA + (N-1) FA, with the carry kept when the target is wider.
// * Cell instances, named (`.A(x)`) or positional.  Cell names are matched
//   case-insensitively after removing every "PDKGEN" (EvoApprox's mangling) and an
//   optional drive suffix `X<n>` / `_X<n>` (AND2X1, NAND2_X1, HAX1, PDKGENFAX1, ...):
//     AND2 OR2 NAND2 NOR2 XOR2 XNOR2 AND3 OR3 NAND3 NOR3 INV (NOT) BUF AOI21 OAI21
//     MUX2 (MX2) HA (HADD) FA (FADD)
//   Accepted port names (case-insensitive):
//     1-input cells     in: A | I | IN | A1                       out: Y | Z | ZN | O | OUT
//     2/3-input gates   in: A | A1 | IN1 | I0,  B | A2 | IN2 | I1,  C | A3 | IN3 | I2
//                       out: Y | Z | ZN | O | OUT
//     AOI21 / OAI21     Y = ~((A & B) | C) / ~((A | B) & C) with ports A, B, C;
//                       or A1, A2, B (B is the single input); or B1, B2, A (Nangate)
//     MUX2              Y = S ? B : A; data A | A0 | I0 | D0 | IN0 (S = 0),
//                       B | A1 | I1 | D1 | IN1 (S = 1); select S | S0 | SEL
//     HA                in: A, B;  sum: YS | S | SUM | SO;  carry: YC | CO | C | COUT | CARRY
//     FA                in: A, B, C | CI | CIN;  sum: YS | S | SUM | SO;
//                       carry: YC | CO | COUT | CARRY
//   Positional connections list the outputs first, then the inputs (like the Verilog
//   primitives): (Y, A, B[, C]), MUX2 (Y, A, B, S), HA (YS, YC, A, B), FA (YS, YC, A, B,
//   C) - unless the file defines the cell module, whose port order is then used.
//   Instances of cells are kept as they are, constant inputs included (honest counts).
// * Modules whose name is a known cell (e.g. EvoApprox's `module PDKGENHAX1(input A,
//   input B, output YS, output YC)`) define that cell: they are not multipliers, and
//   when instantiated their body is evaluated once to check it implements the cell.
// * Verilog gate primitives `and or nand nor xor xnor` (output first, two or more
//   inputs; wide ones become trees of 2-input cells, with AND3/OR3/NAND3/NOR3 at the
//   root for three inputs) and `not buf` (outputs first, input last); delays `#...` are
//   ignored.
// * `//` and `/* */` comments, `(* attributes *)`, escaped identifiers `\name `, and
//   compiler-directive lines (`timescale, `define, `include, `ifdef/`ifndef/`endif,
//   `default_nettype, `celldefine ...) which are skipped.
// Not supported (clear errors): behavioural code (always, reg, initial, functions ...),
// parameters, hierarchy (instances of non-cell modules), `else in directives, macro
// uses, x/z constants, arithmetic other than +, reduction and logical && || operators,
// sign extension of `signed` nets.  A module outside the subset is only an error when it
// is a multiplier (so a test bench in the same file is ignored).
//
// Errors are axevo::Error("FILE:LINE: message"): syntax errors, unknown cells or ports,
// nets driven twice, undriven nets (naming the net and the statement that reads it),
// output bits never assigned, combinational loops (via core's topological_sort).
#include "axevo/formats/verilog.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "axevo/error.hpp"

namespace axevo::formats {
namespace {

std::string upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

bool iequal(std::string_view a, std::string_view b) { return upper(a) == upper(b); }

// ======================================================================= tokens ====

enum class Tok { Ident, Number, Punct, End };

// A constant: `width` bits, least significant first.
struct Literal {
  std::size_t width = 32;
  std::vector<uint8_t> bits;
  uint64_t value() const {
    uint64_t v = 0;
    for (std::size_t i = 0; i < bits.size() && i < 64; ++i) v |= static_cast<uint64_t>(bits[i]) << i;
    return v;
  }
};

struct Token {
  Tok kind = Tok::End;
  std::string text;  // identifier (escaped ones without the backslash), punctuation, number as written
  std::size_t line = 0;
  Literal number;  // for Tok::Number
};

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::End: return "end of file";
    default: return "'" + t.text + "'";
  }
}

class Lexer {
 public:
  Lexer(std::string_view text, const std::string& file) : s_(text), file_(file) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    for (;;) {
      skip_space_and_comments();
      Token t;
      t.line = line_;
      if (pos_ >= s_.size()) {
        out.push_back(t);
        return out;
      }
      const char c = peek();
      if (c == '`') {
        directive();
        continue;
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
        t.kind = Tok::Ident;
        while (is_ident_char(peek())) t.text += s_[pos_++];
      } else if (c == '\\') {  // escaped identifier: up to the next white space
        ++pos_;
        t.kind = Tok::Ident;
        while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(peek()))) t.text += s_[pos_++];
        if (t.text.empty()) fail("empty escaped identifier");
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '\'') {
        t = number();
      } else {
        t.kind = Tok::Punct;
        t.text = punctuation();
      }
      out.push_back(std::move(t));
    }
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw Error(file_, line_, message); }
  char peek(std::size_t k = 0) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }
  static bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

  void skip_space_and_comments() {
    while (pos_ < s_.size()) {
      const char c = peek();
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '/' && peek(1) == '/') {
        while (pos_ < s_.size() && peek() != '\n') ++pos_;
      } else if (c == '/' && peek(1) == '*') {
        skip_block("/*", "*/", "comment");
      } else if (c == '(' && peek(1) == '*' && peek(2) != ')') {
        skip_block("(*", "*)", "attribute");
      } else {
        return;
      }
    }
  }

  void skip_block(std::string_view open, std::string_view close, const char* what) {
    const std::size_t start = line_;
    pos_ += open.size();
    while (pos_ < s_.size() && s_.substr(pos_, close.size()) != close) {
      if (peek() == '\n') ++line_;
      ++pos_;
    }
    if (pos_ >= s_.size()) throw Error(file_, start, std::string("unterminated ") + what + " (opened here)");
    pos_ += close.size();
  }

  // `name ...: compiler directives are skipped to the end of their line.
  void directive() {
    ++pos_;
    std::string name;
    while (is_ident_char(peek())) name += s_[pos_++];
    static const std::set<std::string> skipped = {
        "timescale", "define", "undef", "include", "ifdef", "ifndef", "endif", "default_nettype", "celldefine",
        "endcelldefine", "resetall", "nounconnected_drive", "unconnected_drive", "suppress_faults",
        "enable_portfaults", "disable_portfaults", "nosuppress_faults", "delay_mode_zero", "delay_mode_unit",
        "delay_mode_path", "delay_mode_distributed", "line", "pragma", "begin_keywords", "end_keywords"};
    if (name == "else" || name == "elsif")
      fail("conditional compilation (`" + name + ") is not supported; preprocess the file first");
    if (!skipped.count(name)) fail("macro `" + name + " is not supported (there is no preprocessor)");
    while (pos_ < s_.size() && peek() != '\n') {
      if (peek() == '\\' && peek(1) == '\n') {  // `define continuation line
        pos_ += 2;
        ++line_;
        continue;
      }
      ++pos_;
    }
  }

  std::string punctuation() {
    static const char* const multi[] = {"===", "!==", "<<<", ">>>", "~^", "^~", "~&", "~|", "&&", "||", "==",
                                        "!=",  "<=",  ">=",  "<<",  ">>", "**", "+:", "-:"};
    for (const char* m : multi) {
      const std::string_view mv(m);
      if (s_.substr(pos_, mv.size()) == mv) {
        pos_ += mv.size();
        return std::string(mv);
      }
    }
    const char c = peek();
    static const std::string singles = "()[]{},;:.=&|^~!+-*/%<>?#@";
    if (singles.find(c) == std::string::npos) {
      std::string shown = std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c) : "\\x" + hex(c);
      fail("unexpected character '" + shown + "'");
    }
    ++pos_;
    return std::string(1, c);
  }

  static std::string hex(char c) {
    static const char* digits = "0123456789abcdef";
    const auto u = static_cast<unsigned char>(c);
    return {digits[u >> 4], digits[u & 15]};
  }

  // 12, 1'b0, 8'hFF, 4'sd9, 'b101 (whitespace allowed around the base).
  Token number() {
    Token t;
    t.kind = Tok::Number;
    t.line = line_;
    std::string size_digits;
    while (std::isdigit(static_cast<unsigned char>(peek())) || peek() == '_') size_digits += s_[pos_++];
    std::size_t look = pos_;
    while (look < s_.size() && (s_[look] == ' ' || s_[look] == '\t')) ++look;
    const bool based = look < s_.size() && s_[look] == '\'';
    if (!based) {  // plain decimal: unsized, 32 bits
      t.text = size_digits;
      t.number = from_decimal(size_digits, 0);
      return t;
    }
    pos_ = look + 1;
    std::optional<std::size_t> size;
    if (!size_digits.empty()) {
      const Literal sz = from_decimal(size_digits, 0);
      if (sz.value() == 0 || sz.value() > 4096) fail("bad constant size " + size_digits);
      size = static_cast<std::size_t>(sz.value());
    }
    if (peek() == 's' || peek() == 'S') ++pos_;
    const char base = static_cast<char>(std::tolower(static_cast<unsigned char>(peek())));
    if (base != 'b' && base != 'o' && base != 'd' && base != 'h') fail("malformed constant: expected b, o, d or h after '");
    ++pos_;
    while (peek() == ' ' || peek() == '\t') ++pos_;
    std::string digits;
    while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_' || peek() == '?') digits += s_[pos_++];
    t.text = size_digits + "'" + base + digits;
    if (digits.empty()) fail("malformed constant " + t.text + ": no digits");
    const std::size_t width = size.value_or(0);
    if (base == 'd') {
      t.number = from_decimal(digits, width);
    } else {
      const int per_digit = base == 'b' ? 1 : base == 'o' ? 3 : 4;
      std::vector<uint8_t> bits;  // LSB first
      for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        const char d = static_cast<char>(std::tolower(static_cast<unsigned char>(*it)));
        if (d == '_') continue;
        if (d == 'x' || d == 'z' || d == '?') fail("constant " + t.text + ": x/z digits are not supported");
        const int v = std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : (d >= 'a' && d <= 'f') ? d - 'a' + 10 : 99;
        if (v >= (1 << per_digit)) fail("constant " + t.text + ": digit '" + std::string(1, *it) + "' is not valid in this base");
        for (int k = 0; k < per_digit; ++k) bits.push_back(static_cast<uint8_t>((v >> k) & 1));
      }
      t.number.bits = std::move(bits);
      fit(t.number, width);
    }
    return t;
  }

  // Decimal digits to a literal of `width` bits (0: unsized, at least 32 bits).
  Literal from_decimal(const std::string& digits, std::size_t width) const {
    uint64_t v = 0;
    for (char d : digits) {
      if (d == '_') continue;
      if (!std::isdigit(static_cast<unsigned char>(d))) fail("constant '" + digits + "': '" + std::string(1, d) + "' is not a decimal digit");
      if (v > (UINT64_MAX - 9) / 10) fail("constant '" + digits + "' is too large");
      v = v * 10 + static_cast<uint64_t>(d - '0');
    }
    Literal l;
    for (int i = 0; i < 64; ++i) l.bits.push_back(static_cast<uint8_t>((v >> i) & 1));
    fit(l, width);
    return l;
  }

  // Sized: truncate / zero-extend to `width`; unsized: drop leading zeros, at least 32.
  static void fit(Literal& l, std::size_t width) {
    if (width == 0) {
      std::size_t used = l.bits.size();
      while (used > 0 && l.bits[used - 1] == 0) --used;
      width = std::max<std::size_t>(32, used);
    }
    l.bits.resize(width, 0);
    l.width = width;
  }

  std::string_view s_;
  const std::string& file_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

// =================================================================== syntax tree ====

struct Expr {
  enum class Kind { Name, Bit, Part, Number, Concat, Repeat, Not, LogicNot, Binary, Cond };
  Kind kind = Kind::Name;
  std::size_t line = 0;
  std::string name;     // Name, Bit, Part
  long hi = 0, lo = 0;  // Bit: hi; Part: [hi:lo]
  Literal number;       // Number
  std::size_t count = 0;  // Repeat
  std::string op;       // Binary: "&", "|", "^", "~^", "+"
  std::vector<Expr> args;  // operands; Cond: condition, then, else
};

enum class Dir { None, Input, Output, Inout };

struct Decl {
  std::string name;
  Dir dir = Dir::None;
  bool has_range = false;
  long msb = 0, lsb = 0;
  bool is_signed = false;
  int supply = -1;  // 0 / 1 for supply0 / supply1 nets
  std::size_t line = 0;
  std::size_t width() const { return static_cast<std::size_t>((msb >= lsb ? msb - lsb : lsb - msb) + 1); }
};

struct Connection {
  std::string port;  // empty for a positional connection
  std::optional<Expr> expr;  // empty when unconnected
  std::size_t line = 0;
};

struct Instance {
  std::string type;  // cell or primitive name
  std::string name;  // may be empty for primitives
  bool primitive = false;
  std::vector<Connection> conns;
  std::size_t line = 0;
};

struct Assign {
  Expr lhs, rhs;
  std::size_t line = 0;
};

struct Module {
  std::string name;
  std::size_t line = 0;
  std::vector<std::string> ports;  // in header order
  std::vector<Decl> decls;
  std::map<std::string, std::size_t> decl_index;
  std::vector<Assign> assigns;
  std::vector<Instance> instances;
  std::string unsupported;  // first construct outside the subset, with its line
  std::size_t unsupported_line = 0;

  const Decl* find(const std::string& n) const {
    const auto it = decl_index.find(n);
    return it == decl_index.end() ? nullptr : &decls[it->second];
  }
};

const std::set<std::string>& primitive_names() {
  static const std::set<std::string> s = {"and", "or", "nand", "nor", "xor", "xnor", "not", "buf"};
  return s;
}

// Keywords that start a construct outside the subset: the module is skipped.
const std::set<std::string>& unsupported_keywords() {
  static const std::set<std::string> s = {
      "always", "always_comb", "always_ff", "always_latch", "initial", "final", "reg", "logic", "integer", "real",
      "realtime", "time", "parameter", "localparam", "defparam", "specparam", "function", "task", "generate",
      "genvar", "specify", "event", "wand", "wor", "tri0", "tri1", "triand", "trior", "trireg", "bufif0",
      "bufif1", "notif0", "notif1", "pullup", "pulldown", "nmos", "pmos", "cmos", "tran", "rtran"};
  return s;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string& file) : t_(std::move(tokens)), file_(file) {}

  std::vector<Module> parse_file() {
    std::vector<Module> modules;
    while (cur().kind != Tok::End) {
      if (is_word("module") || is_word("macromodule")) {
        modules.push_back(parse_module());
      } else {
        unexpected("'module'");
      }
    }
    return modules;
  }

 private:
  const Token& cur() const { return t_[i_]; }
  const Token& next() const { return t_[std::min(i_ + 1, t_.size() - 1)]; }
  Token take() {
    Token t = t_[i_];
    if (i_ + 1 < t_.size()) ++i_;
    return t;
  }
  bool is(const char* punct) const { return cur().kind == Tok::Punct && cur().text == punct; }
  bool is_word(const char* w) const { return cur().kind == Tok::Ident && cur().text == w; }
  bool accept(const char* punct) {
    if (!is(punct)) return false;
    take();
    return true;
  }
  [[noreturn]] void fail(const std::string& message) const { throw Error(file_, cur().line, message); }
  [[noreturn]] void unexpected(const std::string& expected) const {
    fail("syntax error: expected " + expected + ", found " + describe(cur()));
  }
  void expect(const char* punct, const std::string& context) {
    if (!accept(punct)) unexpected(std::string("'") + punct + "'" + (context.empty() ? "" : " " + context));
  }
  std::string expect_ident(const std::string& what) {
    if (cur().kind != Tok::Ident) unexpected(what);
    return take().text;
  }
  long expect_index(const std::string& what) {
    if (cur().kind != Tok::Number) unexpected(what);
    const Literal& n = cur().number;
    const uint64_t v = n.value();
    if (v > 1000000) fail("index " + cur().text + " is too large");
    take();
    return static_cast<long>(v);
  }

  // ---- modules ----

  Module parse_module() {
    Module m;
    m.line = cur().line;
    take();  // module
    m.name = expect_ident("a module name");
    if (is("#")) fail("module " + m.name + ": parameters are not supported");
    if (accept("(")) {
      if (!is(")")) {
        if (is_word("input") || is_word("output") || is_word("inout"))
          ansi_ports(m);
        else
          for (;;) {
            if (is(".")) fail("module " + m.name + ": port expressions (.name(...)) in the header are not supported");
            m.ports.push_back(expect_ident("a port name"));
            if (!accept(",")) break;
          }
      }
      expect(")", "closing the port list of module " + m.name);
    }
    expect(";", "after the header of module " + m.name);
    while (!is_word("endmodule")) {
      if (cur().kind == Tok::End) throw Error(file_, m.line, "module " + m.name + " has no endmodule");
      if (!item(m)) break;  // unsupported construct: skipped to endmodule
    }
    take();  // endmodule
    for (const std::string& p : m.ports) {
      const Decl* d = m.find(p);
      if (!d || d->dir == Dir::None) {
        if (!m.unsupported.empty()) continue;  // its declaration may be in the skipped part
        throw Error(file_, m.line, "module " + m.name + ": port '" + p + "' has no input/output declaration");
      }
    }
    return m;
  }

  // `input wire [7:0] A, B, output [15:0] O`
  void ansi_ports(Module& m) {
    Decl proto;
    for (;;) {
      if (is_word("input") || is_word("output") || is_word("inout")) {
        const std::string d = take().text;
        proto = Decl{};
        proto.dir = d == "input" ? Dir::Input : d == "output" ? Dir::Output : Dir::Inout;
        net_type_and_range(proto);
      }
      Decl decl = proto;
      decl.line = cur().line;
      decl.name = expect_ident("a port name");
      m.ports.push_back(decl.name);
      declare(m, decl);
      if (!accept(",")) break;
    }
  }

  // [wire|tri] [signed] [[msb:lsb]]
  void net_type_and_range(Decl& d) {
    if (is_word("reg") || is_word("logic")) fail("'" + cur().text + "' ports are not supported (gate-level netlists only)");
    if (is_word("wire") || is_word("tri")) take();
    if (is_word("signed")) {
      take();
      d.is_signed = true;
    }
    if (accept("[")) {
      d.has_range = true;
      d.msb = expect_index("a constant range bound");
      expect(":", "in a range");
      d.lsb = expect_index("a constant range bound");
      expect("]", "closing a range");
    }
  }

  void declare(Module& m, const Decl& d) {
    const auto it = m.decl_index.find(d.name);
    if (it == m.decl_index.end()) {
      m.decl_index.emplace(d.name, m.decls.size());
      m.decls.push_back(d);
      return;
    }
    // A port may be declared twice: `output [15:0] O;` and `wire [15:0] O;`.
    Decl& old = m.decls[it->second];
    const bool one_is_net = (old.dir == Dir::None) != (d.dir == Dir::None);
    const bool same_range = old.has_range == d.has_range && old.msb == d.msb && old.lsb == d.lsb;
    if (!one_is_net || !same_range || old.supply >= 0 || d.supply >= 0)
      throw Error(file_, d.line, "'" + d.name + "' is already declared at line " + std::to_string(old.line));
    if (old.dir == Dir::None) old.dir = d.dir;
    old.is_signed = old.is_signed || d.is_signed;
  }

  // One module item; returns false after an unsupported construct (skipped to endmodule).
  bool item(Module& m) {
    const std::size_t line = cur().line;
    if (accept(";")) return true;
    if (cur().kind != Tok::Ident) unexpected("a module item");
    const std::string word = cur().text;
    if (word == "input" || word == "output" || word == "inout") {
      take();
      Decl proto;
      proto.dir = word == "input" ? Dir::Input : word == "output" ? Dir::Output : Dir::Inout;
      net_type_and_range(proto);
      for (const std::string& name : declaration_list(m, proto, false))
        if (std::find(m.ports.begin(), m.ports.end(), name) == m.ports.end())
          throw Error(file_, line, "'" + name + "' is declared " + word + " but is not in the port list of module " + m.name);
      return true;
    }
    if (word == "wire" || word == "tri" || word == "supply0" || word == "supply1") {
      take();
      Decl proto;
      if (word == "supply0" || word == "supply1") {
        proto.supply = word == "supply1" ? 1 : 0;
        if (accept("[")) {
          proto.has_range = true;
          proto.msb = expect_index("a constant range bound");
          expect(":", "in a range");
          proto.lsb = expect_index("a constant range bound");
          expect("]", "closing a range");
        }
      } else {
        net_type_and_range(proto);
      }
      declaration_list(m, proto, true);
      return true;
    }
    if (word == "assign") {
      take();
      skip_delay();
      for (;;) {
        Assign a;
        a.line = cur().line;
        a.lhs = expr();
        expect("=", "in assign");
        a.rhs = expr();
        m.assigns.push_back(std::move(a));
        if (!accept(",")) break;
      }
      expect(";", "after assign");
      return true;
    }
    if (word == "module") throw Error(file_, line, "module " + m.name + " (line " + std::to_string(m.line) + ") has no endmodule before this module");
    if (unsupported_keywords().count(word)) {
      m.unsupported = "'" + word + "' is not supported (gate-level netlists: assign, cell instances and gate primitives only)";
      m.unsupported_line = line;
      while (!is_word("endmodule")) {
        if (cur().kind == Tok::End) throw Error(file_, m.line, "module " + m.name + " has no endmodule");
        take();
      }
      return false;
    }
    instances(m);
    return true;
  }

  // `a, b[3:0]?` after the type: names with optional `= expr` (for nets).
  std::vector<std::string> declaration_list(Module& m, const Decl& proto, bool nets) {
    std::vector<std::string> names;
    for (;;) {
      Decl d = proto;
      d.line = cur().line;
      d.name = expect_ident("a name to declare");
      declare(m, d);
      names.push_back(d.name);
      if (nets && is("=")) {
        if (proto.supply >= 0) fail("a supply net cannot be assigned");
        Assign a;
        a.line = cur().line;
        take();
        a.lhs.kind = Expr::Kind::Name;
        a.lhs.name = d.name;
        a.lhs.line = d.line;
        a.rhs = expr();
        m.assigns.push_back(std::move(a));
      }
      if (!accept(",")) break;
    }
    expect(";", "after a declaration");
    return names;
  }

  void skip_delay() {
    if (!accept("#")) return;
    if (accept("(")) {
      int depth = 1;
      while (depth > 0) {
        if (cur().kind == Tok::End) unexpected("')' closing a delay");
        if (is("(")) ++depth;
        if (is(")")) --depth;
        take();
      }
    } else if (cur().kind == Tok::Number || cur().kind == Tok::Ident) {
      take();
    } else {
      unexpected("a delay value");
    }
  }

  // CELL [#delay] name (conns) {, name (conns)} ;   or a primitive with optional names.
  void instances(Module& m) {
    const Token type = take();
    const bool primitive = primitive_names().count(type.text) > 0;
    if (primitive) {
      if (is("(") && (next().kind == Tok::Ident) &&
          (next().text.rfind("strong", 0) == 0 || next().text.rfind("weak", 0) == 0 ||
           next().text.rfind("pull", 0) == 0 || next().text.rfind("supply", 0) == 0 ||
           next().text.rfind("highz", 0) == 0))
        fail("drive strengths are not supported");
      skip_delay();
    } else if (is("#")) {
      fail("instance of " + type.text + ": parameter overrides are not supported");
    }
    for (;;) {
      Instance inst;
      inst.type = type.text;
      inst.primitive = primitive;
      inst.line = cur().line;
      if (cur().kind == Tok::Ident) {
        inst.name = take().text;
      } else if (!primitive) {
        unexpected("an instance name after cell " + type.text);
      }
      if (is("[")) fail("instance arrays are not supported");
      expect("(", "opening the connections of " + (inst.name.empty() ? type.text : inst.name));
      connections(inst);
      expect(")", "closing the connections of " + (inst.name.empty() ? type.text : inst.name));
      m.instances.push_back(std::move(inst));
      if (!accept(",")) break;
    }
    expect(";", "after an instance");
  }

  void connections(Instance& inst) {
    if (is(")")) return;
    if (is(".")) {
      for (;;) {
        Connection c;
        c.line = cur().line;
        expect(".", "before a port name");
        c.port = expect_ident("a port name after '.'");
        expect("(", "after ." + c.port);
        if (!is(")")) c.expr = expr();
        expect(")", "closing ." + c.port + "(...)");
        inst.conns.push_back(std::move(c));
        if (!accept(",")) break;
        if (!is(".")) unexpected("a named connection '.PORT(...)' (named and positional connections cannot be mixed)");
      }
      return;
    }
    for (;;) {
      Connection c;
      c.line = cur().line;
      if (is(".")) fail("named and positional connections cannot be mixed");
      if (!is(",") && !is(")")) c.expr = expr();
      inst.conns.push_back(std::move(c));
      if (!accept(",")) break;
    }
  }

  // ---- expressions (Verilog precedence, lowest first) ----

  Expr make(Expr::Kind k, std::size_t line) {
    Expr e;
    e.kind = k;
    e.line = line;
    return e;
  }

  // Bounds the recursion of the expression parser (and of everything that walks its trees).
  struct Nesting {
    Parser& p;
    explicit Nesting(Parser& parser) : p(parser) {
      if (++p.depth_ > 256) p.fail("expression nested too deeply (more than 256 levels)");
    }
    ~Nesting() { --p.depth_; }
  };

  Expr expr() {
    const Nesting nest(*this);
    Expr c = bit_or();
    if (is("||") || is("&&")) fail("logical operator '" + cur().text + "' is not supported (use | or &)");
    if (!is("?")) return c;
    Expr e = make(Expr::Kind::Cond, take().line);
    e.args.push_back(std::move(c));
    e.args.push_back(expr());
    expect(":", "in a conditional expression");
    e.args.push_back(expr());
    return e;
  }

  Expr binary(const std::string& op, Expr lhs, Expr rhs, std::size_t line) {
    Expr e = make(Expr::Kind::Binary, line);
    e.op = op;
    e.args.push_back(std::move(lhs));
    e.args.push_back(std::move(rhs));
    return e;
  }

  Expr bit_or() {
    Expr e = bit_xor();
    while (is("|")) {
      const std::size_t line = take().line;
      e = binary("|", std::move(e), bit_xor(), line);
    }
    return e;
  }

  Expr bit_xor() {
    Expr e = bit_and();
    while (is("^") || is("~^") || is("^~")) {
      const Token t = take();
      e = binary(t.text == "^" ? "^" : "~^", std::move(e), bit_and(), t.line);
    }
    return e;
  }

  Expr bit_and() {
    Expr e = comparison();
    while (is("&")) {
      const std::size_t line = take().line;
      e = binary("&", std::move(e), comparison(), line);
    }
    return e;
  }

  Expr comparison() {
    Expr e = additive();
    static const std::set<std::string> unsupported = {"==", "!=", "===", "!==", "<", ">", "<=", ">=",
                                                      "<<", ">>", "<<<", ">>>"};
    if (cur().kind == Tok::Punct && unsupported.count(cur().text))
      fail("operator '" + cur().text + "' is not supported");
    return e;
  }

  Expr additive() {
    Expr e = unary();
    for (;;) {
      if (is("-") || is("*") || is("/") || is("%") || is("**"))
        fail("operator '" + cur().text + "' is not supported (the only arithmetic operator is +)");
      if (!is("+")) return e;
      const std::size_t line = take().line;
      e = binary("+", std::move(e), unary(), line);
    }
  }

  Expr unary() {
    const Nesting nest(*this);
    if (is("~") || is("!")) {
      const Token t = take();
      Expr e = make(t.text == "~" ? Expr::Kind::Not : Expr::Kind::LogicNot, t.line);
      e.args.push_back(unary());
      return e;
    }
    if (is("&") || is("|") || is("^") || is("~&") || is("~|") || is("~^") || is("^~"))
      fail("reduction operator '" + cur().text + "' is not supported");
    if (is("-") || is("+")) fail("unary '" + cur().text + "' is not supported");
    return primary();
  }

  Expr primary() {
    const std::size_t line = cur().line;
    if (cur().kind == Tok::Number) {
      Expr e = make(Expr::Kind::Number, line);
      e.number = take().number;
      return e;
    }
    if (cur().kind == Tok::Ident) {
      if (primitive_names().count(cur().text) || unsupported_keywords().count(cur().text))
        unexpected("an expression");
      Expr e = make(Expr::Kind::Name, line);
      e.name = take().text;
      if (accept("[")) {
        e.hi = expect_index("a constant bit index (variable indices are not supported)");
        if (is("+:") || is("-:")) fail("indexed part-selects (" + cur().text + ") are not supported");
        if (accept(":")) {
          e.kind = Expr::Kind::Part;
          e.lo = expect_index("a constant part-select bound");
        } else {
          e.kind = Expr::Kind::Bit;
        }
        expect("]", "closing a select");
      }
      return e;
    }
    if (accept("(")) {
      Expr e = expr();
      expect(")", "closing a parenthesis");
      return e;
    }
    if (accept("{")) {
      Expr first = expr();
      if (accept("{")) {  // replication {N{...}}
        if (first.kind != Expr::Kind::Number) throw Error(file_, line, "the replication count must be a constant");
        Expr e = make(Expr::Kind::Repeat, line);
        const uint64_t n = first.number.value();
        if (n == 0 || n > 4096) throw Error(file_, line, "bad replication count " + std::to_string(n));
        e.count = static_cast<std::size_t>(n);
        Expr inner = make(Expr::Kind::Concat, line);
        for (;;) {
          inner.args.push_back(expr());
          if (!accept(",")) break;
        }
        expect("}", "closing a replication");
        expect("}", "closing a replication");
        e.args.push_back(std::move(inner));
        return e;
      }
      Expr e = make(Expr::Kind::Concat, line);
      e.args.push_back(std::move(first));
      while (accept(",")) e.args.push_back(expr());
      expect("}", "closing a concatenation");
      return e;
    }
    unexpected("an expression");
  }

  std::vector<Token> t_;
  const std::string& file_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

// ========================================================================== cells ====

std::optional<Cell> base_cell(const std::string& n) {
  static const std::map<std::string, Cell> names = {
      {"AND2", Cell::AND2},   {"OR2", Cell::OR2},     {"NAND2", Cell::NAND2}, {"NOR2", Cell::NOR2},
      {"XOR2", Cell::XOR2},   {"XNOR2", Cell::XNOR2}, {"INV", Cell::INV},     {"NOT", Cell::INV},
      {"BUF", Cell::BUF},     {"NAND3", Cell::NAND3}, {"NOR3", Cell::NOR3},   {"AND3", Cell::AND3},
      {"OR3", Cell::OR3},     {"AOI21", Cell::AOI21}, {"OAI21", Cell::OAI21}, {"MUX2", Cell::MUX2},
      {"MX2", Cell::MUX2},    {"HA", Cell::HA},       {"HADD", Cell::HA},     {"FA", Cell::FA},
      {"FADD", Cell::FA}};
  const auto it = names.find(n);
  if (it == names.end()) return std::nullopt;
  return it->second;
}

// The cell a module or instance type names: PDKGEN removed, drive suffix X<n> optional.
std::optional<Cell> cell_from_name(std::string_view raw) {
  std::string n = upper(raw);
  for (std::size_t p; (p = n.find("PDKGEN")) != std::string::npos;) n.erase(p, 6);
  if (auto c = base_cell(n)) return c;
  std::size_t end = n.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(n[end - 1]))) --end;
  if (end == n.size() || end == 0 || n[end - 1] != 'X') return std::nullopt;
  --end;
  if (end > 0 && n[end - 1] == '_') --end;
  return base_cell(n.substr(0, end));
}

using Names = std::vector<std::string_view>;
struct PortScheme {
  std::vector<Names> in, out;  // accepted names per input / output slot
};

const std::vector<PortScheme>& port_schemes(Cell c) {
  static const Names out1 = {"Y", "Z", "ZN", "O", "OUT"};
  static const Names in_single = {"A", "I", "IN", "A1"};
  static const Names in0 = {"A", "A1", "IN1", "I0"}, in1 = {"B", "A2", "IN2", "I1"}, in2 = {"C", "A3", "IN3", "I2"};
  static const Names sum = {"YS", "S", "SUM", "SO"};
  static const std::vector<PortScheme> one = {{{in_single}, {out1}}};
  static const std::vector<PortScheme> two = {{{in0, in1}, {out1}}};
  static const std::vector<PortScheme> three = {{{in0, in1, in2}, {out1}}};
  static const std::vector<PortScheme> aoi = {{{{"A"}, {"B"}, {"C"}}, {out1}},
                                              {{{"A1"}, {"A2"}, {"B"}}, {out1}},
                                              {{{"B1"}, {"B2"}, {"A"}}, {out1}}};
  static const std::vector<PortScheme> mux = {
      {{{"A", "A0", "I0", "D0", "IN0"}, {"B", "A1", "I1", "D1", "IN1"}, {"S", "S0", "SEL"}}, {out1}}};
  static const std::vector<PortScheme> ha = {{{{"A"}, {"B"}}, {sum, {"YC", "CO", "C", "COUT", "CARRY"}}}};
  static const std::vector<PortScheme> fa = {
      {{{"A"}, {"B"}, {"C", "CI", "CIN"}}, {sum, {"YC", "CO", "COUT", "CARRY"}}}};
  switch (c) {
    case Cell::INV:
    case Cell::BUF: return one;
    case Cell::AND2:
    case Cell::OR2:
    case Cell::NAND2:
    case Cell::NOR2:
    case Cell::XOR2:
    case Cell::XNOR2: return two;
    case Cell::AND3:
    case Cell::OR3:
    case Cell::NAND3:
    case Cell::NOR3: return three;
    case Cell::AOI21:
    case Cell::OAI21: return aoi;
    case Cell::MUX2: return mux;
    case Cell::HA: return ha;
    case Cell::FA: return fa;
  }
  return one;
}

struct PortRole {
  bool output = false;
  int slot = 0;
};

std::optional<PortRole> role_in(const PortScheme& s, std::string_view port) {
  for (std::size_t k = 0; k < s.out.size(); ++k)
    for (auto n : s.out[k])
      if (iequal(n, port)) return PortRole{true, static_cast<int>(k)};
  for (std::size_t k = 0; k < s.in.size(); ++k)
    for (auto n : s.in[k])
      if (iequal(n, port)) return PortRole{false, static_cast<int>(k)};
  return std::nullopt;
}

// The roles of `ports` under the first scheme of `cell` that knows them all.
std::optional<std::vector<PortRole>> roles_of(Cell cell, const std::vector<std::string>& ports) {
  for (const PortScheme& s : port_schemes(cell)) {
    std::vector<PortRole> roles;
    for (const auto& p : ports) {
      const auto r = role_in(s, p);
      if (!r) break;
      roles.push_back(*r);
    }
    if (roles.size() == ports.size()) return roles;
  }
  return std::nullopt;
}

std::string accepted_ports(Cell cell) {
  std::string out;
  for (const PortScheme& s : port_schemes(cell)) {
    if (!out.empty()) out += "; or ";
    auto list = [&](const std::vector<Names>& slots) {
      for (const Names& names : slots) {
        out += " ";
        for (std::size_t k = 0; k < names.size(); ++k) out += (k ? "|" : "") + std::string(names[k]);
      }
    };
    out += "inputs";
    list(s.in);
    out += ", outputs";
    list(s.out);
  }
  return out;
}

// Default positional order: outputs, then inputs.
std::vector<PortRole> default_positional(Cell cell) {
  std::vector<PortRole> r;
  for (int k = 0; k < cell_outputs(cell); ++k) r.push_back({true, k});
  for (int k = 0; k < cell_inputs(cell); ++k) r.push_back({false, k});
  return r;
}

// Output bits of a cell for inputs x, y, z (bit 0: first output, bit 1: carry).
unsigned cell_function(Cell c, unsigned x, unsigned y, unsigned z) {
  switch (c) {
    case Cell::AND2: return x & y;
    case Cell::OR2: return x | y;
    case Cell::NAND2: return !(x & y);
    case Cell::NOR2: return !(x | y);
    case Cell::XOR2: return x ^ y;
    case Cell::XNOR2: return !(x ^ y);
    case Cell::INV: return !x;
    case Cell::BUF: return x;
    case Cell::NAND3: return !(x & y & z);
    case Cell::NOR3: return !(x | y | z);
    case Cell::AOI21: return !((x & y) | z);
    case Cell::OAI21: return !((x | y) & z);
    case Cell::MUX2: return z ? y : x;
    case Cell::HA: return (x ^ y) | ((x & y) << 1);
    case Cell::FA: return (x ^ y ^ z) | (((x & y) | (z & (x ^ y))) << 1);
    case Cell::AND3: return x & y & z;
    case Cell::OR3: return x | y | z;
  }
  return 0;
}

// ==================================================================== elaboration ====

bool is_multiplier(const Module& m) {
  if (m.ports.size() != 3) return false;
  auto port_is = [&](const char* name, Dir dir, long msb) {
    if (std::find(m.ports.begin(), m.ports.end(), name) == m.ports.end()) return false;
    const Decl* d = m.find(name);
    return d && d->dir == dir && d->has_range && d->msb == msb && d->lsb == 0;
  };
  return port_is("A", Dir::Input, 7) && port_is("B", Dir::Input, 7) && port_is("O", Dir::Output, 15);
}

// Everything shared by the elaboration of a file's modules.
struct Design {
  const std::string& file;
  std::map<std::string, const Module*> modules;
  std::map<const Module*, int> verified;  // 1 in progress, 2 done
};

void verify_cell_module(Design& d, const Module& def, Cell cell);

struct CellRef {
  Cell cell;
  const Module* definition = nullptr;  // the file's module defining it, if any
};

CellRef cell_for(Design& d, const Instance& inst) {
  const std::string who = inst.name.empty() ? "" : " (instance " + inst.name + ")";
  const auto cell = cell_from_name(inst.type);
  const auto it = d.modules.find(inst.type);
  if (it != d.modules.end()) {
    if (!cell)
      throw Error(d.file, inst.line,
                  "instance of module " + inst.type + who +
                      ": only cells can be instantiated (hierarchical netlists are not supported)");
    verify_cell_module(d, *it->second, *cell);
    return {*cell, it->second};
  }
  if (!cell)
    throw Error(d.file, inst.line,
                "unknown cell '" + inst.type + "'" + who +
                    "; known cells: AND2 OR2 NAND2 NOR2 XOR2 XNOR2 AND3 OR3 NAND3 NOR3 INV/NOT BUF AOI21 OAI21 "
                    "MUX2 HA FA (optionally PDKGEN-prefixed, with a drive suffix such as X1 or _X1)");
  return {*cell, nullptr};
}

constexpr uint32_t kNone = 0xffffffffu;

class Elaborator {
 public:
  Elaborator(Design& design, const Module& m) : d_(design), m_(m) {
    // Nodes 0..17 stand for the fixed nets: constants 0 / 1 and the 16 primary inputs.
    for (uint32_t i = 0; i < kNetFirstInternal; ++i) {
      Node n;
      n.kind = i < kNetA0 ? Node::Kind::Constant : Node::Kind::Input;
      n.name = i == 0 ? "1'b0" : i == 1 ? "1'b1" : "";
      nodes_.push_back(n);
    }
    for (const Decl& decl : m.decls) declare(decl);
  }

  // Connects input port `name` (bit k, counting from its lsb) to primary net first + k.
  void bind_input(const std::string& name, uint32_t first) {
    Signal& s = signals_.at(name);
    for (std::size_t k = 0; k < s.nodes.size(); ++k) {
      const uint32_t net = first + static_cast<uint32_t>(k);
      s.nodes[k] = net;
      nodes_[net].name = bit_name(s, k);
    }
  }

  const std::vector<uint32_t>& signal_nodes(const std::string& name) const { return signals_.at(name).nodes; }

  // Lowers every statement (any order: nets are resolved in build()).
  void run() {
    for (const Assign& a : m_.assigns) assign(a);
    for (const Instance& inst : m_.instances) {
      if (inst.primitive)
        primitive(inst);
      else
        cell_instance(inst);
    }
  }

  // Builds the netlist with output bit i taken from node outputs[i]; sorted topologically.
  Netlist build(const std::vector<uint32_t>& outputs) {
    Netlist n;
    n.module_name = m_.name;
    std::vector<uint32_t> net_of(nodes_.size(), kNoNet);
    for (uint32_t i = 0; i < kNetFirstInternal; ++i) net_of[i] = i;
    for (const PendingGate& g : gates_)
      for (uint32_t o : g.out)
        if (o != kNone) net_of[o] = n.num_nets++;
    n.net_names.assign(n.num_nets, "");
    for (uint32_t i = 0; i < kNetFirstInternal; ++i) n.net_names[i] = nodes_[i].name;
    for (std::size_t i = kNetFirstInternal; i < nodes_.size(); ++i)
      if (net_of[i] != kNoNet) n.net_names[net_of[i]] = nodes_[i].name;
    // Unnamed gate outputs take the name of a declared net assigned from them: first one
    // assigned directly (`assign s = a & b;`), else one further down an assign chain.
    for (const bool direct : {true, false})
      for (std::size_t i = kNetFirstInternal; i < nodes_.size(); ++i) {
        const Node& node = nodes_[i];
        if (node.kind != Node::Kind::Alias || node.name.empty()) continue;
        if (direct && nodes_[node.ref].kind != Node::Kind::Gate) continue;
        const uint32_t t = try_resolve(static_cast<uint32_t>(i));
        if (t != kNone && net_of[t] != kNoNet && n.net_names[net_of[t]].empty()) n.net_names[net_of[t]] = node.name;
      }
    for (const PendingGate& pg : gates_) {
      Gate g;
      g.cell = pg.cell;
      g.instance = pg.instance;
      for (int k = 0; k < cell_inputs(pg.cell); ++k) {
        const std::string reader = pg.instance.empty() ? "" : " (input of instance " + pg.instance + ")";
        g.in[k] = net_of[resolve(pg.in[k], pg.line, reader)];
      }
      for (int k = 0; k < cell_outputs(pg.cell); ++k) g.out[k] = pg.out[k] == kNone ? kNoNet : net_of[pg.out[k]];
      n.gates.push_back(std::move(g));
    }
    for (std::size_t bit = 0; bit < 16; ++bit) {
      const uint32_t node = outputs[bit];
      const uint32_t end = chain_end(node);
      if (nodes_[end].kind == Node::Kind::Undriven) {
        if (end == node)
          throw Error(d_.file, m_.line, "module " + m_.name + ": output bit " + nodes_[node].name + " is never assigned");
        throw Error(d_.file, line_of(node),
                    "module " + m_.name + ": output bit " + nodes_[node].name + " is connected to net '" +
                        nodes_[end].name + "', which is never driven");
      }
      n.outputs[bit] = net_of[end];
    }
    // Undriven nets and unassigned outputs are reported above; what topological_sort can
    // still find is a combinational loop (it leaves `n` unchanged when it throws).
    try {
      topological_sort(n);
    } catch (const Error& e) {
      const LoopInfo loop = find_loop(n);
      throw Error(d_.file, loop.line, e.what() + loop.nets);
    }
    return n;
  }

 private:
  struct Node {
    enum class Kind { Undriven, Constant, Input, Alias, Gate };
    Kind kind = Kind::Undriven;
    uint32_t ref = 0;       // Alias: the node it equals; Gate: gate index
    std::size_t line = 0;   // statement driving it
    std::string name;       // declared bit name ("x", "x[3]"); empty for temporaries
  };
  struct Signal {
    Decl decl;
    std::vector<uint32_t> nodes;  // per bit, least significant first
  };
  struct PendingGate {
    Cell cell = Cell::BUF;
    std::array<uint32_t, 3> in{kNone, kNone, kNone};
    std::array<uint32_t, 2> out{kNone, kNone};
    std::string instance;
    std::size_t line = 0;
  };
  using Bits = std::vector<uint32_t>;  // nodes, least significant first

  static std::string bit_name(const Signal& s, std::size_t k) {
    if (!s.decl.has_range) return s.decl.name;
    const long idx = s.decl.msb >= s.decl.lsb ? s.decl.lsb + static_cast<long>(k) : s.decl.lsb - static_cast<long>(k);
    return s.decl.name + "[" + std::to_string(idx) + "]";
  }

  Signal& declare(const Decl& decl) {
    Signal s;
    s.decl = decl;
    for (std::size_t k = 0; k < decl.width(); ++k) {
      if (decl.supply >= 0) {
        s.nodes.push_back(static_cast<uint32_t>(decl.supply));
        continue;
      }
      Node n;
      n.name = bit_name(s, k);
      s.nodes.push_back(static_cast<uint32_t>(nodes_.size()));
      nodes_.push_back(std::move(n));
    }
    return signals_.emplace(decl.name, std::move(s)).first->second;
  }

  Signal& signal(const Expr& e) {
    const auto it = signals_.find(e.name);
    if (it != signals_.end()) return it->second;
    if (e.kind != Expr::Kind::Name)
      throw Error(d_.file, e.line, "net '" + e.name + "' is not declared (implicit nets are scalars)");
    Decl d;
    d.name = e.name;
    d.line = e.line;
    return declare(d);  // an implicit scalar wire
  }

  std::size_t position(const Signal& s, long index, const Expr& e) const {
    const Decl& d = s.decl;
    const long lo = std::min(d.msb, d.lsb), hi = std::max(d.msb, d.lsb);
    if (index < lo || index > hi)
      throw Error(d_.file, e.line,
                  "bit " + std::to_string(index) + " of '" + e.name + "' is out of its range [" + std::to_string(d.msb) +
                      ":" + std::to_string(d.lsb) + "]");
    return static_cast<std::size_t>(d.msb >= d.lsb ? index - d.lsb : d.lsb - index);
  }

  // ---- widths and values of expressions ----

  std::size_t width_of(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::Name: return signal(e).nodes.size();
      case Expr::Kind::Bit: return 1;
      case Expr::Kind::Part: return static_cast<std::size_t>((e.hi >= e.lo ? e.hi - e.lo : e.lo - e.hi) + 1);
      case Expr::Kind::Number: return e.number.width;
      case Expr::Kind::Concat: {
        std::size_t w = 0;
        for (const Expr& a : e.args) w += width_of(a);
        return w;
      }
      case Expr::Kind::Repeat: return e.count * width_of(e.args[0]);
      case Expr::Kind::Not: return width_of(e.args[0]);
      case Expr::Kind::LogicNot: return 1;
      case Expr::Kind::Binary: return std::max(width_of(e.args[0]), width_of(e.args[1]));
      case Expr::Kind::Cond: return std::max(width_of(e.args[1]), width_of(e.args[2]));
    }
    return 1;
  }

  // The bits of a self-determined operand (names, selects, constants, concatenations).
  Bits own_bits(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::Name: return signal(e).nodes;
      case Expr::Kind::Bit: {
        Signal& s = signal(e);
        return {s.nodes[position(s, e.hi, e)]};
      }
      case Expr::Kind::Part: {
        Signal& s = signal(e);
        if ((e.hi >= e.lo) != (s.decl.msb >= s.decl.lsb) && e.hi != e.lo)
          throw Error(d_.file, e.line,
                      "part-select " + e.name + "[" + std::to_string(e.hi) + ":" + std::to_string(e.lo) +
                          "] runs against its declaration [" + std::to_string(s.decl.msb) + ":" +
                          std::to_string(s.decl.lsb) + "]");
        const std::size_t a = position(s, e.lo, e), b = position(s, e.hi, e);
        return Bits(s.nodes.begin() + static_cast<long>(a), s.nodes.begin() + static_cast<long>(b) + 1);
      }
      case Expr::Kind::Number: {
        Bits r;
        for (uint8_t b : e.number.bits) r.push_back(b);
        return r;
      }
      case Expr::Kind::Concat: {
        Bits r;
        for (auto it = e.args.rbegin(); it != e.args.rend(); ++it) {
          const Bits part = eval(*it, width_of(*it));
          r.insert(r.end(), part.begin(), part.end());
        }
        return r;
      }
      case Expr::Kind::Repeat: {
        const Bits one = own_bits(e.args[0]);
        Bits r;
        for (std::size_t k = 0; k < e.count; ++k) r.insert(r.end(), one.begin(), one.end());
        return r;
      }
      default: return eval(e, width_of(e));
    }
  }

  // Value of `e` in a context `width` bits wide (operands zero-extended, then truncated).
  Bits eval(const Expr& e, std::size_t width) {
    switch (e.kind) {
      case Expr::Kind::Not: {
        const Expr& x = e.args[0];
        if (x.kind == Expr::Kind::Binary && x.op != "+") {  // ~(a & b) -> NAND2 ...
          const Cell c = x.op == "&" ? Cell::NAND2 : x.op == "|" ? Cell::NOR2 : x.op == "^" ? Cell::XNOR2 : Cell::XOR2;
          return bitwise(c, x, width);
        }
        Bits v = eval(x, width);
        for (uint32_t& b : v) b = op(Cell::INV, {b}, e.line);
        return v;
      }
      case Expr::Kind::LogicNot: {
        if (width_of(e.args[0]) != 1) throw Error(d_.file, e.line, "'!' is only supported on 1-bit operands (use ~)");
        Bits v(width, 0);
        v[0] = op(Cell::INV, {eval(e.args[0], 1)[0]}, e.line);
        return v;
      }
      case Expr::Kind::Binary: {
        if (e.op == "+") return add(eval(e.args[0], width), eval(e.args[1], width), e.line);
        const Cell c = e.op == "&" ? Cell::AND2 : e.op == "|" ? Cell::OR2 : e.op == "^" ? Cell::XOR2 : Cell::XNOR2;
        return bitwise(c, e, width);
      }
      case Expr::Kind::Cond: {
        if (width_of(e.args[0]) != 1) throw Error(d_.file, e.line, "the condition of '?:' must be 1 bit wide");
        const uint32_t sel = eval(e.args[0], 1)[0];
        const Bits t = eval(e.args[1], width), f = eval(e.args[2], width);
        Bits v(width);
        for (std::size_t k = 0; k < width; ++k) v[k] = op(Cell::MUX2, {f[k], t[k], sel}, e.line);
        return v;
      }
      default: {
        Bits v = own_bits(e);
        if (v.size() < width && e.kind == Expr::Kind::Name && signal(e).decl.is_signed)
          throw Error(d_.file, e.line, "sign extension of signed net '" + e.name + "' is not supported");
        v.resize(width, 0);
        return v;
      }
    }
  }

  Bits bitwise(Cell c, const Expr& e, std::size_t width) {
    const Bits a = eval(e.args[0], width), b = eval(e.args[1], width);
    Bits v(width);
    for (std::size_t k = 0; k < width; ++k) v[k] = op(c, {a[k], b[k]}, e.line);
    return v;
  }

  // Ripple-carry a + b: per bit, the non-zero inputs give a wire, a HA or a FA.
  Bits add(const Bits& a, const Bits& b, std::size_t line) {
    Bits sum(a.size(), 0);
    uint32_t carry = kNone;
    for (std::size_t k = 0; k < a.size(); ++k) {
      std::vector<uint32_t> ins;
      for (uint32_t x : {a[k], b[k], carry})
        if (x != kNone && x != 0) ins.push_back(x);
      const bool last = k + 1 == a.size();
      carry = kNone;
      if (ins.size() == 1) {
        sum[k] = ins[0];
      } else if (ins.size() >= 2) {
        const Cell c = ins.size() == 2 ? Cell::HA : Cell::FA;
        ins.resize(3, kNone);
        sum[k] = temp(line);
        if (!last) carry = temp(line);
        gate(c, {ins[0], ins[1], ins[2]}, {sum[k], carry}, line, "");
      }
    }
    return sum;
  }

  // ---- gates ----

  static bool is_const(uint32_t node) { return node == 0 || node == 1; }

  uint32_t temp(std::size_t line) {
    Node n;
    n.line = line;
    nodes_.push_back(n);
    return static_cast<uint32_t>(nodes_.size() - 1);
  }

  // Drives `node` (must be undriven) as said by `kind`/`ref`.
  void drive(uint32_t node, Node::Kind kind, uint32_t ref, std::size_t line) {
    Node& n = nodes_[node];
    if (n.kind == Node::Kind::Constant)
      throw Error(d_.file, line, "constant or supply net " + n.name + " cannot be driven");
    if (n.kind == Node::Kind::Input) throw Error(d_.file, line, "input " + n.name + " cannot be driven");
    if (n.kind != Node::Kind::Undriven)
      throw Error(d_.file, line, "net '" + n.name + "' is driven twice (also at line " + std::to_string(n.line) + ")");
    n.kind = kind;
    n.ref = ref;
    n.line = line;
  }

  void gate(Cell c, std::array<uint32_t, 3> in, std::array<uint32_t, 2> out, std::size_t line, const std::string& instance) {
    const auto index = static_cast<uint32_t>(gates_.size());
    for (uint32_t o : out)
      if (o != kNone) drive(o, Node::Kind::Gate, index, line);
    gates_.push_back({c, in, out, instance, line});
  }

  // One expression operator on single bits, folding constant inputs.
  uint32_t op(Cell c, std::array<uint32_t, 3> in, std::size_t line) {
    const int n = cell_inputs(c);
    bool all_const = true;
    for (int k = 0; k < n; ++k) all_const = all_const && is_const(in[k]);
    if (all_const) return cell_function(c, in[0], in[1], in[2]) & 1u;
    if (n == 2 && (is_const(in[0]) || is_const(in[1]))) {
      const uint32_t v = is_const(in[0]) ? in[0] : in[1];
      const uint32_t x = is_const(in[0]) ? in[1] : in[0];
      switch (c) {
        case Cell::AND2: return v ? x : 0;
        case Cell::OR2: return v ? 1 : x;
        case Cell::XOR2: return v ? op(Cell::INV, {x}, line) : x;
        case Cell::XNOR2: return v ? x : op(Cell::INV, {x}, line);
        case Cell::NAND2: return v ? op(Cell::INV, {x}, line) : 1;
        case Cell::NOR2: return v ? 0 : op(Cell::INV, {x}, line);
        default: break;
      }
    }
    if (c == Cell::MUX2) {
      if (is_const(in[2])) return in[2] ? in[1] : in[0];
      if (in[0] == in[1]) return in[0];
      if (in[0] == 0 && in[1] == 1) return in[2];
      if (in[0] == 1 && in[1] == 0) return op(Cell::INV, {in[2]}, line);
    }
    const uint32_t out = temp(line);
    gate(c, in, {out, kNone}, line, "");
    return out;
  }

  // ---- statements ----

  Bits lvalue(const Expr& e, const std::string& what) {
    switch (e.kind) {
      case Expr::Kind::Name:
      case Expr::Kind::Bit:
      case Expr::Kind::Part: return own_bits(e);
      case Expr::Kind::Concat: {
        Bits r;
        for (auto it = e.args.rbegin(); it != e.args.rend(); ++it) {
          const Bits part = lvalue(*it, what);
          r.insert(r.end(), part.begin(), part.end());
        }
        return r;
      }
      default:
        throw Error(d_.file, e.line, what + " must be a net, a bit or part select, or a concatenation of those");
    }
  }

  void assign(const Assign& a) {
    const Bits target = lvalue(a.lhs, "the left-hand side of assign");
    const std::size_t width = std::max(target.size(), width_of(a.rhs));
    const Bits value = eval(a.rhs, width);
    for (std::size_t k = 0; k < target.size(); ++k) drive(target[k], Node::Kind::Alias, value[k], a.line);
  }

  // One bit from a port connection (constants may be wider: they are truncated).
  uint32_t input_bit(const Expr& e, const std::string& port, const Instance& inst) {
    const std::size_t w = width_of(e);
    if (w != 1 && e.kind != Expr::Kind::Number)
      throw Error(d_.file, e.line,
                  "port " + port + " of " + label(inst) + " is 1 bit wide but is connected to " + std::to_string(w) + " bits");
    return eval(e, w)[0];
  }

  uint32_t output_bit(const Expr& e, const std::string& port, const Instance& inst) {
    const Bits b = lvalue(e, "output " + port + " of " + label(inst));
    if (b.size() != 1)
      throw Error(d_.file, e.line,
                  "output " + port + " of " + label(inst) + " is 1 bit wide but is connected to " + std::to_string(b.size()) + " bits");
    return b[0];
  }

  static std::string label(const Instance& inst) {
    return inst.name.empty() ? inst.type : inst.type + " " + inst.name;
  }

  void cell_instance(const Instance& inst) {
    const CellRef ref = cell_for(d_, inst);
    const Cell cell = ref.cell;
    std::vector<PortRole> roles;
    std::vector<std::string> port_names;
    const bool named = !inst.conns.empty() && !inst.conns[0].port.empty();
    if (named) {
      for (const Connection& c : inst.conns) port_names.push_back(c.port);
      const auto r = roles_of(cell, port_names);
      if (!r) {
        std::string bad;
        for (const auto& p : port_names)
          if (!role_in(port_schemes(cell)[0], p)) bad = p;
        throw Error(d_.file, inst.line,
                    label(inst) + ": cell " + std::string(cell_name(cell)) + " has no port set with ." +
                        (bad.empty() ? port_names[0] : bad) + " (accepted: " + accepted_ports(cell) + ")");
      }
      roles = *r;
    } else {
      roles = positional_roles(ref);
      if (inst.conns.size() > roles.size())
        throw Error(d_.file, inst.line,
                    label(inst) + ": " + std::to_string(inst.conns.size()) + " connections, but cell " +
                        std::string(cell_name(cell)) + " has " + std::to_string(roles.size()) + " ports");
    }
    std::array<uint32_t, 3> in{kNone, kNone, kNone};
    std::array<uint32_t, 2> out{kNone, kNone};
    std::array<bool, 5> seen{};
    for (std::size_t k = 0; k < inst.conns.size(); ++k) {
      const Connection& c = inst.conns[k];
      const PortRole r = roles[k];
      const std::size_t key = static_cast<std::size_t>(r.output ? 3 + r.slot : r.slot);
      const std::string port = named ? "." + c.port : "#" + std::to_string(k + 1);
      if (seen[key]) throw Error(d_.file, c.line, label(inst) + ": port " + port + " is connected twice");
      seen[key] = true;
      if (!c.expr) continue;
      if (r.output)
        out[static_cast<std::size_t>(r.slot)] = output_bit(*c.expr, port, inst);
      else
        in[static_cast<std::size_t>(r.slot)] = input_bit(*c.expr, port, inst);
    }
    for (int k = 0; k < cell_inputs(cell); ++k)
      if (in[static_cast<std::size_t>(k)] == kNone)
        throw Error(d_.file, inst.line,
                    label(inst) + ": input " + std::to_string(k + 1) + " of cell " + std::string(cell_name(cell)) +
                        " is not connected (ports: " + accepted_ports(cell) + ")");
    gate(cell, in, out, inst.line, inst.name);
  }

  std::vector<PortRole> positional_roles(const CellRef& ref) {
    if (!ref.definition) return default_positional(ref.cell);
    return *roles_of(ref.cell, ref.definition->ports);  // checked by verify_cell_module
  }

  // and/or/nand/nor/xor/xnor (out, in, in, ...), not/buf (out, ..., in).
  void primitive(const Instance& inst) {
    for (const Connection& c : inst.conns) {
      if (!c.port.empty()) throw Error(d_.file, c.line, label(inst) + ": gate primitives take positional connections");
      if (!c.expr) throw Error(d_.file, c.line, label(inst) + ": empty connection");
    }
    const std::string& t = inst.type;
    const std::size_t n = inst.conns.size();
    auto in_at = [&](std::size_t k) { return input_bit(*inst.conns[k].expr, "#" + std::to_string(k + 1), inst); };
    auto out_at = [&](std::size_t k) { return output_bit(*inst.conns[k].expr, "#" + std::to_string(k + 1), inst); };
    if (t == "not" || t == "buf") {
      if (n < 2) throw Error(d_.file, inst.line, label(inst) + ": needs an output and an input");
      const uint32_t x = in_at(n - 1);
      for (std::size_t k = 0; k + 1 < n; ++k)
        gate(t == "not" ? Cell::INV : Cell::BUF, {x, kNone, kNone}, {out_at(k), kNone}, inst.line, inst.name);
      return;
    }
    if (n < 3) throw Error(d_.file, inst.line, label(inst) + ": needs an output and at least two inputs");
    std::vector<uint32_t> ins;
    for (std::size_t k = 1; k < n; ++k) ins.push_back(in_at(k));
    const uint32_t y = out_at(0);
    const bool is_and = t == "and" || t == "nand", is_or = t == "or" || t == "nor";
    const bool invert = t == "nand" || t == "nor" || t == "xnor";
    const Cell pair = is_and ? Cell::AND2 : is_or ? Cell::OR2 : Cell::XOR2;
    const std::size_t root_inputs = (is_and || is_or) ? 3 : 2;
    while (ins.size() > root_inputs) {  // balanced tree of 2-input cells below the root
      std::vector<uint32_t> level;
      for (std::size_t k = 0; k + 1 < ins.size(); k += 2) {
        const uint32_t o = temp(inst.line);
        gate(pair, {ins[k], ins[k + 1], kNone}, {o, kNone}, inst.line, "");
        level.push_back(o);
      }
      if (ins.size() % 2) level.push_back(ins.back());
      ins = std::move(level);
    }
    Cell root;
    if (ins.size() == 3)
      root = is_and ? (invert ? Cell::NAND3 : Cell::AND3) : (invert ? Cell::NOR3 : Cell::OR3);
    else
      root = is_and ? (invert ? Cell::NAND2 : Cell::AND2)
                    : is_or ? (invert ? Cell::NOR2 : Cell::OR2) : (invert ? Cell::XNOR2 : Cell::XOR2);
    ins.resize(3, kNone);
    gate(root, {ins[0], ins[1], ins[2]}, {y, kNone}, inst.line, inst.name);
  }

  // ---- resolution of assigned nets ----

  std::size_t line_of(uint32_t node) const { return nodes_[node].line ? nodes_[node].line : m_.line; }

  // Follows assignments from `node` to a gate output, constant, input or undriven net.
  uint32_t chain_end(uint32_t node) const {
    uint32_t n = node;
    std::size_t steps = 0;
    while (nodes_[n].kind == Node::Kind::Alias) {
      n = nodes_[n].ref;
      if (++steps > nodes_.size()) {  // a cycle of plain assignments: name its nets
        std::vector<uint32_t> seen;
        uint32_t k = n;
        while (std::find(seen.begin(), seen.end(), k) == seen.end()) {
          seen.push_back(k);
          k = nodes_[k].ref;
        }
        std::string names;
        for (uint32_t s : seen) names += nodes_[s].name + " -> ";
        throw Error(d_.file, line_of(n), "combinational loop through assigns " + names + nodes_[seen[0]].name);
      }
    }
    return n;
  }

  uint32_t try_resolve(uint32_t node) const {
    try {
      const uint32_t n = chain_end(node);
      return nodes_[n].kind == Node::Kind::Undriven ? kNone : n;
    } catch (const Error&) {
      return kNone;
    }
  }

  uint32_t resolve(uint32_t node, std::size_t line, const std::string& reader) const {
    const uint32_t n = chain_end(node);
    if (nodes_[n].kind == Node::Kind::Undriven)
      throw Error(d_.file, line, "net '" + nodes_[n].name + "' is never driven" + reader);
    return n;
  }

  struct LoopInfo {
    std::size_t line = 0;  // of a statement on the loop
    std::string nets;      // " (nets x <- y <- x)"
  };

  // A combinational loop of `n`, found by the walk of topological_sort.
  LoopInfo find_loop(const Netlist& n) const {
    const std::size_t G = n.gates.size();
    std::vector<int64_t> driver(n.num_nets, -1);
    for (std::size_t g = 0; g < G; ++g)
      for (int o = 0; o < cell_outputs(n.gates[g].cell); ++o)
        if (n.gates[g].out[o] != kNoNet) driver[n.gates[g].out[o]] = static_cast<int64_t>(g);
    // Peel off gates that do not depend on a loop; what stays is on or after a loop.
    std::vector<int> pending(G, 0);
    std::vector<std::vector<std::size_t>> users(G);
    for (std::size_t g = 0; g < G; ++g)
      for (int i = 0; i < cell_inputs(n.gates[g].cell); ++i) {
        const uint32_t net = n.gates[g].in[i];
        if (net < n.num_nets && driver[net] >= 0) {
          users[static_cast<std::size_t>(driver[net])].push_back(g);
          ++pending[g];
        }
      }
    std::vector<std::size_t> ready;
    for (std::size_t g = 0; g < G; ++g)
      if (pending[g] == 0) ready.push_back(g);
    while (!ready.empty()) {
      const std::size_t g = ready.back();
      ready.pop_back();
      for (std::size_t u : users[g])
        if (--pending[u] == 0) ready.push_back(u);
    }
    // Walk back through stuck drivers: each step goes to the driver of a stuck input.
    auto step = [&](std::size_t g, uint32_t* via) {
      for (int i = 0; i < cell_inputs(n.gates[g].cell); ++i) {
        const int64_t d = driver[n.gates[g].in[i]];
        if (d >= 0 && pending[static_cast<std::size_t>(d)] > 0) {
          *via = n.gates[g].in[i];
          return static_cast<std::size_t>(d);
        }
      }
      return g;
    };
    LoopInfo info;
    std::size_t g = 0;
    while (g < G && pending[g] == 0) ++g;
    if (g == G) return info;
    std::vector<char> seen(G, 0);
    uint32_t via = 0;
    while (!seen[g]) {  // until a gate repeats: that gate is on the loop
      seen[g] = 1;
      g = step(g, &via);
    }
    info.line = gates_[g].line;
    std::vector<uint32_t> nets;  // nets[i] is driven by a gate that reads nets[i + 1]
    std::size_t k = g;
    do {
      k = step(k, &via);
      nets.push_back(via);
    } while (k != g);
    info.nets = " (nets ";
    for (uint32_t net : nets) info.nets += n.net_label(net) + " <- ";
    info.nets += n.net_label(nets[0]) + ")";
    return info;
  }

  Design& d_;
  const Module& m_;
  std::vector<Node> nodes_;
  std::map<std::string, Signal> signals_;
  std::vector<PendingGate> gates_;
};

// A module named like a cell must compute that cell (checked once, when instantiated).
void verify_cell_module(Design& d, const Module& def, Cell cell) {
  int& state = d.verified[&def];
  if (state == 2) return;
  if (state == 1) throw Error(d.file, def.line, "module " + def.name + " instantiates itself");
  state = 1;
  const std::string what = "module " + def.name + " (taken as cell " + std::string(cell_name(cell)) + ")";
  if (!def.unsupported.empty()) throw Error(d.file, def.unsupported_line, what + ": " + def.unsupported);
  const auto roles = roles_of(cell, def.ports);
  if (!roles || def.ports.size() != static_cast<std::size_t>(cell_inputs(cell) + cell_outputs(cell)))
    throw Error(d.file, def.line, what + ": its ports do not match the cell (accepted: " + accepted_ports(cell) + ")");
  Elaborator e(d, def);
  std::vector<uint32_t> outs(16, 0);
  for (std::size_t k = 0; k < def.ports.size(); ++k) {
    const Decl* decl = def.find(def.ports[k]);
    const PortRole r = (*roles)[k];
    if (!decl || decl->width() != 1 || decl->dir != (r.output ? Dir::Output : Dir::Input))
      throw Error(d.file, decl ? decl->line : def.line,
                  what + ": port " + def.ports[k] + " must be a 1-bit " + (r.output ? "output" : "input"));
    if (!r.output) e.bind_input(def.ports[k], kNetA0 + static_cast<uint32_t>(r.slot));
  }
  e.run();
  for (std::size_t k = 0; k < def.ports.size(); ++k)
    if ((*roles)[k].output) outs[static_cast<std::size_t>((*roles)[k].slot)] = e.signal_nodes(def.ports[k])[0];
  const std::vector<int16_t> table = evaluate_netlist(e.build(outs));
  const unsigned mask = (1u << cell_outputs(cell)) - 1;
  for (unsigned x = 0; x < (1u << cell_inputs(cell)); ++x) {
    const auto got = static_cast<unsigned>(static_cast<uint16_t>(table[x << 8])) & mask;
    const unsigned want = cell_function(cell, x & 1, (x >> 1) & 1, (x >> 2) & 1) & mask;
    if (got != want)
      throw Error(d.file, def.line,
                  what + " does not compute " + std::string(cell_name(cell)) + " (inputs " + std::to_string(x & 1) +
                      std::to_string((x >> 1) & 1) + (cell_inputs(cell) > 2 ? std::to_string((x >> 2) & 1) : "") +
                      " give outputs " + std::to_string(got) + ", expected " + std::to_string(want) + ")");
  }
  state = 2;
}

// ========================================================================= writer ====

bool is_identifier(const std::string& s) {
  static const std::set<std::string> reserved = {
      "module", "endmodule", "input",   "output", "inout", "wire", "assign", "and",   "or",     "nand",
      "nor",    "xor",       "xnor",    "not",    "buf",   "reg",  "tri",    "supply0", "supply1", "signed",
      "begin",  "end",       "always",  "initial", "if",   "else", "case",   "for",    "parameter", "localparam"};
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return !reserved.count(s) && !unsupported_keywords().count(s);
}

// "x[3]" -> "x_3"
std::string plain_name(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '[') r += '_';
    else if (c != ']') r += c;
  }
  return r;
}

struct CellText {
  std::vector<const char*> in;
  std::vector<const char*> out;
  const char* body;
};

CellText cell_text(Cell c) {
  switch (c) {
    case Cell::AND2: return {{"A", "B"}, {"Y"}, "assign Y = A & B;"};
    case Cell::OR2: return {{"A", "B"}, {"Y"}, "assign Y = A | B;"};
    case Cell::NAND2: return {{"A", "B"}, {"Y"}, "assign Y = ~(A & B);"};
    case Cell::NOR2: return {{"A", "B"}, {"Y"}, "assign Y = ~(A | B);"};
    case Cell::XOR2: return {{"A", "B"}, {"Y"}, "assign Y = A ^ B;"};
    case Cell::XNOR2: return {{"A", "B"}, {"Y"}, "assign Y = ~(A ^ B);"};
    case Cell::INV: return {{"A"}, {"Y"}, "assign Y = ~A;"};
    case Cell::BUF: return {{"A"}, {"Y"}, "assign Y = A;"};
    case Cell::NAND3: return {{"A", "B", "C"}, {"Y"}, "assign Y = ~(A & B & C);"};
    case Cell::NOR3: return {{"A", "B", "C"}, {"Y"}, "assign Y = ~(A | B | C);"};
    case Cell::AOI21: return {{"A", "B", "C"}, {"Y"}, "assign Y = ~((A & B) | C);"};
    case Cell::OAI21: return {{"A", "B", "C"}, {"Y"}, "assign Y = ~((A | B) & C);"};
    case Cell::MUX2: return {{"A", "B", "S"}, {"Y"}, "assign Y = S ? B : A;"};
    case Cell::HA: return {{"A", "B"}, {"YS", "YC"}, "assign YS = A ^ B;\n  assign YC = A & B;"};
    case Cell::FA:
      return {{"A", "B", "C"}, {"YS", "YC"}, "assign YS = A ^ B ^ C;\n  assign YC = (A & B) | (C & (A ^ B));"};
    case Cell::AND3: return {{"A", "B", "C"}, {"Y"}, "assign Y = A & B & C;"};
    case Cell::OR3: return {{"A", "B", "C"}, {"Y"}, "assign Y = A | B | C;"};
  }
  return {{"A"}, {"Y"}, "assign Y = A;"};
}

}  // namespace

std::vector<Netlist> parse_verilog(std::string_view text, const std::string& file) {
  std::vector<Module> modules = Parser(Lexer(text, file).run(), file).parse_file();
  Design design{file, {}, {}};
  for (const Module& m : modules) {
    const auto [it, fresh] = design.modules.emplace(m.name, &m);
    if (!fresh)
      throw Error(file, m.line, "module " + m.name + " is defined twice (also at line " + std::to_string(it->second->line) + ")");
  }
  std::vector<Netlist> out;
  std::string others;
  for (const Module& m : modules) {
    if (!is_multiplier(m)) {
      // A skipped module whose ports look like a multiplier's is an error, not noise.
      auto has = [&](const char* p) { return std::find(m.ports.begin(), m.ports.end(), p) != m.ports.end(); };
      if (!m.unsupported.empty() && has("A") && has("B") && has("O"))
        throw Error(file, m.unsupported_line, "module " + m.name + ": " + m.unsupported);
      if (!cell_from_name(m.name)) others += (others.empty() ? "" : ", ") + m.name;
      continue;
    }
    if (!m.unsupported.empty()) throw Error(file, m.unsupported_line, "module " + m.name + ": " + m.unsupported);
    Elaborator e(design, m);
    e.bind_input("A", kNetA0);
    e.bind_input("B", kNetB0);
    e.run();
    out.push_back(e.build(e.signal_nodes("O")));
  }
  if (out.empty())
    throw Error(file, 0,
                "no multiplier module (ports input [7:0] A, input [7:0] B, output [15:0] O)" +
                    (others.empty() ? std::string() : "; other modules: " + others));
  return out;
}

std::string write_verilog(const Netlist& netlist, const std::string& module_name) {
  std::string name = module_name.empty() ? netlist.module_name : module_name;
  if (name.empty()) name = "mul8s";
  if (cell_from_name(name)) throw Error("write_verilog: module name '" + name + "' is the name of a cell");
  if (std::any_of(name.begin(), name.end(), [](char c) { return !std::isgraph(static_cast<unsigned char>(c)); }))
    throw Error("write_verilog: module name '" + name + "' contains white space or control characters");
  // Names such as "mul8s-1KV8.v2" become escaped identifiers, which read back as is.
  const std::string header_name = is_identifier(name) ? name : "\\" + name + " ";
  Netlist n = netlist;
  topological_sort(n);  // checks the netlist and orders the instances

  std::set<std::string> taken = {"A", "B", "O"};
  for (int c = 0; c < kCellCount; ++c) taken.insert(std::string(cell_name(static_cast<Cell>(c))));
  auto unique = [&](std::string s) {
    while (!taken.insert(s).second) s += "_";
    return s;
  };
  std::vector<std::string> net(n.num_nets);
  net[kNetConst0] = "1'b0";
  net[kNetConst1] = "1'b1";
  for (uint32_t i = 0; i < 8; ++i) {
    net[kNetA0 + i] = "A[" + std::to_string(i) + "]";
    net[kNetB0 + i] = "B[" + std::to_string(i) + "]";
  }
  std::vector<std::string> wires;
  for (const Gate& g : n.gates)
    for (int o = 0; o < cell_outputs(g.cell); ++o) {
      const uint32_t id = g.out[o];
      if (id == kNoNet) continue;
      const std::string given = id < n.net_names.size() ? plain_name(n.net_names[id]) : "";
      net[id] = unique(is_identifier(given) ? given : "n" + std::to_string(id));
      wires.push_back(net[id]);
    }

  std::string s;
  s += "// Structural netlist written by axevo.  Cells (defined at the end of this file):\n"
       "//   AND2 OR2 NAND2 NOR2 XOR2 XNOR2 AND3 OR3 NAND3 NOR3: inputs A, B[, C], output Y;\n"
       "//   INV, BUF: A -> Y;  AOI21: Y = ~((A & B) | C);  OAI21: Y = ~((A | B) & C);\n"
       "//   MUX2: Y = S ? B : A;  HA: A, B -> YS (sum), YC (carry);  FA: A, B, C -> YS, YC.\n";
  s += "module " + header_name + "(A, B, O);\n  input [7:0] A;\n  input [7:0] B;\n  output [15:0] O;\n";
  std::string line;
  for (std::size_t k = 0; k < wires.size(); ++k) {
    const std::string piece = (line.empty() ? "  wire " : ", ") + wires[k];
    if (!line.empty() && line.size() + piece.size() > 96) {
      s += line + ";\n";
      line = "  wire " + wires[k];
    } else {
      line += piece;
    }
  }
  if (!line.empty()) s += line + ";\n";
  s += "\n";
  std::set<Cell> used;
  for (std::size_t k = 0; k < n.gates.size(); ++k) {
    const Gate& g = n.gates[k];
    used.insert(g.cell);
    const CellText t = cell_text(g.cell);
    const std::string inst = unique(is_identifier(g.instance) ? g.instance : "g" + std::to_string(k));
    s += "  " + std::string(cell_name(g.cell)) + " " + inst + " (";
    for (std::size_t i = 0; i < t.in.size(); ++i) s += (i ? ", ." : ".") + std::string(t.in[i]) + "(" + net[g.in[i]] + ")";
    for (std::size_t o = 0; o < t.out.size(); ++o)
      s += ", ." + std::string(t.out[o]) + "(" + (g.out[o] == kNoNet ? std::string() : net[g.out[o]]) + ")";
    s += ");\n";
  }
  s += "  assign O = {";
  for (int bit = 15; bit >= 0; --bit) s += net[n.outputs[static_cast<std::size_t>(bit)]] + (bit ? ", " : "");
  s += "};\nendmodule\n";
  for (Cell c : used) {
    const CellText t = cell_text(c);
    s += "\nmodule " + std::string(cell_name(c)) + "(";
    std::string ports;
    for (const char* p : t.in) ports += (ports.empty() ? "input " : ", input ") + std::string(p);
    for (const char* p : t.out) ports += ", output " + std::string(p);
    s += ports + ");\n  " + t.body + "\nendmodule\n";
  }
  return s;
}

}  // namespace axevo::formats
