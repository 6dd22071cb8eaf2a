// SidecarSet validation (§6), after OpenKruise's pkg/webhook/sidecarset/validating and the parts
// of Kubernetes' ValidatePodCreate that apply to sidecar containers and volumes.

#include "injector/model/validate.hpp"
#include "injector/wire/json_access.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "injector/inject/calculator.hpp"
#include "injector/inject/resources.hpp"
#include "injector/kube/quantity.hpp"
#include "injector/kube/selector.hpp"
#include "injector/model/world.hpp"

namespace injector {
namespace {

// ---- reading the raw object safely ----

bool has(const Json& obj, std::string_view key) { return !member(obj, key).is_null(); }

const Json& list(const Json& obj, std::string_view key) {
  static const Json kEmpty = Json::array();
  const Json& v = member(obj, key);
  return v.is_array() ? v : kEmpty;
}

std::string dq(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string idx(const std::string& field, std::size_t i) {
  return field + "[" + std::to_string(i) + "]";
}

std::string json_text(const Json& v) { return v.is_string() ? dq(v.get<std::string>()) : v.dump(); }

struct Sink {
  std::vector<FieldProblem> out;
  void add(std::string field, std::string message) {
    out.push_back(FieldProblem{std::move(field), std::move(message)});
  }
  void invalid(const std::string& field, const Json& value, const std::string& detail) {
    add(field, "Invalid value: " + json_text(value) + (detail.empty() ? "" : ": " + detail));
  }
  /// OpenKruise's own rendering of the problem just added (FieldProblem::upstream).
  void upstream(std::string text) { out.back().upstream = std::move(text); }
  void required(const std::string& field, const std::string& detail = {}) {
    add(field, "Required value" + (detail.empty() ? "" : ": " + detail));
  }
  void forbidden(const std::string& field, const std::string& detail) {
    add(field, "Forbidden: " + detail);
  }
  void unsupported(const std::string& field, const std::string& value,
                   std::initializer_list<std::string_view> supported) {
    std::string msg = "Unsupported value: " + dq(value) + ": supported values: ";
    bool first = true;
    for (auto s : supported) {
      msg += (first ? "" : ", ") + dq(s);
      first = false;
    }
    add(field, msg);
  }
};

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

constexpr const char* kProbeInts[] = {"initialDelaySeconds", "timeoutSeconds", "periodSeconds",
                                      "successThreshold", "failureThreshold"};

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

// ---- rule 1: metadata ----

void validate_metadata(Sink& sink, const Json& meta) {
  const std::string name = member_string(meta, "name");
  if (name.empty()) {
    sink.required("metadata.name", "name or generateName is required");
  } else {
    const bool ok = std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!ok) {
      sink.invalid("metadata.name", name,
                   "sidecarset name must consist of alphanumeric characters or '-' (e.g. "
                   "'example-com', regex used for validation is '^[a-zA-Z0-9\\-]+$')");
    }
    if (name.size() > 63) {
      sink.invalid("metadata.name", name, "must be no more than 63 characters");
    }
  }
  if (!member_string(meta, "namespace").empty()) {
    sink.forbidden("metadata.namespace", "not allowed on this type");
  }
  for (const auto& [k, v] : member(meta, "labels").items()) {
    for (const auto& e : qualified_name_errors(k)) {
      sink.invalid("metadata.labels", k, e);
    }
    for (const auto& e : label_value_errors(v.is_string() ? v.get<std::string>() : "")) {
      sink.invalid("metadata.labels", v, e);
    }
  }
  std::size_t total = 0;
  for (const auto& [k, v] : member(meta, "annotations").items()) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& e : qualified_name_errors(lower)) {
      sink.invalid("metadata.annotations", k, e);
    }
    total += k.size() + (v.is_string() ? v.get_ref<const std::string&>().size() : 0);
  }
  if (total > 256 * 1024) {
    sink.add("metadata.annotations", "Too long: must have at most 262144 bytes");
  }
}

// ---- selectors (rule 4) ----

// OpenKruise validateSelector: Kubernetes validation, non-empty, convertible.
void validate_selector(Sink& sink, const Json& j, const std::string& field) {
  auto parsed = parse_label_selector(j, field);
  if (!parsed) {
    return;  // reported by the shape check
  }
  const auto errs = validate_label_selector(*parsed, field);
  for (const auto& e : errs) {
    const auto colon = e.find(": ");
    sink.add(e.substr(0, colon), e.substr(colon + 2));
  }
  if (parsed->empty()) {
    sink.invalid(field, j, "empty selector is not valid for sidecarset.");
  }
  // metav1.LabelSelectorAsSelector fails on exactly what the validation above rejects; upstream
  // adds one more Invalid error at `<field>.selector` for it.
  if (!errs.empty()) {
    std::string why;
    for (const auto& r : parsed->expressions) {
      if (r.op != "In" && r.op != "NotIn" && r.op != "Exists" && r.op != "DoesNotExist") {
        why = dq(r.op) + " is not a valid label selector operator";
        break;
      }
    }
    sink.invalid(field + ".selector", j, why.empty() ? "cannot be converted" : why);
  }
}

// ---- rule 6: update strategy ----

bool int_or_percent_set(const Json& v) {
  return v.is_string() || (v.is_number_integer() && v.get<std::int64_t>() != 0);
}

void validate_positive_int_or_percent(Sink& sink, const Json& v, const std::string& field) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    const bool ok =
        s.size() >= 2 && s.back() == '%' &&
        std::all_of(s.begin(), s.end() - 1, [](char c) { return c >= '0' && c <= '9'; });
    if (!ok) {
      sink.invalid(field, v,
                   "a valid percent string must be a numeric string followed by an ending '%' "
                   "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
    }
  } else if (v.is_number_integer() && v.get<std::int64_t>() < 0) {
    sink.invalid(field, v, "must be greater than or equal to 0");
  }
}

