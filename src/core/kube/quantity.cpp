// resource.Quantity, ported for behaviour from k8s.io/apimachinery pkg/api/resource
// (quantity.go, amount.go, math.go, suffix.go). The pod's and the SidecarSet's quantities are
// printed back exactly as the API server and OpenKruise print them: the SidecarSet hash covers
// them, and the resourcesPolicy results land in the pod.
#include "injector/kube/quantity.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace injector {
namespace {

constexpr std::string_view kErrFormatWrong =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kErrNumeric = "unable to parse numeric part of quantity";
constexpr std::string_view kErrSuffix = "unable to parse quantity's suffix";

constexpr std::string_view kMaxInt64Digits = "9223372036854775807";
constexpr std::string_view kMinInt64Digits = "9223372036854775808";

// Aligning two decimals whose exponents are further apart than this would build numbers with
// millions of digits (apimachinery would too, in math/big); such sums are refused instead.
constexpr std::int64_t kMaxAlign = 4096;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ---- unsigned decimal digit strings ---------------------------------------------------------

std::string strip_zeros(std::string s) {
  const auto first = s.find_first_not_of('0');
  if (first == std::string::npos) {
    return "0";
  }
  s.erase(0, first);
  return s;
}

bool mag_is_zero(std::string_view s) { return s.find_first_not_of('0') == std::string::npos; }

// Compares ±a·10^ea and b·10^eb by magnitude without aligning them (exponents may be huge).
int cmp_abs(std::string_view a, std::int64_t ea, std::string_view b, std::int64_t eb) {
  const auto fa = a.find_first_not_of('0');
  const auto fb = b.find_first_not_of('0');
  if (fa == std::string_view::npos || fb == std::string_view::npos) {
    if (fa == fb) {
      return 0;
    }
    return fa == std::string_view::npos ? -1 : 1;
  }
  a.remove_prefix(fa);
  b.remove_prefix(fb);
  const std::int64_t la = static_cast<std::int64_t>(a.size()) + ea;
  const std::int64_t lb = static_cast<std::int64_t>(b.size()) + eb;
  if (la != lb) {
    return la < lb ? -1 : 1;
  }
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char da = i < a.size() ? a[i] : '0';
    const char db = i < b.size() ? b[i] : '0';
    if (da != db) {
      return da < db ? -1 : 1;
    }
  }
  return 0;
}

std::string add_mag(std::string_view a, std::string_view b) {
  std::string out;
  int carry = 0;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()) || carry != 0; ++i) {
    int d = carry;
    if (i < a.size()) {
      d += a[a.size() - 1 - i] - '0';
    }
    if (i < b.size()) {
      d += b[b.size() - 1 - i] - '0';
    }
    out.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  std::reverse(out.begin(), out.end());
  return strip_zeros(std::move(out));
}

// a - b for a >= b.
std::string sub_mag(std::string_view a, std::string_view b) {
  std::string out;
  int borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    int d = a[a.size() - 1 - i] - '0' - borrow;
    if (i < b.size()) {
      d -= b[b.size() - 1 - i] - '0';
    }
    borrow = d < 0 ? 1 : 0;
    out.push_back(static_cast<char>('0' + d + 10 * borrow));
  }
  std::reverse(out.begin(), out.end());
  return strip_zeros(std::move(out));
}

