// Building the sidecars of the matched SidecarSets (buildSidecars in OpenKruise's
// pkg/webhook/pod/mutating/sidecarset.go): each container prepared with its resources, shared
// mounts and devices, transferred env and IS_INJECTED, hot-upgrade pairs, the hash entries.

#include <map>
#include <set>

#include "injector/inject/hot_upgrade.hpp"
#include "injector/inject/resources.hpp"
#include "injector/wire/go_json.hpp"
#include "injector/wire/json_access.hpp"
#include "steps.hpp"

namespace injector::inject_steps {
namespace {

constexpr std::string_view kInjectedEnv = "IS_INJECTED";

// Fields of a SidecarContainer that are not part of corev1.Container: they configure injection
// and never reach the pod (Go drops them when it copies sidecar.Container).
constexpr std::string_view kSidecarOnlyFields[] = {"podInjectPolicy",   "upgradeStrategy",
                                                   "shareVolumePolicy", "shareVolumeDevicePolicy",
                                                   "transferEnv",       "resourcesPolicy"};

const Json& null_json() {
  static const Json kNull;
  return kNull;
}

// util.MergeEnvVar: appends the envs whose name is not present yet (first occurrence wins).
void merge_env(Json& env, const std::vector<Json>& additional) {
  std::set<std::string> names;
  for (const auto& e : env) {
    names.insert(member_string(e, "name"));
  }
  for (const auto& e : additional) {
    if (names.insert(member_string(e, "name")).second) {
      env.push_back(e);
    }
  }
}

// `metadata.labels['k']` / `metadata.annotations['k']` (fieldpath.SplitMaybeSubscriptedPath).
std::optional<std::pair<std::string, std::string>> split_subscript(const std::string& path) {
  const auto open = path.find("['");
  if (open == std::string::npos || path.size() < open + 4 || path.substr(path.size() - 2) != "']") {
    return std::nullopt;
  }
  return std::make_pair(path.substr(0, open), path.substr(open + 2, path.size() - open - 4));
}

// The `$(VAR)` names of a subPathExpr, as regex \$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\) finds them.
std::vector<std::string> subpath_vars(const std::string& expr) {
  auto first_ok = [](char c) {
    return c == '-' || c == '.' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  };
  auto rest_ok = [&](char c) { return first_ok(c) || (c >= '0' && c <= '9'); };
  std::vector<std::string> out;
  for (std::size_t i = 0; i + 1 < expr.size();) {
    if (expr[i] == '$' && expr[i + 1] == '(' && i + 2 < expr.size() && first_ok(expr[i + 2])) {
      std::size_t j = i + 3;
      while (j < expr.size() && rest_ok(expr[j])) {
        ++j;
      }
      if (j < expr.size() && expr[j] == ')') {
        out.push_back(expr.substr(i + 2, j - i - 2));
        i = j + 1;
        continue;
      }
    }
    ++i;
  }
  return out;
}

// GetSidecarTransferEnvs: whole EnvVars copied from a pod container, names in sorted order.
// Upstream skips what it cannot find without a word; the user is told with a warning (`where`
// names the SidecarSet and container), since a sidecar missing its configuration is a surprise.
std::vector<Json> transfer_envs(const Json& sidecar, const PodView& pod, const std::string& where,
                                std::vector<std::string>& warnings) {
  std::vector<Json> out;
  if (!member(sidecar, "transferEnv").is_array() || member(sidecar, "transferEnv").empty()) {
    return out;  // the common case: no index of the pod's envs is needed
  }
  std::map<std::string, const Json*> index;  // "<container>/<env>", last one wins like a Go map
  std::set<std::string> containers;
  if (pod.containers != nullptr && pod.containers->is_array()) {
    for (const auto& c : *pod.containers) {
      containers.insert(member_string(c, "name"));
      for (const Json* env : items(c, "env")) {
        index[member_string(c, "name") + "/" + member_string(*env, "name")] = env;
      }
    }
  }
  for (const Json* t : items(sidecar, "transferEnv")) {
    std::string source = member_string(*t, "sourceContainerName");
    const Json& from = member(member(*t, "sourceContainerNameFrom"), "fieldRef");
    if (from.is_object()) {
      const std::string path = member_string(from, "fieldPath");
      auto split = split_subscript(path);
      if (!split || (split->first != "metadata.labels" && split->first != "metadata.annotations")) {
        // upstream logs "unsupported fieldPath" and skips the entry (validation refuses it, a
        // ControllerRevision's stored spec may still hold it)
        warnings.push_back(where + "transferEnv fieldPath " + go_quote(path) +
                           " is not supported; skipped");
        continue;
      }
      if (split->first == "metadata.labels") {
        auto it = pod.labels.find(split->second);
        source = it == pod.labels.end() ? "" : it->second;
      } else {
        source = member_string(pod.annotations ? *pod.annotations : null_json(), split->second);
      }
      if (source.empty()) {
        warnings.push_back(where + "transferEnv source " + path + " is not set; skipped");
        continue;
      }
    }
    std::set<std::string> names;
    if (!member_string(*t, "envName").empty()) {
      names.insert(member_string(*t, "envName"));
    }
    for (const Json* n : items(*t, "envNames")) {
      if (n->is_string()) {
        names.insert(n->get<std::string>());
      }
    }
    if (!containers.contains(source)) {
      warnings.push_back(where + "transferEnv source container " + go_quote(source) +
                         " is not in the pod; skipped");
      continue;
    }
    for (const auto& name : names) {
      if (auto it = index.find(source + "/" + name); it != index.end()) {
        out.push_back(*it->second);
      } else {
        warnings.push_back(where + "transferEnv: container " + go_quote(source) + " has no env " +
                           go_quote(name) + "; skipped");
      }
    }
  }
  return out;
}

// GetInjectedVolumeMountsAndEnvs / GetInjectedVolumeDevices: mounts (and devices) of the app
// containers, i.e. every pod container without IS_INJECTED=true, plus the envs that the
// subPathExpr of a shared mount references in its own container.
struct Shared {
  std::vector<Json> mounts;
  std::vector<Json> envs;
  std::vector<Json> devices;
};

Shared shared_from_pod(const Json& sidecar, const PodView& pod) {
  Shared out;
  const bool share_mounts =
      member_string(member(sidecar, "shareVolumePolicy"), "type") == "enabled";
  const bool share_devices =
      member_string(member(sidecar, "shareVolumeDevicePolicy"), "type") == "enabled";
  if ((!share_mounts && !share_devices) || pod.containers == nullptr ||
      !pod.containers->is_array()) {
    return out;
  }
  for (const auto& app : *pod.containers) {
    if (is_injected(app)) {
      continue;
    }
    if (share_mounts) {
      for (const Json* m : items(app, "volumeMounts")) {
        out.mounts.push_back(*m);
        for (const auto& var : subpath_vars(member_string(*m, "subPathExpr"))) {
          for (const Json* env : items(app, "env")) {
            if (member_string(*env, "name") == var) {
              out.envs.push_back(*env);  // util.GetContainerEnvVar: the first with that name
              break;
            }
          }
        }
      }
    }
    if (share_devices) {
      for (const Json* d : items(app, "volumeDevices")) {
        out.devices.push_back(*d);
      }
    }
  }
  return out;
}

// One SidecarSet container or init container, merged as buildSidecars does (§2.5 b-g).
Result<Json> prepare(const Json& sidecar, const std::string& sidecarset, const Json& volumes,
                     const PodView& pod, Build& build) {
  if (!sidecar.is_object()) {
    // Loaded SidecarSets are validated; a ControllerRevision's stored spec is not.
    return fail("invalid_sidecarset", prefix(sidecarset) + "a container is not an object");
  }
  Json c = sidecar;
  const std::string name = member_string(sidecar, "name");
  if (const Json& policy = member(sidecar, "resourcesPolicy"); !policy.is_null()) {
    auto resources = compute_resources(policy, pod.resource_candidates);
    if (!resources) {
      return fail(resources.error().code, prefix(sidecarset) + "container " + go_quote(name) +
                                              ": resourcesPolicy: " + resources.error().message);
    }
    c["resources"] = std::move(*resources);  // replaced, not merged (§3.9)
  }
  Shared shared = shared_from_pod(sidecar, pod);
  const std::string where = prefix(sidecarset) + "container " + go_quote(name) + ": ";
  std::vector<Json> transfers = transfer_envs(sidecar, pod, where, build.warnings);
  {
    // transferEnvs = MergeEnvVar(transferEnvs, subPathExpr envs)
    Json merged = Json::array();
    for (auto& t : transfers) {
      merged.push_back(t);
    }
    merge_env(merged, shared.envs);
    transfers.assign(merged.begin(), merged.end());
  }

  // Volumes the sidecar's own mounts and devices reference; unknown names are skipped.
  auto pull_volume = [&](const Json& ref, std::string_view kind) {
    const std::string vol = member_string(ref, "name");
    if (volumes.is_array()) {
      for (const auto& v : volumes) {
        if (member_string(v, "name") == vol) {
          build.volumes.push_back({v, sidecarset});
          return;
        }
      }
    }
    build.warnings.push_back(where + std::string(kind) + " " + go_quote(vol) +
                             " names no volume of the SidecarSet; not injected");
  };
  for (const Json* m : items(sidecar, "volumeMounts")) {
    pull_volume(*m, "volumeMount");
  }
  for (const Json* d : items(sidecar, "volumeDevices")) {
    pull_volume(*d, "volumeDevice");
  }

  // util.MergeVolumeMounts: own mounts win by mountPath (also over own device paths).
  std::set<std::string> paths;
  for (const Json* m : items(sidecar, "volumeMounts")) {
    paths.insert(member_string(*m, "mountPath"));
  }
  for (const Json* d : items(sidecar, "volumeDevices")) {
    paths.insert(member_string(*d, "devicePath"));
  }
  if (!shared.mounts.empty()) {
    Json& mounts = c["volumeMounts"];
    if (!mounts.is_array()) {
      mounts = Json::array();
    }
    for (const auto& m : shared.mounts) {
      if (paths.insert(member_string(m, "mountPath")).second) {
        mounts.push_back(m);
      }
    }
    if (mounts.empty()) {
      c.erase("volumeMounts");
    }
  }

  // IS_INJECTED is appended unconditionally, then the transferred envs that are new.
  Json& env = c["env"];
  if (!env.is_array()) {
    env = Json::array();
  }
  env.push_back(Json{{"name", kInjectedEnv}, {"value", "true"}});
  merge_env(env, transfers);

  if (!shared.devices.empty()) {
    std::set<std::string> device_paths;
    for (const Json* d : items(sidecar, "volumeDevices")) {
      device_paths.insert(member_string(*d, "devicePath"));
    }
    for (const Json* m : items(c, "volumeMounts")) {
      device_paths.insert(member_string(*m, "mountPath"));
    }
    Json& devices = c["volumeDevices"];
    if (!devices.is_array()) {
      devices = Json::array();
    }
    for (const auto& d : shared.devices) {
      if (device_paths.insert(member_string(d, "devicePath")).second) {
        devices.push_back(d);
      }
    }
    if (devices.empty()) {
      c.erase("volumeDevices");
    }
  }
  for (auto field : kSidecarOnlyFields) {
    c.erase(std::string(field));
  }
  return c;
}

// Emits the prepared container, or its hot-upgrade pair, into `out`.
void emit(const Json& spec_container, Json prepared, const std::string& sidecarset,
          std::vector<Produced>& out, std::map<std::string, std::string>& working, bool hot,
          Build& build) {
  const std::string policy = member_string(spec_container, "podInjectPolicy");
  if (!hot) {
    out.push_back({std::move(prepared), policy, sidecarset});
    return;
  }
  auto pair = hot_upgrade_pair(
      prepared, member_string(member(spec_container, "upgradeStrategy"), "hotUpgradeEmptyImage"));
  const std::string name = member_string(spec_container, "name");
  // The pod shows two containers the SidecarSet never named (§4).
  build.warnings.push_back(prefix(sidecarset) + "hot-upgrade container " + go_quote(name) +
                           " is injected as " + go_quote(name + "-1") + " and " +
                           go_quote(name + "-2"));
  out.push_back({std::move(pair.working), policy, sidecarset});
  out.push_back({std::move(pair.empty), policy, sidecarset});
  for (auto& [k, v] : pair.annotations) {
    build.annotations[k] = v;
  }
  // Merged into the pod's existing map so several hot sidecars never overwrite each other.
  working[member_string(spec_container, "name")] = member_string(spec_container, "name") + "-1";
  build.annotations[std::string(kWorkingHotUpgradeAnnotation)] = encode_string_map(working);
}

// Keeps the existing hash entry when only its timestamp would change, so a reinvoked review of
// an injected pod yields no op (the API server reinvokes with reinvocationPolicy IfNeeded).
void put_entry(UpgradeSpecs& specs, const std::string& name, UpgradeSpec entry) {
  if (auto it = specs.find(name); it != specs.end()) {
    UpgradeSpec old = it->second;
    old.update_timestamp = entry.update_timestamp;
    if (old == entry) {
      return;
    }
  }
  specs[name] = std::move(entry);
}

}  // namespace

// Elements of `obj[key]` when it is an array; anything else reads as empty.
std::vector<const Json*> items(const Json& obj, std::string_view key) {
  std::vector<const Json*> out;
  const Json& v = member(obj, key);
  if (v.is_array()) {
    for (const auto& e : v) {
      out.push_back(&e);
    }
  }
  return out;
}

std::string prefix(std::string_view sidecarset) {
  return "sidecarset " + go_quote(sidecarset) + ": ";
}

// sidecarcontrol.IsInjectedSidecarContainerInPod: env IS_INJECTED=true marks our own sidecars.
bool is_injected(const Json& container) {
  for (const Json* env : items(container, "env")) {
    if (member_string(*env, "name") == kInjectedEnv && member_string(*env, "value") == "true") {
      return true;
    }
  }
  return false;
}

Result<PreState> read_pre_state(const Json& annotations, const std::string& pod_ref) {
  PreState pre;
  for (auto [key, target] : {std::pair{kHashAnnotation, &pre.hashes},
                             std::pair{kHashWithoutImageAnnotation, &pre.hashes_without_image}}) {
    const std::string value = member_string(annotations, key);
    auto parsed = parse_upgrade_specs(value);
    if (!parsed) {
      return fail("invalid_pod", pod_ref + " invalid annotations[" + std::string(key) + "] value " +
                                     value + ", unmarshal failed: " + parsed.error().message);
    }
    *target = std::move(*parsed);
  }
  pre.working = parse_string_map(member_string(annotations, kWorkingHotUpgradeAnnotation));
  if (const std::string list = member_string(annotations, kInjectedListAnnotation); !list.empty()) {
    // strings.Split keeps empty fields and sets.String keeps them too: upstream's exact union.
    std::size_t start = 0;
    while (true) {
      const auto comma = list.find(',', start);
      pre.injected_list.insert(list.substr(start, comma - start));
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  return pre;
}

// buildSidecars on CREATE: every matched SidecarSet's init containers, pull secrets and
// containers, merged and paired; `pre` gains this review's hash entries and list names.
Result<Build> build_sidecars(const std::vector<SuitableSidecarSet>& matched, const PodView& view,
                             const std::string& now, PreState& pre) {
  Build build;
  for (const auto& s : matched) {
    const std::string& name = s.live->name;
    pre.injected_list.insert(name);
    const Json& volumes = member(s.spec, "volumes");
    std::set<std::string> sidecar_list;
    bool injecting = false;
    for (const Json* ic : items(s.spec, "initContainers")) {
      const bool native = is_native_sidecar(*ic);
      if (native) {
        sidecar_list.insert(member_string(*ic, "name"));  // only native sidecars (#1719)
      }
      auto prepared = prepare(*ic, name, volumes, view, build);
      if (!prepared) {
        return std::unexpected(prepared.error());
      }
      emit(*ic, std::move(*prepared), name, build.init_containers, pre.working,
           native && is_hot_upgrade(*ic), build);
      injecting = true;
    }
    for (const Json* secret : items(s.spec, "imagePullSecrets")) {
      build.secrets.push_back(*secret);
    }
    for (const Json* c : items(s.spec, "containers")) {
      sidecar_list.insert(member_string(*c, "name"));
      auto prepared = prepare(*c, name, volumes, view, build);
      if (!prepared) {
        return std::unexpected(prepared.error());
      }
      emit(*c, std::move(*prepared), name, build.containers, pre.working, is_hot_upgrade(*c),
           build);
      injecting = true;
    }
    if (injecting) {
      std::vector<std::string> list(sidecar_list.begin(), sidecar_list.end());
      put_entry(pre.hashes, name, UpgradeSpec{now, s.hash, name, list, s.controller_revision});
      put_entry(pre.hashes_without_image, name,
                UpgradeSpec{now, s.hash_without_image, name, list, ""});
    }
  }
  return build;
}

}  // namespace injector::inject_steps