void validate_update_strategy(Sink& sink, const Json& u) {
  if (member_string(u, "type") != "RollingUpdate") {
    return;
  }
  const std::string f = "spec.updateStrategy";
  if (int_or_percent_set(member(u, "partition")) && has(u, "selector")) {
    sink.add(f, "Partition and Selector cannot be used together");
  }
  if (has(u, "selector")) {
    validate_selector(sink, member(u, "selector"), f + ".selector");
  }
  for (const char* k : {"partition", "maxUnavailable"}) {
    if (has(u, k)) {
      validate_positive_int_or_percent(sink, member(u, k), f + "." + k);
    }
  }
  const Json& prio = member(u, "priorityStrategy");
  if (prio.is_object()) {
    const Json& weights = list(prio, "weightPriority");
    const Json& orders = list(prio, "orderPriority");
    const std::string pf = f + ".priorityStrategy";
    if (!weights.empty() && !orders.empty()) {
      sink.required(pf, "only one of weightPriority and orderPriority can be used");
    }
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const Json& w = weights[i];
      const Json& weight = member(w, "weight");
      if (!weight.is_number_integer() || weight.get<std::int64_t>() < 0 ||
          weight.get<std::int64_t>() > 100) {
        sink.required(pf, "weight must be valid number in the range 1-100");
      }
      const Json& sel = member(w, "matchSelector");
      auto parsed = sel.is_object() ? parse_label_selector(sel, pf) : Result<LabelSelector>();
      if (!sel.is_object() || !parsed || parsed->empty()) {
        sink.required(pf, "selector can not be empty");
      } else if (!validate_label_selector(*parsed, idx(pf + ".weightPriority", i)).empty()) {
        sink.required(pf, "invalid selector");
      }
    }
    for (const auto& o : orders) {
      if (member_string(o, "orderedKey").empty()) {
        sink.required(pf, "order key can not be empty");
      }
    }
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& term : list(u, "scatterStrategy")) {
    const std::string k = member_string(term, "key");
    const std::string v = member_string(term, "value");
    if (k.empty() || v.empty()) {
      sink.required(f + ".scatterStrategy", "key and value can not be empty");
    } else if (!seen.emplace(k, v).second) {
      sink.required(f + ".scatterStrategy", "duplicated key=" + k + " value=" + v);
    }
  }
}

// ---- rule 11: the pod-validation subset ----

bool is_env_var_name(std::string_view s) {
  auto ok = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' ||
           (!first && c >= '0' && c <= '9');
  };
  if (s.empty() || !ok(s.front(), true)) {
    return false;
  }
  return std::all_of(s.begin() + 1, s.end(), [&](char c) { return ok(c, false); });
}

// IANA_SVC_NAME (apimachinery IsValidPortName).
std::vector<std::string> port_name_errors(std::string_view s) {
  std::vector<std::string> errs;
  if (s.size() > 15) {
    errs.emplace_back("must be no more than 15 characters");
  }
  const bool chars = std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!chars) {
    errs.emplace_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  } else if (s.find("--") != std::string_view::npos) {
    errs.emplace_back("must not contain consecutive hyphens");
  }
  if (std::none_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    errs.emplace_back("must contain at least one letter (a-z)");
  }
  if (!s.empty() && (s.front() == '-' || s.back() == '-')) {
    errs.emplace_back("must not begin or end with a hyphen");
  }
  return errs;
}

