// resourcesPolicy (§3.9): OpenKruise pkg/webhook/pod/mutating/sidecarset_resources.go, its
// expression calculator pkg/util/calculator (a goyacc grammar, lexer.go, calculator.y) and the
// load-time checks of pkg/webhook/sidecarset/validating (validateResourcesPolicy). Results,
// rounding and error texts follow those sources, since they reach the pod and the user.
#include "injector/resources.hpp"
#include "injector/json_access.hpp"

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

#include <re2/re2.h>

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

struct Value {
  bool is_quantity = false;
  double number = 0;
  Quantity quantity;
};

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
};

std::expected<Value, std::string> calculate(std::string_view expr,
                                            std::map<std::string, Value> vars) {
  return Calculator(expr, std::move(vars)).run();
}

// ---- policy access --------------------------------------------------------------------------

std::string string_of(const Json& j) { return j.is_string() ? j.get<std::string>() : ""; }

// The name regex; the CRD defaults an absent one to ".*".
std::string name_regex(const Json& policy) {
  const Json& r = member(policy, "targetContainersNameRegex");
  return r.is_null() ? ".*" : string_of(r);
}

// Go regexp's compile error text for what RE2 reports ("error parsing regexp: missing closing ]:
// `[a`"); RE2 and Go's regexp/syntax share their parser design and error fragments.
std::string go_regexp_error(const RE2& re) {
  std::string what;
  switch (re.error_code()) {
    case RE2::ErrorBadEscape:
      what = "invalid escape sequence";
      break;
    case RE2::ErrorBadCharClass:
      what = "invalid character class";
      break;
    case RE2::ErrorBadCharRange:
      what = "invalid character class range";
      break;
    case RE2::ErrorMissingBracket:
      what = "missing closing ]";
      break;
    case RE2::ErrorMissingParen:
      what = "missing closing )";
      break;
    case RE2::ErrorUnexpectedParen:
      what = "unexpected )";
      break;
    case RE2::ErrorTrailingBackslash:
      what = "trailing backslash at end of expression";
      break;
    case RE2::ErrorRepeatArgument:
      what = "missing argument to repetition operator";
      break;
    case RE2::ErrorRepeatSize:
      what = "invalid repeat count";
      break;
    case RE2::ErrorRepeatOp:
      what = "invalid nested repetition operator";
      break;
    case RE2::ErrorBadPerlOp:
      what = "invalid or unsupported Perl syntax";
      break;
    case RE2::ErrorBadUTF8:
      what = "invalid UTF-8";
      break;
    case RE2::ErrorBadNamedCapture:
      what = "invalid named capture";
      break;
    case RE2::ErrorPatternTooLarge:
      what = "expression too large";
      break;
    default:
      what = re.error();
      break;
  }
  const std::string arg =
      re.error_code() == RE2::ErrorTrailingBackslash ? std::string() : re.error_arg();
  return "error parsing regexp: " + what + ": `" + arg + "`";
}

RE2::Options go_regexp_options() {
  RE2::Options o;
  o.set_log_errors(false);
  return o;
}

