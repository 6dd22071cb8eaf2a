#pragma once
// Type mutations of real pods and the property every mutated pod must keep, shared by
// test/core/inject/pod_types_test.cpp (every node of every golden pod, in every other JSON type)
// and test/fuzz/pod_types_fuzz.cpp (several mutations at once, more values per type).
//
// The property ("a denial or no patch, never a half-built patch"): inject() on the mutated pod
// does not throw and gives
// - an error with a message (the pod is denied), or
// - no patch, or
// - a patch that applies (ours and nlohmann's RFC 6902) to give the returned pod, that a second
//   review leaves alone (or denies, for a MergePatchJson value that cannot merge into itself,
//   written verbatim as upstream does), that adds no kind of problem to the pod checks of the API
//   server (a problem the pod already has may move or be copied with a shared volumeMount), and
//   that is whole: when the same SidecarSets match as on the original pod, at the same revisions,
//   the same sidecar containers are added.

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "injector/inject/annotations.hpp"
#include "injector/inject/inject.hpp"
#include "injector/model/world.hpp"
#include "injector/patch/json_patch.hpp"
#include "injector/wire/json_access.hpp"

namespace fuzz {

/// JSON Pointers to every node of `doc`, the root first, parents before children.
inline std::vector<injector::Json::json_pointer> node_paths(const injector::Json& doc) {
  std::vector<injector::Json::json_pointer> out;
  std::vector<injector::Json::json_pointer> todo{injector::Json::json_pointer()};
  while (!todo.empty()) {
    auto ptr = todo.back();
    todo.pop_back();
    const injector::Json& node = doc.at(ptr);
    if (node.is_object()) {
      for (auto it = node.begin(); it != node.end(); ++it) {
        todo.push_back(ptr / it.key());
      }
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        todo.push_back(ptr / i);
      }
    }
    out.push_back(std::move(ptr));
  }
  return out;
}

/// The six JSON types, as indexes 0..5: null, boolean, number, string, array, object.
inline std::size_t type_index(const injector::Json& v) {
  if (v.is_null()) {
    return 0;
  }
  if (v.is_boolean()) {
    return 1;
  }
  if (v.is_number()) {
    return 2;
  }
  if (v.is_string()) {
    return 3;
  }
  return v.is_array() ? 4 : 5;
}

/// A value of JSON type `type` (0..5, see type_index); `variant` picks among a few per type.
inline injector::Json value_of_type(std::size_t type, std::size_t variant) {
  using injector::Json;
  switch (type % 6) {
    case 0:
      return nullptr;
    case 1:
      return variant % 2 == 0;
    case 2: {
      static const Json kNumbers[] = {0, -1, 1.5, 1e300, 18446744073709551615ULL};
      return kNumbers[variant % 5];
    }
    case 3: {
      static const char* const kStrings[] = {"", "x", "Always", "{}", "web"};
      return kStrings[variant % 5];
    }
    case 4: {
      const Json items[] = {Json::array(), Json::array({nullptr}), Json::array({Json::object()}),
                            Json::array({"x"}), Json::array({{{"name", "x"}}})};
      return items[variant % 5];
    }
    default: {
      const Json items[] = {Json::object(), Json{{"name", "x"}}, Json{{"x", nullptr}},
                            Json{{"name", 1}}, Json{{"a", Json::array()}}};
      return items[variant % 5];
    }
  }
}

/// The kinds of pod_problems: list indexes dropped and init containers read as containers
/// ("spec.initContainers[2].image" -> "spec.containers[].image"). Injection moves app containers
/// and copies their volumeMounts into sidecars (shareVolumePolicy, as upstream), so a problem the
/// pod already has may move or repeat; a new kind of problem is the patch's own.
inline std::set<std::string> problem_kinds(const injector::Json& pod) {
  std::set<std::string> out;
  for (const auto& p : pod_problems(pod)) {
    std::string key;
    bool in_index = false;
    for (const char ch : p) {
      if (ch == '[') {
        in_index = true;
        key += "[]";
      } else if (ch == ']' && in_index) {
        in_index = false;
      } else if (!in_index) {
        key += ch;
      }
    }
    out.insert(key.starts_with("spec.initContainers") ? "spec.containers" + key.substr(19) : key);
  }
  return out;
}

