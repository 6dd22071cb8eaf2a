// Fuzz target: Quantity and the resourcesPolicy calculator. An input starting with '=' is an
// expression for the calculator, anything else a quantity. Properties:
// - quantity: parse_quantity() never throws and agrees with parse_quantity_go() on what parses;
//   the canonical text is a fixed point (it parses and prints as itself); a quantity compares
//   equal to itself, its sign agrees with the comparison against zero, and q + (-q) is zero;
//   MilliValue, RoundUp and MarshalJSON never fail on a parsed value;
// - expression: calculate() and evaluate_resource_expression() never throw, every error has
//   Go's message (non-empty), and a result is a number or a quantity that prints canonically.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "injector/inject/calculator.hpp"
#include "injector/inject/resources.hpp"
#include "injector/kube/quantity.hpp"

namespace {

constexpr std::string_view kTarget = "quantity_fuzz";

void quantity(std::string_view input) {
  const auto q = injector::parse_quantity(input);
  const auto go = injector::parse_quantity_go(input);
  if (q.has_value() != go.has_value()) {
    fuzz::violated(kTarget, "parse_quantity and parse_quantity_go disagree", input);
  }
  if (!q) {
    if (q.error().message.empty() || go.error().empty()) {
      fuzz::violated(kTarget, "a parse error without a message", input);
    }
    return;
  }
  const std::string canonical = injector::format_quantity(*q);
  const auto again = injector::parse_quantity(canonical);
  if (!again || injector::format_quantity(*again) != canonical) {
    fuzz::violated(kTarget, "the canonical form is not a fixed point", canonical);
  }
  if (injector::compare_quantities(*q, *q) != 0) {
    fuzz::violated(kTarget, "a quantity differs from itself", input);
  }
  const auto zero = injector::quantity_from_int(0, q->format);
  if (injector::quantity_sign(*q) != injector::compare_quantities(*q, zero)) {
    fuzz::violated(kTarget, "the sign disagrees with the comparison against zero", input);
  }
  injector::Quantity sum = *q;
  injector::Quantity neg = *q;
  injector::negate_quantity(neg);
  if (injector::add_quantity(sum, neg) && injector::quantity_sign(sum) != 0) {
    fuzz::violated(kTarget, "q + (-q) is not zero", input);
  }
  (void)injector::milli_value(*q);
  for (const bool round : {true, false}) {
    if (!injector::marshal_quantity(input, round)) {
      fuzz::violated(kTarget, "a parsed quantity does not marshal", input);
    }
  }
}

void expression(std::string_view expr) {
  const auto cpu = injector::parse_quantity("500m");
  const auto memory = injector::parse_quantity("1Gi");
  std::map<std::string, injector::CalcValue> vars;
  vars["cpu"] = injector::CalcValue{true, 0, *cpu};
  try {
    auto r = injector::calculate(expr, vars);
    if (!r && r.error().empty()) {
      fuzz::violated(kTarget, "a calculator error without a message", expr);
    }
    if (r && r->is_quantity) {
      const std::string text = injector::format_quantity(r->quantity);
      if (!injector::parse_quantity(text)) {
        fuzz::violated(kTarget, "a result that does not print as a quantity", expr);
      }
    }
    for (const bool is_limit : {true, false}) {
      auto e = injector::evaluate_resource_expression(expr, *memory, is_limit);
      if (!e && e.error().message.empty()) {
        fuzz::violated(kTarget, "an expression error without a message", expr);
      }
    }
    (void)injector::check_resource_expression(expr, "cpu");
  } catch (...) {
    fuzz::violated(kTarget, "the calculator threw", expr);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    if (!input.empty() && input.front() == '=') {
      expression(input.substr(1));
    } else {
      quantity(input);
    }
  } catch (...) {
    fuzz::violated(kTarget, "a quantity function threw", input);
  }
  return 0;
}
