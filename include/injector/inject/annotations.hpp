#pragma once
// Pod annotations the SidecarSet webhook reads and writes (§2.4, §2.5, §5), byte-compatible with
// OpenKruise's Go encoding/json output.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"

namespace injector {

/// RFC 3339 UTC with second precision, as metav1.Time marshals: `2024-01-02T03:04:05Z`.
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

/// An RFC 3339 time as Go's time.Parse(time.RFC3339) reads it (offsets applied), to whole
/// seconds; nullopt when Go fails or for the zero instant.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

/// One entry of kruise.io/sidecarset-hash(-without-image): sidecarcontrol.SidecarSetUpgradeSpec.
struct UpgradeSpec {
  Json update_timestamp;  // a string, or null (Go's zero metav1.Time)
  std::string hash;
  std::string sidecarset_name;
  std::optional<std::vector<std::string>> sidecar_list;  // nullopt marshals as null
  std::string controller_revision;                       // omitted when empty

  bool operator==(const UpgradeSpec&) const = default;
};

using UpgradeSpecs = std::map<std::string, UpgradeSpec>;

/// Parses a pod's hash annotation value as buildSidecars does with encoding/json: the struct map
/// form (field names matched case-insensitively, unknown fields dropped, updateTimestamp through
/// metav1.Time: UTC whole seconds, zero or null -> null), else the legacy
/// `{"<sidecarset>":"<hash>"}` form (entries become {hash, sidecarSetName: key}). "" and `null`
/// are empty. Fails with Go's error text when neither form fits.
Result<UpgradeSpecs> parse_upgrade_specs(std::string_view text);

/// Go encoding of the map: `{"a":{"updateTimestamp":...,"hash":...,"sidecarSetName":...,
/// "sidecarList":[...],"controllerRevision":...}}` with keys sorted.
std::string encode_upgrade_specs(const UpgradeSpecs& specs);

/// kruise.io/sidecarset-working-hotupgrade-container as json.Unmarshal leaves a map[string]string
/// whose error upstream ignores: string values kept, other values "", not an object -> empty.
std::map<std::string, std::string> parse_string_map(std::string_view text);

/// Go encoding of a map[string]string.
std::string encode_string_map(const std::map<std::string, std::string>& m);

/// Applies one SidecarSet's `patchPodMetadata` list to `annotations` (a JSON object of strings),
/// as sidecarcontrol.PatchPodMetadata does: Retain sets absent keys, Overwrite always sets,
/// MergePatchJson runs go_merge_patch on a present non-empty value (else sets it verbatim; a merge
/// that changes nothing keeps the existing text), unknown policies are ignored. Fails as the merge
/// fails: `patchPodMetadata[i]: annotation "k": Invalid JSON Document` (the caller adds the
/// SidecarSet).
Result<void> patch_pod_metadata(Json& annotations, const Json& patch_pod_metadata);

}  // namespace injector
