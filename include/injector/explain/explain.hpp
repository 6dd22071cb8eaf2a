#pragma once
// Why each SidecarSet does or does not apply to a pod, and what the ones that apply would add.
// Decided with the injection pipeline's own functions (selector_miss, suitable_revision, inject),
// so an explanation never disagrees with what the webhook does.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "injector/inject/inject.hpp"
#include "injector/json.hpp"
#include "injector/kube/selector.hpp"
#include "injector/model/load.hpp"
#include "injector/model/world.hpp"

namespace injector {

/// Stable reason codes (for `-o json` and tests).
namespace reason {
inline constexpr std::string_view kInjects = "injects";
inline constexpr std::string_view kAlreadyInjected = "already_injected";
inline constexpr std::string_view kSelectorMismatch = "selector_mismatch";
inline constexpr std::string_view kNamespaceMismatch = "namespace_mismatch";
inline constexpr std::string_view kNoSelector = "no_selector";
inline constexpr std::string_view kPaused = "paused";
inline constexpr std::string_view kPodInactive = "pod_inactive";
inline constexpr std::string_view kRevisionMissing = "revision_missing";
inline constexpr std::string_view kSelectorError = "selector_error";
inline constexpr std::string_view kDenies = "denies";
inline constexpr std::string_view kPodDenied = "pod_denied";
inline constexpr std::string_view kReplacedByCanary = "replaced_by_canary";
inline constexpr std::string_view kNoAppContainers = "no_app_containers";
inline constexpr std::string_view kConflict = "conflict";
inline constexpr std::string_view kInvalid = "invalid";
}  // namespace reason

/// A container a SidecarSet puts into the pod.
struct SidecarContainerAdded {
  std::string name;             // as in the pod (`envoy-1` for a hot-upgrade pair)
  std::string list;             // "containers" or "initContainers"
  std::size_t index = 0;        // position in that list of the injected pod
  std::string policy;           // podInjectPolicy: BeforeAppContainer / AfterAppContainer
  bool native_sidecar = false;  // an init container with restartPolicy Always
  bool replaces = false;        // takes the place of a pod container of the same name
};

/// An env var a sidecar gets from an app container (transferEnv, or a shared subPathExpr).
struct TransferredEnv {
  std::string container;  // the sidecar
  std::string name;
  std::string from;  // the pod container it is copied from ("" when not found)
};

/// A HotUpgrade container and the pair injected for it (§4).
struct HotUpgradePairNames {
  std::string container;  // the SidecarSet's name for it
  std::string list;
  std::string working;  // `<name>-1`
  std::string empty;    // `<name>-2`
};

struct SidecarSetExplanation {
  std::string name;
  bool applies = false;  // it changes the pod (code "injects")
  std::string code;      // one of reason::
  std::string message;   // the reason in words, naming the field and the pod's value
  /// For selector and namespace mismatches: the selector and the requirement that failed.
  std::string selector;
  std::optional<UnmetRequirement> unmet;
  std::string revision;  // the ControllerRevision injected ("" for the live SidecarSet)
  std::vector<SidecarContainerAdded> containers;
  std::vector<std::string> volumes;
  std::vector<TransferredEnv> env;
  std::vector<std::pair<std::string, std::string>> annotations;  // patchPodMetadata results
  std::vector<HotUpgradePairNames> hot_upgrade;
};

struct Explanation {
  std::string namespace_name;  // the namespace the pod is reviewed in
  Labels namespace_labels;
  bool namespace_listed = false;  // a Namespace object was given for it
  std::string inactive;           // inactive_reason(pod)
  std::optional<Error> denied;    // inject() failed: the pod would be denied
  std::size_t patch_ops = 0;
  std::vector<std::string> warnings;               // inject()'s
  std::vector<SidecarSetExplanation> sidecarsets;  // every SidecarSet, by name
};

/// Explains `pod` in `request_namespace` (the pod's own namespace wins, "" reads as "default")
/// against every SidecarSet of `world` and every SidecarSet that loading left out (`left_out`:
/// the problems of build_world_tolerant; those of objects other than SidecarSets are ignored).
/// Never fails: a pod inject() denies is explained with `denied` set.
Explanation explain(const World& world, const std::vector<Problem>& left_out, const Json& pod,
                    std::string_view request_namespace, const InjectOptions& options);

}  // namespace injector
