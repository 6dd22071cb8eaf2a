#pragma once
// Workloads as manifests keep them: a Pod, or an object whose controller creates pods from a pod
// template (Deployment, Job, CronJob, OpenKruise's CloneSet, ...). A template is injected as the
// pod it creates would be on CREATE, and the result is written back into the template.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "injector/inject/inject.hpp"
#include "injector/json.hpp"
#include "injector/model/world.hpp"
#include "injector/patch/json_patch.hpp"

namespace injector {

/// A kind whose objects hold a pod template, and where.
struct WorkloadKind {
  std::string_view group;  // API group: "" (core), "apps", "batch", "apps.kruise.io", ...
  std::string_view kind;
  std::string_view template_path;  // RFC 6901; "" for a Pod (the object is the pod)
};

/// Every kind `inject_object` injects, Pod first.
std::span<const WorkloadKind> workload_kinds();

/// The group of an apiVersion: "" for "v1", "apps" for "apps/v1".
std::string api_group(std::string_view api_version);

/// Where `object` keeps its pod: the root for a Pod (or an object without kind, read as a Pod),
/// the template's pointer for a workload kind, nullopt for a kind that creates no pods. The
/// version is not looked at (extensions/v1beta1 and apps/v1 Deployments hold the same template).
std::optional<Pointer> pod_template_path(const Json& object);

/// The Pod a controller creates from the template at `path` of `object` in namespace `ns`, as
/// Kubernetes' GetPodFromTemplate builds it: the template's labels and annotations, its spec, the
/// workload's namespace; no name yet (the API server names pods after admission).
Json pod_from_template(const Json& object, const Pointer& path, std::string_view ns);

struct ObjectInjection {
  Json object;  // the input with its pod (template) mutated; the input itself when nothing applies
  std::optional<Pointer> pod_path;  // where the pod is; nullopt for a kind that creates no pods
  Json pod;                         // the pod reviewed (the object itself for a Pod); null if none
  Injection injection;              // the pod's injection; empty for kinds without pods
};

/// Injects a Pod as `inject` does, or a workload's template as the pod it creates would be
/// injected (`ns` is the request namespace: the workload's own namespace, else the caller's).
/// Objects of other kinds come back unchanged. A template that is absent or not an object is an
/// error (`spec.template is missing`), as is every error of `inject` (the pod would be denied).
Result<ObjectInjection> inject_object(const World& world, const Json& object, std::string_view ns,
                                      const InjectOptions& options);

}  // namespace injector
