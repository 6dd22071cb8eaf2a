// The pod checks that run before planning (see pod_shape.hpp). The fields are a table, so the
// list of what the engine reads is written once; test/fuzz/inject_fuzz.cpp mutates the types of
// real pods against the same list.

#include "injector/inject/pod_shape.hpp"

#include <map>
#include <set>
#include <span>
#include <string_view>

#include "injector/wire/go_json.hpp"
#include "injector/wire/json_access.hpp"

namespace injector {
namespace {

enum class Type {
  kString,
  kStringMap,  // an object of strings (labels, annotations)
  kObject,     // an object whose `members` are checked
  kList,       // a list of objects whose `members` are checked
  kContainers  // as kList, but elements that are not objects are no_app_containers' business
};

struct Field {
  std::string_view name;
  Type type;
  std::span<const Field> members = {};
};

constexpr Field kEnv[] = {{"name", Type::kString}, {"value", Type::kString}};
constexpr Field kMount[] = {
    {"name", Type::kString}, {"mountPath", Type::kString}, {"subPathExpr", Type::kString}};
constexpr Field kDevice[] = {{"name", Type::kString}, {"devicePath", Type::kString}};
constexpr Field kResources[] = {{"limits", Type::kObject}, {"requests", Type::kObject}};
constexpr Field kContainer[] = {{"name", Type::kString},
                                {"restartPolicy", Type::kString},
                                {"env", Type::kList, kEnv},
                                {"volumeMounts", Type::kList, kMount},
                                {"volumeDevices", Type::kList, kDevice},
                                {"resources", Type::kObject, kResources}};
constexpr Field kNamed[] = {{"name", Type::kString}};
constexpr Field kSpec[] = {{"containers", Type::kContainers, kContainer},
                           {"initContainers", Type::kContainers, kContainer},
                           {"volumes", Type::kList, kNamed},
                           {"imagePullSecrets", Type::kList, kNamed}};
constexpr Field kMetadata[] = {{"name", Type::kString},
                               {"namespace", Type::kString},
                               {"labels", Type::kStringMap},
                               {"annotations", Type::kStringMap},
                               {"deletionTimestamp", Type::kString}};
constexpr Field kStatus[] = {{"phase", Type::kString}};
constexpr Field kPod[] = {{"metadata", Type::kObject, kMetadata},
                          {"spec", Type::kObject, kSpec},
                          {"status", Type::kObject, kStatus}};

Result<void> bad(const std::string& field, std::string_view what) {
  return fail("invalid_pod", "pod: " + field + ": " + std::string(what));
}

Result<void> check_members(const Json& obj, std::span<const Field> fields, const std::string& at);

Result<void> check_field(const Json& v, const Field& f, const std::string& path) {
  switch (f.type) {
    case Type::kString:
      return v.is_string() ? Result<void>{} : bad(path, "must be a string");
    case Type::kStringMap:
      if (!v.is_object()) {
        return bad(path, "must be an object");
      }
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!it->is_string()) {
          return bad(path + "[" + go_quote(it.key()) + "]", "must be a string");
        }
      }
      return {};
    case Type::kObject:
      if (!v.is_object()) {
        return bad(path, "must be an object");
      }
      return check_members(v, f.members, path + ".");
    case Type::kList:
    case Type::kContainers:
      if (!v.is_array()) {
        return bad(path, "must be a list");
      }
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string item = path + "[" + std::to_string(i) + "]";
        if (!v[i].is_object()) {
          if (f.type == Type::kContainers) {
            continue;
          }
          return bad(item, "must be an object");
        }
        if (auto r = check_members(v[i], f.members, item + "."); !r) {
          return r;
        }
      }
      return {};
  }
  return {};
}

Result<void> check_members(const Json& obj, std::span<const Field> fields, const std::string& at) {
  for (const Field& f : fields) {
    if (const Json& v = member(obj, f.name); !v.is_null()) {
      if (auto r = check_field(v, f, at + std::string(f.name)); !r) {
        return r;
      }
    }
  }
  return {};
}

}  // namespace

Result<void> check_pod_shape(const Json& pod) {
  if (!pod.is_object()) {
    return bad("(root)", "must be an object");
  }
  return check_members(pod, kPod, "");
}

std::string no_app_containers(const Json& pod) {
  const Json& spec = member(pod, "spec");
  const Json& containers = member(spec, "containers");
  if (!containers.is_array() || containers.empty()) {
    return "spec.containers is empty";
  }
  for (const char* list : {"initContainers", "containers"}) {
    const Json& items = member(spec, list);
    for (std::size_t i = 0; items.is_array() && i < items.size(); ++i) {
      const std::string at = std::string("spec.") + list + "[" + std::to_string(i) + "]";
      if (!items[i].is_object()) {
        return at + " is not an object";
      }
      if (member_string(items[i], "name").empty()) {
        return at + " has no name";
      }
    }
  }
  return {};
}

Result<void> check_unique_names(const Json& spec, const std::vector<AddedContainer>& added) {
  // Who holds each name once the additions are merged; a name absent from the list the
  // addition goes into is appended, even when the other list (or an earlier addition) has it.
  std::map<std::string, std::string> holder[2];  // [0] containers, [1] initContainers
  std::set<std::string> in_pod[2];
  for (const bool init : {false, true}) {
    const char* list = init ? "initContainers" : "containers";
    const Json& items = member(spec, list);
    for (std::size_t i = 0; items.is_array() && i < items.size(); ++i) {
      const std::string name = member_string(items[i], "name");
      in_pod[init].insert(name);
      holder[init].emplace(name,
                           std::string("the pod's spec.") + list + "[" + std::to_string(i) + "]");
    }
  }
  for (const auto& a : added) {
    if (in_pod[a.init].contains(a.name)) {
      continue;  // replaced in place
    }
    const std::string what =
        std::string(a.init ? "init container " : "container ") + go_quote(a.name);
    for (const bool init : {a.init, !a.init}) {
      if (auto it = holder[init].find(a.name); it != holder[init].end()) {
        return fail("duplicate_container_name",
                    "sidecarset " + go_quote(a.sidecarset) + ": " + what + " would duplicate " +
                        it->second +
                        "; container names must be unique across initContainers and containers");
      }
    }
    holder[a.init].emplace(a.name, "the " + what + " of sidecarset " + go_quote(a.sidecarset));
  }
  return {};
}

}  // namespace injector
