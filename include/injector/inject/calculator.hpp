#pragma once
// The expression language of resourcesPolicy (§3.9): + - * /, max(a,b), min(a,b), parentheses,
// percentages, quantities and one variable, evaluated as OpenKruise's pkg/util/calculator does
// (float64 arithmetic, results truncated to milli-units, goyacc's error texts).

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <string_view>

#include "injector/kube/quantity.hpp"

namespace injector {

/// A calculator value: a plain number or a quantity.
struct CalcValue {
  bool is_quantity = false;
  double number = 0;
  Quantity quantity;
};

/// Evaluates `expr` with the variables `vars` (e.g. {"cpu": 200m}); the error is Go's text.
std::expected<CalcValue, std::string> calculate(std::string_view expr,
                                                std::map<std::string, CalcValue> vars);

/// Go's %q of `s` (strconv.Quote), as the calculator's messages print user text.
std::string go_quoted(std::string_view s);

/// Go's int64(f) conversion, including its behaviour outside the int64 range on amd64.
std::int64_t go_float_to_int64(double f);

}  // namespace injector
