#pragma once
// What the engine requires of a pod before it plans anything: the JSON types of the fields it
// reads, and app containers to inject beside.

#include <string>
#include <vector>

#include "injector/json.hpp"

namespace injector {

/// Checks that every pod field the engine reads has its JSON type (metadata name, namespace,
/// labels, annotations and deletionTimestamp; status.phase; the containers' and init
/// containers' names, env, volumeMounts, volumeDevices, restartPolicy and resources; volume and
/// pull secret names). null reads as absent, as Go decodes it; any other wrong type is an error
/// naming the field, e.g. `pod: spec.containers[0].env[1].name: must be a string`, so the pod is
/// denied instead of being half-mutated (the Go webhook fails to decode it). Elements of
/// containers and initContainers that are not objects are left to no_app_containers.
Result<void> check_pod_shape(const Json& pod);

/// Why the pod must not be mutated at all, or "" when it may: spec.containers absent, null or
/// empty, or a container or init container that is not an object with a non-empty string name.
/// The API server rejects such a pod for its own reason; sidecars alone must not hide it.
std::string no_app_containers(const Json& pod);

/// A container a review is about to add to the pod, and who adds it.
struct AddedContainer {
  std::string name;
  bool init = false;  // into spec.initContainers, else spec.containers
  std::string sidecarset;
};

/// Refuses additions that would leave two containers of one name in the pod (kube-apiserver:
/// `spec.containers[0].name: Duplicate value`), e.g. a sidecar injected as an init container
/// whose name an app container has. A same-list, same-name container is replaced in place, as
/// mergeSidecarContainers does, and is no clash; clashes the pod already had are not ours to
/// report. `added` is in injection order (init containers first); the error names the first
/// clash, e.g. `sidecarset "mesh": init container "envoy" would duplicate the pod's
/// spec.containers[0]; ...`.
Result<void> check_unique_names(const Json& spec, const std::vector<AddedContainer>& added);

}  // namespace injector