// Kubernetes validateEnvVarValueFrom (the sources a sidecar's env can read).
void validate_env_source(Sink& sink, const Json& from, const std::string& f) {
  std::size_t n = 0;
  for (const char* k : {"fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"}) {
    n += has(from, k) ? 1 : 0;
  }
  if (n == 0) {
    sink.invalid(f, "",
                 "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                 "`secretKeyRef`");
    return;
  }
  if (n > 1) {
    sink.invalid(f, "", "may not have more than one field specified at a time");
    return;
  }
  if (has(from, "fieldRef")) {
    const Json& ref = member(from, "fieldRef");
    const std::string path = member_string(ref, "fieldPath");
    if (member_string(ref, "apiVersion").empty()) {
      sink.required(f + ".fieldRef.apiVersion");
    } else if (path.empty()) {
      sink.required(f + ".fieldRef.fieldPath");
    } else {
      const std::string_view fp = path;
      bool subscripted = false;
      for (std::string_view prefix : {"metadata.labels", "metadata.annotations"}) {
        if (fp.starts_with(prefix) && fp.size() > prefix.size() + 4 &&
            fp.substr(prefix.size(), 2) == "['" && fp.ends_with("']")) {
          subscripted = true;
          std::string key(fp.substr(prefix.size() + 2, fp.size() - prefix.size() - 4));
          if (prefix == "metadata.annotations") {
            std::transform(key.begin(), key.end(), key.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          }
          for (const auto& e : qualified_name_errors(key)) {
            sink.invalid(f + ".fieldRef", key, e);
          }
        }
      }
      static const std::set<std::string, std::less<>> kSupported = {"metadata.annotations",
                                                                    "metadata.labels",
                                                                    "metadata.name",
                                                                    "metadata.namespace",
                                                                    "metadata.uid",
                                                                    "spec.nodeName",
                                                                    "spec.serviceAccountName",
                                                                    "status.hostIP",
                                                                    "status.hostIPs",
                                                                    "status.podIP",
                                                                    "status.podIPs"};
      if (!subscripted && (!kSupported.contains(path) || path == "metadata.labels" ||
                           path == "metadata.annotations")) {
        sink.unsupported(f + ".fieldRef.fieldPath", path,
                         {"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                          "spec.serviceAccountName", "status.hostIP", "status.hostIPs",
                          "status.podIP", "status.podIPs"});
      }
    }
  }
  for (const char* k : {"configMapKeyRef", "secretKeyRef"}) {
    if (has(from, k)) {
      if (member_string(member(from, k), "name").empty()) {
        sink.required(f + "." + k + ".name");
      }
      if (member_string(member(from, k), "key").empty()) {
        sink.required(f + "." + k + ".key");
      }
    }
  }
  if (has(from, "resourceFieldRef") &&
      member_string(member(from, "resourceFieldRef"), "resource").empty()) {
    sink.required(f + ".resourceFieldRef.resource");
  }
}

std::string quantity_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void validate_resources(Sink& sink, const Json& c, const std::string& p) {
  const Json& res = member(c, "resources");
  std::map<std::string, long double> limits;
  for (const char* k : {"limits", "requests"}) {
    for (const auto& [name, v] : member(res, k).items()) {
      auto q = parse_quantity(quantity_text(v));
      if (!q) {
        sink.invalid(p + ".resources." + k + "[" + name + "]", quantity_text(v),
                     "quantities must match the regular expression "
                     "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        continue;
      }
      if (q->value < 0) {
        sink.invalid(p + ".resources." + k + "[" + name + "]", quantity_text(v),
                     "must be greater than or equal to 0");
      }
      if (std::string_view(k) == "limits") {
        limits[name] = q->value;
      } else if (auto it = limits.find(name); it != limits.end() && q->value > it->second) {
        sink.invalid(p + ".resources.requests", quantity_text(v),
                     "must be less than or equal to " + name + " limit of " +
                         quantity_text(member(member(res, "limits"), name)));
      }
    }
  }
}

void validate_handler(Sink& sink, const Json& h, const std::string& f,
                      std::initializer_list<const char*> kinds) {
  std::size_t n = 0;
  for (const char* k : kinds) {
    if (has(h, k)) {
      if (++n > 1) {
        sink.forbidden(f + "." + k, "may not specify more than 1 handler type");
      }
    }
  }
  if (n == 0) {
    sink.required(f, "must specify a handler type");
  }
}

void validate_probes(Sink& sink, const Json& c, const std::string& p, bool plain_init) {
  for (const char* k : {"livenessProbe", "readinessProbe", "startupProbe", "lifecycle"}) {
    if (!has(c, k)) {
      continue;
    }
    if (plain_init) {
      sink.forbidden(p + "." + k,
                     "may not be set for init containers without restartPolicy=Always");
      continue;
    }
    const Json& probe = member(c, k);
    if (std::string_view(k) == "lifecycle") {
      for (const char* hook : {"postStart", "preStop"}) {
        if (has(probe, hook)) {
          validate_handler(sink, member(probe, hook), p + ".lifecycle." + hook,
                           {"exec", "httpGet", "tcpSocket", "sleep"});
        }
      }
      continue;
    }
    validate_handler(sink, probe, p + "." + k, {"exec", "httpGet", "tcpSocket", "grpc"});
    for (const char* n : kProbeInts) {
      const Json& v = member(probe, n);
      if (v.is_number_integer() && v.get<std::int64_t>() < 0) {
        sink.invalid(p + "." + k + "." + n, v, "must be greater than or equal to 0");
      }
    }
    const Json& success = member(probe, "successThreshold");
    if (std::string_view(k) != "readinessProbe" && success.is_number_integer() &&
        success.get<std::int64_t>() != 1) {
      sink.invalid(p + "." + k + ".successThreshold", success, "must be 1");
    }
  }
}

void validate_mounts(Sink& sink, const Json& c, const std::string& p,
                     const std::map<std::string, const Json*>& volumes) {
  const Json& mounts = list(c, "volumeMounts");
  const Json& devices = list(c, "volumeDevices");
  std::set<std::string> mount_paths;
  std::set<std::string> device_paths;
  std::set<std::string> mount_names;
  std::set<std::string> device_names;
  for (const auto& m : mounts) {
    mount_paths.insert(member_string(m, "mountPath"));
    mount_names.insert(member_string(m, "name"));
  }
  for (const auto& d : devices) {
    device_paths.insert(member_string(d, "devicePath"));
    device_names.insert(member_string(d, "name"));
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < mounts.size(); ++i) {
    const Json& m = mounts[i];
    const std::string f = idx(p + ".volumeMounts", i);
    const std::string name = member_string(m, "name");
    const std::string path = member_string(m, "mountPath");
    if (name.empty()) {
      sink.required(f + ".name");
    } else if (!volumes.contains(name)) {
      sink.add(f + ".name", "Not found: " + dq(name));
    }
    if (path.empty()) {
      sink.required(f + ".mountPath");
    } else if (!seen.insert(path).second) {
      sink.invalid(f + ".mountPath", path, "must be unique");
    }
    if (!name.empty() && device_names.contains(name)) {
      sink.invalid(f + ".name", name, "must not already exist in volumeDevices");
    }
    if (!path.empty() && device_paths.contains(path)) {
      sink.invalid(f + ".mountPath", path, "must not already exist as a path in volumeDevices");
    }
    const std::string sub = member_string(m, "subPath");
    if (!sub.empty() && !member_string(m, "subPathExpr").empty()) {
      sink.invalid(f + ".subPathExpr", member_string(m, "subPathExpr"),
                   "subPathExpr and subPath are mutually exclusive");
    }
    for (const char* k : {"subPath", "subPathExpr"}) {
      const std::string s = member_string(m, k);
      if (!s.empty() && s.front() == '/') {
        sink.invalid(f + "." + k, s, "must be a relative path");
      }
      if (s == ".." || s.starts_with("../") || s.ends_with("/..") ||
          s.find("/../") != std::string::npos) {
        sink.invalid(f + "." + k, s, "must not contain '..'");
      }
    }
    const std::string prop = member_string(m, "mountPropagation");
    if (has(m, "mountPropagation") && prop != "None" && prop != "HostToContainer" &&
        prop != "Bidirectional") {
      sink.unsupported(f + ".mountPropagation", prop, {"Bidirectional", "HostToContainer", "None"});
    }
  }
  seen.clear();
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const Json& d = devices[i];
    const std::string f = idx(p + ".volumeDevices", i);
    const std::string name = member_string(d, "name");
    const std::string path = member_string(d, "devicePath");
    if (name.empty()) {
      sink.required(f + ".name");
    } else if (auto it = volumes.find(name); it == volumes.end()) {
      sink.add(f + ".name", "Not found: " + dq(name));
    } else if (!has(*it->second, "persistentVolumeClaim") && !has(*it->second, "ephemeral")) {
      sink.invalid(f + ".name", name,
                   "can only use volume source type of PersistentVolumeClaim or Ephemeral for "
                   "block mode");
    }
    if (path.empty()) {
      sink.required(f + ".devicePath");
    } else if (!seen.insert(path).second) {
      sink.invalid(f + ".devicePath", path, "must be unique");
    }
    if (!path.empty() && mount_paths.contains(path)) {
      sink.invalid(f + ".devicePath", path, "must not already exist as a path in volumeMounts");
    }
    if (!name.empty() && mount_names.contains(name)) {
      sink.invalid(f + ".name", name, "must not already exist in volumeMounts");
    }
  }
}

void validate_container(Sink& sink, const Json& c, const std::string& p, bool init,
                        const std::map<std::string, const Json*>& volumes) {
  const std::string name = member_string(c, "name");
  if (name.empty()) {
    sink.required(p + ".name");
  } else {
    for (const auto& e : dns1123_label_errors(name)) {
      sink.invalid(p + ".name", name, e);
    }
  }
  const std::string image = member_string(c, "image");
  if (image.empty()) {
    sink.required(p + ".image");
  } else if (image.find_first_not_of(" \t\r\n") != 0 ||
             image.find_last_not_of(" \t\r\n") != image.size() - 1) {
    sink.invalid(p + ".image", image, "must not have leading or trailing whitespace");
  }
  const std::string pull = member_string(c, "imagePullPolicy");
  if (pull != "Always" && pull != "IfNotPresent" && pull != "Never") {
    sink.unsupported(p + ".imagePullPolicy", pull, {"Always", "IfNotPresent", "Never"});
  }
  const std::string tmp = member_string(c, "terminationMessagePolicy");
  if (tmp != "File" && tmp != "FallbackToLogsOnError") {
    sink.unsupported(p + ".terminationMessagePolicy", tmp, {"File", "FallbackToLogsOnError"});
  }
  const bool restartable = member_string(c, "restartPolicy") == "Always";
  if (has(c, "restartPolicy")) {
    if (!init) {
      sink.forbidden(p + ".restartPolicy", "may not be set for non-init containers");
    } else if (!restartable) {
      sink.unsupported(p + ".restartPolicy", member_string(c, "restartPolicy"), {"Always"});
    }
  }
  validate_probes(sink, c, p, init && !restartable);

  std::set<std::string> port_names;
  const Json& ports = list(c, "ports");
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const Json& port = ports[i];
    const std::string f = idx(p + ".ports", i);
    const Json& cp = member(port, "containerPort");
    if (!cp.is_number_integer() || cp.get<std::int64_t>() < 1 || cp.get<std::int64_t>() > 65535) {
      sink.invalid(f + ".containerPort", cp.is_null() ? Json(0) : cp,
                   "must be between 1 and 65535, inclusive");
    }
    const Json& hp = member(port, "hostPort");
    if (hp.is_number_integer() && hp.get<std::int64_t>() != 0 &&
        (hp.get<std::int64_t>() < 1 || hp.get<std::int64_t>() > 65535)) {
      sink.invalid(f + ".hostPort", hp, "must be between 1 and 65535, inclusive");
    }
    const std::string proto = member_string(port, "protocol");
    if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
      sink.unsupported(f + ".protocol", proto, {"SCTP", "TCP", "UDP"});
    }
    const std::string pname = member_string(port, "name");
    if (!pname.empty()) {
      for (const auto& e : port_name_errors(pname)) {
        sink.invalid(f + ".name", pname, e);
      }
      if (!port_names.insert(pname).second) {
        sink.add(f + ".name", "Duplicate value: " + dq(pname));
      }
    }
  }
  const Json& env = list(c, "env");
  for (std::size_t i = 0; i < env.size(); ++i) {
    const std::string f = idx(p + ".env", i);
    const std::string en = member_string(env[i], "name");
    if (en.empty()) {
      sink.required(f + ".name");
    } else if (!is_env_var_name(en)) {
      sink.invalid(f + ".name", en,
                   "a valid environment variable name must consist of alphabetic characters, "
                   "digits, '_', '-', or '.', and must not start with a digit (e.g. "
                   "'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "
                   "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')");
    }
    if (!member_string(env[i], "value").empty() && has(env[i], "valueFrom")) {
      sink.invalid(f + ".valueFrom", "", "may not be specified when `value` is not empty");
    }
    if (has(env[i], "valueFrom")) {
      validate_env_source(sink, member(env[i], "valueFrom"), f + ".valueFrom");
    }
  }
  validate_mounts(sink, c, p, volumes);
  validate_resources(sink, c, p);
}