std::string mul_small(std::string_view a, std::uint32_t m) {
  std::string out;
  std::uint64_t carry = 0;
  for (std::size_t i = a.size(); i-- > 0;) {
    const std::uint64_t d = static_cast<std::uint64_t>(a[i] - '0') * m + carry;
    out.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  for (; carry != 0; carry /= 10) {
    out.push_back(static_cast<char>('0' + carry % 10));
  }
  std::reverse(out.begin(), out.end());
  return strip_zeros(std::move(out));
}

// a /= d in place; returns the remainder.
std::uint32_t divmod_small(std::string& a, std::uint32_t d) {
  std::uint64_t rem = 0;
  for (char& c : a) {
    const std::uint64_t cur = rem * 10 + static_cast<std::uint64_t>(c - '0');
    c = static_cast<char>('0' + cur / d);
    rem = cur % d;
  }
  a = strip_zeros(std::move(a));
  return static_cast<std::uint32_t>(rem);
}

// Low 64 bits of the magnitude, as math/big's Int64 reads a number that does not fit.
std::uint64_t low64(std::string_view a) {
  std::uint64_t v = 0;
  for (char c : a) {
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::int64_t signed_low64(bool negative, std::string_view a) {
  const std::uint64_t v = low64(a);
  return static_cast<std::int64_t>(negative ? ~v + 1 : v);
}

std::string u64_text(std::uint64_t v) { return std::to_string(v); }

// ---- quantity internals ---------------------------------------------------------------------

long double approximate(const Quantity& q) {
  long double v = 0;
  std::int64_t extra = 0;
  int used = 0;
  for (char c : strip_zeros(q.digits)) {
    if (used < 30) {
      v = v * 10 + (c - '0');
      ++used;
    } else {
      ++extra;
    }
  }
  if (v == 0) {
    return 0;
  }
  const long double e = static_cast<long double>(q.exponent + extra);
  v *= std::pow(10.0L, e);
  return q.negative ? -v : v;
}

void refresh(Quantity& q) {
  q.digits = strip_zeros(std::move(q.digits));
  if (q.digits == "0") {
    q.negative = false;
  }
  q.value = approximate(q);
}

Quantity int_quantity(std::int64_t value, std::int64_t scale, QuantityFormat format) {
  Quantity q;
  q.format = format;
  q.negative = value < 0;
  const std::uint64_t mag =
      value < 0 ? ~static_cast<std::uint64_t>(value) + 1 : static_cast<std::uint64_t>(value);
  q.digits = u64_text(mag);
  q.exponent = scale;
  q.big = false;
  refresh(q);
  return q;
}

// The int64Amount value of a quantity held in that form.
std::int64_t int_value(const Quantity& q) {
  assert(!q.big && "only int64Amount quantities have an int64 value");
  return signed_low64(q.negative, q.digits);
}

// math.go positiveScaleInt64: base * 10^scale, false on overflow.
bool positive_scale(std::int64_t base, std::int64_t scale, std::int64_t& out) {
  std::int64_t v = base;
  for (std::int64_t i = 0; i < scale && v != 0; ++i) {
    if (__builtin_mul_overflow(v, std::int64_t{10}, &v)) {
      return false;
    }
  }
  out = v;
  return true;
}

// math.go negativeScaleInt64: base / 10^scale rounded away from zero.
std::int64_t negative_scale(std::int64_t base, std::int64_t scale) {
  if (scale == 0) {
    return base;
  }
  std::int64_t value = base;
  bool fraction = false;
  for (std::int64_t i = 0; i < scale; ++i) {
    if (!fraction && value % 10 != 0) {
      fraction = true;
    }
    value /= 10;
    if (value == 0) {
      if (fraction) {
        return base > 0 ? 1 : -1;
      }
      return 0;
    }
  }
  if (fraction) {
    value += base > 0 ? 1 : -1;
  }
  return value;
}

// amount.go int64Amount.Add: false (and a untouched) on overflow.
bool int_add(std::int64_t& av, std::int64_t& as, std::int64_t bv, std::int64_t bs) {
  if (bv == 0) {
    return true;
  }
  if (av == 0) {
    av = bv;
    as = bs;
    return true;
  }
  std::int64_t c = 0;
  if (as == bs) {
    if (__builtin_add_overflow(av, bv, &c)) {
      return false;
    }
    av = c;
  } else if (as > bs) {
    if (!positive_scale(av, as - bs, c) || __builtin_add_overflow(c, bv, &c)) {
      return false;
    }
    as = bs;
    av = c;
  } else {
    if (!positive_scale(bv, bs - as, c) || __builtin_add_overflow(av, c, &c)) {
      return false;
    }
    av = c;
  }
  return true;
}

struct Split {
  bool positive = true;
  std::string_view value, num, denom, suffix;
};

// quantity.go parseQuantityString, step for step (its quirks included: "1." and "." parse).
std::expected<Split, std::string_view> split_quantity(std::string_view str) {
  Split s;
  std::size_t pos = 0;
  const std::size_t end = str.size();
  if (pos < end) {
    if (str[0] == '-') {
      s.positive = false;
      ++pos;
    } else if (str[0] == '+') {
      ++pos;
    }
  }
  for (std::size_t i = pos;; ++i) {
    if (i >= end) {
      s.num = "0";
      s.value = s.num;
      return s;
    }
    if (str[i] != '0') {
      break;
    }
    ++pos;
  }
  for (std::size_t i = pos;; ++i) {
    if (i >= end) {
      s.num = str.substr(pos);
      s.value = str;
      return s;
    }
    if (!is_digit(str[i])) {
      s.num = str.substr(pos, i - pos);
      pos = i;
      break;
    }
  }
  if (s.num.empty()) {
    s.num = "0";
  }
  if (pos < end && str[pos] == '.') {
    ++pos;
    for (std::size_t i = pos;; ++i) {
      if (i >= end) {
        s.denom = str.substr(pos);
        s.value = str;
        return s;
      }
      if (!is_digit(str[i])) {
        s.denom = str.substr(pos, i - pos);
        pos = i;
        break;
      }
    }
  }
  s.value = str.substr(0, pos);
  const std::size_t suffix_start = pos;
  for (std::size_t i = pos;; ++i) {
    if (i >= end) {
      s.suffix = str.substr(suffix_start);
      return s;
    }
    if (std::string_view("eEinumkKMGTP").find(str[i]) == std::string_view::npos) {
      pos = i;
      break;
    }
  }
  if (pos < end && (str[pos] == '-' || str[pos] == '+')) {
    ++pos;
  }
  for (std::size_t i = pos;; ++i) {
    if (i >= end) {
      s.suffix = str.substr(suffix_start);
      return s;
    }
    if (!is_digit(str[i])) {
      break;
    }
  }
  return std::unexpected(kErrFormatWrong);
}

// strconv.ParseInt(s, 10, 64).
bool parse_int64(std::string_view s, std::int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return false;
  }
  std::uint64_t v = 0;
  const std::uint64_t limit = neg ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  for (char c : s) {
    if (!is_digit(c)) {
      return false;
    }
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (limit - d) / 10) {
      return false;
    }
    v = v * 10 + d;
  }
  out = static_cast<std::int64_t>(neg ? ~v + 1 : v);
  return true;
}

struct Suffix {
  int base = 10;
  std::int32_t exponent = 0;
  QuantityFormat format = QuantityFormat::kDecimalSI;
};

// suffix.go interpret.
bool interpret_suffix(std::string_view s, Suffix& out) {
  static constexpr std::array<std::pair<std::string_view, std::int32_t>, 10> kDecimal{{
      {"", 0},
      {"n", -9},
      {"u", -6},
      {"m", -3},
      {"k", 3},
      {"M", 6},
      {"G", 9},
      {"T", 12},
      {"P", 15},
      {"E", 18},
  }};
  static constexpr std::array<std::pair<std::string_view, std::int32_t>, 6> kBinary{{
      {"Ki", 10},
      {"Mi", 20},
      {"Gi", 30},
      {"Ti", 40},
      {"Pi", 50},
      {"Ei", 60},
  }};
  for (const auto& [name, e] : kDecimal) {
    if (s == name) {
      out = Suffix{10, e, QuantityFormat::kDecimalSI};
      return true;
    }
  }
  for (const auto& [name, e] : kBinary) {
    if (s == name) {
      out = Suffix{2, e, QuantityFormat::kBinarySI};
      return true;
    }
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::int64_t parsed = 0;
    if (!parse_int64(s.substr(1), parsed)) {
      return false;
    }
    // Go converts with int32(parsed): the exponent wraps.
    out = Suffix{10, static_cast<std::int32_t>(static_cast<std::uint32_t>(parsed)),
                 QuantityFormat::kDecimalExponent};
    return true;
  }
  return false;
}

// The inf.Dec path of ParseQuantity: exact arithmetic, rounded up to nano, BinarySI capped.
std::expected<Quantity, std::string_view> parse_big(std::string_view value, const Suffix& sfx,
                                                    QuantityFormat format) {
  // inf.Dec.SetString: an optional leading sign, digits and at most one '.', nothing else.
  bool negative = false;
  std::string digits;
  std::int64_t scale = 0;
  bool dot = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if ((c == '+' || c == '-') && i == 0) {
      negative = c == '-';
    } else if (c == '.' && !dot) {
      dot = true;
    } else if (is_digit(c)) {
      digits.push_back(c);
      scale += dot ? 1 : 0;
    } else {
      return std::unexpected(kErrNumeric);
    }
  }
  if (digits.empty()) {
    return std::unexpected(kErrNumeric);
  }
  Quantity q;
  q.format = format;
  q.big = true;
  q.digits = strip_zeros(std::move(digits));
  q.exponent = -scale;
  if (sfx.base == 10) {
    q.exponent += sfx.exponent;
  } else {
    for (std::int32_t left = sfx.exponent; left > 0; left -= 16) {
      q.digits = mul_small(q.digits, std::uint32_t{1} << std::min(left, 16));
    }
  }
  if (!mag_is_zero(q.digits)) {
    // Round(amount, Nano, RoundUp): "if you want some resources, you should get some".
    if (q.exponent < -9) {
      const auto drop = static_cast<std::size_t>(-9 - q.exponent);
      if (drop >= q.digits.size()) {
        q.digits = "1";
      } else {
        const bool fraction =
            !mag_is_zero(std::string_view(q.digits).substr(q.digits.size() - drop));
        q.digits.resize(q.digits.size() - drop);
        q.digits = strip_zeros(std::move(q.digits));
        if (fraction) {
          q.digits = add_mag(q.digits, "1");
        }
      }
      q.exponent = -9;
    } else if (q.exponent - -9 <= kMaxAlign) {
      q.digits.append(static_cast<std::size_t>(q.exponent + 9), '0');
      q.exponent = -9;
    }
  }
  if (format == QuantityFormat::kBinarySI &&
      cmp_abs(q.digits, q.exponent, kMaxInt64Digits, 0) > 0) {
    q.digits = std::string(kMaxInt64Digits);
    q.exponent = 0;
  }
  if (format == QuantityFormat::kBinarySI && cmp_abs(q.digits, q.exponent, "1", 0) < 0 &&
      !mag_is_zero(q.digits)) {
    q.format = QuantityFormat::kDecimalSI;
  }
  q.negative = negative;
  refresh(q);
  return q;
}

}  // namespace

