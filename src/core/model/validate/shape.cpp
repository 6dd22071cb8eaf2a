// The JSON shape of a SidecarSet: every field the engine reads, in the type Go's decoder
// requires.

#include <string>
#include <string_view>

#include "rules.hpp"

namespace injector {

namespace validation {
namespace {

// ---- JSON shape: what Go's decoder would refuse ----

enum class Kind { kString, kObject, kArray, kInt, kBool, kIntOrString };

bool kind_ok(const Json& v, Kind k) {
  switch (k) {
    case Kind::kString:
      return v.is_string();
    case Kind::kObject:
      return v.is_object();
    case Kind::kArray:
      return v.is_array();
    case Kind::kInt:
      return v.is_number_integer();
    case Kind::kBool:
      return v.is_boolean();
    case Kind::kIntOrString:
      return v.is_number_integer() || v.is_string();
  }
  return false;
}

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kString:
      return "a string";
    case Kind::kObject:
      return "an object";
    case Kind::kArray:
      return "an array";
    case Kind::kInt:
      return "an integer";
    case Kind::kBool:
      return "a boolean";
    case Kind::kIntOrString:
      return "an integer or a string";
  }
  return "";
}

struct Shape {
  Sink& sink;
  // Returns true when `obj.key` is absent, null or of kind `k`.
  bool check(const Json& obj, std::string_view key, Kind k, const std::string& field) {
    const Json& v = member(obj, key);
    if (v.is_null() || kind_ok(v, k)) {
      return true;
    }
    sink.add(field, "must be " + std::string(kind_name(k)));
    return false;
  }
  // An array whose elements are all objects.
  void objects(const Json& obj, std::string_view key, const std::string& field) {
    if (!check(obj, key, Kind::kArray, field)) {
      return;
    }
    const Json& a = list(obj, key);
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_object()) {
        sink.add(idx(field, i), "must be an object");
      }
    }
  }
  void strings(const Json& obj, std::string_view key, const std::string& field) {
    if (!check(obj, key, Kind::kArray, field)) {
      return;
    }
    const Json& a = list(obj, key);
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) {
        sink.add(idx(field, i), "must be a string");
      }
    }
  }
  void string_map(const Json& obj, std::string_view key, const std::string& field) {
    if (!check(obj, key, Kind::kObject, field)) {
      return;
    }
    for (const auto& [k, v] : member(obj, key).items()) {
      if (!v.is_string()) {
        sink.add(field + "[" + k + "]", "must be a string");
      }
    }
  }
  void selector(const Json& obj, std::string_view key, const std::string& field) {
    const Json& v = member(obj, key);
    if (!v.is_null()) {
      if (auto s = parse_label_selector(v, field); !s) {
        const std::string& m = s.error().message;
        const auto colon = m.find(": ");
        sink.add(m.substr(0, colon), m.substr(colon + 2));
      }
    }
  }
};

void check_container_shape(Shape& s, const Json& c, const std::string& p) {
  for (const char* k : {"name", "image", "imagePullPolicy", "workingDir", "terminationMessagePath",
                        "terminationMessagePolicy", "restartPolicy", "podInjectPolicy"}) {
    s.check(c, k, Kind::kString, p + "." + k);
  }
  s.strings(c, "command", p + ".command");
  s.strings(c, "args", p + ".args");
  for (const char* k :
       {"ports", "env", "envFrom", "volumeMounts", "volumeDevices", "transferEnv"}) {
    s.objects(c, k, p + "." + k);
  }
  for (std::size_t i = 0; i < list(c, "ports").size(); ++i) {
    const Json& port = list(c, "ports")[i];
    const std::string pp = idx(p + ".ports", i);
    s.check(port, "containerPort", Kind::kInt, pp + ".containerPort");
    s.check(port, "hostPort", Kind::kInt, pp + ".hostPort");
    s.check(port, "name", Kind::kString, pp + ".name");
    s.check(port, "protocol", Kind::kString, pp + ".protocol");
  }
  for (std::size_t i = 0; i < list(c, "env").size(); ++i) {
    const Json& e = list(c, "env")[i];
    s.check(e, "name", Kind::kString, idx(p + ".env", i) + ".name");
    s.check(e, "value", Kind::kString, idx(p + ".env", i) + ".value");
    s.check(e, "valueFrom", Kind::kObject, idx(p + ".env", i) + ".valueFrom");
  }
  for (const char* k : {"volumeMounts", "volumeDevices"}) {
    for (std::size_t i = 0; i < list(c, k).size(); ++i) {
      const Json& m = list(c, k)[i];
      const std::string mp = idx(p + "." + k, i);
      for (const char* f :
           {"name", "mountPath", "devicePath", "subPath", "subPathExpr", "mountPropagation"}) {
        s.check(m, f, Kind::kString, mp + "." + f);
      }
      s.check(m, "readOnly", Kind::kBool, mp + ".readOnly");
    }
  }
  for (std::size_t i = 0; i < list(c, "transferEnv").size(); ++i) {
    const Json& t = list(c, "transferEnv")[i];
    const std::string tp = idx(p + ".transferEnv", i);
    s.check(t, "sourceContainerName", Kind::kString, tp + ".sourceContainerName");
    s.check(t, "envName", Kind::kString, tp + ".envName");
    s.strings(t, "envNames", tp + ".envNames");
    if (s.check(t, "sourceContainerNameFrom", Kind::kObject, tp + ".sourceContainerNameFrom")) {
      const Json& from = member(t, "sourceContainerNameFrom");
      if (s.check(from, "fieldRef", Kind::kObject, tp + ".sourceContainerNameFrom.fieldRef")) {
        const Json& ref = member(from, "fieldRef");
        s.check(ref, "apiVersion", Kind::kString,
                tp + ".sourceContainerNameFrom.fieldRef.apiVersion");
        s.check(ref, "fieldPath", Kind::kString,
                tp + ".sourceContainerNameFrom.fieldRef.fieldPath");
      }
    }
  }
  for (const char* k : {"resources", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
                        "securityContext", "resourcesPolicy"}) {
    s.check(c, k, Kind::kObject, p + "." + k);
  }
  for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    for (const char* k : kProbeInts) {
      s.check(member(c, probe), k, Kind::kInt, p + "." + probe + "." + k);
    }
  }
  if (s.check(c, "upgradeStrategy", Kind::kObject, p + ".upgradeStrategy")) {
    s.check(member(c, "upgradeStrategy"), "upgradeType", Kind::kString,
            p + ".upgradeStrategy.upgradeType");
    s.check(member(c, "upgradeStrategy"), "hotUpgradeEmptyImage", Kind::kString,
            p + ".upgradeStrategy.hotUpgradeEmptyImage");
  }
  for (const char* k : {"shareVolumePolicy", "shareVolumeDevicePolicy"}) {
    if (s.check(c, k, Kind::kObject, p + "." + k)) {
      s.check(member(c, k), "type", Kind::kString, p + "." + k + ".type");
    }
  }
  const Json& res = member(c, "resources");
  for (const char* k : {"limits", "requests"}) {
    if (s.check(res, k, Kind::kObject, p + ".resources." + k)) {
      for (const auto& [name, v] : member(res, k).items()) {
        if (!v.is_string() && !v.is_number()) {
          s.sink.add(p + ".resources." + k + "[" + name + "]", "must be a string or a number");
        }
      }
    }
  }
}

}  // namespace

