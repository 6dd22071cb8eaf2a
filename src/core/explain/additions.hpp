#pragma once
// What one SidecarSet contributed to an injected pod, read off the pod inject() produced (the
// one source of truth) with the SidecarSet spec that was injected.

#include <set>
#include <string>

#include "injector/explain/explain.hpp"
#include "injector/json.hpp"

namespace injector::explain_detail {

/// Fills e.containers, e.volumes, e.env, e.annotations and e.hot_upgrade from `spec` (the
/// injected SidecarSet spec), the `original` pod and the `injected` one. `claimed` holds volume
/// names an earlier SidecarSet already accounts for (updated). True when the SidecarSet changed
/// the pod (a container new or different, a volume added, an annotation patched).
bool attribute(const Json& spec, const Json& original, const Json& injected,
               std::set<std::string>& claimed, SidecarSetExplanation& e);

}  // namespace injector::explain_detail
