#pragma once
// SidecarSet hashes (§5.1), byte-compatible with OpenKruise's sidecarcontrol/hash.go.

#include <string>

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

/// rand.SafeEncodeString: maps each character to "bcdfghjklmnpqrstvwxz2456789"[c % 27].
std::string safe_encode(std::string_view s);

}  // namespace injector