void check_shape(Sink& sink, const Json& ss) {
  Shape s{sink};
  if (!ss.is_object()) {
    sink.add("", "must be an object");
    return;
  }
  if (!s.check(ss, "metadata", Kind::kObject, "metadata") ||
      !s.check(ss, "spec", Kind::kObject, "spec")) {
    return;
  }
  const Json& meta = member(ss, "metadata");
  s.check(meta, "name", Kind::kString, "metadata.name");
  s.check(meta, "namespace", Kind::kString, "metadata.namespace");
  s.string_map(meta, "labels", "metadata.labels");
  s.string_map(meta, "annotations", "metadata.annotations");
  const Json& spec = member(ss, "spec");
  s.selector(spec, "selector", "spec.selector");
  s.selector(spec, "namespaceSelector", "spec.namespaceSelector");
  for (const char* k :
       {"initContainers", "containers", "volumes", "imagePullSecrets", "patchPodMetadata"}) {
    s.objects(spec, k, std::string("spec.") + k);
  }
  s.check(spec, "customVersion", Kind::kString, "spec.customVersion");
  s.check(spec, "revisionHistoryLimit", Kind::kInt, "spec.revisionHistoryLimit");
  for (const char* k : {"initContainers", "containers"}) {
    const Json& cs = list(spec, k);
    for (std::size_t i = 0; i < cs.size(); ++i) {
      if (cs[i].is_object()) {
        check_container_shape(s, cs[i], idx(std::string("spec.") + k, i));
      }
    }
  }
  for (std::size_t i = 0; i < list(spec, "volumes").size(); ++i) {
    const Json& v = list(spec, "volumes")[i];
    s.check(v, "name", Kind::kString, idx("spec.volumes", i) + ".name");
  }
  for (std::size_t i = 0; i < list(spec, "patchPodMetadata").size(); ++i) {
    const Json& p = list(spec, "patchPodMetadata")[i];
    s.string_map(p, "annotations", idx("spec.patchPodMetadata", i) + ".annotations");
    s.check(p, "patchPolicy", Kind::kString, idx("spec.patchPodMetadata", i) + ".patchPolicy");
  }
  if (s.check(spec, "updateStrategy", Kind::kObject, "spec.updateStrategy")) {
    const Json& u = member(spec, "updateStrategy");
    s.check(u, "type", Kind::kString, "spec.updateStrategy.type");
    s.check(u, "paused", Kind::kBool, "spec.updateStrategy.paused");
    s.check(u, "partition", Kind::kIntOrString, "spec.updateStrategy.partition");
    s.check(u, "maxUnavailable", Kind::kIntOrString, "spec.updateStrategy.maxUnavailable");
    s.selector(u, "selector", "spec.updateStrategy.selector");
    s.check(u, "priorityStrategy", Kind::kObject, "spec.updateStrategy.priorityStrategy");
    s.objects(u, "scatterStrategy", "spec.updateStrategy.scatterStrategy");
  }
  if (s.check(spec, "injectionStrategy", Kind::kObject, "spec.injectionStrategy")) {
    const Json& in = member(spec, "injectionStrategy");
    s.check(in, "paused", Kind::kBool, "spec.injectionStrategy.paused");
    if (s.check(in, "revision", Kind::kObject, "spec.injectionStrategy.revision")) {
      const Json& r = member(in, "revision");
      for (const char* k : {"customVersion", "revisionName", "policy"}) {
        s.check(r, k, Kind::kString, std::string("spec.injectionStrategy.revision.") + k);
      }
    }
  }
}

}  // namespace validation

std::vector<FieldProblem> check_sidecarset_shape(const Json& ss) {
  validation::Sink sink;
  validation::check_shape(sink, ss);
  return sink.out;
}

}  // namespace injector
