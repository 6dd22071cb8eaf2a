// Fuzz target: the planner and its patch, in two modes chosen by the first byte.
//
// - A JSON pod ('{' first, the committed seeds): the fixed World below, which exercises every
//   injection feature that needs no ControllerRevision (placement, init containers, native and
//   hot sidecars, shared volumes and devices, transferEnv, patchPodMetadata, pull secrets).
// - Anything else: the bytes are choices that generate one to three SidecarSets and a pod from
//   small pools of names, so selectors, placements, hot upgrades, shared volumes, transferred
//   envs, pull secrets and metadata patches of several SidecarSets meet the same pod.
//
// Properties, in both modes: inject() never throws and its errors carry a message. When it
// succeeds:
// 1. the patch applies to the pod (ours and nlohmann's RFC 6902) and gives the returned pod;
// 2. a second review of the patched pod gives no patch (reinvocationPolicy IfNeeded). Exception:
//    an app container named like a sidecar (or a hot pair's `-1`/`-2`) is replaced in place and
//    stops being a share/transfer source, so upstream is not idempotent there either;
// 3. what we add passes the Pod checks of kube-apiserver (fuzz::pod_problems): a pod that passed
//    them before injection still passes them after;
// 4. a pod without app containers (spec.containers absent, null or empty, or a container that is
//    not an object with a name) is never mutated.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "injector/inject/inject.hpp"
#include "injector/inject/pod_shape.hpp"
#include "injector/model/load.hpp"
#include "injector/patch/json_patch.hpp"

namespace {

using injector::Json;

constexpr std::string_view kSidecarSets = R"(
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: mesh
spec:
  selector:
    matchExpressions:
    - key: app
      operator: Exists
  updateStrategy:
    type: NotUpdate
  patchPodMetadata:
  - annotations:
      mesh.io/config: '{"envoy":{"port":15001}}'
    patchPolicy: MergePatchJson
  - annotations:
      mesh.io/owner: mesh
  imagePullSecrets:
  - name: mesh-pull
  initContainers:
  - name: mesh-init
    image: busybox:1.36
    podInjectPolicy: BeforeAppContainer
    transferEnv:
    - sourceContainerNameFrom:
        fieldRef:
          fieldPath: metadata.labels['main']
      envNames: [POD_IP, ZONE]
  - name: proxy
    image: proxy:1.0
    restartPolicy: Always
    upgradeStrategy:
      upgradeType: HotUpgrade
      hotUpgradeEmptyImage: proxy-empty:1.0
  containers:
  - name: envoy
    image: envoy:1.2
    upgradeStrategy:
      upgradeType: HotUpgrade
      hotUpgradeEmptyImage: envoy-empty:1.0
    shareVolumePolicy:
      type: enabled
    shareVolumeDevicePolicy:
      type: enabled
    volumeMounts:
    - name: mesh-conf
      mountPath: /etc/mesh
    transferEnv:
    - sourceContainerName: app
      envName: POD_IP
  - name: log-agent
    image: log-agent:1.0
    podInjectPolicy: AfterAppContainer
    volumeDevices:
    - name: log-disk
      devicePath: /dev/log
  volumes:
  - name: mesh-conf
    configMap:
      name: mesh
  - name: log-disk
    persistentVolumeClaim:
      claimName: log-disk
)";

constexpr std::string_view kTarget = "inject_fuzz";

std::shared_ptr<const injector::World> load(std::vector<injector::Document> docs) {
  auto built = injector::build_world(std::move(docs), 1);
  return built ? built->world : nullptr;
}

const injector::World& fixed_world() {
  static const std::shared_ptr<const injector::World> kWorld = [] {
    auto docs = injector::parse_documents(kSidecarSets, "inject_fuzz.yaml");
    auto world = docs ? load(std::move(*docs)) : nullptr;
    if (!world) {
      fuzz::violated(kTarget, "the fixed SidecarSets do not load", kSidecarSets);
    }
    return world;
  }();
  return *kWorld;
}

// ---- generated mode ----

constexpr const char* kSidecarNames[] = {"envoy", "log-agent", "proxy", "app", "init-net"};
constexpr const char* kPodNames[] = {"app", "web", "worker", "envoy", "envoy-1", "log-agent"};
constexpr const char* kVolumeNames[] = {"conf", "logs", "data", "cache"};
constexpr const char* kEnvNames[] = {"POD_IP", "ZONE", "IS_INJECTED", "LEVEL"};
constexpr const char* kPaths[] = {"/etc/conf", "/var/log", "/data", "/cache", "/etc/conf"};
constexpr const char* kSecrets[] = {"reg-a", "reg-b"};

Json gen_volume(fuzz::Choices& c, const char* name) {
  Json v = {{"name", name}};
  if (c.flag()) {
    v["emptyDir"] = Json::object();
  } else {
    v["configMap"] = {{"name", name}};
  }
  return v;
}

Json gen_env(fuzz::Choices& c) {
  return {{"name", c.one_of(kEnvNames)}, {"value", c.flag() ? "1" : "true"}};
}