// In the order Kubernetes' validateVolumeSource checks them (the second one found is reported).
constexpr std::string_view kVolumeSources[] = {"emptyDir",
                                               "hostPath",
                                               "gitRepo",
                                               "gcePersistentDisk",
                                               "awsElasticBlockStore",
                                               "secret",
                                               "nfs",
                                               "iscsi",
                                               "glusterfs",
                                               "flocker",
                                               "persistentVolumeClaim",
                                               "rbd",
                                               "cinder",
                                               "cephfs",
                                               "quobyte",
                                               "downwardAPI",
                                               "fc",
                                               "flexVolume",
                                               "configMap",
                                               "azureFile",
                                               "vsphereVolume",
                                               "photonPersistentDisk",
                                               "portworxVolume",
                                               "azureDisk",
                                               "storageos",
                                               "projected",
                                               "scaleIO",
                                               "csi",
                                               "ephemeral",
                                               "image"};

void validate_volumes(Sink& sink, const Json& volumes) {
  std::set<std::string> names;
  for (std::size_t i = 0; i < volumes.size(); ++i) {
    const Json& v = volumes[i];
    const std::string f = idx("spec.volumes", i);
    const std::string name = member_string(v, "name");
    if (name.empty()) {
      sink.required(f + ".name");
    } else {
      for (const auto& e : dns1123_label_errors(name)) {
        sink.invalid(f + ".name", name, e);
      }
      if (!names.insert(name).second) {
        sink.add(f + ".name", "Duplicate value: " + dq(name));
      }
    }
    std::size_t sources = 0;
    for (auto key : kVolumeSources) {
      if (has(v, key)) {
        if (++sources > 1) {
          sink.forbidden(f + "." + std::string(key), "may not specify more than 1 volume type");
        }
      }
    }
    if (sources == 0) {
      sink.required(f, "must specify a volume type");
    }
    if (has(v, "persistentVolumeClaim") &&
        member_string(member(v, "persistentVolumeClaim"), "claimName").empty()) {
      sink.required(f + ".persistentVolumeClaim.claimName");
    }
    if (has(v, "hostPath") && member_string(member(v, "hostPath"), "path").empty()) {
      sink.required(f + ".hostPath.path");
    }
    for (const char* k : {"secret", "configMap", "downwardAPI", "projected"}) {
      const Json& mode = member(member(v, k), "defaultMode");
      if (!mode.is_null() && (!mode.is_number_integer() || mode.get<std::int64_t>() < 0 ||
                              mode.get<std::int64_t>() > 0777)) {
        sink.invalid(f + "." + k + ".defaultMode", mode,
                     "must be a number between 0 and 0777 (octal), both inclusive");
      }
    }
  }
}

