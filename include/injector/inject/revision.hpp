#pragma once
// Which version of a SidecarSet a new pod gets (§2.3): the live object or a ControllerRevision
// restored from injectionStrategy.revision, with policy Always/Partial.

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "injector/json.hpp"
#include "injector/kube/selector.hpp"
#include "injector/model/world.hpp"

namespace injector {

/// The SidecarSet as it will be injected: the live object, or the live object with its spec
/// replaced by a ControllerRevision's stored subset.
struct SuitableSidecarSet {
  const SidecarSet* live = nullptr;
  Json spec;                        // what to inject (containers, initContainers, volumes, ...)
  std::string hash;                 // for kruise.io/sidecarset-hash
  std::string hash_without_image;   // for kruise.io/sidecarset-hash-without-image
  std::string controller_revision;  // status.latestRevision, or the restored revision's name
  bool from_history = false;
};

/// The ControllerRevision `injectionStrategy.revision` names (revisionName, else the newest one
/// labelled with customVersion), looked up in world.revision_namespace (`kruise-system` unless
/// the cluster's --revision-namespace says otherwise). Fails naming what was looked for.
Result<const ControllerRevision*> find_revision(const World& world, const SidecarSet& live);

/// The live SidecarSet restored to `revision` (strategic "$patch: replace" of the spec).
SuitableSidecarSet restore_revision(const SidecarSet& live, const ControllerRevision& revision);

/// getSuitableRevisionSidecarSet on CREATE: `rng` supplies Partial's random draw. Errors (missing
/// revision, unknown operator in updateStrategy.selector, bad partition) deny the pod; messages
/// start with `sidecarset "<name>": `. `recorded_hash` is the hash this pod already records for
/// the SidecarSet ("" if none): when it names one of the two candidates, Partial's draw is
/// skipped and that one is kept, so a reinvoked review does not flip the revision.
Result<SuitableSidecarSet> suitable_revision(const World& world, const SidecarSet& live,
                                             const Labels& pod_labels, std::mt19937_64& rng,
                                             std::string_view recorded_hash = {});

/// The live SidecarSet as is.
SuitableSidecarSet latest_revision(const SidecarSet& live);

}  // namespace injector
