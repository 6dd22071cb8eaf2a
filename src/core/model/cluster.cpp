// Informer stores -> World, one object at a time (build_world_tolerant).

#include "injector/model/cluster.hpp"

#include <string>
#include <utility>

#include "injector/model/world.hpp"
#include "injector/wire/json_access.hpp"

namespace injector {
namespace {

constexpr std::string_view kV1alpha1 = "apps.kruise.io/v1alpha1";
constexpr std::string_view kV1beta1 = "apps.kruise.io/v1beta1";

Json with_type(const Json& object, std::string_view api_version, std::string_view kind) {
  Json copy = object;
  if (copy.is_object()) {
    if (!copy.contains("apiVersion")) {
      copy["apiVersion"] = api_version;
    }
    if (!copy.contains("kind")) {
      copy["kind"] = kind;
    }
  }
  return copy;
}

std::string name_of(const Json& object) {
  const Json& meta = member(object, "metadata");
  const std::string ns = member_string(meta, "namespace");
  const std::string name = member_string(meta, "name");
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace

TolerantWorldBuild build_cluster_world(const ClusterObjects& objects, std::uint64_t generation,
                                       std::string_view revision_namespace) {
  std::vector<Document> documents;
  documents.reserve(objects.sidecarsets.size() + objects.namespaces.size() +
                    objects.revisions.size());
  for (const auto& ss : objects.sidecarsets) {
    Json object = with_type(*ss, kV1beta1, "SidecarSet");
    // A CRD without conversion webhook stores a v1alpha1 object as is, under v1beta1: its
    // spec.namespace must still narrow it, and its custom-version label still name its
    // customVersion, as OpenKruise's conversion would have.
    const Json& spec = member(object, "spec");
    const Json& ns = member(spec, "namespace");
    const bool alpha_namespace = ns.is_string() && !ns.get_ref<const std::string&>().empty();
    const bool alpha_version =
        member(member(member(object, "metadata"), "labels"), kCustomVersionLabel).is_string() &&
        member(spec, "customVersion").is_null();
    if (member_string(object, "apiVersion") == kV1beta1 && (alpha_namespace || alpha_version)) {
      object["apiVersion"] = kV1alpha1;
    }
    documents.push_back(Document{Origin{std::string(kClusterOrigin), -1}, std::move(object)});
  }
  for (const auto& ns : objects.namespaces) {
    documents.push_back(
        Document{Origin{"namespace " + name_of(*ns), -1}, with_type(*ns, "v1", "Namespace")});
  }
  for (const auto& r : objects.revisions) {
    documents.push_back(Document{Origin{"controllerrevision " + name_of(*r), -1},
                                 with_type(*r, "apps/v1", "ControllerRevision")});
  }
  BuildOptions options;
  options.revision_namespace = std::string(revision_namespace);
  return build_world_tolerant(std::move(documents), generation, std::move(options));
}

}  // namespace injector
