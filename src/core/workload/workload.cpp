#include "injector/workload/workload.hpp"

#include <array>
#include <utility>

#include "injector/wire/json_access.hpp"

namespace injector {
namespace {

// The pod templates of the kinds people keep in git. Kubernetes' own from k8s.io/api; OpenKruise's
// from apps.kruise.io (CloneSet, Advanced StatefulSet v1alpha1/v1beta1, Advanced DaemonSet,
// BroadcastJob). extensions/v1beta1 is long gone from servers but still found in old manifests.
constexpr std::array<WorkloadKind, 16> kKinds = {{
    {"", "Pod", ""},
    {"", "ReplicationController", "/spec/template"},
    {"apps", "Deployment", "/spec/template"},
    {"apps", "ReplicaSet", "/spec/template"},
    {"apps", "StatefulSet", "/spec/template"},
    {"apps", "DaemonSet", "/spec/template"},
    {"extensions", "Deployment", "/spec/template"},
    {"extensions", "ReplicaSet", "/spec/template"},
    {"extensions", "DaemonSet", "/spec/template"},
    {"batch", "Job", "/spec/template"},
    {"batch", "CronJob", "/spec/jobTemplate/spec/template"},
    {"apps.kruise.io", "CloneSet", "/spec/template"},
    {"apps.kruise.io", "StatefulSet", "/spec/template"},
    {"apps.kruise.io", "DaemonSet", "/spec/template"},
    {"apps.kruise.io", "BroadcastJob", "/spec/template"},
    {"", "PodTemplate", "/template"},
}};

// `spec.template` for "/spec/template", as people name fields.
std::string field_name(const Pointer& path) {
  std::string out;
  for (const std::string& token : path.tokens()) {
    out += (out.empty() ? "" : ".") + token;
  }
  return out;
}

// The value at `path`, or nullptr when a step is missing or not an object.
const Json* at(const Json& doc, const Pointer& path) {
  const Json* cur = &doc;
  for (const std::string& token : path.tokens()) {
    if (!cur->is_object()) {
      return nullptr;
    }
    const auto it = cur->find(token);
    if (it == cur->end()) {
      return nullptr;
    }
    cur = &*it;
  }
  return cur;
}

Json* at(Json& doc, const Pointer& path) {
  return const_cast<Json*>(at(static_cast<const Json&>(doc), path));
}

// The mutated pod written back into its template: the annotations (injection never touches
// labels) and the spec. Keys keep their order; a template without metadata gets it first.
void write_back(Json& tmpl, const Json& mutated) {
  const Json& annotations = member(member(mutated, "metadata"), "annotations");
  if (annotations.is_object() && annotations != member(member(tmpl, "metadata"), "annotations")) {
    if (!tmpl.contains("metadata") || !tmpl["metadata"].is_object()) {
      Json rebuilt = Json::object();
      rebuilt["metadata"] = Json::object();
      for (auto& [k, v] : tmpl.items()) {
        if (k != "metadata") {
          rebuilt[k] = std::move(v);
        }
      }
      tmpl = std::move(rebuilt);
    }
    tmpl["metadata"]["annotations"] = annotations;
  }
  if (member(mutated, "spec") != member(tmpl, "spec")) {
    tmpl["spec"] = member(mutated, "spec");
  }
}

}  // namespace

std::span<const WorkloadKind> workload_kinds() { return kKinds; }

std::string api_group(std::string_view api_version) {
  const auto slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string()
                                         : std::string(api_version.substr(0, slash));
}

std::optional<Pointer> pod_template_path(const Json& object) {
  if (!object.is_object() || !object.contains("kind")) {
    return Pointer{};  // a bare pod, as `inject` has always read it
  }
  const std::string kind = member_string(object, "kind");
  const std::string group = api_group(member_string(object, "apiVersion"));
  for (const WorkloadKind& k : kKinds) {
    if (k.kind == kind && k.group == group) {
      auto path = Pointer::parse(k.template_path);
      // The table holds valid pointers only.
      return path ? std::optional<Pointer>(std::move(*path)) : std::nullopt;
    }
  }
  return std::nullopt;
}

Json pod_from_template(const Json& object, const Pointer& path, std::string_view ns) {
  const Json* tmpl = at(object, path);
  const Json& template_metadata = tmpl != nullptr ? member(*tmpl, "metadata") : Json();
  Json metadata = Json::object();
  metadata["namespace"] = std::string(ns);
  for (const char* key : {"labels", "annotations"}) {
    if (const Json& v = member(template_metadata, key); !v.is_null()) {
      metadata[key] = v;
    }
  }
  Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(metadata)}};
  if (tmpl != nullptr) {
    if (const Json& spec = member(*tmpl, "spec"); !spec.is_null()) {
      pod["spec"] = spec;
    }
  }
  return pod;
}

Result<ObjectInjection> inject_object(const World& world, const Json& object, std::string_view ns,
                                      const InjectOptions& options) {
  ObjectInjection out;
  out.object = object;
  out.pod_path = pod_template_path(object);
  if (!out.pod_path) {
    return out;
  }
  if (out.pod_path->tokens().empty()) {
    auto injection = inject(world, object, ns, options);
    if (!injection) {
      return std::unexpected(injection.error());
    }
    out.pod = object;
    if (!injection->patch.empty()) {
      out.object = injection->pod;
    }
    out.injection = std::move(*injection);
    return out;
  }
  const Json* tmpl = at(object, *out.pod_path);
  if (tmpl == nullptr || !tmpl->is_object()) {
    return fail("invalid_workload", field_name(*out.pod_path) +
                                        (tmpl == nullptr ? " is missing" : " is not an object"));
  }
  out.pod = pod_from_template(object, *out.pod_path, ns);
  InjectOptions with_pod = options;
  with_pod.with_pod = true;
  auto injection = inject(world, out.pod, ns, with_pod);
  if (!injection) {
    return std::unexpected(injection.error());
  }
  if (!injection->patch.empty()) {
    write_back(*at(out.object, *out.pod_path), injection->pod);
  }
  out.injection = std::move(*injection);
  return out;
}

}  // namespace injector
