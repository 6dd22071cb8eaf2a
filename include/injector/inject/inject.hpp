#pragma once
// SidecarSet injection into one Pod on CREATE (§2 - §5): select, plan, patch.

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "injector/json.hpp"
#include "injector/model/world.hpp"

namespace injector {

struct InjectOptions {
  std::chrono::system_clock::time_point now;  // for updateTimestamp (second precision, UTC)
  std::uint64_t seed = 0;                     // randomness of injectionStrategy.revision Partial
  bool with_pod = true;  // false: leave Injection::pod null when nothing changes (the server
                         // needs only the patch; saves a copy of the pod per review)
};

struct Injection {
  Json patch = Json::array();         // RFC 6902 ops against the input pod; empty = no change
  Json pod;                           // the pod after the patch
  std::vector<std::string> matched;   // SidecarSets injected (after canary replacement), in order
  std::vector<std::string> warnings;  // e.g. a volumeMount naming a volume the SidecarSet lacks
};

/// Whether the pod is live for injection: not Succeeded or Failed, no deletionTimestamp.
bool is_active(const Json& pod);
/// A native sidecar (restartPolicy Always), as an init container runs alongside the app.
bool is_native_sidecar(const Json& container);
/// upgradeStrategy.upgradeType HotUpgrade: injected as a `-1`/`-2` pair (§4).
bool is_hot_upgrade(const Json& container);
/// Adds the names of a SidecarSet spec's containers and init containers to `names`, with the
/// `-1`/`-2` names of hot-upgrade pairs: the containers resourcesPolicy never aggregates.
void add_sidecar_names(const Json& spec, std::set<std::string>& names);

/// Why OpenKruise leaves `pod` alone as not active (`status.phase Succeeded`, `status.phase
/// Failed`, `metadata.deletionTimestamp is set`), or "" when it is active.
std::string inactive_reason(const Json& pod);

/// Where a SidecarSet's selectors leave a pod out (PodMatchedSidecarSet, §2.2).
struct SelectorMiss {
  std::string selector;                   // "spec.namespaceSelector" or "spec.selector"
  std::optional<UnmetRequirement> unmet;  // nullopt: the pod selector is nil or empty
};

/// nullopt when `s` selects a pod with `labels` in a namespace with `ns_labels` (the namespace
/// selector first, then the pod selector; a nil or empty pod selector selects nothing), else the
/// first requirement that fails. An unknown operator is an error naming the SidecarSet and the
/// selector; the injection pipeline decides with this function.
Result<std::optional<SelectorMiss>> selector_miss(const SidecarSet& s, const Labels& ns_labels,
                                                  const Labels& labels);

/// Mutates `pod` as OpenKruise's pod webhook does on CREATE. `request_namespace` fills an empty
/// metadata.namespace. Inactive pods (phase Succeeded/Failed, deletionTimestamp) are left alone,
/// and so is a matched pod without app containers (see no_app_containers), with a warning.
/// A pod field of the wrong JSON type is an error (see check_pod_shape).
/// An error means the pod must be denied; its message names the SidecarSet and the cause (unknown
/// selector operator, missing ControllerRevision, invalid MergePatchJson, resourcesPolicy with no
/// target, invalid hash annotation on the pod, ...).
Result<Injection> inject(const World& world, const Json& pod, std::string_view request_namespace,
                         const InjectOptions& options);

/// The live SidecarSets that select a pod in `ns` ("" reads as "default") with `labels`, exactly
/// as inject() selects them (§2.2): name order, paused ones left out, a canary replacing its
/// base; revisions are not resolved. Fails as inject() does on a selector that cannot be
/// evaluated (`sidecarset "x": spec.selector: ...`). Pointers are into `world`.
Result<std::vector<const SidecarSet*>> selecting_sidecarsets(const World& world,
                                                             std::string_view ns,
                                                             const Labels& labels);

}  // namespace injector