// ---- rules 9, 10 and the hot-upgrade rule ----

// OpenKruise validateObjectFieldSelector + ConvertDownwardAPIFieldLabel for transferEnv.
void validate_transfer_env(Sink& sink, const Json& c, const std::string& p) {
  const Json& entries = list(c, "transferEnv");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Json& ref = member(member(entries[i], "sourceContainerNameFrom"), "fieldRef");
    if (!ref.is_object()) {
      continue;
    }
    const std::string f = idx(p + ".transferEnv", i) + ".fieldRef";
    const std::string api = member_string(ref, "apiVersion");
    const std::string path = member_string(ref, "fieldPath");
    if (api.empty()) {
      sink.required(f + ".apiVersion");
      continue;
    }
    if (path.empty()) {
      sink.required(f + ".fieldPath");
      continue;
    }
    if (api != "v1") {
      sink.invalid(f + ".fieldPath", path,
                   "error converting fieldPath: unsupported pod version: " + api);
      continue;
    }
    std::string_view key;
    std::string_view kind;
    const std::string_view fp = path;
    for (std::string_view prefix : {"metadata.labels", "metadata.annotations"}) {
      if (fp.starts_with(prefix) && fp.size() > prefix.size() + 4 &&
          fp.substr(prefix.size(), 2) == "['" && fp.ends_with("']")) {
        kind = prefix;
        key = fp.substr(prefix.size() + 2, fp.size() - prefix.size() - 4);
      }
    }
    if (kind.empty()) {
      sink.invalid(f + ".fieldPath", path,
                   "error converting fieldPath: field label not supported: " + path);
      continue;
    }
    std::string k(key);
    if (kind == "metadata.annotations") {
      std::transform(k.begin(), k.end(), k.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    }
    for (const auto& e : qualified_name_errors(k)) {
      sink.invalid(f, std::string(key), e);
    }
  }
}

void validate_resources_policy_of(Sink& sink, const Json& c, const std::string& p, bool init) {
  if (!has(c, "resourcesPolicy")) {
    return;
  }
  const std::string f = p + ".resourcesPolicy";
  if (init && member_string(c, "restartPolicy") != "Always") {
    sink.forbidden(f, "resourcesPolicy is only supported for containers with RestartPolicy Always");
    return;
  }
  const Json& res = member(c, "resources");
  if (!member(res, "limits").empty() || !member(res, "requests").empty()) {
    sink.invalid(f, member(c, "resourcesPolicy"),
                 "resourcesPolicy and resources cannot be configured together");
    return;
  }
  for (const auto& msg : validate_resources_policy(member(c, "resourcesPolicy"), f)) {
    // Messages start with the field path (resources.hpp contract).
    const auto colon = msg.find(": ");
    if (colon != std::string::npos && msg.starts_with(f)) {
      sink.add(msg.substr(0, colon), msg.substr(colon + 2));
    } else {
      sink.add(f, msg);
    }
  }
}

void validate_hot_upgrade(Sink& sink, const Json& c, const std::string& p) {
  const Json& u = member(c, "upgradeStrategy");
  if (member_string(u, "upgradeType") == "HotUpgrade" &&
      member_string(u, "hotUpgradeEmptyImage").empty()) {
    sink.required(p + ".upgradeStrategy.hotUpgradeEmptyImage",
                  "container " + dq(member_string(c, "name")) +
                      ": hotUpgradeEmptyImage is required for HotUpgrade");
  }
}

