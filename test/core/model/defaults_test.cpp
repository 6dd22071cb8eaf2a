#include <catch2/catch.hpp>

#include "injector/model/load.hpp"

using injector::Json;

namespace {

Json defaulted(const char* json) {
  Json ss = Json::parse(json);
  injector::default_sidecarset(ss);
  return ss;
}

Json container_defaults(Json c) {
  Json ss = {{"spec", {{"containers", Json::array({std::move(c)})}}}};
  injector::default_sidecarset(ss);
  return ss["spec"]["containers"][0];
}

}  // namespace

// §7 item 24: upstream TestSidecarSetDefault (pkg/webhook/sidecarset/mutating).
TEST_CASE("SidecarSet defaulting matches OpenKruise's mutating webhook") {
  Json ss = defaulted(R"({
    "apiVersion": "apps.kruise.io/v1beta1", "kind": "SidecarSet",
    "metadata": {"name": "sidecarset-test"},
    "spec": {
      "selector": {"matchLabels": {"app": "nginx"}},
      "containers": [{"name": "dns-f", "image": "dns:1.0"}],
      "patchPodMetadata": [{"annotations": {"key1": "value1"}}],
      "injectionStrategy": {"revision": {"customVersion": "1"}}
    }})");
  const Json expected = Json::parse(R"({
    "selector": {"matchLabels": {"app": "nginx"}},
    "containers": [{"name": "dns-f", "image": "dns:1.0",
                    "podInjectPolicy": "BeforeAppContainer",
                    "upgradeStrategy": {"upgradeType": "ColdUpgrade"},
                    "shareVolumePolicy": {"type": "disabled"},
                    "imagePullPolicy": "IfNotPresent",
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File"}],
    "patchPodMetadata": [{"annotations": {"key1": "value1"}, "patchPolicy": "Retain"}],
    "injectionStrategy": {"revision": {"customVersion": "1", "policy": "Always"}},
    "updateStrategy": {"type": "RollingUpdate", "maxUnavailable": 1, "partition": 0},
    "revisionHistoryLimit": 10
  })");
  CHECK(ss["spec"] == expected);
  CHECK(ss["metadata"] == Json::parse(R"({"name": "sidecarset-test"})"));
}

TEST_CASE("defaulting keeps values that are set") {
  Json ss = defaulted(R"({"spec": {
      "updateStrategy": {"type": "NotUpdate", "maxUnavailable": "20%", "partition": 3},
      "revisionHistoryLimit": 3,
      "initContainers": [{"name": "i", "image": "i:1", "podInjectPolicy": "BeforeAppContainer",
                          "imagePullPolicy": "Never",
                          "upgradeStrategy": {"upgradeType": "HotUpgrade"},
                          "shareVolumePolicy": {"type": "enabled"}}],
      "patchPodMetadata": [{"annotations": {"k": "v"}, "patchPolicy": "Overwrite"}]}})");
  CHECK(ss["spec"]["updateStrategy"] ==
        Json::parse(R"({"type": "NotUpdate", "maxUnavailable": "20%", "partition": 3})"));
  CHECK(ss["spec"]["revisionHistoryLimit"] == 3);
  const Json& i = ss["spec"]["initContainers"][0];
  CHECK(i["podInjectPolicy"] == "BeforeAppContainer");
  CHECK(i["imagePullPolicy"] == "Never");
  CHECK(i["upgradeStrategy"]["upgradeType"] == "HotUpgrade");
  CHECK(i["shareVolumePolicy"]["type"] == "enabled");
  CHECK(ss["spec"]["patchPodMetadata"][0]["patchPolicy"] == "Overwrite");
}

TEST_CASE("init containers default to AfterAppContainer") {
  Json ss = defaulted(R"({"spec": {"initContainers": [{"name": "i", "image": "busybox"}]}})");
  CHECK(ss["spec"]["initContainers"][0]["podInjectPolicy"] == "AfterAppContainer");
  CHECK(!ss["spec"].contains("injectionStrategy"));
}

