#pragma once
// The World of a cluster: what the informers hold (SidecarSets, Namespaces, ControllerRevisions,
// as the API server serves them) through the same conversion, defaults, hashes and validation as
// files, except that one bad object is left out instead of failing the whole set.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "injector/json.hpp"
#include "injector/model/load.hpp"

namespace injector {

/// Objects as listed and watched; shared with the informers' stores, never modified here.
/// List items may lack kind and apiVersion (built-in lists omit them): each vector's kind is
/// known, so they are filled in.
struct ClusterObjects {
  std::vector<std::shared_ptr<const Json>> sidecarsets;  // apps.kruise.io v1beta1 or v1alpha1
  std::vector<std::shared_ptr<const Json>> namespaces;   // v1 Namespace
  std::vector<std::shared_ptr<const Json>> revisions;    // apps/v1 ControllerRevision
};

/// Origin of every problem of a cluster SidecarSet (`cluster: sidecarset "x": field: message`).
inline constexpr std::string_view kClusterOrigin = "cluster";

/// build_world_tolerant over `objects`. A v1beta1 SidecarSet that carries v1alpha1's
/// `spec.namespace` (stored through a CRD without a conversion webhook, which keeps the field)
/// is converted as a v1alpha1 one, so the namespace still limits it.
/// `revision_namespace` is where the revisions were listed (--revision-namespace).
TolerantWorldBuild build_cluster_world(const ClusterObjects& objects, std::uint64_t generation,
                                       std::string_view revision_namespace = kKruiseNamespace);

}  // namespace injector