Json gen_selector(fuzz::Choices& c) {
  switch (c.pick(4)) {
    case 0:
      return {{"matchLabels", {{"app", "web"}}}};
    case 1:
      return {{"matchExpressions",
               Json::array({{{"key", "app"}, {"operator", "In"}, {"values", {"web", "api"}}}})}};
    case 2:
      return {{"matchExpressions", Json::array({{{"key", "tier"}, {"operator", "Exists"}}})}};
    default:
      return {{"matchExpressions",
               Json::array({{{"key", "app"}, {"operator", "NotIn"}, {"values", {"db"}}}})}};
  }
}

Json gen_sidecar(fuzz::Choices& c, bool init, std::set<std::string>& used) {
  std::string name = c.one_of(kSidecarNames);
  while (!used.insert(name).second) {
    name += "-x";
  }
  Json s = {{"name", name}, {"image", name + ":1.0"}};
  const std::uint8_t f = c.byte();
  if ((f & 1U) != 0) {
    s["podInjectPolicy"] = (f & 2U) != 0 ? "BeforeAppContainer" : "AfterAppContainer";
  }
  const bool native = init && (f & 4U) != 0;
  if (native) {
    s["restartPolicy"] = "Always";
  }
  if ((f & 8U) != 0 && (!init || native)) {
    s["upgradeStrategy"] = {{"upgradeType", "HotUpgrade"}, {"hotUpgradeEmptyImage", "empty:1.0"}};
  }
  if ((f & 16U) != 0) {
    s["shareVolumePolicy"] = {{"type", "enabled"}};
  }
  if ((f & 32U) != 0) {
    s["shareVolumeDevicePolicy"] = {{"type", "enabled"}};
  }
  if ((f & 64U) != 0) {
    s["env"] = Json::array({gen_env(c)});
  }
  if ((f & 128U) != 0) {
    Json t = {{"envName", c.one_of(kEnvNames)}};
    if (c.flag()) {
      t["sourceContainerName"] = c.one_of(kPodNames);
    } else {
      t["sourceContainerNameFrom"] = {{"fieldRef", {{"fieldPath", "metadata.labels['main']"}}}};
    }
    s["transferEnv"] = Json::array({t});
  }
  const std::uint8_t m = c.byte();
  for (std::size_t i = 0; i < 4; ++i) {
    if ((m & (1U << i)) != 0) {
      s["volumeMounts"].push_back({{"name", kVolumeNames[i]}, {"mountPath", c.one_of(kPaths)}});
    }
  }
  if ((m & 16U) != 0) {
    s["volumeDevices"] =
        Json::array({{{"name", c.one_of(kVolumeNames)}, {"devicePath", "/dev/x"}}});
  }
  return s;
}

Json gen_sidecarset(fuzz::Choices& c, std::size_t index, std::set<std::string>& used) {
  Json spec = {{"selector", gen_selector(c)}};
  for (std::size_t i = 0, n = c.pick(3); i < n; ++i) {
    spec["initContainers"].push_back(gen_sidecar(c, true, used));
  }
  for (std::size_t i = 0, n = c.pick(4); i < n; ++i) {
    spec["containers"].push_back(gen_sidecar(c, false, used));
  }
  const std::uint8_t v = c.byte();
  for (std::size_t i = 0; i < 4; ++i) {
    if ((v & (1U << i)) != 0) {
      spec["volumes"].push_back(gen_volume(c, kVolumeNames[i]));
    }
  }
  if ((v & 16U) != 0) {
    spec["imagePullSecrets"] = Json::array({{{"name", c.one_of(kSecrets)}}});
  }
  if ((v & 32U) != 0) {
    static constexpr const char* kPolicies[] = {"Retain", "Overwrite", "MergePatchJson"};
    const std::string policy = c.one_of(kPolicies);
    spec["patchPodMetadata"] = Json::array(
        {{{"annotations", {{"mesh.io/config", policy == "MergePatchJson" ? R"({"a":1})" : "x"}}},
          {"patchPolicy", policy}}});
  }
  if ((v & 64U) != 0) {
    spec["injectionStrategy"] = {{"paused", c.flag()}};
  }
  return {{"apiVersion", "apps.kruise.io/v1beta1"},
          {"kind", "SidecarSet"},
          {"metadata", {{"name", "set-" + std::to_string(index)}}},
          {"spec", spec}};
}

