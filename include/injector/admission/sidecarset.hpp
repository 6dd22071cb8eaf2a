#pragma once
// SidecarSet admission as OpenKruise's webhooks answer it (pkg/webhook/sidecarset): defaulting
// and the hash annotations (msidecarset.kb.io, §1.3 and §5.1) and validation (vsidecarset.kb.io,
// §6). Pure decisions over a decoded request; the review pipeline does the wire.

#include <optional>
#include <string>
#include <vector>

#include "injector/model/validate.hpp"
#include "injector/model/world.hpp"
#include "injector/wire/admission.hpp"

namespace injector {

/// A decision on one SidecarSet review and what the edge logs about it.
struct SidecarSetDecision {
  AdmissionResponse response;
  std::string name;     // the SidecarSet's metadata.name ("" when unreadable)
  std::string outcome;  // patched | allowed | skipped | denied | error
  std::string message;  // skip reason, or the deny/error message
  std::size_t ops = 0;  // patch operations
};

/// The step both webhooks start with: a decision for a request that is not a CREATE or UPDATE
/// of an `apps.kruise.io` v1alpha1/v1beta1 SidecarSet carrying an object (other resources,
/// subresources, DELETE and CONNECT are allowed unchanged; another version, or a missing or
/// non-object `object`, is errored 400), nullopt for one to act on.
std::optional<SidecarSetDecision> screen_sidecarset_request(const AdmissionRequest& request);

/// msidecarset on CREATE and UPDATE: the defaults of §1.3 and both hash annotations (always
/// recomputed, as SetHashSidecarSet does) as a minimal JSONPatch on the object as sent (a
/// v1alpha1 object is patched as v1alpha1; the defaults are the same for both versions).
/// Nothing to change: allowed without a patch. An object that would not decode: errored 400.
SidecarSetDecision mutate_sidecarset(const AdmissionRequest& request);

/// vsidecarset on CREATE and UPDATE: the object (v1alpha1 converted to v1beta1 as files are)
/// through rules 1-12 of §6 with canary bases and ControllerRevisions looked up in `world`, the
/// UPDATE-only rules against `oldObject`, then (only when those pass, as upstream) rule 14
/// against the other SidecarSets of `world`. Denied as OpenKruise denies: errored 500 with the
/// field errors aggregated as Go prints them; passed: allowed "allowed to be admitted".
SidecarSetDecision validate_sidecarset_admission(const World& world,
                                                 const AdmissionRequest& request);

/// UPDATE-only rules (validateSidecarContainerConflict and the canary base): every container
/// of `updated` must exist in `old` and keep a non-empty upgradeType; a canary keeps its base.
/// Both objects v1beta1.
std::vector<FieldProblem> validate_sidecarset_update(const Json& updated, const Json& old);

/// field.ErrorList.ToAggregate().Error(): each problem as OpenKruise prints it
/// (FieldProblem::upstream_text), one alone, several as `[a, b]`, repeated texts once.
std::string aggregate_problems(const std::vector<FieldProblem>& problems);

}  // namespace injector
