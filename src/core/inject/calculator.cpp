// The resource expression calculator of OpenKruise's pkg/util/calculator (a goyacc grammar,
// lexer.go, calculator.y), with Go's number formatting where its results and errors show it.
#include "injector/inject/calculator.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace injector {
namespace {

// ---- Go formatting helpers ------------------------------------------------------------------

// Runes strconv.IsPrint rejects that are common enough to matter in a regex or expression.
bool go_unprintable(char32_t r) {
  return (r >= 0x80 && r <= 0x9f) || r == 0xad || (r >= 0x200b && r <= 0x200f) ||
         (r >= 0x2028 && r <= 0x202e) || (r >= 0x2060 && r <= 0x2064) || r == 0xfeff ||
         r == 0xfffe || r == 0xffff;
}

// Decodes one UTF-8 rune at s[i]; 0 length means an invalid byte.
std::size_t utf8_rune(std::string_view s, std::size_t i, char32_t& r) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  char32_t min = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    n = 2, r = b0 & 0x1fu, min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3, r = b0 & 0x0fu, min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4, r = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0u) != 0x80u) {
      return 0;
    }
    r = (r << 6) | (b & 0x3fu);
  }
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) {
    return 0;
  }
  return n;
}

void append_hex(std::string& out, std::string_view prefix, std::uint32_t v, int width) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += prefix;
  for (int shift = (width - 1) * 4; shift >= 0; shift -= 4) {
    out.push_back(kHex[(v >> shift) & 0xfu]);
  }
}

// fmt's %q (strconv.Quote).
std::string go_q(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            append_hex(out, "\\x", c, 2);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    char32_t r = 0;
    const std::size_t n = utf8_rune(s, i, r);
    if (n == 0) {
      append_hex(out, "\\x", c, 2);
      ++i;
    } else if (go_unprintable(r)) {
      append_hex(out, "\\u", static_cast<std::uint32_t>(r), 4);
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += "\"";
  return out;
}

// fmt's %g for a float64 (strconv.FormatFloat(v, 'g', -1, 64)): shortest round-trip digits,
// %e form when the exponent is < -4 or >= 6 ("if precision was the shortest possible, use
// precision 6 for this decision"), exponents with at least two digits.
std::string go_g(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);
  const auto e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  const int exp = std::stoi(sci.substr(e_pos + 1));
  std::string sign;
  if (!mantissa.empty() && mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char ch : mantissa) {
    if (ch != '.') {
      digits.push_back(ch);
    }
  }
  if (exp < -4 || exp >= 6) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) {
      out += "." + digits.substr(1);
    }
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out + ebuf;
  }
  if (exp < 0) {
    return sign + "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
  }
  const auto int_len = static_cast<std::size_t>(exp + 1);
  if (digits.size() <= int_len) {
    return sign + digits + std::string(int_len - digits.size(), '0');
  }
  return sign + digits.substr(0, int_len) + "." + digits.substr(int_len);
}

// Go's int64(f) on amd64: truncation, and 0x8000000000000000 for NaN and out-of-range values.
std::int64_t go_int64(double f) {
  if (std::isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0) {
    return std::numeric_limits<std::int64_t>::min();
  }
  return static_cast<std::int64_t>(f);
}

// ---- the calculator (pkg/util/calculator) ---------------------------------------------------

// unicode.IsSpace / IsLetter / IsDigit on rune(byte): the lexer reads bytes as Latin-1 runes.
bool lex_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xa0;
}
bool lex_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool lex_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == 0xaa || c == 0xb5 || c == 0xba ||
         (c >= 0xc0 && c != 0xd7 && c != 0xf7);
}

enum class Tok { kEnd, kNumber, kQuantity, kIdent, kChar };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  char ch = 0;
  int line = 1;  // lexer position after reading the token (what goyacc's error reports)
  int col = 1;
};