void validate_containers(Sink& sink, const Json& spec) {
  const Json& init = list(spec, "initContainers");
  const Json& containers = list(spec, "containers");
  if (init.empty() && containers.empty()) {
    sink.required("spec", "no initContainer or container defined for SidecarSet");
    return;
  }
  std::map<std::string, const Json*> volumes;
  for (const auto& v : list(spec, "volumes")) {
    volumes.emplace(member_string(v, "name"), &v);
  }
  std::set<std::string> names;
  auto unique_name = [&](const Json& c, const std::string& p) {
    const std::string n = member_string(c, "name");
    if (!n.empty() && !names.insert(n).second) {
      sink.add(p + ".name", "Duplicate value: " + dq(n));
    }
  };
  for (std::size_t i = 0; i < init.size(); ++i) {
    const std::string p = idx("spec.initContainers", i);
    validate_resources_policy_of(sink, init[i], p, true);
    validate_hot_upgrade(sink, init[i], p);
    validate_container(sink, init[i], p, true, volumes);
    unique_name(init[i], p);
  }
  for (std::size_t i = 0; i < containers.size(); ++i) {
    const Json& c = containers[i];
    const std::string p = idx("spec.containers", i);
    const std::string policy = member_string(c, "podInjectPolicy");
    if (policy != "BeforeAppContainer" && policy != "AfterAppContainer") {
      sink.invalid(p + ".podInjectPolicy", policy, "unsupported pod inject policy");
      sink.upstream("spec.container.podInjectPolicy: Invalid value: " + go_quoted(policy) +
                    ": unsupported pod inject policy");
    }
    const std::string share = member_string(member(c, "shareVolumePolicy"), "type");
    if (share != "enabled" && share != "disabled") {
      sink.invalid(p + ".shareVolumePolicy", member(c, "shareVolumePolicy"),
                   "unsupported share volume policy");
      // The bad value is the Go struct, printed with %#v.
      sink.upstream(
          "spec.container.shareVolumePolicy: Invalid value: v1beta1.ShareVolumePolicy{Type:" +
          go_quoted(share) + "}: unsupported share volume policy");
    }
    validate_transfer_env(sink, c, p);
    validate_resources_policy_of(sink, c, p, false);
    validate_hot_upgrade(sink, c, p);
    validate_container(sink, c, p, false, volumes);
    unique_name(c, p);
  }
}

// ---- rule 12: patchPodMetadata (the whitelist is not applied: no ConfigMap offline) ----

void validate_patch_pod_metadata(Sink& sink, const Json& spec) {
  std::set<std::string> keys;
  const Json& patches = list(spec, "patchPodMetadata");
  for (std::size_t i = 0; i < patches.size(); ++i) {
    const Json& patch = patches[i];
    const std::string f = idx("spec.patchPodMetadata", i);
    const Json& annotations = member(patch, "annotations");
    if (!annotations.is_object() || annotations.empty()) {
      sink.required(f, "no annotations defined for SidecarSet");
    } else {
      for (const auto& [k, v] : annotations.items()) {
        std::string lower = k;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        for (const auto& e : qualified_name_errors(lower)) {
          sink.invalid(f + ".annotations", k, e);
        }
      }
    }
    const std::string policy = member_string(patch, "patchPolicy");
    if (policy.empty()) {
      sink.required(f, "no patchPolicy defined for patchPodMetadata");
    } else if (policy != "Retain" && policy != "Overwrite" && policy != "MergePatchJson") {
      sink.unsupported(f + ".patchPolicy", policy, {"MergePatchJson", "Overwrite", "Retain"});
    }
    if (annotations.is_object()) {
      for (const auto& [k, v] : annotations.items()) {
        if (!keys.insert(k).second) {
          sink.required(f, "patch annotation[" + k + "] already exist");
        }
      }
    }
  }
}

// ---- rules 2, 3, 5 ----

}  // namespace

std::string canary_upstream_problem(const Json& sidecarset, std::string_view detail) {
  const Json& annotations = member(member(sidecarset, "metadata"), "annotations");
  std::string map = "map[string]string{";
  std::vector<std::pair<std::string, std::string>> sorted;
  if (annotations.is_object()) {
    for (const auto& [k, v] : annotations.items()) {
      sorted.emplace_back(k, v.is_string() ? v.get<std::string>() : std::string());
    }
  }
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    map += (i == 0 ? "" : ", ") + go_quoted(sorted[i].first) + ":" + go_quoted(sorted[i].second);
  }
  return "metadata: Invalid value: " + map + "}: " + std::string(detail);
}

namespace {

bool is_canary(const Json& ss) {
  const Json& ann = member(member(ss, "metadata"), "annotations");
  return member_string(ann, kCanaryAnnotation) == "true" &&
         !member_string(ann, kCanaryBaseAnnotation).empty();
}

void validate_canary(Sink& sink, const Json& ss, const SidecarSetLookup& lookup) {
  if (!is_canary(ss)) {
    return;
  }
  const Json& meta = member(ss, "metadata");
  const std::string base = member_string(member(meta, "annotations"), kCanaryBaseAnnotation);
  const std::string f = "metadata.annotations[" + std::string(kCanaryBaseAnnotation) + "]";
  // Upstream reports every canary problem on `metadata`, the annotations as the bad value.
  auto problem = [&](const std::string& field, const Json& value, const std::string& detail) {
    sink.invalid(field, value, detail);
    sink.upstream(canary_upstream_problem(ss, detail));
  };
  if (base == member_string(meta, "name")) {
    problem(f, base, "base sidecarSet cannot be itself");
  } else if (const Json* b = lookup ? lookup(base) : nullptr; b == nullptr) {
    problem(f, base,
            "fetch base sidecarSet[" + base + "] failed: sidecarsets.apps.kruise.io " + dq(base) +
                " not found");
  } else if (is_canary(*b)) {
    problem(f, base, "base sidecarSet cannot be canary");
  }
  const std::string type = member_string(member(member(ss, "spec"), "updateStrategy"), "type");
  if (type != "NotUpdate") {
    problem("spec.updateStrategy.type", type,
            "RollingUpdate is not supported for canary sidecarSet");
  }
}

void validate_injection_strategy(Sink& sink, const Json& ss, const RevisionResolver& resolver) {
  const Json& spec = member(ss, "spec");
  const Json& revision = member(member(spec, "injectionStrategy"), "revision");
  if (!revision.is_object()) {
    return;
  }
  const std::string f = "spec.injectionStrategy.revision";
  if (!has(revision, "revisionName") && !has(revision, "customVersion")) {
    sink.invalid(f, revision, "revisionName and customVersion cannot be empty simultaneously");
  } else if (resolver) {
    // Upstream reports the restored SidecarSet as the bad value, nil when not found, under the
    // path `revision` (validateSidecarSetInjectionStrategy).
    if (const std::string why = resolver(ss); !why.empty()) {
      sink.add("revision",
               "Invalid value: \"null\": Cannot find specific ControllerRevision, err: " + why);
    }
  }
  // Without a resolver the ControllerRevision is resolved per pod (files).
  const std::string policy = member_string(revision, "policy");
  if (!policy.empty() && policy != "Always" && policy != "Partial") {
    sink.invalid(f + ".policy", policy,
                 "Invalid policy " + policy + ", supported: [Always, Partial]");
  }
}

}  // namespace

