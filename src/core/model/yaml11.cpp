// go-yaml v2's resolve.go and sigs.k8s.io/yaml's convertToJSONableObject, rule for rule. The
// integer rules are Go's strconv.ParseInt/ParseUint with base 0 (prefixes 0b, 0o, 0x, and a bare
// leading 0 for octal), applied after every '_' is removed, as resolve() does.

#include "injector/model/yaml11.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>

namespace injector {
namespace {

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

// resolve.go's resolveTable: the first characters that make a scalar worth resolving.
bool has_hint(std::string_view s) {
  if (s.empty()) {
    return true;
  }
  const char c = s.front();
  return c == '+' || c == '-' || (c >= '0' && c <= '9') || c == '.' ||
         std::string_view("yYnNtTfFoO~").find(c) != std::string_view::npos;
}

// resolve.go's resolveMap.
std::optional<Json> lookup(std::string_view s) {
  struct Entry {
    std::string_view text;
    int kind;  // 0 true, 1 false, 2 null, 3 NaN, 4 +Inf, 5 -Inf
  };
  static constexpr std::array<Entry, 39> kMap = {{
      {"y", 0},     {"Y", 0},     {"yes", 0},   {"Yes", 0},   {"YES", 0},   {"true", 0},
      {"True", 0},  {"TRUE", 0},  {"on", 0},    {"On", 0},    {"ON", 0},    {"n", 1},
      {"N", 1},     {"no", 1},    {"No", 1},    {"NO", 1},    {"false", 1}, {"False", 1},
      {"FALSE", 1}, {"off", 1},   {"Off", 1},   {"OFF", 1},   {"", 2},      {"~", 2},
      {"null", 2},  {"Null", 2},  {"NULL", 2},  {".nan", 3},  {".NaN", 3},  {".NAN", 3},
      {".inf", 4},  {".Inf", 4},  {".INF", 4},  {"+.inf", 4}, {"+.Inf", 4}, {"+.INF", 4},
      {"-.inf", 5}, {"-.Inf", 5}, {"-.INF", 5},
  }};
  for (const Entry& e : kMap) {
    if (e.text == s) {
      switch (e.kind) {
        case 0:
          return Json(true);
        case 1:
          return Json(false);
        case 2:
          return Json(nullptr);
        case 3:
          return Json(std::numeric_limits<double>::quiet_NaN());
        case 4:
          return Json(std::numeric_limits<double>::infinity());
        default:
          return Json(-std::numeric_limits<double>::infinity());
      }
    }
  }
  return std::nullopt;
}

// strconv.ParseUint(s, 0, 64).
std::optional<std::uint64_t> go_parse_uint(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  unsigned base = 10;
  if (s[0] == '0') {
    const char p = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : '\0';
    base = p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 8;
    s.remove_prefix(base == 8 && p != 'o' ? 1 : 2);
  }
  std::uint64_t n = 0;
  for (char c : s) {
    const char lower = static_cast<char>(c | 0x20);
    unsigned d = 0;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (lower >= 'a' && lower <= 'z') {
      d = static_cast<unsigned>(lower - 'a') + 10;
    } else {
      return std::nullopt;
    }
    if (d >= base || n > (std::numeric_limits<std::uint64_t>::max() - d) / base) {
      return std::nullopt;  // a syntax or a range error: ParseUint fails either way
    }
    n = n * base + d;
  }
  return n;
}

// strconv.ParseInt(s, 0, 64).
std::optional<std::int64_t> go_parse_int(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  auto magnitude = go_parse_uint(s);
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 63;
  if (!magnitude || (!negative && *magnitude >= kLimit) || (negative && *magnitude > kLimit)) {
    return std::nullopt;
  }
  return negative ? static_cast<std::int64_t>(0 - *magnitude)
                  : static_cast<std::int64_t>(*magnitude);
}

std::size_t skip_digits(std::string_view s, std::size_t i) {
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    ++i;
  }
  return i;
}

// resolve.go's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool yaml_style_float(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    const std::size_t end = skip_digits(s, i + 1);
    if (end == i + 1) {
      return false;
    }
    i = end;
  } else {
    const std::size_t end = skip_digits(s, i);
    if (end == i) {
      return false;
    }
    i = end;
    if (i < s.size() && s[i] == '.') {
      i = skip_digits(s, i + 1);
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
      ++i;
    }
    const std::size_t end = skip_digits(s, i);
    if (end == i) {
      return false;
    }
    i = end;
  }
  return i == s.size();
}

