// vsidecarset.kb.io (pkg/webhook/sidecarset/validating): the §6 rules of the `validate` command
// plus what needs the cluster: canary bases and ControllerRevisions from the World, the UPDATE
// rules against oldObject, and rule 14 against the other SidecarSets held.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "injector/admission/sidecarset.hpp"
#include "injector/inject/revision.hpp"
#include "injector/model/load.hpp"
#include "injector/wire/json_access.hpp"

namespace injector {
namespace {

// The object as v1beta1 (decodeObject: v1alpha1 is decoded as such and converted).
Json as_v1beta1(const Json& object, const std::string& version) {
  Json out = object;
  out["apiVersion"] = "apps.kruise.io/" + version;
  convert_to_v1beta1(out);
  return out;
}

// getControllerRevision's errors: a Get by name from the cache, or generateNotFoundError for a
// customVersion that no revision of this SidecarSet carries.
std::string unresolved_revision(const World& world, const Json& ss) {
  SidecarSet live;
  live.name = member_string(member(ss, "metadata"), "name");
  live.object = ss;
  if (find_revision(world, live)) {
    return {};
  }
  const Json& revision = member(member(member(ss, "spec"), "injectionStrategy"), "revision");
  if (!member(revision, "revisionName").is_null()) {
    return "controllerrevisions.apps " + quote_value(member_string(revision, "revisionName")) +
           " not found";
  }
  return "ControllerRevision.apps " + quote_value(live.name) + " not found";
}

std::string canary_base(const Json& ss) {
  const Json& annotations = member(member(ss, "metadata"), "annotations");
  if (member_string(annotations, kCanaryAnnotation) != "true") {
    return {};
  }
  return member_string(annotations, kCanaryBaseAnnotation);
}

SidecarSetDecision finish(const AdmissionRequest& request, SidecarSetDecision d,
                          const std::vector<FieldProblem>& problems, int code) {
  d.message = aggregate_problems(problems);
  d.outcome = code == 400 ? "error" : "denied";
  d.response = errored(request.uid, code, d.message);
  return d;
}

}  // namespace

std::vector<FieldProblem> validate_sidecarset_update(const Json& updated, const Json& old) {
  std::vector<FieldProblem> out;
  const std::string base = canary_base(updated);
  if (!base.empty()) {
    const std::string old_base =
        member_string(member(member(old, "metadata"), "annotations"), kCanaryBaseAnnotation);
    if (old_base != base) {
      const std::string detail =
          "annotations[" + std::string(kCanaryBaseAnnotation) + "] is immutable";
      out.push_back(FieldProblem{"metadata.annotations[" + std::string(kCanaryBaseAnnotation) + "]",
                                 "Invalid value: " + quote_value(base) + ": " + detail,
                                 canary_upstream_problem(updated, detail)});
    }
  }
  // validateSidecarContainerConflict: containers only (not initContainers), upstream's paths.
  std::map<std::string, std::string> old_types;
  const Json& old_containers = member(member(old, "spec"), "containers");
  if (old_containers.is_array()) {
    for (const auto& c : old_containers) {
      old_types[member_string(c, "name")] =
          member_string(member(c, "upgradeStrategy"), "upgradeType");
    }
  }
  const Json& containers = member(member(updated, "spec"), "containers");
  if (!containers.is_array()) {
    return out;
  }
  for (const auto& c : containers) {
    const std::string name = member_string(c, "name");
    const auto it = old_types.find(name);
    if (it == old_types.end()) {
      out.push_back(FieldProblem{
          "spec.containers.name",
          "Invalid value: " + quote_value(name) + ": container " + name + " is not found"});
    } else if (!it->second.empty() &&
               member_string(member(c, "upgradeStrategy"), "upgradeType") != it->second) {
      out.push_back(FieldProblem{"spec.containers.upgradeStrategy.upgradeType",
                                 "Invalid value: " + quote_value(name) + ": container " + name +
                                     " upgradeType is immutable"});
    }
  }
  return out;
}

SidecarSetDecision validate_sidecarset_admission(const World& world,
                                                 const AdmissionRequest& request) {
  if (auto screened = screen_sidecarset_request(request)) {
    return std::move(*screened);
  }
  const std::string version = request.resource.value("version", "");
  SidecarSetDecision d;
  d.name = member_string(member(request.object, "metadata"), "name");
  const Json object = as_v1beta1(request.object, version);
  // Upstream decodes object (and oldObject on UPDATE) into its Go type first: Errored(400).
  if (auto shape = check_sidecarset_shape(object); !shape.empty()) {
    return finish(request, std::move(d), shape, 400);
  }
  std::optional<Json> old;
  if (request.operation == "UPDATE") {
    if (!request.old_object.is_object()) {
      const std::string why = request.old_object.is_null()
                                  ? "request.oldObject is missing"
                                  : "request.oldObject must be a JSON object";
      return finish(request, std::move(d), {FieldProblem{"", why}}, 400);
    }
    old = as_v1beta1(request.old_object, version);
    if (auto shape = check_sidecarset_shape(*old); !shape.empty()) {
      for (auto& p : shape) {
        p.field = "oldObject" + (p.field.empty() ? "" : "." + p.field);
      }
      return finish(request, std::move(d), shape, 400);
    }
  }

  SidecarSetLookup lookup = [&](std::string_view name) -> const Json* {
    const SidecarSet* s = world.find(name);
    return s == nullptr ? nullptr : &s->object;
  };
  RevisionResolver resolver = [&](const Json& ss) { return unresolved_revision(world, ss); };
  std::vector<FieldProblem> problems = validate_sidecarset(object, lookup, resolver);
  if (old) {
    auto update = validate_sidecarset_update(object, *old);
    problems.insert(problems.end(), update.begin(), update.end());
  }
  if (problems.empty()) {
    std::vector<const Json*> others;
    others.reserve(world.sidecarsets.size());
    for (const auto& s : world.sidecarsets) {
      others.push_back(&s.object);
    }
    problems = validate_conflicts_with(object, others);
  }
  if (!problems.empty()) {
    // validatingSidecarSetFn returns the aggregate as an error: admission.Errored(500, err).
    return finish(request, std::move(d), problems, 500);
  }
  d.outcome = "allowed";
  d.response = allowed(request.uid, "allowed to be admitted");
  return d;
}

}  // namespace injector
