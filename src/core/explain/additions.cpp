#include "additions.hpp"

#include <vector>

#include "injector/inject/inject.hpp"
#include "injector/wire/json_access.hpp"

namespace injector::explain_detail {
namespace {

// Env vars every sidecar gets from the webhook itself rather than from the pod (§2.5 f, §4).
bool webhook_env(const std::string& name) {
  return name == "IS_INJECTED" || name == "SIDECARSET_VERSION" || name == "SIDECARSET_VERSION_ALT";
}

std::vector<const Json*> elements(const Json& obj, std::string_view key) {
  std::vector<const Json*> out;
  if (const Json& v = member(obj, key); v.is_array()) {
    for (const Json& e : v) {
      out.push_back(&e);
    }
  }
  return out;
}

// The pod's element of `list` named `name`, and its index.
const Json* named(const Json& spec, std::string_view list, const std::string& name,
                  std::size_t* index = nullptr) {
  std::size_t i = 0;
  for (const Json* c : elements(spec, list)) {
    if (member_string(*c, "name") == name) {
      if (index != nullptr) {
        *index = i;
      }
      return c;
    }
    ++i;
  }
  return nullptr;
}

bool marked_injected(const Json& container) {
  for (const Json* env : elements(container, "env")) {
    if (member_string(*env, "name") == "IS_INJECTED" && member_string(*env, "value") == "true") {
      return true;
    }
  }
  return false;
}

// The app container whose env holds `env` verbatim (transferEnv copies the whole EnvVar).
std::string source_of(const Json& original_spec, const Json& env) {
  for (const Json* c : elements(original_spec, "containers")) {
    if (marked_injected(*c)) {
      continue;
    }
    for (const Json* e : elements(*c, "env")) {
      if (*e == env) {
        return member_string(*c, "name");
      }
    }
  }
  return "";
}

}  // namespace

bool attribute(const Json& spec, const Json& original, const Json& injected,
               std::set<std::string>& claimed, SidecarSetExplanation& e) {
  bool changed = false;
  const Json& before = member(original, "spec");
  const Json& after = member(injected, "spec");
  for (const char* list : {"initContainers", "containers"}) {
    const bool init = std::string_view(list) == "initContainers";
    for (const Json* c : elements(spec, list)) {
      const std::string name = member_string(*c, "name");
      const bool native = init && is_native_sidecar(*c);
      const bool hot = (!init || native) && is_hot_upgrade(*c);
      std::vector<std::string> names = {name};
      if (hot) {
        names = {name + "-1", name + "-2"};
        e.hot_upgrade.push_back({name, list, names[0], names[1]});
      }
      std::set<std::string> own_env;
      for (const Json* env : elements(*c, "env")) {
        own_env.insert(member_string(*env, "name"));
      }
      for (const std::string& pod_name : names) {
        std::size_t index = 0;
        const Json* now = named(after, list, pod_name, &index);
        if (now == nullptr) {
          continue;
        }
        const Json* was = named(before, list, pod_name);
        changed = changed || was == nullptr || *was != *now;
        e.containers.push_back({pod_name, list, index, member_string(*c, "podInjectPolicy"), native,
                                was != nullptr && !marked_injected(*was)});
        for (const Json* env : elements(*now, "env")) {
          const std::string env_name = member_string(*env, "name");
          if (!own_env.contains(env_name) && !webhook_env(env_name)) {
            e.env.push_back({pod_name, env_name, source_of(before, *env)});
          }
        }
      }
    }
  }
  for (const Json* v : elements(spec, "volumes")) {
    const std::string name = member_string(*v, "name");
    if (named(before, "volumes", name) == nullptr && named(after, "volumes", name) != nullptr &&
        claimed.insert(name).second) {
      e.volumes.push_back(name);
      changed = true;
    }
  }
  const Json& was = member(member(original, "metadata"), "annotations");
  const Json& now = member(member(injected, "metadata"), "annotations");
  std::set<std::string> seen;
  for (const Json* patch : elements(spec, "patchPodMetadata")) {
    const Json& annotations = member(*patch, "annotations");
    if (!annotations.is_object()) {
      continue;
    }
    for (const auto& [key, value] : annotations.items()) {
      const Json& result = member(now, key);
      if (result.is_string() && result != member(was, key) && seen.insert(key).second) {
        e.annotations.emplace_back(key, result.get<std::string>());
        changed = true;
      }
    }
  }
  return changed;
}

}  // namespace injector::explain_detail
