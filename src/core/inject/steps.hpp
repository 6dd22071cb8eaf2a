#pragma once
// The steps of inject() that live in their own files: selection (select.cpp) and building the
// sidecars from the matched SidecarSets (sidecars.cpp). Internal to the inject folder.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "injector/inject/annotations.hpp"
#include "injector/inject/inject.hpp"
#include "injector/inject/revision.hpp"
#include "injector/json.hpp"
#include "injector/model/world.hpp"

namespace injector::inject_steps {

/// Elements of `obj[key]` when it is an array; anything else reads as empty.
std::vector<const Json*> items(const Json& obj, std::string_view key);

/// `sidecarset "NAME": `, the start of every message about one SidecarSet.
std::string prefix(std::string_view sidecarset);

/// sidecarcontrol.IsInjectedSidecarContainerInPod: env IS_INJECTED=true marks our own sidecars.
bool is_injected(const Json& container);

struct Selection {
  std::vector<SuitableSidecarSet> matched;
  std::vector<std::string> warnings;  // what selection left out that the user may expect
  std::vector<std::string> replaced;  // how the selected ones differ from the live SidecarSets
};

/// Selection (§2.2), then each SidecarSet's revision, then canaries replace their base. A base
/// replaced by its canary and a revision other than the latest are reported in `replaced`.
Result<Selection> select(const World& world, const std::string& ns, const Labels& labels,
                         std::uint64_t seed, const UpgradeSpecs& recorded);

// What the pod looked like before injection, for the per-container computations.
struct PodView {
  const Json* containers = nullptr;  // original spec.containers (array or null)
  Labels labels;
  const Json* annotations = nullptr;  // after patchPodMetadata
  std::vector<const Json*> resource_candidates;
};

struct Produced {
  Json container;
  std::string policy;
  std::string sidecarset;  // for warnings
};

struct PendingVolume {
  Json volume;
  std::string sidecarset;  // for warnings
};

struct Build {
  std::vector<Produced> containers;
  std::vector<Produced> init_containers;
  std::vector<PendingVolume> volumes;
  std::vector<Json> secrets;
  std::map<std::string, std::string> annotations;  // hot-upgrade versions and working map
  std::vector<std::string> warnings;
};

// What the pod already records (§2.5 pre-state), read after patchPodMetadata as upstream does.
struct PreState {
  UpgradeSpecs hashes;
  UpgradeSpecs hashes_without_image;
  std::map<std::string, std::string> working;  // hot-upgrade working containers
  std::set<std::string> injected_list;
};

/// The pre-state from the pod's annotations (after patchPodMetadata); `pod_ref` names the pod in
/// the error an unreadable hash annotation gives.
Result<PreState> read_pre_state(const Json& annotations, const std::string& pod_ref);

/// buildSidecars on CREATE: every matched SidecarSet's init containers, pull secrets and
/// containers, merged and paired; `pre` gains this review's hash entries and list names.
Result<Build> build_sidecars(const std::vector<SuitableSidecarSet>& matched, const PodView& view,
                             const std::string& now, PreState& pre);

}  // namespace injector::inject_steps