std::vector<FieldProblem> check_sidecarset_shape(const Json& ss) {
  Sink sink;
  check_shape(sink, ss);
  return sink.out;
}

std::vector<FieldProblem> validate_sidecarset(const Json& ss, const SidecarSetLookup& lookup,
                                              const RevisionResolver& resolver) {
  Sink sink;
  check_shape(sink, ss);
  if (!sink.out.empty()) {
    return sink.out;  // the object would not even decode
  }
  const Json& spec = member(ss, "spec");
  validate_metadata(sink, member(ss, "metadata"));
  validate_canary(sink, ss, lookup);
  // Rule 3: native sidecars cannot be upgraded in place.
  if (member_string(member(spec, "updateStrategy"), "type") == "RollingUpdate") {
    for (const auto& c : list(spec, "initContainers")) {
      if (member_string(c, "restartPolicy") == "Always") {
        sink.required("spec.updateStrategy",
                      "The initContainer in-place upgrade is not currently supported.");
      }
    }
  }
  if (!has(spec, "selector")) {
    sink.required("spec.selector", "no selector defined for SidecarSet");
  } else {
    validate_selector(sink, member(spec, "selector"), "spec.selector");
  }
  if (has(spec, "namespaceSelector")) {
    validate_selector(sink, member(spec, "namespaceSelector"), "spec.namespaceSelector");
  }
  validate_injection_strategy(sink, ss, resolver);
  validate_update_strategy(sink, member(spec, "updateStrategy"));
  validate_volumes(sink, list(spec, "volumes"));
  validate_containers(sink, spec);
  validate_patch_pod_metadata(sink, spec);
  return sink.out;
}

namespace {

struct ConflictView {
  std::string name;
  std::string base;  // canary base, "" when not a canary
  LabelSelector selector;
  std::optional<LabelSelector> namespace_selector;
  std::set<std::string> open_keys;  // keys with an In/Exists expression (widen matchLabels)
};

ConflictView view_of(const Json& ss) {
  ConflictView v;
  const Json& meta = member(ss, "metadata");
  v.name = member_string(meta, "name");
  if (is_canary(ss)) {
    v.base = member_string(member(meta, "annotations"), kCanaryBaseAnnotation);
  }
  const Json& spec = member(ss, "spec");
  if (auto s = parse_label_selector(member(spec, "selector"), "spec.selector")) {
    v.selector = std::move(*s);
  }
  for (const auto& r : v.selector.expressions) {
    if (r.op == "In" || r.op == "Exists") {
      v.open_keys.insert(r.key);
    }
  }
  if (has(spec, "namespaceSelector")) {
    if (auto s =
            parse_label_selector(member(spec, "namespaceSelector"), "spec.namespaceSelector")) {
      v.namespace_selector = std::move(*s);
    }
  }
  return v;
}

// isSidecarSetNamespaceOverlapping + IsSelectorOverlapping, minus a canary/base pair.
bool may_collide(const ConflictView& a, const ConflictView& b) {
  if (a.base == b.name || b.base == a.name) {
    return false;
  }
  if (a.namespace_selector && b.namespace_selector &&
      !selectors_overlap(*a.namespace_selector, *b.namespace_selector)) {
    return false;
  }
  return selectors_overlap(a.selector, b.selector);
}

std::string pair_key(std::string_view k, std::string_view v) {
  std::string out(k);
  out += '\x1f';
  out += v;
  return out;
}

// The SidecarSets holding one container name, volume name or annotation key. Comparing every
// holder with every other is quadratic (10,000 SidecarSets each with an `istio-proxy` for its own
// app would take minutes), so holders are also indexed by their matchLabels pairs: when every
// holder pins key k and SidecarSet i pins k=v (with no In/Exists widening it), only holders with
// k=v can overlap i (upstream isDisjoint rejects a matchLabels value outside i's).
struct Holders {
  std::vector<std::size_t> all;  // ascending
  std::unordered_map<std::string, std::size_t> with_key;
  std::unordered_map<std::string, std::vector<std::size_t>> by_pair;
  std::unordered_map<std::size_t, std::string> detail;  // volume definition / patch policy

  void add(std::size_t i, const ConflictView& v, std::string d) {
    if (!all.empty() && all.back() == i) {
      return;
    }
    all.push_back(i);
    for (const auto& [k, val] : v.selector.match_labels) {
      ++with_key[k];
      by_pair[pair_key(k, val)].push_back(i);
    }
    detail.emplace(i, std::move(d));
  }

  const std::vector<std::size_t>& candidates(const ConflictView& v) const {
    static const std::vector<std::size_t> kNone;
    const std::vector<std::size_t>* best = &all;
    for (const auto& [k, val] : v.selector.match_labels) {
      auto wk = with_key.find(k);
      if (v.open_keys.contains(k) || wk == with_key.end() || wk->second != all.size()) {
        continue;
      }
      auto it = by_pair.find(pair_key(k, val));
      const auto& list_for = it == by_pair.end() ? kNone : it->second;
      if (list_for.size() < best->size()) {
        best = &list_for;
      }
    }
    return *best;
  }
};

// Go's reflect.DeepEqual ignores key order; compare volumes by their sorted-key text.
std::string canonical(const Json& v) { return nlohmann::json::parse(v.dump()).dump(); }

}  // namespace

namespace {

// Rule 14 over a growing set: add() registers a SidecarSet's containers, volumes and annotation
// keys, problems_of() checks one against those registered (never against itself). Indices are
// positions in `sidecarsets`, added in ascending order.
class ConflictChecker {
 public:
  explicit ConflictChecker(const std::vector<const Json*>& sidecarsets) : sets_(sidecarsets) {
    views_.reserve(sets_.size());
    for (const Json* ss : sets_) {
      views_.push_back(view_of(*ss));
    }
  }