// lexer.go yyLex, byte for byte (including its column counting and NUL-as-end).
class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  Token next_token() {
    while (peek() != 0 && lex_space(peek())) {
      next();
    }
    Token t;
    const unsigned char r = next();
    if (r == 0) {
      return stamp(t);
    }
    switch (r) {
      case '+':
      case '-':
      case '*':
      case '/':
      case '(':
      case ')':
      case ',':
        t.kind = Tok::kChar;
        t.ch = static_cast<char>(r);
        return stamp(t);
      default:
        break;
    }
    if (r == '.' || lex_digit(r)) {
      --pos_;
      --col_;
      t.text = read_number();
      t.kind = is_quantity(t.text) ? Tok::kQuantity : Tok::kNumber;
      return stamp(t);
    }
    if (lex_letter(r)) {
      --pos_;
      --col_;
      const std::size_t start = pos_;
      while (peek() != 0 && (lex_letter(peek()) || lex_digit(peek()) || peek() == '_')) {
        next();
      }
      t.kind = Tok::kIdent;
      t.text = std::string(in_.substr(start, pos_ - start));
      return stamp(t);
    }
    t.kind = Tok::kChar;
    t.ch = static_cast<char>(r);
    return stamp(t);
  }

 private:
  Token& stamp(Token& t) const {
    t.line = line_;
    t.col = col_;
    return t;
  }

  unsigned char peek() const {
    return pos_ >= in_.size() ? 0 : static_cast<unsigned char>(in_[pos_]);
  }

  unsigned char next() {
    if (pos_ >= in_.size()) {
      return 0;
    }
    const auto r = static_cast<unsigned char>(in_[pos_++]);
    if (r == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    return r;
  }

  // readNumber: digits, one '.', an exponent with optional sign, '%', then unit letters.
  std::string read_number() {
    const std::size_t start = pos_;
    bool seen_dot = false;
    bool seen_e = false;
    bool seen_percent = false;
    bool expect_exponent_digit = false;
    for (;;) {
      const unsigned char r = peek();
      if (r == 0) {
        break;
      }
      if (lex_digit(r)) {
        expect_exponent_digit = false;
        next();
        continue;
      }
      if (r == '.') {
        if (seen_dot || seen_e || seen_percent) {
          break;
        }
        seen_dot = true;
        next();
        continue;
      }
      if (r == 'e' || r == 'E') {
        if (seen_e || seen_percent) {
          break;
        }
        seen_e = true;
        expect_exponent_digit = true;
        next();
        continue;
      }
      if (r == '+' || r == '-') {
        if (!expect_exponent_digit) {
          break;
        }
        expect_exponent_digit = false;
        next();
        continue;
      }
      if (r == '%') {
        if (seen_percent) {
          break;
        }
        seen_percent = true;
        next();
        continue;
      }
      if (lex_letter(r)) {
        if (expect_exponent_digit) {
          break;
        }
        while (peek() != 0 && lex_letter(peek())) {
          next();
        }
        break;
      }
      break;
    }
    return std::string(in_.substr(start, pos_ - start));
  }

  // isQuantity: a numeric prefix followed by exactly one of the units the calculator knows
  // (E and Ei are not among them).
  static bool is_quantity(std::string_view s) {
    std::size_t num_end = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (!lex_digit(static_cast<unsigned char>(c)) && c != '.' && c != 'e' && c != 'E' &&
          c != '+' && c != '-') {
        num_end = i;
        break;
      }
    }
    if (num_end == 0) {
      return false;
    }
    const std::string_view unit = s.substr(num_end);
    for (std::string_view u : {"m", "k", "M", "G", "T", "P", "Ki", "Mi", "Gi", "Ti", "Pi"}) {
      if (unit == u) {
        return true;
      }
    }
    return false;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

using Value = CalcValue;

using Slot = std::optional<Value>;  // nullopt: the Go action produced nil (an error is recorded)

// strconv.ParseFloat(s, 64) as calculator.y's parseNumber uses it: a syntax error reads 0 (the
// grammar ignores the error), a range error reads ±Inf, or 0 for a percentage.
double parse_number(std::string_view s) {
  bool percent = false;
  if (!s.empty() && s.back() == '%') {
    percent = true;
    s.remove_suffix(1);
  }
  // ParseFloat's decimal syntax: digits with one optional '.', optional exponent.
  std::size_t i = 0;
  std::size_t mantissa_digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    ++i, ++mantissa_digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i, ++mantissa_digits;
    }
  }
  if (mantissa_digits == 0) {
    return 0;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      ++i;
    }
    std::size_t exp_digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i, ++exp_digits;
    }
    if (exp_digits == 0) {
      return 0;
    }
  }
  if (i != s.size()) {
    return 0;
  }
  double v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec == std::errc::result_out_of_range) {
    // Go returns ±Inf with ErrRange on overflow; underflow reads as 0 without error.
    const bool overflow = s.find_first_of("123456789") != std::string_view::npos &&
                          (s.find_first_of("eE") == std::string_view::npos ||
                           s.find('-', s.find_first_of("eE")) == std::string_view::npos);
    if (overflow) {
      return percent ? 0 : std::numeric_limits<double>::infinity();
    }
    return 0;
  }
  return percent ? v / 100 : v;
}

// strings.ToLower: ASCII letters lowered; with any non-ASCII byte Go maps rune by rune, so an
// invalid UTF-8 byte becomes U+FFFD (non-ASCII letters are left as they are here).
std::string go_lower(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      ++i;
      continue;
    }
    char32_t r = 0;
    const std::size_t n = utf8_rune(s, i, r);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