TEST_CASE("imagePullPolicy defaults by image tag") {
  struct Case {
    const char* image;
    const char* policy;
  };
  const Case cases[] = {
      {"nginx", "Always"},
      {"nginx:latest", "Always"},
      {"nginx:1.25", "IfNotPresent"},
      {"docker.io/library/nginx", "Always"},
      {"localhost:5000/app", "Always"},
      {"localhost:5000/app:v2", "IfNotPresent"},
      {"registry.example.com/team/app@sha256:0123456789abcdef", "IfNotPresent"},
      {"app:latest@sha256:0123456789abcdef", "Always"},
      {"Upper/Case", "IfNotPresent"},  // not a valid reference: ParseImageName fails
      {"", "IfNotPresent"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.image) {
      CHECK(container_defaults({{"name", "c"}, {"image", c.image}})["imagePullPolicy"] == c.policy);
    }
  }
}

TEST_CASE("Kubernetes container defaults: ports, env, probes, lifecycle, resources") {
  Json c = container_defaults(Json::parse(R"({
    "name": "c", "image": "c:1",
    "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
    "env": [{"name": "A", "value": "1"},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
    "transferEnv": [{"sourceContainerNameFrom": {"fieldRef": {"fieldPath": "metadata.labels['x']"}},
                     "envName": "E"}],
    "livenessProbe": {"httpGet": {"port": 8080}},
    "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 5},
    "startupProbe": {"httpGet": {"port": 8080}},
    "lifecycle": {"preStop": {"httpGet": {"port": 8080, "path": "/stop"}}},
    "resources": {"limits": {"cpu": "0.5", "memory": "1024Mi"}, "requests": {"cpu": 1}}
  })"));
  CHECK(c["ports"] == Json::parse(R"([{"containerPort": 80, "protocol": "TCP"},
                                      {"containerPort": 53, "protocol": "UDP"}])"));
  CHECK(c["env"][1]["valueFrom"]["fieldRef"] ==
        Json::parse(R"({"fieldPath": "metadata.name", "apiVersion": "v1"})"));
  CHECK(!c["env"][0].contains("valueFrom"));
  CHECK(c["transferEnv"][0]["sourceContainerNameFrom"]["fieldRef"]["apiVersion"] == "v1");
  CHECK(c["livenessProbe"] == Json::parse(R"({
      "httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
      "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})"));
  CHECK(c["readinessProbe"]["periodSeconds"] == 5);
  CHECK(c["readinessProbe"]["timeoutSeconds"] == 1);
  // OpenKruise's setDefaultContainer does not default startupProbe.
  CHECK(c["startupProbe"] == Json::parse(R"({"httpGet": {"port": 8080}})"));
  CHECK(c["lifecycle"]["preStop"]["httpGet"] ==
        Json::parse(R"({"port": 8080, "path": "/stop", "scheme": "HTTP"})"));
  CHECK(c["resources"] ==
        Json::parse(R"({"limits": {"cpu": "500m", "memory": "1Gi"}, "requests": {"cpu": "1"}})"));
}

TEST_CASE("volume defaults") {
  Json ss = defaulted(R"({"spec": {"volumes": [
      {"name": "none"},
      {"name": "host", "hostPath": {"path": "/var/log"}},
      {"name": "sec", "secret": {"secretName": "s"}},
      {"name": "cm", "configMap": {"name": "c", "defaultMode": 256}},
      {"name": "down", "downwardAPI": {"items": [{"path": "l", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
      {"name": "proj", "projected": {"sources": [
          {"serviceAccountToken": {"path": "token"}},
          {"downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "metadata.name"}}]}}]}},
      {"name": "pvc", "persistentVolumeClaim": {"claimName": "data"}}
  ]}})");
  const Json expected = Json::parse(R"([
      {"name": "none", "emptyDir": {}},
      {"name": "host", "hostPath": {"path": "/var/log", "type": ""}},
      {"name": "sec", "secret": {"secretName": "s", "defaultMode": 420}},
      {"name": "cm", "configMap": {"name": "c", "defaultMode": 256}},
      {"name": "down", "downwardAPI": {"items": [{"path": "l", "fieldRef": {"fieldPath": "metadata.labels", "apiVersion": "v1"}}], "defaultMode": 420}},
      {"name": "proj", "projected": {"sources": [
          {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
          {"downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "metadata.name", "apiVersion": "v1"}}]}}],
          "defaultMode": 420}},
      {"name": "pvc", "persistentVolumeClaim": {"claimName": "data"}}
  ])");
  CHECK(ss["spec"]["volumes"] == expected);
}

TEST_CASE("defaulting tolerates wrong shapes (validation reports them)") {
  for (const char* json : {R"("x")", R"({"spec": 1})", R"({"spec": {"containers": "x"}})",
                           R"({"spec": {"containers": [1, {"name": "a", "ports": 3}]}})",
                           R"({"spec": {"updateStrategy": "x", "volumes": [{"name": 1}]}})"}) {
    DYNAMIC_SECTION(json) {
      Json ss = Json::parse(json);
      injector::default_sidecarset(ss);
      SUCCEED();
    }
  }
}

TEST_CASE("v1alpha1 conversion (§1.2)") {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {R"({"apiVersion":"apps.kruise.io/v1alpha1","metadata":{"name":"a"},
           "spec":{"namespace":"team-b","namespaceSelector":{"matchLabels":{"env":"prod"}}}})",
       R"({"apiVersion":"apps.kruise.io/v1beta1","metadata":{"name":"a"},
           "spec":{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"team-b"}}}})"},
      {R"({"apiVersion":"apps.kruise.io/v1alpha1","metadata":{"name":"a"},
           "spec":{"namespace":"","namespaceSelector":{"matchLabels":{"env":"prod"}}}})",
       R"({"apiVersion":"apps.kruise.io/v1beta1","metadata":{"name":"a"},
           "spec":{"namespaceSelector":{"matchLabels":{"env":"prod"}}}})"},
      {R"({"apiVersion":"apps.kruise.io/v1alpha1",
           "metadata":{"name":"a","labels":{"apps.kruise.io/sidecarset-custom-version":"v7"}},
           "spec":{}})",
       R"({"apiVersion":"apps.kruise.io/v1beta1","metadata":{"name":"a"},
           "spec":{"customVersion":"v7"}})"},
      {R"({"apiVersion":"apps.kruise.io/v1alpha1",
           "metadata":{"labels":{"x":"y","apps.kruise.io/sidecarset-custom-version":"v7"}},
           "spec":{}})",
       R"({"apiVersion":"apps.kruise.io/v1beta1","metadata":{"labels":{"x":"y"}},
           "spec":{"customVersion":"v7"}})"},
      // v1beta1 objects are left alone, spec.namespace included.
      {R"({"apiVersion":"apps.kruise.io/v1beta1","spec":{"namespace":"x"}})",
       R"({"apiVersion":"apps.kruise.io/v1beta1","spec":{"namespace":"x"}})"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.in) {
      Json ss = Json::parse(c.in);
      injector::convert_to_v1beta1(ss);
      CHECK(ss == Json::parse(c.out));
    }
  }
}

