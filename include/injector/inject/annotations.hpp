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

/// Go `json.Marshal` of a decoded JSON value: compact, object keys sorted (Go sorts map keys),
/// strings escaped as Go does (HTML-safe). Numbers are printed as nlohmann prints them.
std::string go_marshal(const Json& value);

/// RFC 3339 UTC with second precision, as metav1.Time marshals: `2024-01-02T03:04:05Z`.
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

/// RFC 7386 JSON merge patch of `patch` into `target`.
Json merge_patch(Json target, const Json& patch);

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

/// Parses a pod's hash annotation value: the struct map form, else the legacy
/// `{"<sidecarset>":"<hash>"}` form (entries become {hash, sidecarSetName: key}). "" is empty.
/// Fails with the reason when neither form fits.
Result<UpgradeSpecs> parse_upgrade_specs(std::string_view text);

/// Go encoding of the map: `{"a":{"updateTimestamp":...,"hash":...,"sidecarSetName":...,
/// "sidecarList":[...],"controllerRevision":...}}` with keys sorted.
std::string encode_upgrade_specs(const UpgradeSpecs& specs);

/// kruise.io/sidecarset-working-hotupgrade-container as map[string]string; anything that is not
/// such a JSON object reads as empty (upstream ignores the unmarshal error).
std::map<std::string, std::string> parse_string_map(std::string_view text);

/// Go encoding of a map[string]string.
std::string encode_string_map(const std::map<std::string, std::string>& m);

/// Applies one SidecarSet's `patchPodMetadata` list to `annotations` (a JSON object of strings),
/// as sidecarcontrol.PatchPodMetadata does: Retain sets absent keys, Overwrite always sets,
/// MergePatchJson merges RFC 7386 into a present non-empty value (else sets it verbatim), unknown
/// policies are ignored. Fails when a MergePatchJson value or the existing value is not JSON;
/// the message names the annotation key (the caller adds the SidecarSet).
Result<void> patch_pod_metadata(Json& annotations, const Json& patch_pod_metadata);

}  // namespace injector