// calculator.y: an LALR grammar evaluated in its reduce actions. This recursive-descent
// evaluator reduces in the same order and reports a syntax error at the same token, so the
// error Parse returns (the last semantic error, else goyacc's "syntax error") is the same.
class Calculator {
 public:
  Calculator(std::string_view input, std::map<std::string, Value> vars)
      : lex_(input), vars_(std::move(vars)) {
    tok_ = lex_.next_token();
  }

  std::expected<Value, std::string> run() {
    Slot result = expr();
    if (!syntax_error_ && tok_.kind != Tok::kEnd) {
      fail_syntax();
    }
    if (syntax_error_) {
      if (last_error_) {
        return std::unexpected(*last_error_);
      }
      return std::unexpected("parse error: syntax error at line " + std::to_string(tok_.line) +
                             ", col " + std::to_string(tok_.col));
    }
    if (!result) {
      return std::unexpected(last_error_.value_or("no result from parser"));
    }
    if (result->is_quantity && quantity_sign(result->quantity) < 0) {
      return std::unexpected("calculation result is negative: " +
                             format_quantity(result->quantity));
    }
    if (!result->is_quantity && result->number < 0) {
      return std::unexpected("calculation result is negative: " + go_g(result->number));
    }
    return *result;
  }

 private:
  bool is_char(char c) const { return tok_.kind == Tok::kChar && tok_.ch == c; }
  void advance() { tok_ = lex_.next_token(); }
  void fail_syntax() { syntax_error_ = true; }
  void error(std::string message) { last_error_ = std::move(message); }

  Slot expr() {
    Slot v = term();
    while (!syntax_error_ && (is_char('+') || is_char('-'))) {
      const bool plus = is_char('+');
      advance();
      Slot r = term();
      if (syntax_error_) {
        return std::nullopt;
      }
      v = plus ? add(v, r) : sub(v, r);
    }
    return v;
  }

  Slot term() {
    Slot v = factor();
    while (!syntax_error_ && (is_char('*') || is_char('/'))) {
      const bool times = is_char('*');
      advance();
      Slot r = factor();
      if (syntax_error_) {
        return std::nullopt;
      }
      v = times ? mul(v, r) : div(v, r);
    }
    return v;
  }

  Slot factor() {
    if (syntax_error_) {
      return std::nullopt;
    }
    // Every nesting ('(', a call, unary '-') comes back through here. goyacc's stack grows
    // without bound; this evaluator recurses, so the depth is capped before the thread's stack.
    struct Depth {
      int& d;
      explicit Depth(int& depth) : d(++depth) {}
      ~Depth() { --d; }
    } depth(depth_);
    if (depth_ > kMaxNesting) {
      error("parse error: expression nests deeper than " + std::to_string(kMaxNesting) +
            " levels at line " + std::to_string(tok_.line) + ", col " + std::to_string(tok_.col));
      fail_syntax();
      return std::nullopt;
    }
    switch (tok_.kind) {
      case Tok::kNumber: {
        Value v;
        v.number = parse_number(tok_.text);
        advance();
        return v;
      }
      case Tok::kQuantity: {
        auto q = parse_quantity_go(tok_.text);
        advance();
        if (!q) {
          error(q.error());
          return std::nullopt;
        }
        Value v;
        v.is_quantity = true;
        v.quantity = std::move(*q);
        return v;
      }
      case Tok::kIdent: {
        const std::string name = tok_.text;
        advance();
        if (is_char('(')) {
          return call(name);
        }
        const std::string var = go_lower(name);
        if (auto it = vars_.find(var); it != vars_.end()) {
          return it->second;
        }
        error("undefined variable: " + var);
        return std::nullopt;
      }
      case Tok::kChar:
        if (is_char('(')) {
          advance();
          Slot v = expr();
          if (syntax_error_) {
            return std::nullopt;
          }
          if (!is_char(')')) {
            fail_syntax();
            return std::nullopt;
          }
          advance();
          return v;
        }
        if (is_char('-')) {
          advance();
          Slot v = factor();
          if (syntax_error_ || !v) {
            return std::nullopt;
          }
          if (v->is_quantity) {
            negate_quantity(v->quantity);
          } else {
            v->number = -v->number;
          }
          return v;
        }
        break;
      case Tok::kEnd:
        break;
    }
    fail_syntax();
    return std::nullopt;
  }