// Compiles with RE2 and reports a failure as Go's regexp.Compile would. RE2 also accepts \C (any
// byte), which Go's regexp/syntax rejects; that one is checked by hand (outside \Q...\E).
std::optional<std::string> go_regexp_problem(std::string_view pattern, const RE2& re) {
  if (!re.ok()) {
    return go_regexp_error(re);
  }
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') {
      continue;
    }
    if (pattern[i + 1] == 'Q') {
      const auto end = pattern.find("\\E", i + 2);
      if (end == std::string_view::npos) {
        break;
      }
      i = end + 1;
    } else if (pattern[i + 1] == 'C') {
      return "error parsing regexp: invalid escape sequence: `\\C`";
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

// ---- aggregation ----------------------------------------------------------------------------

struct Amounts {
  std::map<std::string, Quantity> limits;
  std::map<std::string, Quantity> requests;
};

constexpr std::string_view kCpu = "cpu";
constexpr std::string_view kMemory = "memory";

bool is_go_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// A pod quantity as resource.Quantity.UnmarshalJSON reads it (quoted or bare, trimmed).
Result<std::optional<Quantity>> pod_quantity(const Json& container, std::string_view kind,
                                             std::string_view resource) {
  const Json& list = member(member(container, "resources"), kind);
  if (!list.is_object() || !list.contains(resource)) {
    return std::nullopt;
  }
  const Json& v = list.at(std::string(resource));
  if (v.is_null()) {
    return Quantity{};  // "null" decodes to a zero quantity that is present in the map
  }
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
    while (!text.empty() && is_go_space(text.back())) {
      text.pop_back();
    }
    std::size_t b = 0;
    while (b < text.size() && is_go_space(text[b])) {
      ++b;
    }
    text.erase(0, b);
  } else if (v.is_number()) {
    text = v.dump();
  }
  auto q = parse_quantity_go(text);
  if (!q || (!v.is_string() && !v.is_number())) {
    return fail("invalid_quantity",
                "container " + go_q(string_of(member(container, "name"))) + ": resources." +
                    std::string(kind) + "." + std::string(resource) + ": " +
                    (q ? std::string("must be a string or number") : q.error()));
  }
  return std::optional<Quantity>(std::move(*q));
}

// aggregateResourcesBySum / aggregateResourcesByMax. A limit missing on any target leaves the
// aggregate unlimited (absent); a missing request counts as zero.
Result<Amounts> aggregate(const std::vector<const Json*>& targets, std::string_view mode) {
  Amounts out;
  if (mode != "sum" && mode != "max") {
    return out;  // aggregateResources' switch has no default: both lists stay empty
  }
  const bool sum = mode == "sum";
  for (std::string_view res : {kCpu, kMemory}) {
    const std::string key(res);
    Quantity limit = quantity_from_int(0, QuantityFormat::kDecimalSI);
    Quantity request = quantity_from_int(0, QuantityFormat::kDecimalSI);
    std::optional<Quantity> max_limit;
    std::optional<Quantity> max_request;
    bool all_have_limit = true;
    for (const Json* c : targets) {
      auto l = pod_quantity(*c, "limits", res);
      if (!l) {
        return std::unexpected(l.error());
      }
      auto r = pod_quantity(*c, "requests", res);
      if (!r) {
        return std::unexpected(r.error());
      }
      if (!*l) {
        all_have_limit = false;
      } else if (sum) {
        if (!add_quantity(limit, **l)) {
          return fail("resources_policy", "aggregated " + key + " limit out of range");
        }
      } else if (!max_limit || compare_quantities(**l, *max_limit) > 0) {
        max_limit = **l;
      }
      if (!*r) {
        continue;
      }
      if (sum) {
        if (!add_quantity(request, **r)) {
          return fail("resources_policy", "aggregated " + key + " request out of range");
        }
      } else if (!max_request || compare_quantities(**r, *max_request) > 0) {
        max_request = **r;
      }
    }
    if (sum) {
      if (all_have_limit) {
        out.limits[key] = limit;
      }
      if (quantity_sign(request) != 0) {
        out.requests[key] = request;
      }
    } else {
      if (all_have_limit && max_limit) {
        out.limits[key] = *max_limit;
      }
      if (max_request) {
        out.requests[key] = *max_request;
      }
    }
  }
  return out;
}

// `\bmemory\b` (Go's ASCII word boundary).
bool mentions_memory(std::string_view expr) {
  auto word = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  for (auto at = expr.find(kMemory); at != std::string_view::npos;
       at = expr.find(kMemory, at + 1)) {
    const bool before = at == 0 || !word(expr[at - 1]);
    const std::size_t end = at + kMemory.size();
    const bool after = end == expr.size() || !word(expr[end]);
    if (before && after) {
      return true;
    }
  }
  return false;
}

