#pragma once
// Kubernetes resource.Quantity: parsing and canonical formatting (apimachinery semantics).

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "injector/json.hpp"

namespace injector {

enum class QuantityFormat { kDecimalSI, kBinarySI, kDecimalExponent };

/// A quantity: its exact value and the format it was written in (the format decides how it is
/// printed back, as apimachinery does). Members may grow; use the functions below.
///
/// The exact value is `±digits × 10^exponent`. apimachinery keeps a quantity either as an
/// int64Amount (value, scale) or as an inf.Dec; `big` records which, because MilliValue rounds
/// and overflows differently in the two (calculator arithmetic depends on it). `text` is Go's
/// cached string `s`: ParseQuantity keeps the input when it is already canonical, and
/// String()/MarshalJSON print it verbatim ("+100m" stays "+100m").
struct Quantity {
  long double value = 0;  // approximate value in base units (cores, bytes), for range checks
  QuantityFormat format = QuantityFormat::kDecimalSI;
  bool negative = false;
  std::string digits = "0";  // magnitude, decimal, no leading zeros (trailing zeros allowed)
  std::int64_t exponent = 0;
  bool big = false;
  std::string text;
};

/// Parses "100m", "1.5Gi", "2e3", "0.1" ... ; errors name the text:
/// `quantity "1x": unable to parse quantity's suffix`.
Result<Quantity> parse_quantity(std::string_view text);

/// resource.ParseQuantity with apimachinery's own error text ("quantities must match the regular
/// expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", "unable to parse numeric part of
/// quantity", "unable to parse quantity's suffix"), for messages that must read as Go's.
std::expected<Quantity, std::string> parse_quantity_go(std::string_view text);

/// Canonical form as Quantity.String() prints it: values rounded up to nano-units when the input
/// had finer precision ("0.0000000001" -> "1n"), then the largest suffix that keeps an integer
/// ("1024Mi" -> "1Gi", "1000m" -> "1", "0.5" -> "500m", "1.5Gi" -> "1536Mi").
std::string format_quantity(const Quantity& q);

/// format_quantity(parse_quantity(text)) or the error.
Result<std::string> canonical_quantity(std::string_view text);

/// Quantity.RoundUp(scale): the value rounded away from zero to a multiple of 10^scale (scale -3
/// is milli). Returns whether no precision was lost. As in Go, an int64 quantity that is already
/// that coarse keeps its printed text ("+100m"); any other result is printed canonically.
bool round_up_quantity(Quantity& q, std::int32_t scale);

/// What json.Marshal prints for the Quantity that UnmarshalJSON reads from `text` (a JSON
/// string's content or a number's spelling; surrounding white space is trimmed, as Go does),
/// rounded up to milli first when `round_to_milli` (SetDefaults_ResourceList); nullopt when the
/// text does not parse (Go's decoding would fail).
std::optional<std::string> marshal_quantity(std::string_view text, bool round_to_milli);

// Arithmetic with apimachinery's semantics (used by the resourcesPolicy calculator).

/// resource.NewQuantity(value, format).
Quantity quantity_from_int(std::int64_t value, QuantityFormat format);
/// resource.NewMilliQuantity(milli, format).
Quantity quantity_from_milli(std::int64_t milli, QuantityFormat format);
/// Quantity.SetMilli: the value becomes milli/1000, the format is kept.
void set_milli(Quantity& q, std::int64_t milli);
/// Quantity.MilliValue: value in milli-units, rounded up; wraps or reads 0 on overflow as Go.
std::int64_t milli_value(const Quantity& q);
/// Quantity.Add: q += y; a zero q takes y's format. Returns false (q unchanged) only when the
/// exact sum would need an absurd number of digits (exponents thousands apart).
bool add_quantity(Quantity& q, const Quantity& y);
/// Quantity.Neg.
void negate_quantity(Quantity& q);
/// Quantity.Cmp: -1, 0 or 1.
int compare_quantities(const Quantity& a, const Quantity& b);
/// Quantity.Sign: -1, 0 or 1.
int quantity_sign(const Quantity& q);

}  // namespace injector