Json gen_pod(fuzz::Choices& c) {
  Json labels = {{"app", c.flag() ? "web" : "api"}, {"main", c.one_of(kPodNames)}};
  if (c.flag()) {
    labels["tier"] = "front";
  }
  Json spec = Json::object();
  const std::uint8_t v = c.byte();
  for (std::size_t i = 0; i < 4; ++i) {
    if ((v & (1U << i)) != 0) {
      spec["volumes"].push_back(gen_volume(c, kVolumeNames[i]));
    }
  }
  if ((v & 16U) != 0) {
    spec["imagePullSecrets"] = Json::array({{{"name", c.one_of(kSecrets)}}});
  }
  std::set<std::string> used;
  for (const char* kind : {"initContainers", "containers"}) {
    for (std::size_t i = 0, n = c.pick(std::string_view(kind) == "containers" ? 4 : 2); i < n;
         ++i) {
      std::string name = c.one_of(kPodNames);
      if (!used.insert(name).second) {
        continue;
      }
      Json container = {{"name", name}, {"image", name + ":2"}};
      const std::uint8_t f = c.byte();
      if ((f & 1U) != 0) {
        container["env"] = Json::array({gen_env(c), gen_env(c)});
      }
      for (std::size_t j = 0; j < 4; ++j) {
        if ((f & (2U << j)) != 0) {
          Json mount = {{"name", kVolumeNames[j]}, {"mountPath", c.one_of(kPaths)}};
          if ((f & 64U) != 0) {
            mount["subPathExpr"] = "$(POD_IP)/$(ZONE)";
          }
          container["volumeMounts"].push_back(mount);
        }
      }
      if ((f & 128U) != 0) {
        container["volumeDevices"] =
            Json::array({{{"name", c.one_of(kVolumeNames)}, {"devicePath", "/dev/y"}}});
      }
      spec[kind].push_back(container);
    }
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "pod-0"}, {"namespace", "default"}, {"labels", labels}}},
          {"spec", spec}};
}

// Names a reinvoked review would see as sidecars: every SidecarSet container and its hot pair.
bool shares_a_sidecar_name(const Json& pod, const injector::World& world) {
  std::set<std::string> sidecars;
  for (const auto& s : world.sidecarsets) {
    for (const char* list : {"containers", "initContainers"}) {
      const Json& cs = fuzz::field(s.spec(), list);
      for (std::size_t i = 0; cs.is_array() && i < cs.size(); ++i) {
        const std::string name = fuzz::string_field(cs[i], "name");
        sidecars.insert({name, name + "-1", name + "-2"});
      }
    }
  }
  for (const char* list : {"containers", "initContainers"}) {
    const Json& cs = fuzz::field(fuzz::field(pod, "spec"), list);
    for (std::size_t i = 0; cs.is_array() && i < cs.size(); ++i) {
      if (sidecars.contains(fuzz::string_field(cs[i], "name"))) {
        return true;
      }
    }
  }
  return false;
}

void check(const injector::World& world, const Json& pod, std::uint64_t seed,
           std::string_view input) {
  injector::InjectOptions options;
  options.seed = seed;
  injector::Result<injector::Injection> result;
  try {
    result = injector::inject(world, pod, "default", options);
  } catch (...) {
    fuzz::violated(kTarget, "inject() threw", input);
  }
  if (!result) {
    if (result.error().message.empty()) {
      fuzz::violated(kTarget, "an error without a message", input);
    }
    return;
  }
  if (!result->pod.is_object()) {
    fuzz::violated(kTarget, "the mutated pod is not an object", input);
  }
  Json applied;
  try {
    applied = pod.patch(result->patch);
  } catch (...) {
    fuzz::violated(kTarget, "nlohmann cannot apply the patch", input);
  }
  auto ours = injector::apply_patch(pod, result->patch);
  if (!ours || !injector::json_equal(*ours, result->pod) ||
      !injector::json_equal(applied, result->pod)) {
    fuzz::violated(kTarget, "applying the patch does not give the mutated pod", input);
  }
  if (result->patch.empty()) {
    return;
  }
  if (!injector::no_app_containers(pod).empty()) {
    fuzz::violated(kTarget, "a pod without app containers is mutated", input);
  }
  if (fuzz::pod_problems(pod).empty()) {
    if (const auto problems = fuzz::pod_problems(result->pod); !problems.empty()) {
      fuzz::violated(kTarget, "the patched pod fails the API server's checks: " + problems[0],
                     result->pod.dump());
    }
  }
  if (!shares_a_sidecar_name(pod, world)) {
    auto again = injector::inject(world, result->pod, "default", options);
    if (!again || !again->patch.empty()) {
      fuzz::violated(kTarget, "a second review of the patched pod changes it again",
                     again ? again->patch.dump() : again.error().message);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (size > 0 && data[0] == '{') {
    const Json pod = Json::parse(input.begin(), input.end(), nullptr, false);
    if (!pod.is_discarded()) {
      check(fixed_world(), pod, size, input);
    }
    return 0;
  }
  fuzz::Choices c(data, size);
  std::vector<injector::Document> docs;
  std::set<std::string> used;
  for (std::size_t i = 0, n = 1 + c.pick(3); i < n; ++i) {
    docs.push_back({{"generated.yaml", static_cast<int>(i)}, gen_sidecarset(c, i, used)});
  }
  std::string manifests;
  for (const auto& d : docs) {
    manifests += d.object.dump() + "\n";
  }
  const auto world = load(std::move(docs));
  if (!world) {
    return 0;  // rejected by validation, as the API server would reject them
  }
  const Json pod = gen_pod(c);
  check(*world, pod, c.byte(), manifests + pod.dump());
  return 0;
}
