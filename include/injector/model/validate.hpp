#pragma once
// OpenKruise SidecarSet validation (§6), the rules that need no live cluster. Works on converted,
// defaulted SidecarSet objects (what the validating webhook sees after the mutating one).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"

namespace injector {

/// One violation: the field path (`spec.containers[1].image`, "" for the whole object) and the
/// message (upstream's text where the spec gives it).
struct FieldProblem {
  std::string field;
  std::string message;
  /// The whole line as OpenKruise's webhook prints it ("field: message"), where it differs from
  /// ours: upstream names some fields coarsely (`spec.container.podInjectPolicy` for every
  /// container, `metadata` for the canary annotations). SidecarSet admission answers with it.
  std::string upstream = {};

  std::string text() const { return field.empty() ? message : field + ": " + message; }
  std::string upstream_text() const { return upstream.empty() ? text() : upstream; }

  friend bool operator==(const FieldProblem& a, const FieldProblem& b) {
    return a.field == b.field && a.message == b.message;
  }
};

/// A canary problem as OpenKruise prints it: on `metadata`, the SidecarSet's annotations as the
/// bad value in Go's %#v (`metadata: Invalid value: map[string]string{"k":"v"}: detail`).
std::string canary_upstream_problem(const Json& sidecarset, std::string_view detail);

/// Finds another loaded SidecarSet object by name (nullptr when absent); used for canary bases.
using SidecarSetLookup = std::function<const Json*(std::string_view name)>;

/// Why `spec.injectionStrategy.revision` of `sidecarset` names no ControllerRevision held, as
/// Go's error text (`controllerrevisions.apps "x" not found`); "" when it resolves.
using RevisionResolver = std::function<std::string(const Json& sidecarset)>;

/// Rules 1-13 of §6 for one SidecarSet (wrong JSON shapes first: when the object could not be
/// decoded into the Go types, only those problems are returned). Not checked here: the
/// patchPodMetadata whitelist (no kruise-configuration ConfigMap offline) and UPDATE-only rules.
/// The resolvability of injectionStrategy.revision is checked only with a `resolver` (admission;
/// files resolve it per pod). Adds the hot-upgrade rule: a HotUpgrade container needs
/// `hotUpgradeEmptyImage`.
std::vector<FieldProblem> validate_sidecarset(const Json& sidecarset,
                                              const SidecarSetLookup& lookup,
                                              const RevisionResolver& resolver = {});

/// Only the JSON-shape part of validate_sidecarset: what Go's decoder would refuse (a string
/// where containers are expected, ...). Empty when the object decodes.
std::vector<FieldProblem> check_sidecarset_shape(const Json& sidecarset);

/// Rule 14 for every SidecarSet of `sidecarsets` (all already valid by rules 1-13) against all the
/// others: container/initContainer names, differing same-name volumes and Overwrite annotation
/// keys among SidecarSets whose namespace selectors and pod selectors may overlap; a canary and
/// its base are not compared. Result[i] holds the problems of sidecarsets[i].
std::vector<std::vector<FieldProblem>> validate_conflicts(
    const std::vector<const Json*>& sidecarsets);

/// Rule 14 as the API server admits SidecarSets one at a time: each of `sidecarsets` (in
/// admission order) is checked against the earlier ones that were accepted, never against later
/// ones. Result[i] holds the problems of sidecarsets[i]; empty means accepted (and the ones after
/// it are checked against it). Same messages as validate_conflicts; the SidecarSet named in a
/// message is the earliest accepted one it conflicts with.
/// Rule 14 for one SidecarSet being admitted against the ones already held (`others`; one with
/// the same name, the object's older self on UPDATE, is never compared). Same messages as
/// validate_conflicts.
std::vector<FieldProblem> validate_conflicts_with(const Json& sidecarset,
                                                  const std::vector<const Json*>& others);

std::vector<std::vector<FieldProblem>> validate_conflicts_in_order(
    const std::vector<const Json*>& sidecarsets);

}  // namespace injector