std::expected<Quantity, std::string> parse_quantity_go(std::string_view str) {
  if (str.empty()) {
    return std::unexpected(std::string(kErrFormatWrong));
  }
  if (str == "0") {
    Quantity q;
    q.text = "0";
    return q;
  }
  auto split = split_quantity(str);
  if (!split) {
    return std::unexpected(std::string(split.error()));
  }
  Suffix sfx;
  if (!interpret_suffix(split->suffix, sfx)) {
    return std::unexpected(std::string(kErrSuffix));
  }
  const std::string_view num = split->num;
  const std::string_view denom = split->denom;

  std::int64_t precision = 0;
  std::int64_t scale = 0;
  std::int64_t mantissa = 1;
  if (sfx.format == QuantityFormat::kBinarySI) {
    if (sfx.exponent >= 0 && denom.empty()) {
      mantissa = std::int64_t{1} << sfx.exponent;
      // Go computes int32(float32(exponent)*3/10); exact for the exponents 10..60.
      precision = 15 - static_cast<std::int64_t>(num.size()) - sfx.exponent * 3 / 10 - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = sfx.exponent;
    precision = 18 - static_cast<std::int64_t>(num.size() + denom.size());
  }

  if (precision >= 0) {
    scale -= static_cast<std::int64_t>(denom.size());
    if (scale >= -9) {
      const std::string shifted = std::string(num) + std::string(denom);
      std::int64_t value = 0;
      if (!parse_int64(shifted, value)) {
        return std::unexpected(std::string(kErrNumeric));
      }
      std::int64_t result = 0;
      if (!__builtin_mul_overflow(value, mantissa, &result)) {
        if (!split->positive) {
          result = -result;
        }
        Quantity q = int_quantity(result, scale, sfx.format);
        // An input already in canonical form is kept verbatim as the printed string.
        if (sfx.format == QuantityFormat::kBinarySI) {
          if (sfx.exponent % 10 == 0 && (value & 0x07) != 0) {
            q.text = std::string(str);
          }
        } else if (scale % 3 == 0 && !shifted.ends_with("000") && shifted[0] != '0') {
          q.text = std::string(str);
        }
        return q;
      }
    }
  }
  auto q = parse_big(split->value, sfx, sfx.format);
  if (!q) {
    return std::unexpected(std::string(q.error()));
  }
  return *q;
}

Result<Quantity> parse_quantity(std::string_view text) {
  auto q = parse_quantity_go(text);
  if (!q) {
    std::string message = "quantity \"";
    message += text;
    message += "\": ";
    message += q.error();
    return fail("invalid_quantity", std::move(message));
  }
  return *q;
}

std::string format_quantity(const Quantity& q) {
  if (!q.text.empty()) {
    return q.text;
  }
  if (mag_is_zero(q.digits)) {
    return "0";
  }
  std::string digits = strip_zeros(q.digits);
  std::int64_t exponent = q.exponent;
  QuantityFormat format = q.format;
  if (format == QuantityFormat::kBinarySI) {
    if (cmp_abs(digits, exponent, "1024", 0) < 0) {
      format = QuantityFormat::kDecimalSI;  // "This avoids rounding and hopefully confusion"
    } else if (exponent < 0) {
      const auto frac = static_cast<std::size_t>(-exponent);
      if (frac >= digits.size() ||
          !mag_is_zero(std::string_view(digits).substr(digits.size() - frac))) {
        format = QuantityFormat::kDecimalSI;  // Don't lose precision: show as DecimalSI
      } else {
        digits.resize(digits.size() - frac);
        exponent = 0;
      }
    }
  }
  const std::string sign = q.negative ? "-" : "";
  if (format == QuantityFormat::kBinarySI) {
    if (exponent > 0) {
      digits.append(static_cast<std::size_t>(std::min(exponent, kMaxAlign)), '0');
    }
    int times = 0;
    while (cmp_abs(digits, 0, "1024", 0) >= 0) {
      std::string quotient = digits;
      if (divmod_small(quotient, 1024) != 0) {
        break;
      }
      digits = std::move(quotient);
      ++times;
    }
    static constexpr std::array<std::string_view, 7> kBinary{"",   "Ki", "Mi", "Gi",
                                                             "Ti", "Pi", "Ei"};
    // suffix.go has no BinarySI suffix beyond Ei (nor for 2^0): Go prints none.
    const std::string_view suffix = times < 7 ? kBinary[static_cast<std::size_t>(times)] : "";
    return sign + digits + std::string(suffix);
  }
  // AsCanonicalBytes: all factors of ten into the exponent, then down to a multiple of three.
  const auto last = digits.find_last_not_of('0');
  exponent += static_cast<std::int64_t>(digits.size() - 1 - last);
  digits.resize(last + 1);
  switch (exponent % 3) {
    case 1:
    case -2:
      digits += "0";
      exponent -= 1;
      break;
    case 2:
    case -1:
      digits += "00";
      exponent -= 2;
      break;
    default:
      break;
  }
  std::string suffix;
  if (format == QuantityFormat::kDecimalExponent) {
    if (exponent != 0) {
      suffix = "e" + std::to_string(exponent);
    }
  } else {
    static constexpr std::array<std::string_view, 10> kDecimal{"n", "u", "m", "",  "k",
                                                               "M", "G", "T", "P", "E"};
    // Exponents past E have no DecimalSI suffix; Go then prints the bare mantissa.
    if (exponent >= -9 && exponent <= 18) {
      suffix = kDecimal[static_cast<std::size_t>((exponent + 9) / 3)];
    }
  }
  return sign + digits + suffix;
}

Result<std::string> canonical_quantity(std::string_view text) {
  auto q = parse_quantity(text);
  if (!q) {
    return std::unexpected(q.error());
  }
  return format_quantity(*q);
}

std::optional<std::string> marshal_quantity(std::string_view text, bool round_to_milli) {
  constexpr std::string_view kSpace = " \t\n\r\v\f";
  const auto first = text.find_first_not_of(kSpace);
  text = first == std::string_view::npos
             ? std::string_view()
             : text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  auto q = parse_quantity_go(text);
  if (!q) {
    return std::nullopt;
  }
  if (round_to_milli) {
    round_up_quantity(*q, -3);
  }
  return format_quantity(*q);
}

bool round_up_quantity(Quantity& q, std::int32_t scale) {
  if (q.big) {
    // infDecAmount.AsScale: inf.Dec Round(scale, RoundUp); the cached string is always cleared.
    q.text.clear();
    if (q.exponent >= scale) {
      return true;  // only trailing zeros would be added: same value, same print
    }
    const auto drop = static_cast<std::size_t>(scale - q.exponent);
    bool fraction = false;
    if (drop >= q.digits.size()) {
      fraction = !mag_is_zero(q.digits);
      q.digits = "0";
    } else {
      fraction = !mag_is_zero(std::string_view(q.digits).substr(q.digits.size() - drop));
      q.digits.resize(q.digits.size() - drop);
    }
    if (fraction) {
      q.digits = add_mag(q.digits, "1");  // away from zero: the magnitude grows for both signs
    }
    q.exponent = scale;
    refresh(q);
    return !fraction;
  }
  // int64Amount.AsScale; "avoid clearing the string value if we have already calculated it".
  if (q.exponent >= scale) {
    return true;
  }
  const std::int64_t base = int_value(q);
  const std::int64_t rounded = negative_scale(base, scale - q.exponent);
  std::int64_t back = 0;
  const bool exact = positive_scale(rounded, scale - q.exponent, back) && back == base;
  q = int_quantity(rounded, scale, q.format);
  return exact;
}

Quantity quantity_from_int(std::int64_t value, QuantityFormat format) {
  return int_quantity(value, 0, format);
}

Quantity quantity_from_milli(std::int64_t milli, QuantityFormat format) {
  return int_quantity(milli, -3, format);
}

void set_milli(Quantity& q, std::int64_t milli) { q = int_quantity(milli, -3, q.format); }

std::int64_t milli_value(const Quantity& q) {
  if (!q.big) {
    // int64Amount.AsScaledInt64(Milli); ScaledValue ignores its overflow flag (reads 0).
    const std::int64_t v = int_value(q);
    if (q.exponent < -3) {
      return negative_scale(v, -3 - q.exponent);
    }
    std::int64_t out = 0;
    return positive_scale(v, q.exponent + 3, out) ? out : 0;
  }
  // scale_int.go scaledValue(unscaled, scale, 3).
  const std::int64_t dif = -q.exponent - 3;
  const std::int64_t low = signed_low64(q.negative, q.digits);
  if (dif == 0) {
    return low;
  }
  if (dif < 0) {
    // int64(math.Pow10(-dif)): past 10^18 the conversion overflows (amd64: MinInt64).
    std::uint64_t factor = std::uint64_t{1} << 63;
    if (-dif <= 18) {
      factor = 1;
      for (std::int64_t i = 0; i < -dif; ++i) {
        factor *= 10;
      }
    }
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) * factor);
  }
  if ((q.negative || cmp_abs(q.digits, 0, kMaxInt64Digits, 0) < 0) && dif < 19) {
    std::int64_t divide = 1;
    for (std::int64_t i = 0; i < dif; ++i) {
      divide *= 10;
    }
    return low / divide + (low % divide != 0 ? 1 : 0);
  }
  // big.Int DivMod (Euclidean) and +1 on a remainder: the ceiling.
  std::string quotient = strip_zeros(q.digits);
  bool remainder = false;
  if (static_cast<std::size_t>(dif) >= quotient.size()) {
    remainder = !mag_is_zero(quotient);
    quotient = "0";
  } else {
    const auto keep = quotient.size() - static_cast<std::size_t>(dif);
    remainder = !mag_is_zero(std::string_view(quotient).substr(keep));
    quotient.resize(keep);
  }
  if (q.negative && remainder) {
    quotient = add_mag(quotient, "1");
  }
  // Int64() + 1 wraps in Go.
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(signed_low64(q.negative, quotient)) +
                                   (remainder ? 1U : 0U));
}

