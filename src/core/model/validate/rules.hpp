#pragma once
// The validation steps that live in their own files, for validate_sidecarset (sidecarset.cpp).

#include <map>
#include <string>

#include "sink.hpp"

namespace injector::validation {

/// The JSON shape of the whole object: what Go's decoder would refuse (shape.cpp).
void check_shape(Sink& sink, const Json& ss);

/// Rule 11, the subset of ValidatePodCreate that applies to one sidecar container at field path
/// `p` (pod_fields.cpp); `volumes` are the SidecarSet's by name.
void validate_container(Sink& sink, const Json& c, const std::string& p, bool init,
                        const std::map<std::string, const Json*>& volumes);

/// Rule 11 for spec.volumes (pod_fields.cpp).
void validate_volumes(Sink& sink, const Json& volumes);

}  // namespace injector::validation
