#include "injector/inject/hot_upgrade.hpp"

namespace injector {
namespace {

Json field_ref_env(std::string_view env_name, const std::string& annotation) {
  // Upstream leaves fieldRef.apiVersion unset; the API server defaults it to v1.
  return Json{
      {"name", env_name},
      {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.annotations['" + annotation + "']"}}}}}};
}

void add_version_envs(Json& container, const std::string& name) {
  Json& env = container["env"];
  if (!env.is_array()) {
    env = Json::array();
  }
  env.push_back(field_ref_env("SIDECARSET_VERSION", version_annotation(name)));
  env.push_back(field_ref_env("SIDECARSET_VERSION_ALT", version_alt_annotation(name)));
}

}  // namespace

std::string version_annotation(std::string_view container) {
  return std::string(kVersionAnnotationPrefix) + std::string(container);
}

std::string version_alt_annotation(std::string_view container) {
  return std::string(kVersionAltAnnotationPrefix) + std::string(container);
}

HotUpgradePair hot_upgrade_pair(const Json& container, std::string_view empty_image) {
  const std::string base = container.contains("name") && container["name"].is_string()
                               ? container["name"].get<std::string>()
                               : "";
  const std::string name1 = base + "-1";
  const std::string name2 = base + "-2";
  HotUpgradePair pair{container, container, {}};
  pair.working["name"] = name1;
  pair.empty["name"] = name2;
  pair.empty["image"] = empty_image;
  add_version_envs(pair.working, name1);
  add_version_envs(pair.empty, name2);
  // "1" marks the container that works after a first injection, "0" the empty one.
  pair.annotations[version_annotation(name1)] = "1";
  pair.annotations[version_alt_annotation(name1)] = "0";
  pair.annotations[version_annotation(name2)] = "0";
  pair.annotations[version_alt_annotation(name2)] = "1";
  return pair;
}

}  // namespace injector