// strconv.ParseFloat for the decimal forms yaml_style_float accepts: correctly rounded (as glibc's
// strtod is); an overflow is an error there, an underflow is not.
std::optional<double> parse_float(const std::string& s) {
  const double d = std::strtod(s.c_str(), nullptr);
  if (std::isinf(d)) {
    return std::nullopt;
  }
  return d;
}

std::string without_underscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != '_') {
      out += c;
    }
  }
  return out;
}

// strconv's underscoreOK for a decimal number: every '_' sits between two digits.
bool underscores_between_digits(std::string_view s) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && (i == 0 || !digit(s[i - 1]) || i + 1 == s.size() || !digit(s[i + 1]))) {
      return false;
    }
  }
  return true;
}

// The JSON integer literal encoding/json writes for an integral double below 1e21: the
// shortest digits that read back as the double, padded with zeros (2^63 is written
// 9223372036854776000), read back as an integer when it fits 64 bits.
std::optional<Json> integer_literal(double d) {
  std::array<char, 64> buf{};
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
  std::string text;
  if (sci.front() == '-') {
    text += '-';
    sci.remove_prefix(1);
  }
  const std::size_t e = sci.find('e');
  std::string digits = without_underscores(sci.substr(0, e));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exp = 0;
  std::string_view exp_text = sci.substr(e + 1);
  if (exp_text.front() == '+') {
    exp_text.remove_prefix(1);
  }
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  const int zeros = exp + 1 - static_cast<int>(digits.size());
  if (zeros < 0) {
    return std::nullopt;  // not integral after all
  }
  text += digits + std::string(static_cast<std::size_t>(zeros), '0');
  std::int64_t i = 0;
  if (auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      ec == std::errc() && p == text.data() + text.size()) {
    return Json(i);
  }
  std::uint64_t u = 0;
  if (auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), u);
      ec == std::errc() && p == text.data() + text.size()) {
    return Json(u);
  }
  return std::nullopt;
}

std::string short_tag(std::string_view tag) {
  if (tag.starts_with(kTagPrefix)) {
    return "!!" + std::string(tag.substr(kTagPrefix.size()));
  }
  return std::string(tag);
}

std::string_view tag_of(const Json& v) {
  if (v.is_null()) {
    return "null";
  }
  if (v.is_boolean()) {
    return "bool";
  }
  if (v.is_number_float()) {
    return "float";
  }
  if (v.is_number()) {
    return "int";
  }
  return "str";
}

}  // namespace

Json resolve_plain_scalar(std::string_view text) {
  if (!has_hint(text)) {
    return std::string(text);
  }
  if (auto known = lookup(text)) {
    return *known;
  }
  const char first = text.front();
  if (first == '.') {
    // ParseFloat of the text as is: only `.digits` with an optional exponent gets through, with
    // Go's digit separators.
    if (underscores_between_digits(text)) {
      const std::string plain = without_underscores(text);
      if (yaml_style_float(plain)) {
        if (auto d = parse_float(plain)) {
          return *d;
        }
      }
    }
    return std::string(text);
  }
  if (first != '+' && first != '-' && (first < '0' || first > '9')) {
    return std::string(text);  // a letter of the table: only the exact words above count
  }
  const std::string plain = without_underscores(text);
  if (auto i = go_parse_int(plain)) {
    return *i;
  }
  if (auto u = go_parse_uint(plain)) {
    return *u;
  }
  if (yaml_style_float(plain)) {
    if (auto d = parse_float(plain)) {
      return *d;
    }
  }
  // resolve.go retries 0b/-0b with ParseInt(base 2) here; base 0 above already read those.
  return std::string(text);
}

std::expected<Json, std::string> resolve_tagged_scalar(std::string_view tag,
                                                       std::string_view text) {
  if (!tag.starts_with(kTagPrefix)) {
    return std::string(text);
  }
  const std::string_view kind = tag.substr(kTagPrefix.size());
  if (kind == "str" || (kind != "int" && kind != "float" && kind != "bool" && kind != "null")) {
    // !!str, and tags go-yaml does not resolve (!!timestamp stays text when decoded into an
    // interface{}, as here).
    return std::string(text);
  }
  Json v = resolve_plain_scalar(text);
  const std::string_view got = tag_of(v);
  if (got == kind) {
    return v;
  }
  if (kind == "float" && got == "int") {
    return v.is_number_unsigned() ? static_cast<double>(v.get<std::uint64_t>())
                                  : static_cast<double>(v.get<std::int64_t>());
  }
  return std::unexpected("cannot decode !!" + std::string(got) + " `" + std::string(text) +
                         "` as a " + short_tag(tag));
}