  void add(std::size_t i) {
    const Json& spec = member(*sets_[i], "spec");
    for (const char* k : {"initContainers", "containers"}) {
      for (const auto& c : list(spec, k)) {
        containers_[member_string(c, "name")].add(i, views_[i], "");
      }
    }
    for (const auto& v : list(spec, "volumes")) {
      volumes_[member_string(v, "name")].add(i, views_[i], canonical(v));
    }
    for (const auto& p : list(spec, "patchPodMetadata")) {
      const std::string policy = member_string(p, "patchPolicy");
      if (policy == "Retain") {
        continue;
      }
      for (const auto& [key, value] : member(p, "annotations").items()) {
        Holders& h = annotations_[key];
        if (!h.all.empty() && h.all.back() == i) {
          if (policy == "Overwrite") {
            h.detail[i] = policy;
          }
          continue;
        }
        h.add(i, views_[i], policy);
      }
    }
  }

  std::vector<FieldProblem> problems_of(std::size_t i) const {
    std::vector<FieldProblem> out;
    const Json& spec = member(*sets_[i], "spec");
    // Upstream compares init containers with init containers and containers with containers; a
    // name shared across the two lists would also give the pod a duplicate name, so any shared
    // container name is a conflict here.
    for (const char* k : {"initContainers", "containers"}) {
      const Json& cs = list(spec, k);
      for (std::size_t c = 0; c < cs.size(); ++c) {
        const std::string name = member_string(cs[c], "name");
        if (const auto* other = first_other(containers_, name, i,
                                            [](const Holders&, std::size_t) { return true; })) {
          const std::string detail = "container " + name + " already exist in " + other->name;
          out.push_back(
              FieldProblem{idx(std::string("spec.") + k, c) + ".name", detail,
                           "spec.containers: Invalid value: " + go_quoted(name) + ": " + detail});
        }
      }
    }
    const Json& vs = list(spec, "volumes");
    for (std::size_t v = 0; v < vs.size(); ++v) {
      const std::string name = member_string(vs[v], "name");
      const std::string mine = canonical(vs[v]);
      auto differs = [&](const Holders& h, std::size_t j) { return h.detail.at(j) != mine; };
      if (const auto* other = first_other(volumes_, name, i, differs)) {
        const std::string detail =
            "volume " + name + " is in conflict with sidecarset " + other->name;
        out.push_back(
            FieldProblem{idx("spec.volumes", v), detail,
                         "spec.volumes: Invalid value: " + go_quoted(name) + ": " + detail});
      }
    }
    const Json& patches = list(spec, "patchPodMetadata");
    for (std::size_t p = 0; p < patches.size(); ++p) {
      const std::string policy = member_string(patches[p], "patchPolicy");
      if (policy == "Retain") {
        continue;
      }
      for (const auto& [key, value] : member(patches[p], "annotations").items()) {
        auto overwrites = [&](const Holders& h, std::size_t j) {
          return policy == "Overwrite" || h.detail.at(j) == "Overwrite";
        };
        if (const auto* other = first_other(annotations_, key, i, overwrites)) {
          const std::string detail =
              "annotation " + key + " is in conflict with sidecarset " + other->name;
          out.push_back(FieldProblem{
              idx("spec.patchPodMetadata", p), detail,
              "spec.patchPodMetadata: Invalid value: " + go_quoted(key) + ": " + detail});
        }
      }
    }
    return out;
  }

 private:
  using HolderMap = std::unordered_map<std::string, Holders>;

  // The first other holder of `key` (in index order) that may select the same pods and passes
  // `conflicts`.
  template <class Conflicts>
  const ConflictView* first_other(const HolderMap& map, const std::string& key, std::size_t self,
                                  Conflicts&& conflicts) const {
    const auto it = map.find(key);
    if (it == map.end()) {
      return nullptr;
    }
    for (std::size_t j : it->second.candidates(views_[self])) {
      if (j != self && conflicts(it->second, j) && may_collide(views_[self], views_[j])) {
        return &views_[j];
      }
    }
    return nullptr;
  }

  const std::vector<const Json*>& sets_;
  std::vector<ConflictView> views_;
  HolderMap containers_;
  HolderMap volumes_;
  HolderMap annotations_;  // non-Retain keys only, as upstream
};

}  // namespace

std::vector<std::vector<FieldProblem>> validate_conflicts(
    const std::vector<const Json*>& sidecarsets) {
  ConflictChecker checker(sidecarsets);
  for (std::size_t i = 0; i < sidecarsets.size(); ++i) {
    checker.add(i);
  }
  std::vector<std::vector<FieldProblem>> out(sidecarsets.size());
  for (std::size_t i = 0; i < sidecarsets.size(); ++i) {
    out[i] = checker.problems_of(i);
  }
  return out;
}

std::vector<FieldProblem> validate_conflicts_with(const Json& sidecarset,
                                                  const std::vector<const Json*>& others) {
  const std::string name = member_string(member(sidecarset, "metadata"), "name");
  std::vector<const Json*> sets;
  sets.reserve(others.size() + 1);
  for (const Json* other : others) {
    if (member_string(member(*other, "metadata"), "name") != name) {
      sets.push_back(other);
    }
  }
  sets.push_back(&sidecarset);
  ConflictChecker checker(sets);
  for (std::size_t i = 0; i + 1 < sets.size(); ++i) {
    checker.add(i);
  }
  return checker.problems_of(sets.size() - 1);
}

std::vector<std::vector<FieldProblem>> validate_conflicts_in_order(
    const std::vector<const Json*>& sidecarsets) {
  ConflictChecker checker(sidecarsets);
  std::vector<std::vector<FieldProblem>> out(sidecarsets.size());
  for (std::size_t i = 0; i < sidecarsets.size(); ++i) {
    out[i] = checker.problems_of(i);
    if (out[i].empty()) {
      checker.add(i);
    }
  }
  return out;
}

}  // namespace injector
