// Fuzz target: planner + patch. The input is a pod as JSON; the World is fixed and exercises
// every injection feature that needs no ControllerRevision (placement, init containers, native
// and hot sidecars, shared volumes and devices, transferEnv, patchPodMetadata, pull secrets).
// Property: inject() never throws; when it succeeds, nlohmann's own JSON Patch turns the input
// pod into the returned pod, and the returned pod is still a JSON object. Idempotence is asserted
// by the golden cases instead: upstream itself is not idempotent for pods whose app containers
// carry a sidecar's name (the replaced container stops being a share/transfer source).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "injector/inject/inject.hpp"
#include "injector/model/load.hpp"

namespace {

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

[[noreturn]] void violated(const char* property, std::string_view input) {
  std::fprintf(stderr, "inject_fuzz: %s\ninput: %.*s\n", property, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

const injector::World& world() {
  static const std::shared_ptr<const injector::World> kWorld = [] {
    auto docs = injector::parse_documents(kSidecarSets, "inject_fuzz.yaml");
    if (!docs) {
      violated("the fixed SidecarSets do not parse", kSidecarSets);
    }
    auto built = injector::build_world(std::move(*docs), 1);
    if (!built) {
      violated("the fixed SidecarSets do not load", kSidecarSets);
    }
    return built->world;
  }();
  return *kWorld;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const injector::Json pod = injector::Json::parse(input.begin(), input.end(), nullptr, false);
  if (pod.is_discarded()) {
    return 0;
  }
  injector::InjectOptions options;
  options.seed = size;
  injector::Result<injector::Injection> result;
  try {
    result = injector::inject(world(), pod, "default", options);
  } catch (...) {
    violated("inject() threw", input);
  }
  if (!result) {
    if (result.error().message.empty()) {
      violated("an error without a message", input);
    }
    return 0;
  }
  if (!result->pod.is_object()) {
    violated("the mutated pod is not an object", input);
  }
  injector::Json applied;
  try {
    applied = pod.patch(result->patch);
  } catch (...) {
    violated("nlohmann cannot apply the patch", input);
  }
  if (nlohmann::json::parse(applied.dump()) != nlohmann::json::parse(result->pod.dump())) {
    violated("applying the patch does not give the mutated pod", input);
  }
  return 0;
}