std::expected<Json, std::string> json_scalar_value(const Json& resolved) {
  if (!resolved.is_number_float()) {
    return resolved;
  }
  const double d = resolved.get<double>();
  if (std::isnan(d)) {
    return std::unexpected("json: unsupported value: NaN");
  }
  if (std::isinf(d)) {
    return std::unexpected(d > 0 ? "json: unsupported value: +Inf"
                                 : "json: unsupported value: -Inf");
  }
  // encoding/json prints |f| < 1e21 with 'f' formatting: an integral double is an integer
  // literal in the JSON, and reads back as an integer (nlohmann's reading of the same text).
  if (d == std::trunc(d) && std::fabs(d) < 1e21) {
    if (auto literal = integer_literal(d)) {
      return *literal;
    }
  }
  return d;
}

std::expected<std::string, std::string> json_object_key(const Json& resolved) {
  if (resolved.is_string()) {
    return resolved.get<std::string>();
  }
  if (resolved.is_boolean()) {
    return std::string(resolved.get<bool>() ? "true" : "false");
  }
  if (resolved.is_number_unsigned()) {
    // go-yaml v2 decodes it as uint64, a key type convertToJSONableObject does not take.
    return std::unexpected("unsupported map key of type: uint64, key: 0x" + [&] {
      std::array<char, 24> buf{};
      auto r =
          std::to_chars(buf.data(), buf.data() + buf.size(), resolved.get<std::uint64_t>(), 16);
      return std::string(buf.data(), r.ptr);
    }());
  }
  if (resolved.is_number_integer()) {
    return std::to_string(resolved.get<std::int64_t>());
  }
  if (resolved.is_number_float()) {
    const double d = resolved.get<double>();
    if (std::isnan(d)) {
      return std::string(".nan");
    }
    if (std::isinf(d)) {
      return std::string(d > 0 ? ".inf" : "-.inf");
    }
    return format_float32_g(d);
  }
  return std::unexpected(resolved.is_null() ? std::string("unsupported map key of type: nil")
                                            : std::string("invalid map key"));
}

std::string format_float32_g(double f) {
  if (std::isnan(f)) {
    return "NaN";
  }
  if (std::fabs(f) > static_cast<double>(std::numeric_limits<float>::max())) {
    // float32(f) overflows (a value within half an ulp of FLT_MAX would round down in Go; no
    // manifest carries one).
    return f > 0 ? "+Inf" : "-Inf";
  }
  if (f == 0) {
    return std::signbit(f) ? "-0" : "0";
  }
  const auto single = static_cast<float>(f);
  std::array<char, 64> buf{};
  auto r =
      std::to_chars(buf.data(), buf.data() + buf.size(), single, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
  const bool negative = sci.front() == '-';
  if (negative) {
    sci.remove_prefix(1);
  }
  const std::size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exp = 0;
  std::string_view exp_text = sci.substr(e + 1);
  if (exp_text.front() == '+') {
    exp_text.remove_prefix(1);
  }
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  std::string out = negative ? "-" : "";
  const int nd = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 6) {  // %e: shortest 'g' decides with precision 6
    out += digits[0];
    if (nd > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += exp < 0 ? "e-" : "e+";
    const int mag = exp < 0 ? -exp : exp;
    if (mag < 10) {
      out += '0';
    }
    out += std::to_string(mag);
    return out;
  }
  const int dp = exp + 1;  // digits before the point
  if (dp <= 0) {
    out += "0." + std::string(static_cast<std::size_t>(-dp), '0') + digits;
  } else if (dp >= nd) {
    out += digits + std::string(static_cast<std::size_t>(dp - nd), '0');
  } else {
    out += digits.substr(0, static_cast<std::size_t>(dp)) + "." +
           digits.substr(static_cast<std::size_t>(dp));
  }
  return out;
}

}  // namespace injector