// The CRD's structural defaults (config/crd/bases/apps.kruise.io_sidecarsets.yaml declares
// `default:` three times per version: resourcesPolicy.targetContainersNameRegex ".*" in
// containers and initContainers, injectionStrategy.revision.policy "Always", and
// imagePullSecrets[].name ""). The API server applies them to absent and null fields only.
TEST_CASE("CRD structural defaults: targetContainersNameRegex") {
  Json ss = defaulted(R"({"spec": {
      "containers": [
        {"name": "absent", "resourcesPolicy": {"targetContainersMode": "sum"}},
        {"name": "null", "resourcesPolicy": {"targetContainersMode": "sum",
                                             "targetContainersNameRegex": null}},
        {"name": "set", "resourcesPolicy": {"targetContainersMode": "sum",
                                            "targetContainersNameRegex": "^app$"}},
        {"name": "empty", "resourcesPolicy": {"targetContainersMode": "sum",
                                              "targetContainersNameRegex": ""}},
        {"name": "none"}],
      "initContainers": [
        {"name": "native", "restartPolicy": "Always",
         "resourcesPolicy": {"targetContainersMode": "max"}}],
      "imagePullSecrets": [{}]}})");
  const Json& c = ss["spec"]["containers"];
  CHECK(c[0]["resourcesPolicy"]["targetContainersNameRegex"] == ".*");
  CHECK(c[1]["resourcesPolicy"]["targetContainersNameRegex"] == ".*");
  CHECK(c[2]["resourcesPolicy"]["targetContainersNameRegex"] == "^app$");
  CHECK(c[3]["resourcesPolicy"]["targetContainersNameRegex"] == "");  // set: not defaulted
  CHECK(!c[4].contains("resourcesPolicy"));
  CHECK(ss["spec"]["initContainers"][0]["resourcesPolicy"]["targetContainersNameRegex"] == ".*");
  // name "" is what Go reads and omits for an absent name: nothing to write.
  CHECK(ss["spec"]["imagePullSecrets"] == Json::parse("[{}]"));
}

