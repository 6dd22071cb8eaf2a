#pragma once
// Kubernetes resource.Quantity: parsing and canonical formatting (apimachinery semantics).

#include <cstdint>
#include <string>
#include <string_view>

#include "injector/json.hpp"

namespace injector {

enum class QuantityFormat { kDecimalSI, kBinarySI, kDecimalExponent };

/// A quantity: its exact value and the format it was written in (the format decides how it is
/// printed back, as apimachinery does). Members may grow; use the functions below.
struct Quantity {
  long double value = 0;  // in base units (cores, bytes)
  QuantityFormat format = QuantityFormat::kDecimalSI;
};

/// Parses "100m", "1.5Gi", "2e3", "0.1" ... ; errors name the text.
Result<Quantity> parse_quantity(std::string_view text);

/// Canonical form as Quantity.String() prints it: values rounded up to milli-units first when
/// the input had finer precision ("0.0001" -> "1m"), then the largest suffix that keeps an
/// integer ("1024Mi" -> "1Gi", "1000m" -> "1", "0.5" -> "500m").
std::string format_quantity(const Quantity& q);

/// format_quantity(parse_quantity(text)) or the error.
Result<std::string> canonical_quantity(std::string_view text);

}  // namespace injector