inline std::set<std::string> container_names(const injector::Json& pod) {
  std::set<std::string> out;
  for (const char* list : {"initContainers", "containers"}) {
    const injector::Json& cs = field(field(pod, "spec"), list);
    for (std::size_t i = 0; cs.is_array() && i < cs.size(); ++i) {
      out.insert(string_field(cs[i], "name"));
    }
  }
  return out;
}

/// What injection did to an unmutated pod, to compare a mutated one against.
struct Baseline {
  bool injected = false;
  std::vector<std::string> matched;
  std::set<std::string> added;                // container names the patch added
  std::map<std::string, std::string> hashes;  // SidecarSet -> the revision hash injected
};

/// The revision hash each SidecarSet was injected at, from the pod's hash annotation.
inline std::map<std::string, std::string> injected_hashes(const injector::Json& pod) {
  std::map<std::string, std::string> out;
  const injector::Json& annotations =
      injector::member(injector::member(pod, "metadata"), "annotations");
  if (auto specs = injector::parse_upgrade_specs(
          injector::member_string(annotations, injector::kHashAnnotation))) {
    for (const auto& [name, spec] : *specs) {
      out[name] = spec.hash;
    }
  }
  return out;
}

inline Baseline baseline_of(const injector::World& world, const injector::Json& pod,
                            const std::string& ns, const injector::InjectOptions& options) {
  Baseline b;
  auto r = injector::inject(world, pod, ns, options);
  if (r && !r->patch.empty()) {
    b.injected = true;
    b.matched = r->matched;
    b.hashes = injected_hashes(r->pod);
    const auto before = container_names(pod);
    for (const auto& name : container_names(r->pod)) {
      if (!before.contains(name)) {
        b.added.insert(name);
      }
    }
  }
  return b;
}

/// The property of the header comment; "" when it holds, else what broke.
inline std::string mutated_pod_problem(const injector::World& world, const injector::Json& pod,
                                       const std::string& ns,
                                       const injector::InjectOptions& options,
                                       const Baseline& original) {
  injector::Result<injector::Injection> r;
  try {
    r = injector::inject(world, pod, ns, options);
  } catch (...) {
    return "inject() threw";
  }
  if (!r) {
    return r.error().message.empty() ? "a denial without a message" : "";
  }
  if (r->patch.empty()) {
    return "";
  }
  try {
    if (!injector::json_equal(pod.patch(r->patch), r->pod)) {
      return "nlohmann's patch does not give the returned pod";
    }
  } catch (...) {
    return "nlohmann cannot apply the patch";
  }
  if (auto ours = injector::apply_patch(pod, r->patch);
      !ours || !injector::json_equal(*ours, r->pod)) {
    return "our patch does not give the returned pod";
  }
  auto again = injector::inject(world, r->pod, ns, options);
  if (!again && again.error().code == "invalid_merge_patch") {
    return "";  // a MergePatchJson value that cannot merge into itself, written as upstream does
  }
  if (!again) {
    return "a second review denies the patched pod: " + again.error().message;
  }
  if (!again->patch.empty()) {
    return "a second review patches again: " + again->patch.dump();
  }
  const auto before = problem_kinds(pod);
  for (const auto& problem : problem_kinds(r->pod)) {
    if (!before.contains(problem)) {
      return "the patch adds a problem the API server rejects: " + problem;
    }
  }
  // The same SidecarSets at the same revisions add the same sidecars. (A mutated label can move
  // a pod into or out of a Partial rollout's selector, and so to another revision.)
  if (original.injected && r->matched == original.matched &&
      injected_hashes(r->pod) == original.hashes) {
    const auto names = container_names(r->pod);
    for (const auto& name : original.added) {
      if (!names.contains(name)) {
        return "a half-built patch: sidecar " + name + " is missing";
      }
    }
  }
  return "";
}

}  // namespace fuzz
