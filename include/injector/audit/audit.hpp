#pragma once
// The fleet audit: which live pods the current SidecarSets select but that lack a sidecar or
// carry an outdated one, and what the sidecars request. Pure: pods come in one at a time (a
// page of a list), the report keeps counts and a bounded list of names, so memory does not grow
// with the cluster.
//
// A pod records what was injected in `kruise.io/sidecarset-hash` (§5): no entry for a selecting
// SidecarSet means the pod missed it (created while the webhook was down, or before the
// SidecarSet existed); an entry whose hash differs from the SidecarSet's is outdated. When only
// images differ (`kruise.io/sidecarset-hash-without-image` still matches), OpenKruise's
// controller can update the pod in place; otherwise the pod must be recreated.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"
#include "injector/kube/quantity.hpp"
#include "injector/model/world.hpp"

namespace injector {

enum class SidecarStatus { kOk, kMissing, kOutdated };

/// "ok", "missing" or "outdated".
std::string_view to_string(SidecarStatus status);

/// CPU and memory requests (zero when nothing is requested).
struct Requests {
  Quantity cpu;
  Quantity memory;
};

/// One selecting SidecarSet's verdict on one pod.
struct SidecarSetVerdict {
  std::string sidecarset;
  SidecarStatus status = SidecarStatus::kOk;
  bool image_only = false;     // kOutdated, but hash-without-image matches: updatable in place
  Requests requests;           // what this SidecarSet's sidecars request in this pod
  std::string requests_error;  // why `requests` could not be computed ("" = they were)
};

struct PodVerdict {
  std::string namespace_name;
  std::string name;
  bool active = false;  // inactive pods (Succeeded, Failed, terminating) are not audited
  std::vector<SidecarSetVerdict> sidecarsets;  // the selecting SidecarSets, in name order
};

/// Classifies one pod against `world`: the SidecarSets that select it exactly as inject() selects
/// them (selecting_sidecarsets), each ok, missing or outdated by the pod's hash annotations, and
/// the requests of its sidecars: every container (a HotUpgrade one twice, as its `-1`/`-2`
/// pair) and native-sidecar init container, `resources.requests` or else `resources.limits` (the
/// API server defaults requests to limits), resourcesPolicy computed from the pod's own
/// containers as injection does. Plain init containers run before the app and add nothing.
/// A hash annotation that does not parse records nothing (its SidecarSets read as missing).
/// Fails only when a selector cannot be evaluated (inject()'s message).
Result<PodVerdict> audit_pod(const World& world, const Json& pod);

/// Counts of one SidecarSet in one namespace, or in the whole fleet.
struct AuditCounts {
  std::size_t selected = 0;  // active pods the SidecarSet selects
  std::size_t missing = 0;
  std::size_t outdated = 0;
  std::size_t outdated_image_only = 0;  // of `outdated`
  Requests requests;                    // summed over the selected pods
  std::size_t requests_unknown = 0;     // selected pods whose requests could not be computed
};

/// One SidecarSet in one namespace: counts and the first names of the offending pods.
struct AuditGroup {
  AuditCounts counts;
  std::vector<std::string> missing_pods;   // at most AuditReport::max_listed, in arrival order
  std::vector<std::string> outdated_pods;  // likewise
};

struct SidecarSetAudit {
  std::string name;
  std::string hash;
  AuditCounts counts;
  std::map<std::string, AuditGroup, std::less<>> namespaces;  // only those with selected pods
};

/// The running report; feed it with add_pod, page by page.
struct AuditReport {
  std::size_t max_listed = 20;  // pod names kept per group and status (and errors kept)
  std::map<std::string, SidecarSetAudit, std::less<>> sidecarsets;
  std::size_t pods = 0;                     // pods seen
  std::size_t pods_inactive = 0;            // of `pods`, not audited
  std::size_t pods_selected = 0;            // active pods selected by at least one SidecarSet
  std::size_t pods_affected = 0;            // pods with at least one missing or outdated sidecar
  Requests requests;                        // every selected pod's sidecars
  std::size_t errors = 0;                   // pods that could not be classified
  std::vector<std::string> error_messages;  // the first max_listed

  /// Nothing missing or outdated, and no errors.
  bool clean() const;
};

/// A report with an (empty) entry for every SidecarSet of `world`, so that one selecting no pod
/// is shown with zeros.
AuditReport start_report(const World& world, std::size_t max_listed);

/// Classifies `pod` (audit_pod) and counts it into `report`; an error is counted and kept as
/// `pod NS/NAME: <message>`.
void add_pod(AuditReport& report, const World& world, const Json& pod);

/// Requests as a JSON object {"cpu": "1500m", "memory": "384Mi"} (canonical quantities).
Json requests_json(const Requests& r);

/// The report as the `audit -o json` document (schema in docs/observability.md).
Json report_json(const AuditReport& report);

}  // namespace injector
