#pragma once
// The fields a SidecarSet may carry, for the API server's fieldValidation reports.

#include <string>
#include <vector>

#include "injector/json.hpp"

namespace injector {

/// The JSON paths of the members of a SidecarSet object, as written (v1alpha1 or v1beta1, before
/// conversion and defaulting), that neither its OpenKruise type nor the Kubernetes types inside
/// it have a field for: `spec.selectr`, `spec.containers[0].imagePullPolicyy`. The API server
/// reports such members with fieldValidation=Warn as `unknown field "spec.selectr"`, and Go's
/// decoder drops them. Volumes are checked down to their source names; `status` is not checked.
std::vector<std::string> unknown_sidecarset_fields(const Json& sidecarset);

}  // namespace injector
