#pragma once
// resourcesPolicy (§3.9): sidecar resources computed from the pod's target containers.

#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"

namespace injector {

/// Validates a container's `resourcesPolicy` at load time (§6 rule 10, less the checks that need
/// the container itself): mode sum|max, regex non-empty and compilable (RE2), limits or requests
/// present, every expression parses. Returns one message per problem, each starting with the
/// field path under `field` (e.g. `spec.containers[0].resourcesPolicy.resourcesExpr.limits.cpu:
/// invalid expression "cpu * invalid": ...`).
std::vector<std::string> validate_resources_policy(const Json& policy, std::string_view field);

/// Computes the `resources` object for a sidecar from `candidates` (pod containers already
/// filtered to native sidecar init containers + containers, without any matched SidecarSet's
/// container names). Applies the name regex (RE2, unanchored search), aggregates sum/max per
/// resource and evaluates the expressions. Errors (pod is denied): no container matches the
/// regex, negative result, invalid expression.
Result<Json> compute_resources(const Json& policy, const std::vector<const Json*>& candidates);

}  // namespace injector