// SetDefaults_ResourceList (RoundUp(-3)) on container resources, then json.Marshal of every
// Quantity; rounding and printing as in quantity_test.cpp's apimachinery tables.
TEST_CASE("quantities are stored as json.Marshal prints them after defaulting") {
  Json c = container_defaults(Json::parse(R"({
    "name": "c", "image": "c:1",
    "resources": {"limits": {"cpu": "1000m", "memory": "1.5Gi", "nvidia.com/gpu": 1},
                  "requests": {"cpu": "0.0001", "memory": "1500u", "ephemeral-storage": null,
                               "bad": "1x"}},
    "env": [{"name": "A", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
            {"name": "B", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory",
                                                             "divisor": "1024Ki"}}},
            {"name": "C", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu",
                                                             "divisor": null}}},
            {"name": "D", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
  })"));
  CHECK(c["resources"] == Json::parse(R"({
      "limits": {"cpu": "1", "memory": "1536Mi", "nvidia.com/gpu": "1"},
      "requests": {"cpu": "1m", "memory": "2m", "ephemeral-storage": "0", "bad": "1x"}})"));
  CHECK(c["env"][0]["valueFrom"]["resourceFieldRef"]["divisor"] == "0");
  CHECK(c["env"][1]["valueFrom"]["resourceFieldRef"]["divisor"] == "1Mi");
  CHECK(c["env"][2]["valueFrom"]["resourceFieldRef"]["divisor"] == "0");
  CHECK(!c["env"][3]["valueFrom"].contains("resourceFieldRef"));

  Json ss = defaulted(R"({"spec": {"volumes": [
      {"name": "a", "emptyDir": {"sizeLimit": "0.0001"}},
      {"name": "b", "emptyDir": {"sizeLimit": null}},
      {"name": "c", "downwardAPI": {"items": [
          {"path": "p", "resourceFieldRef": {"resource": "limits.cpu"}},
          {"path": "q", "resourceFieldRef": {"resource": "limits.memory", "divisor": "1048576Ki"}}]}},
      {"name": "d", "projected": {"sources": [{"downwardAPI": {"items": [
          {"path": "p", "resourceFieldRef": {"resource": "requests.cpu", "divisor": "1000m"}}]}}]}},
      {"name": "e", "ephemeral": {"volumeClaimTemplate": {"spec": {"resources": {
          "requests": {"storage": "1000Mi"}, "limits": {"storage": "0.5Gi"}}}}}}
  ]}})");
  const Json& v = ss["spec"]["volumes"];
  CHECK(v[0]["emptyDir"] == Json::parse(R"({"sizeLimit": "100u"})"));  // canonical, not rounded
  CHECK(v[1]["emptyDir"] == Json::object());                           // a nil *Quantity is omitted
  CHECK(v[2]["downwardAPI"]["items"][0]["resourceFieldRef"]["divisor"] == "0");
  CHECK(v[2]["downwardAPI"]["items"][1]["resourceFieldRef"]["divisor"] == "1Gi");
  CHECK(v[3]["projected"]["sources"][0]["downwardAPI"]["items"][0]["resourceFieldRef"]["divisor"] ==
        "1");
  CHECK(v[4]["ephemeral"]["volumeClaimTemplate"]["spec"]["resources"] ==
        Json::parse(R"({"requests": {"storage": "1000Mi"}, "limits": {"storage": "512Mi"}})"));
}