bool add_quantity(Quantity& q, const Quantity& y) {
  const bool q_zero = mag_is_zero(q.digits);
  if (!q.big && !y.big) {
    std::int64_t av = int_value(q);
    std::int64_t as = q.exponent;
    const QuantityFormat format = av == 0 ? y.format : q.format;
    if (int_add(av, as, int_value(y), y.exponent)) {
      q = int_quantity(av, as, format);
      return true;
    }
  }
  // inf.Dec Add: exact, at the finer of the two scales.
  const std::int64_t e = std::min(q.exponent, y.exponent);
  if (q.exponent - e > kMaxAlign || y.exponent - e > kMaxAlign) {
    return false;
  }
  std::string a = q.digits + std::string(static_cast<std::size_t>(q.exponent - e), '0');
  std::string b = y.digits + std::string(static_cast<std::size_t>(y.exponent - e), '0');
  a = strip_zeros(std::move(a));
  b = strip_zeros(std::move(b));
  bool negative = q.negative;
  if (q.negative == y.negative) {
    a = add_mag(a, b);
  } else if (cmp_abs(a, 0, b, 0) >= 0) {
    a = sub_mag(a, b);
  } else {
    a = sub_mag(b, a);
    negative = y.negative;
  }
  if (q_zero) {
    q.format = y.format;
  }
  q.digits = std::move(a);
  q.exponent = e;
  q.negative = negative;
  q.big = true;
  q.text.clear();
  refresh(q);
  return true;
}

void negate_quantity(Quantity& q) {
  q.text.clear();
  if (!q.big && q.negative && q.digits == kMinInt64Digits) {
    return;  // -MinInt64 wraps to itself in Go's int64Amount
  }
  q.negative = !q.negative;
  refresh(q);
}

int compare_quantities(const Quantity& a, const Quantity& b) {
  const int sa = quantity_sign(a);
  const int sb = quantity_sign(b);
  if (sa != sb) {
    return sa < sb ? -1 : 1;
  }
  const int c = cmp_abs(a.digits, a.exponent, b.digits, b.exponent);
  return sa < 0 ? -c : c;
}

int quantity_sign(const Quantity& q) {
  if (mag_is_zero(q.digits)) {
    return 0;
  }
  return q.negative ? -1 : 1;
}

}  // namespace injector