// Field-error helpers in apimachinery's field.Error form.
std::string invalid(std::string_view path, std::string_view value_text, std::string_view detail) {
  return std::string(path) + ": Invalid value: " + std::string(value_text) + ": " +
         std::string(detail);
}

std::string type_name(const Json& j) {
  if (j.is_string()) {
    return "string";
  }
  if (j.is_boolean()) {
    return "boolean";
  }
  if (j.is_number_integer()) {
    return "integer";
  }
  if (j.is_number()) {
    return "number";
  }
  if (j.is_array()) {
    return "array";
  }
  if (j.is_object()) {
    return "object";
  }
  return "null";
}

// The CRD schema's type check (structural schema validation in the API server).
bool check_type(std::vector<std::string>& out, const Json& j, std::string_view path,
                bool want_object) {
  if (want_object ? j.is_object() : j.is_string()) {
    return true;
  }
  const std::string t = type_name(j);
  out.push_back(invalid(path, go_q(t),
                        std::string(path) + " in body must be of type " +
                            (want_object ? "object" : "string") + ": " + go_q(t)));
  return false;
}

void check_expressions(std::vector<std::string>& out, const Json& exprs, const std::string& path) {
  if (!check_type(out, exprs, path, true)) {
    return;
  }
  for (std::string_view res : {kCpu, kMemory}) {
    const Json& e = member(exprs, res);
    const std::string p = path + "." + std::string(res);
    if (e.is_null() || !check_type(out, e, p, false)) {
      continue;
    }
    const std::string text = e.get<std::string>();
    if (text.empty()) {
      continue;
    }
    if (auto err = check_resource_expression(text, res)) {
      out.push_back(invalid(p, go_q(text), *err));
    }
  }
}

}  // namespace

std::optional<std::string> check_resource_expression(std::string_view expr,
                                                     std::string_view variable) {
  if (expr.empty()) {
    return std::nullopt;
  }
  Value one;
  one.number = 1.0;
  auto r = calculate(expr, {{std::string(variable), one}});
  if (!r) {
    return "invalid expression: " + r.error();
  }
  return std::nullopt;
}

Result<std::optional<Quantity>> evaluate_resource_expression(std::string_view expr,
                                                             const Quantity& aggregated,
                                                             bool is_limit) {
  if (expr.empty()) {
    if (is_limit) {
      return std::optional<Quantity>();
    }
    return std::optional<Quantity>(quantity_from_int(0, QuantityFormat::kDecimalSI));
  }
  const bool memory = mentions_memory(expr);
  Value var;
  var.is_quantity = true;
  var.quantity = aggregated;
  auto r = calculate(expr, {{std::string(memory ? kMemory : kCpu), var}});
  if (!r) {
    return fail("resources_policy", "failed to parse expression " + go_q(expr) + ": " + r.error());
  }
  if (r->is_quantity) {
    return std::optional<Quantity>(std::move(r->quantity));
  }
  // A plain number is cores (kept as milli-cores) or bytes.
  if (!memory) {
    return std::optional<Quantity>(
        quantity_from_milli(go_int64(r->number * 1000), QuantityFormat::kDecimalSI));
  }
  return std::optional<Quantity>(
      quantity_from_int(go_int64(r->number), QuantityFormat::kDecimalSI));
}

