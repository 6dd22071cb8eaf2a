// Rule 11: the parts of Kubernetes' ValidatePodCreate that apply to sidecar containers and
// volumes (names, env, resources, probes, mounts, ports, volume sources).

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "injector/inject/calculator.hpp"
#include "injector/inject/resources.hpp"
#include "injector/kube/quantity.hpp"
#include "injector/kube/selector.hpp"
#include "injector/model/validate.hpp"
#include "injector/model/world.hpp"
#include "injector/wire/json_access.hpp"

#include "rules.hpp"

namespace injector::validation {
namespace {

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

}  // namespace

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

}  // namespace injector::validation
