// msidecarset.kb.io (pkg/webhook/sidecarset/mutating): SetDefaultsSidecarSet[V1beta1], then
// SetHashSidecarSet[V1beta1], answered as the difference to the object as sent. Upstream diffs
// against json.Marshal of its Go struct (PatchResponseFromRaw), which also adds
// `creationTimestamp: null`, a zero status and drops fields the struct does not know; the patch
// here holds only the defaults and the hashes, computed on the raw object.

#include <string>
#include <utility>

#include "injector/admission/sidecarset.hpp"
#include "injector/model/hash.hpp"
#include "injector/model/load.hpp"
#include "injector/patch/json_patch.hpp"
#include "injector/wire/json_access.hpp"

namespace injector {
namespace {

void set_hash_annotations(Json& ss) {
  Json& meta = ss["metadata"];
  if (!meta.is_object()) {
    meta = Json::object();
  }
  Json& annotations = meta["annotations"];
  if (!annotations.is_object()) {
    annotations = Json::object();
  }
  const Json& spec = member(ss, "spec");
  annotations[std::string(kHashAnnotation)] = sidecarset_hash(spec);
  annotations[std::string(kHashWithoutImageAnnotation)] = sidecarset_hash_without_image(spec);
}

}  // namespace

SidecarSetDecision mutate_sidecarset(const AdmissionRequest& request) {
  if (auto screened = screen_sidecarset_request(request)) {
    return std::move(*screened);
  }
  SidecarSetDecision d;
  d.name = member_string(member(request.object, "metadata"), "name");
  // Upstream decodes into its Go type first and answers Errored(400) when that fails.
  if (auto shape = check_sidecarset_shape(request.object); !shape.empty()) {
    d.message = aggregate_problems(shape);
    d.outcome = "error";
    d.response = errored(request.uid, 400, d.message);
    return d;
  }
  Json defaulted = request.object;
  if (!defaulted.contains("spec") || defaulted["spec"].is_null()) {
    // A Go struct has a spec whether or not the JSON had one; its defaults still apply.
    defaulted["spec"] = Json::object();
  }
  default_sidecarset(defaulted);
  set_hash_annotations(defaulted);
  Json patch = diff(request.object, defaulted);
  d.ops = patch.size();
  if (patch.empty()) {
    d.outcome = "allowed";
    d.response = allowed(request.uid);
  } else {
    d.outcome = "patched";
    d.response = patched(request.uid, std::move(patch));
  }
  return d;
}

}  // namespace injector