std::vector<std::string> validate_resources_policy(const Json& policy, std::string_view field) {
  std::vector<std::string> out;
  const std::string f(field);
  if (!check_type(out, policy, f, true)) {
    return out;
  }
  // targetContainersMode: required, enum sum|max (the CRD schema enforces both).
  const std::string mode_path = f + ".targetContainersMode";
  const Json& mode = member(policy, "targetContainersMode");
  if (mode.is_null()) {
    out.push_back(mode_path + ": Required value");
  } else if (check_type(out, mode, mode_path, false) && mode != "sum" && mode != "max") {
    out.push_back(mode_path + ": Unsupported value: " + go_q(mode.get<std::string>()) +
                  ": supported values: \"sum\", \"max\"");
  }
  // targetContainersNameRegex: absent defaults to ".*"; an explicit "" is rejected.
  const std::string regex_path = f + ".targetContainersNameRegex";
  const Json& regex = member(policy, "targetContainersNameRegex");
  if (!regex.is_null() && check_type(out, regex, regex_path, false)) {
    const std::string pattern = regex.get<std::string>();
    if (pattern.empty()) {
      out.push_back(regex_path + ": Required value: invalid empty regex");
    } else {
      RE2 re(pattern, go_regexp_options());
      if (auto problem = go_regexp_problem(pattern, re)) {
        out.push_back(invalid(regex_path, go_q(pattern), "invalid regex pattern: " + *problem));
      }
    }
  }
  const std::string expr_path = f + ".resourcesExpr";
  const Json& exprs = member(policy, "resourcesExpr");
  if (exprs.is_null()) {
    out.push_back(expr_path + ": Required value");
    return out;
  }
  if (!check_type(out, exprs, expr_path, true)) {
    return out;
  }
  const Json& limits = member(exprs, "limits");
  const Json& requests = member(exprs, "requests");
  if (limits.is_null() && requests.is_null()) {
    // field.Invalid prints the ResourcesExpr struct as JSON: both pointers nil, so "{}".
    out.push_back(
        invalid(expr_path, "{}", "at least one of limits or requests must be configured"));
    return out;
  }
  if (!limits.is_null()) {
    check_expressions(out, limits, expr_path + ".limits");
  }
  if (!requests.is_null()) {
    check_expressions(out, requests, expr_path + ".requests");
  }
  return out;
}

Result<Json> compute_resources(const Json& policy, const std::vector<const Json*>& candidates) {
  const std::string pattern = name_regex(policy);
  RE2 re(pattern, go_regexp_options());
  if (auto problem = go_regexp_problem(pattern, re)) {
    return fail("resources_policy", "failed to get target containers: invalid regex pattern " +
                                        go_q(pattern) + ": " + *problem);
  }
  std::vector<const Json*> targets;
  for (const Json* c : candidates) {
    if (RE2::PartialMatch(string_of(member(*c, "name")), re)) {
      targets.push_back(c);
    }
  }
  if (targets.empty()) {
    return fail("resources_policy", "no containers match the regex pattern " + go_q(pattern));
  }
  auto amounts = aggregate(targets, string_of(member(policy, "targetContainersMode")));
  if (!amounts) {
    return std::unexpected(amounts.error());
  }

  const Json& exprs = member(policy, "resourcesExpr");
  Json resources = Json::object();
  struct Part {
    std::string_view key;
    bool is_limit;
    const std::map<std::string, Quantity>* aggregated;
    std::string_view label;
  };
  const Part parts[] = {{"limits", true, &amounts->limits, "limits"},
                        {"requests", false, &amounts->requests, "requests"}};
  for (const Part& part : parts) {
    const Json& e = member(exprs, part.key);
    if (e.is_null()) {
      continue;
    }
    Json list = Json::object();
    for (std::string_view res : {kCpu, kMemory}) {
      const std::string text = string_of(member(e, res));
      if (text.empty()) {
        continue;
      }
      auto it = part.aggregated->find(std::string(res));
      Quantity value;  // a missing request is a zero quantity
      if (it != part.aggregated->end()) {
        value = it->second;
      } else if (part.is_limit) {
        continue;  // unlimited aggregate: the sidecar gets no limit either
      }
      auto result = evaluate_resource_expression(text, value, part.is_limit);
      if (!result) {
        return fail("resources_policy",
                    "failed to evaluate " + std::string(res == kCpu ? "CPU" : "memory") + " " +
                        std::string(part.label) + " expression: " + result.error().message);
      }
      if (*result) {
        list[std::string(res)] = format_quantity(**result);
      }
    }
    if (!list.empty()) {
      resources[std::string(part.key)] = std::move(list);
    }
  }
  return resources;
}

}  // namespace injector
