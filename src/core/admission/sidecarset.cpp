// What both SidecarSet webhooks share: which requests they act on, and Go's aggregate of field
// errors (k8s.io/apimachinery field.ErrorList.ToAggregate, utilerrors.aggregate.Error).

#include "injector/admission/sidecarset.hpp"

#include <set>
#include <string>
#include <utility>

#include "injector/wire/json_access.hpp"

namespace injector {
namespace {

constexpr std::string_view kGroup = "apps.kruise.io";

SidecarSetDecision decided(AdmissionResponse response, std::string outcome, std::string message) {
  SidecarSetDecision d;
  d.response = std::move(response);
  d.outcome = std::move(outcome);
  d.message = std::move(message);
  return d;
}

}  // namespace

std::optional<SidecarSetDecision> screen_sidecarset_request(const AdmissionRequest& request) {
  const std::string group = request.resource.value("group", "");
  const std::string resource = request.resource.value("resource", "");
  const std::string version = request.resource.value("version", "");
  std::optional<SidecarSetDecision> out;
  if (group != kGroup || resource != "sidecarsets") {
    std::string name = resource;
    if (!group.empty()) {
      name += "." + group;
    }
    out =
        decided(allowed(request.uid), "skipped",
                "only sidecarsets.apps.kruise.io are admitted here: resource " + quote_value(name));
  } else if (!request.sub_resource.empty()) {
    out = decided(allowed(request.uid), "skipped",
                  "only sidecarsets.apps.kruise.io are admitted here: subresource " +
                      quote_value(request.sub_resource));
  } else if (request.operation != "CREATE" && request.operation != "UPDATE") {
    // The webhooks register for create and update; a DELETE or CONNECT sent anyway changes
    // nothing that could be checked.
    out =
        decided(allowed(request.uid), "skipped",
                "only CREATE and UPDATE are admitted: operation " + quote_value(request.operation));
  } else if (version != "v1alpha1" && version != "v1beta1") {
    // Upstream's handlers switch on the resource version and answer this for any other.
    out = decided(errored(request.uid, 400, "unsupported version: " + version), "error",
                  "unsupported version: " + version);
  } else if (request.object.is_null() || !request.object.is_object()) {
    const std::string why = request.object.is_null() ? "request.object is missing"
                                                     : "request.object must be a JSON object";
    out = decided(errored(request.uid, 400, why), "error", why);
  }
  if (out) {
    out->name = member_string(member(request.object, "metadata"), "name");
  }
  return out;
}

std::string aggregate_problems(const std::vector<FieldProblem>& problems) {
  std::set<std::string> seen;
  std::string joined;
  for (const auto& p : problems) {
    std::string text = p.upstream_text();
    if (!seen.insert(text).second) {
      continue;
    }
    if (seen.size() > 1) {
      joined += ", ";
    }
    joined += text;
  }
  return seen.size() > 1 ? "[" + joined + "]" : joined;
}

}  // namespace injector