  // func_call: IDENT '(' expr ')' | IDENT '(' expr ',' expr ')'
  Slot call(const std::string& name) {
    advance();  // '('
    std::vector<Slot> args;
    args.push_back(expr());
    if (syntax_error_) {
      return std::nullopt;
    }
    if (is_char(',')) {
      advance();
      args.push_back(expr());
      if (syntax_error_) {
        return std::nullopt;
      }
    }
    if (!is_char(')')) {
      fail_syntax();
      return std::nullopt;
    }
    advance();
    const std::string lower = go_lower(name);
    if (lower != "max" && lower != "min") {
      error("unknown function: " + name);
      return std::nullopt;
    }
    if (args.size() != 2) {
      error(lower + " function requires exactly 2 arguments, got " + std::to_string(args.size()));
      return std::nullopt;
    }
    if (!args[0] || !args[1]) {
      return std::nullopt;
    }
    return lower == "max" ? pick(*args[0], *args[1], true) : pick(*args[0], *args[1], false);
  }

  static Value quantity_value(Quantity q) {
    Value v;
    v.is_quantity = true;
    v.quantity = std::move(q);
    return v;
  }

  static Quantity to_quantity(const Value& v) {
    if (v.is_quantity) {
      return v.quantity;
    }
    return quantity_from_milli(go_int64(v.number * 1000), QuantityFormat::kDecimalSI);
  }

  // maxFunc / minFunc: ties keep the left argument; a number meets a quantity as milli-units.
  static Value pick(const Value& l, const Value& r, bool max) {
    if (!l.is_quantity && !r.is_quantity) {
      const bool left = max ? l.number >= r.number : l.number <= r.number;
      return left ? l : r;
    }
    const Quantity lq = to_quantity(l);
    const Quantity rq = to_quantity(r);
    const int cmp = compare_quantities(lq, rq);
    const bool left = max ? cmp >= 0 : cmp <= 0;
    return quantity_value(left ? lq : rq);
  }

  Slot add(const Slot& l, const Slot& r) {
    if (!l || !r) {
      return std::nullopt;
    }
    if (l->is_quantity || r->is_quantity) {
      Quantity result = to_quantity(*l);
      if (!add_quantity(result, to_quantity(*r))) {
        error("quantity out of range");
        return std::nullopt;
      }
      return quantity_value(std::move(result));
    }
    Value v;
    v.number = l->number + r->number;
    return v;
  }

  Slot sub(const Slot& l, const Slot& r) {
    if (!l || !r) {
      return std::nullopt;
    }
    if (l->is_quantity || r->is_quantity) {
      Quantity result = to_quantity(*l);
      Quantity neg = to_quantity(*r);
      negate_quantity(neg);
      if (!add_quantity(result, neg)) {
        error("quantity out of range");
        return std::nullopt;
      }
      return quantity_value(std::move(result));
    }
    Value v;
    v.number = l->number - r->number;
    return v;
  }

  Slot mul(const Slot& l, const Slot& r) {
    if (!l || !r) {
      return std::nullopt;
    }
    if (l->is_quantity && r->is_quantity) {
      error("multiplication of two quantities");
      return std::nullopt;
    }
    if (l->is_quantity || r->is_quantity) {
      const Value& q = l->is_quantity ? *l : *r;
      const double n = l->is_quantity ? r->number : l->number;
      // SetMilli(int64(float64(MilliValue()) * n)): float64 arithmetic, truncated.
      Quantity result = q.quantity;
      set_milli(result, go_int64(static_cast<double>(milli_value(q.quantity)) * n));
      return quantity_value(std::move(result));
    }
    Value v;
    v.number = l->number * r->number;
    return v;
  }

  Slot div(const Slot& l, const Slot& r) {
    if (!l || !r) {
      return std::nullopt;
    }
    if (r->is_quantity) {
      error("division by quantity");
      return std::nullopt;
    }
    if (r->number == 0) {
      error("division by zero");
      return std::nullopt;
    }
    if (l->is_quantity) {
      Quantity result = l->quantity;
      set_milli(result, go_int64(static_cast<double>(milli_value(l->quantity)) / r->number));
      return quantity_value(std::move(result));
    }
    Value v;
    v.number = l->number / r->number;
    return v;
  }

  Lexer lex_;
  std::map<std::string, Value> vars_;
  Token tok_;
  bool syntax_error_ = false;
  std::optional<std::string> last_error_;
  static constexpr int kMaxNesting = 100;
  int depth_ = 0;
};

}  // namespace

std::string go_quoted(std::string_view s) { return go_q(s); }

std::int64_t go_float_to_int64(double f) { return go_int64(f); }

std::expected<CalcValue, std::string> calculate(std::string_view expr,
                                                std::map<std::string, CalcValue> vars) {
  return Calculator(expr, std::move(vars)).run();
}

}  // namespace injector
