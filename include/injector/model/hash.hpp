#pragma once
// SidecarSet hashes (§5.1), byte-compatible with OpenKruise's sidecarcontrol/hash.go.

#include <string>
#include <vector>

#include "injector/json.hpp"

namespace injector {

/// Go encoding/json bytes of {"containers": spec.containers[, "initContainers": ...]} where each
/// element is marshalled as a Go `SidecarContainer` (k8s.io/api v0.32 corev1.Container field order,
/// omitempty rules, unknown fields dropped). `without_image` blanks every image first.
std::string hash_input(const Json& spec, bool without_image);

/// SafeEncodeString(hex(SHA-256(hash_input(spec, false)))).
std::string sidecarset_hash(const Json& spec);
/// The same with images blanked.
std::string sidecarset_hash_without_image(const Json& spec);

/// Appends the JSON paths (`PATH` + `imagePullPolicyy`, `PATH` + `volumeMounts[0].mountpath`) of
/// the members of `container` that the Go `SidecarContainer` type above has no field for, which
/// OpenKruise's decoder would drop. `path` ends with '.'.
void unknown_container_fields(const Json& container, const std::string& path,
                              std::vector<std::string>& out);

/// rand.SafeEncodeString: maps each character to "bcdfghjklmnpqrstvwxz2456789"[c % 27].
std::string safe_encode(std::string_view s);

}  // namespace injector
