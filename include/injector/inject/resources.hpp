#pragma once
// resourcesPolicy (§3.9): sidecar resources computed from the pod's target containers.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"
#include "injector/kube/quantity.hpp"

namespace injector {

/// Validates a container's `resourcesPolicy` at load time (§6 rule 10, less the checks that need
/// the container itself): mode sum|max, regex non-empty and compilable (RE2), limits or requests
/// present, every expression parses. Returns one message per problem in apimachinery's
/// field.Error form, each starting with the field path under `field`, e.g.
/// `spec.containers[0].resourcesPolicy.resourcesExpr.limits.cpu: Invalid value: "cpu * x":
/// invalid expression: undefined variable: x`.
std::vector<std::string> validate_resources_policy(const Json& policy, std::string_view field);

/// Computes the `resources` object for a sidecar from `candidates` (pod containers already
/// filtered to native sidecar init containers + containers, without any matched SidecarSet's
/// container names). Applies the name regex (RE2, unanchored search), aggregates sum/max per
/// resource and evaluates the expressions. Errors (pod is denied) carry OpenKruise's text: no
/// container matches the regex, negative result, invalid expression, unparsable pod quantity.
Result<Json> compute_resources(const Json& policy, const std::vector<const Json*>& candidates);

/// OpenKruise evaluateResourceExpression: "" gives no limit (nullopt) or a "0" request; the
/// variable is `memory` when the expression contains that word, else `cpu`, bound to
/// `aggregated`; a plain-number result means cores (cpu) or bytes (memory). Errors read
/// `failed to parse expression "cpu * x": undefined variable: x`.
Result<std::optional<Quantity>> evaluate_resource_expression(std::string_view expr,
                                                             const Quantity& aggregated,
                                                             bool is_limit);

/// OpenKruise validateResourceExpression: parses `expr` with `variable` bound to the number 1;
/// nullopt when valid, else `invalid expression: <calculator error>`.
std::optional<std::string> check_resource_expression(std::string_view expr,
                                                     std::string_view variable);

}  // namespace injector
