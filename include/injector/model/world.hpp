#pragma once
// The immutable snapshot the core works on: SidecarSets (defaulted, hashed, validated), namespace
// labels and ControllerRevisions. Built once per (re)load; shared as shared_ptr<const World>.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "injector/json.hpp"
#include "injector/kube/selector.hpp"

namespace injector {

inline constexpr std::string_view kHashAnnotation = "kruise.io/sidecarset-hash";
inline constexpr std::string_view kHashWithoutImageAnnotation =
    "kruise.io/sidecarset-hash-without-image";
inline constexpr std::string_view kInjectedListAnnotation = "kruise.io/sidecarset-injected-list";
inline constexpr std::string_view kWorkingHotUpgradeAnnotation =
    "kruise.io/sidecarset-working-hotupgrade-container";
inline constexpr std::string_view kCanaryAnnotation = "apps.kruise.io/sidecarset-canary";
inline constexpr std::string_view kCanaryBaseAnnotation = "apps.kruise.io/sidecarset-base";
inline constexpr std::string_view kCustomVersionLabel = "apps.kruise.io/sidecarset-custom-version";
inline constexpr std::string_view kRevisionOwnerLabel = "kruise.io/sidecarset-name";
inline constexpr std::string_view kNamespaceNameLabel = "kubernetes.io/metadata.name";
inline constexpr std::string_view kKruiseNamespace = "kruise-system";

/// Where an object came from, for messages: `file.yaml` document 3 (0-based index).
struct Origin {
  std::string file;
  int document = 0;
};

/// A SidecarSet as the API server would store it: converted to v1beta1, defaulted (§1.3), with
/// both hash annotations present. `object` is the whole object; the other members are views.
struct SidecarSet {
  std::string name;
  Json object;  // apiVersion apps.kruise.io/v1beta1, kind SidecarSet, metadata, spec, [status]
  std::optional<LabelSelector> selector;            // nil => matches no pod
  std::optional<LabelSelector> namespace_selector;  // nil => every namespace
  bool paused = false;                              // spec.injectionStrategy.paused
  std::string hash;                                 // annotation kruise.io/sidecarset-hash
  std::string hash_without_image;  // annotation kruise.io/sidecarset-hash-without-image
  Origin origin;

  const Json& spec() const { return object.at("spec"); }
};

/// An apps/v1 ControllerRevision holding a SidecarSet history (§1.4, §2.3).
struct ControllerRevision {
  std::string name;
  std::string namespace_name;
  Labels labels;
  Json annotations = Json::object();
  std::int64_t revision = 0;
  std::string creation_timestamp;  // RFC 3339 as written, "" when absent
  Json data = Json::object();
  Origin origin;
};

/// Pre-filter so that matching a pod does not scan every SidecarSet (§2.2). Candidates are
/// returned as indices into World::sidecarsets, ascending (= name order), each at most once.
struct MatchIndex {
  // namespace bucket: value of kubernetes.io/metadata.name pinned by the namespace selector (or
  // v1alpha1 spec.namespace); "" = cluster scope.
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_namespace;
  // selector anchor: "key\x1fvalue" of one matchLabels entry (or one In value) of the pod selector.
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_label;
  // SidecarSets whose pod selector has no equality/In anchor: always candidates.
  std::vector<std::uint32_t> unanchored;
  // For each SidecarSet, its namespace buckets ("" = cluster scope).
  std::vector<std::vector<std::string>> namespace_buckets;
};

struct World {
  std::vector<SidecarSet> sidecarsets;                    // sorted by name, names unique
  std::map<std::string, Labels, std::less<>> namespaces;  // Namespace objects' labels
  std::vector<ControllerRevision> revisions;
  MatchIndex index;
  std::uint64_t generation = 0;
  /// Where injectionStrategy.revision is looked up (OpenKruise: its own namespace).
  std::string revision_namespace = std::string(kKruiseNamespace);

  /// Labels of namespace `ns`: the Namespace object's, or just kubernetes.io/metadata.name=<ns>
  /// when it was not listed (the API server always sets that label).
  Labels namespace_labels(std::string_view ns) const;

  /// Indices of SidecarSets that may match a pod in `ns` with `labels` (a superset of the real
  /// matches; selection still evaluates every selector), ascending.
  std::vector<std::uint32_t> candidates(std::string_view ns, const Labels& labels) const;

  const SidecarSet* find(std::string_view name) const;
};

/// Builds the index for `sidecarsets` (already sorted by name).
MatchIndex build_match_index(const std::vector<SidecarSet>& sidecarsets);

}  // namespace injector
