#include "injector/model/validate.hpp"

#include <catch2/catch.hpp>

#include "injector/model/load.hpp"

using injector::Json;

namespace {

const char* const kBase = R"({
  "apiVersion": "apps.kruise.io/v1beta1", "kind": "SidecarSet",
  "metadata": {"name": "test-sidecarset"},
  "spec": {
    "selector": {"matchLabels": {"app": "nginx"}},
    "containers": [{"name": "test-sidecar", "image": "test-image",
                    "volumeMounts": [{"name": "log", "mountPath": "/var/log"}]}],
    "volumes": [{"name": "log", "emptyDir": {}}]
  }})";

Json make(const char* merge_patch) {
  Json ss = Json::parse(kBase);
  ss.merge_patch(Json::parse(merge_patch));
  injector::convert_to_v1beta1(ss);
  injector::default_sidecarset(ss);
  return ss;
}

std::vector<std::string> check(const Json& ss, const injector::SidecarSetLookup& lookup = {}) {
  std::vector<std::string> out;
  for (const auto& p : injector::validate_sidecarset(ss, lookup)) {
    out.push_back(p.field + ": " + p.message);
  }
  return out;
}

struct Case {
  const char* name;
  const char* patch;
  std::vector<std::string> errors;
};

void run(const std::vector<Case>& cases, const injector::SidecarSetLookup& lookup = {}) {
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(check(make(c.patch), lookup) == c.errors); }
  }
}

const std::string kLabelMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

}  // namespace

// §7 item 32 (upstream TestValidateSidecarSet), with the messages we produce.
TEST_CASE("validation rules 1-13: upstream table") {
  run({
      {"valid", "{}", {}},
      {"missing selector",
       R"({"spec": {"selector": null}})",
       {"spec.selector: Required value: no selector defined for SidecarSet"}},
      {"empty selector",
       R"({"spec": {"selector": {"matchLabels": null}}})",
       {"spec.selector: Invalid value: {}: empty selector is not valid for sidecarset."}},
      {"NotIn value app-risk- gives 2 errors",
       R"({"spec": {"selector": {"matchLabels": null, "matchExpressions": [
           {"key": "app", "operator": "NotIn", "values": ["app-risk-"]}]}}})",
       {"spec.selector.matchExpressions[0].values[0]: Invalid value: \"app-risk-\": " + kLabelMsg,
        "spec.selector.selector: Invalid value: "
        R"({"matchExpressions":[{"key":"app","operator":"NotIn","values":["app-risk-"]}]})"
        ": cannot be converted"}},
      {"same in namespaceSelector gives 2 errors",
       R"({"spec": {"namespaceSelector": {"matchExpressions": [
           {"key": "app", "operator": "NotIn", "values": ["app-risk-"]}]}}})",
       {"spec.namespaceSelector.matchExpressions[0].values[0]: Invalid value: \"app-risk-\": " +
            kLabelMsg,
        "spec.namespaceSelector.selector: Invalid value: "
        R"({"matchExpressions":[{"key":"app","operator":"NotIn","values":["app-risk-"]}]})"
        ": cannot be converted"}},
      {"valid namespaceSelector",
       R"({"spec": {"namespaceSelector": {"matchLabels": {"env": "prod"}}}})",
       {}},
      {"empty namespaceSelector",
       R"({"spec": {"namespaceSelector": {}}})",
       {"spec.namespaceSelector: Invalid value: {}: empty selector is not valid for "
        "sidecarset."}},
      {"unknown operator",
       R"({"spec": {"selector": {"matchLabels": null,
                                 "matchExpressions": [{"key": "a", "operator": "badOp"}]}}})",
       {"spec.selector.matchExpressions[0].operator: Invalid value: \"badOp\": not a valid "
        "selector operator",
        "spec.selector.selector: Invalid value: "
        R"({"matchExpressions":[{"key":"a","operator":"badOp"}]}: "badOp" is not a valid label )"
        "selector operator"}},
      {"initContainer without image",
       R"({"spec": {"initContainers": [{"name": "init"}]}})",
       {"spec.initContainers[0].image: Required value"}},
      {"no containers",
       R"({"spec": {"containers": null, "volumes": null}})",
       {"spec: Required value: no initContainer or container defined for SidecarSet"}},
      {"unsupported share volume policy",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
                                   "shareVolumePolicy": {"type": "Enabled"}}]}})",
       {R"(spec.containers[0].shareVolumePolicy: Invalid value: {"type":"Enabled"}: )"
        "unsupported share volume policy"}},
      {"unsupported pod inject policy",
       R"({"spec": {"containers": [{"name": "c", "image": "i", "podInjectPolicy": "First"}]}})",
       {"spec.containers[0].podInjectPolicy: Invalid value: \"First\": unsupported pod inject "
        "policy"}},
      {"volumeDevice to undefined volume",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "volumeDevices": [{"name": "disk", "devicePath": "/dev/xvda"}]}]}})",
       {"spec.containers[0].volumeDevices[0].name: Not found: \"disk\""}},
      {"volumeDevice with a PVC volume",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "volumeDevices": [{"name": "disk", "devicePath": "/dev/xvda"}]}],
           "volumes": [{"name": "disk", "persistentVolumeClaim": {"claimName": "d"}}]}})",
       {}},
      {"volumeDevice on a non-block volume",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "volumeDevices": [{"name": "log", "devicePath": "/dev/xvda"}]}]}})",
       {"spec.containers[0].volumeDevices[0].name: Invalid value: \"log\": can only use volume "
        "source type of PersistentVolumeClaim or Ephemeral for block mode"}},
      {"device and mount on the same path gives 2 errors",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "volumeMounts": [{"name": "log", "mountPath": "/data"}],
           "volumeDevices": [{"name": "disk", "devicePath": "/data"}]}],
           "volumes": [{"name": "log", "emptyDir": {}},
                       {"name": "disk", "persistentVolumeClaim": {"claimName": "d"}}]}})",
       {"spec.containers[0].volumeMounts[0].mountPath: Invalid value: \"/data\": must not "
        "already exist as a path in volumeDevices",
        "spec.containers[0].volumeDevices[0].devicePath: Invalid value: \"/data\": must not "
        "already exist as a path in volumeMounts"}},
      {"duplicate patch key",
       R"({"spec": {"patchPodMetadata": [
           {"annotations": {"key1": "a"}, "patchPolicy": "Retain"},
           {"annotations": {"key1": "b"}, "patchPolicy": "Overwrite"}]}})",
       {"spec.patchPodMetadata[1]: Required value: patch annotation[key1] already exist"}},
      {"native init container with RollingUpdate",
       R"({"spec": {"initContainers": [{"name": "n", "image": "i", "restartPolicy": "Always"}]}})",
       {"spec.updateStrategy: Required value: The initContainer in-place upgrade is not "
        "currently supported."}},
      {"native init container with NotUpdate",
       R"({"spec": {"updateStrategy": {"type": "NotUpdate"},
                    "initContainers": [{"name": "n", "image": "i", "restartPolicy": "Always"}]}})",
       {}},
  });
}

TEST_CASE("validation rule 1: metadata") {
  run({
      {"bad name",
       R"({"metadata": {"name": "bad_name"}})",
       {"metadata.name: Invalid value: \"bad_name\": sidecarset name must consist of "
        "alphanumeric characters or '-' (e.g. 'example-com', regex used for validation is "
        "'^[a-zA-Z0-9\\-]+$')"}},
      {"upper case allowed", R"({"metadata": {"name": "Sidecar-1"}})", {}},
      {"too long",
       R"({"metadata": {"name": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}})",
       {"metadata.name: Invalid value: "
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": must be no more "
        "than 63 characters"}},
      {"missing name",
       R"({"metadata": {"name": null}})",
       {"metadata.name: Required value: name or generateName is required"}},
      {"namespace set",
       R"({"metadata": {"namespace": "default"}})",
       {"metadata.namespace: Forbidden: not allowed on this type"}},
      {"bad label value",
       R"({"metadata": {"labels": {"a": "-x"}}})",
       {"metadata.labels: Invalid value: \"-x\": " + kLabelMsg}},
      {"bad annotation key",
       R"({"metadata": {"annotations": {"a b": "x"}}})",
       {"metadata.annotations: Invalid value: \"a b\": name part must consist of alphanumeric "
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"}},
  });
}

TEST_CASE("validation rule 2: canary SidecarSets") {
  const Json base = make(R"({"metadata": {"name": "base"}})");
  const Json canary_base = make(R"({"metadata": {"name": "other-canary", "annotations": {
      "apps.kruise.io/sidecarset-canary": "true", "apps.kruise.io/sidecarset-base": "base"}}})");
  injector::SidecarSetLookup lookup = [&](std::string_view name) -> const Json* {
    if (name == "base") {
      return &base;
    }
    return name == "other-canary" ? &canary_base : nullptr;
  };
  const std::string field = "metadata.annotations[apps.kruise.io/sidecarset-base]";
  run(
      {
          {"not a canary (no base)",
           R"({"metadata": {"annotations": {"apps.kruise.io/sidecarset-canary": "true"}}})",
           {}},
          {"valid canary",
           R"({"metadata": {"annotations": {"apps.kruise.io/sidecarset-canary": "true",
                                            "apps.kruise.io/sidecarset-base": "base"}},
               "spec": {"updateStrategy": {"type": "NotUpdate"}}})",
           {}},
          {"base is itself",
           R"({"metadata": {"annotations": {"apps.kruise.io/sidecarset-canary": "true",
                            "apps.kruise.io/sidecarset-base": "test-sidecarset"}},
               "spec": {"updateStrategy": {"type": "NotUpdate"}}})",
           {field + ": Invalid value: \"test-sidecarset\": base sidecarSet cannot be itself"}},
          {"base missing",
           R"({"metadata": {"annotations": {"apps.kruise.io/sidecarset-canary": "true",
                            "apps.kruise.io/sidecarset-base": "gone"}},
               "spec": {"updateStrategy": {"type": "NotUpdate"}}})",
           {field + ": Invalid value: \"gone\": fetch base sidecarSet[gone] failed: "
                    "sidecarsets.apps.kruise.io \"gone\" not found"}},
          {"base is canary",
           R"({"metadata": {"annotations": {"apps.kruise.io/sidecarset-canary": "true",
                            "apps.kruise.io/sidecarset-base": "other-canary"}},
               "spec": {"updateStrategy": {"type": "NotUpdate"}}})",
           {field + ": Invalid value: \"other-canary\": base sidecarSet cannot be canary"}},
          {"RollingUpdate canary",
           R"({"metadata": {"annotations": {"apps.kruise.io/sidecarset-canary": "true",
                                            "apps.kruise.io/sidecarset-base": "base"}}})",
           {"spec.updateStrategy.type: Invalid value: \"RollingUpdate\": RollingUpdate is not "
            "supported for canary sidecarSet"}},
      },
      lookup);
}

TEST_CASE("validation rules 5, 6: injection and update strategies") {
  run({
      {"revision without names",
       R"({"spec": {"injectionStrategy": {"revision": {"policy": "Always"}}}})",
       {R"(spec.injectionStrategy.revision: Invalid value: {"policy":"Always"}: )"
        "revisionName and customVersion cannot be empty simultaneously"}},
      {"unknown customVersion is resolved per pod, not at load",
       R"({"spec": {"injectionStrategy": {"revision": {"customVersion": "nope"}}}})",
       {}},
      {"bad policy",
       R"({"spec": {"injectionStrategy": {"revision": {"revisionName": "r", "policy": "Some"}}}})",
       {"spec.injectionStrategy.revision.policy: Invalid value: \"Some\": Invalid policy Some, "
        "supported: [Always, Partial]"}},
      {"partition with selector",
       R"({"spec": {"updateStrategy": {"partition": 2, "selector": {"matchLabels": {"a": "b"}}}}})",
       {"spec.updateStrategy: Partition and Selector cannot be used together"}},
      {"NotUpdate skips updateStrategy checks",
       R"({"spec": {"updateStrategy": {"type": "NotUpdate", "partition": "x",
           "selector": {"matchExpressions": [{"key": "a", "operator": "badOp"}]}}}})",
       {}},
      {"bad percent and negative int",
       R"({"spec": {"updateStrategy": {"partition": "10", "maxUnavailable": -1}}})",
       {"spec.updateStrategy.partition: Invalid value: \"10\": a valid percent string must be a "
        "numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for "
        "validation is '[0-9]+%')",
        "spec.updateStrategy.maxUnavailable: Invalid value: -1: must be greater than or equal to "
        "0"}},
      {"priority strategy",
       R"({"spec": {"updateStrategy": {"priorityStrategy": {
           "weightPriority": [{"weight": 101, "matchSelector": {}}],
           "orderPriority": [{"orderedKey": ""}]}}}})",
       {"spec.updateStrategy.priorityStrategy: Required value: only one of weightPriority and "
        "orderPriority can be used",
        "spec.updateStrategy.priorityStrategy: Required value: weight must be valid number in "
        "the range 1-100",
        "spec.updateStrategy.priorityStrategy: Required value: selector can not be empty",
        "spec.updateStrategy.priorityStrategy: Required value: order key can not be empty"}},
      {"duplicate scatter term",
       R"({"spec": {"updateStrategy": {"scatterStrategy": [
           {"key": "a", "value": "b"}, {"key": "a", "value": "b"}]}}})",
       {"spec.updateStrategy.scatterStrategy: Required value: duplicated key=a value=b"}},
  });
}

TEST_CASE("validation rules 9, 10 and hot upgrade") {
  run({
      {"transferEnv fieldRef to metadata.name",
       R"({"spec": {"containers": [{"name": "c", "image": "i", "transferEnv": [
           {"sourceContainerNameFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
            "envName": "E"}]}]}})",
       {"spec.containers[0].transferEnv[0].fieldRef.fieldPath: Invalid value: \"metadata.name\": "
        "error converting fieldPath: field label not supported: metadata.name"}},
      {"transferEnv fieldRef to a label",
       R"({"spec": {"containers": [{"name": "c", "image": "i", "transferEnv": [
           {"sourceContainerNameFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}},
            "envName": "E"}]}]}})",
       {}},
      {"transferEnv fieldRef bad key and apiVersion",
       R"({"spec": {"containers": [{"name": "c", "image": "i", "transferEnv": [
           {"sourceContainerNameFrom": {"fieldRef": {"fieldPath": "metadata.labels['-x']"}}},
           {"sourceContainerNameFrom": {"fieldRef": {"apiVersion": "v2",
                                                     "fieldPath": "metadata.labels['x']"}}},
           {"sourceContainerNameFrom": {"fieldRef": {"fieldPath": ""}}}]}]}})",
       {"spec.containers[0].transferEnv[0].fieldRef: Invalid value: \"-x\": name part must "
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
        "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        "spec.containers[0].transferEnv[1].fieldRef.fieldPath: Invalid value: "
        "\"metadata.labels['x']\": error converting fieldPath: unsupported pod version: v2",
        "spec.containers[0].transferEnv[2].fieldRef.fieldPath: Required value"}},
      {"resourcesPolicy with limits",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "resources": {"limits": {"cpu": "1"}},
           "resourcesPolicy": {"targetContainersMode": "sum", "targetContainersNameRegex": ".*",
                               "resourcesExpr": {"limits": {"cpu": "cpu*50%"}}}}]}})",
       {"spec.containers[0].resourcesPolicy: Invalid value: "
        R"({"targetContainersMode":"sum","targetContainersNameRegex":".*",)"
        R"("resourcesExpr":{"limits":{"cpu":"cpu*50%"}}}: )"
        "resourcesPolicy and resources cannot be configured together"}},
      {"resourcesPolicy on a plain init container",
       R"({"spec": {"initContainers": [{"name": "i", "image": "i",
           "resourcesPolicy": {"targetContainersMode": "sum",
                               "resourcesExpr": {"limits": {"cpu": "cpu"}}}}]}})",
       {"spec.initContainers[0].resourcesPolicy: Forbidden: resourcesPolicy is only supported "
        "for containers with RestartPolicy Always"}},
      {"resourcesPolicy on a native init container (NotUpdate)",
       R"({"spec": {"updateStrategy": {"type": "NotUpdate"},
           "initContainers": [{"name": "i", "image": "i", "restartPolicy": "Always",
           "resourcesPolicy": {"targetContainersMode": "sum", "targetContainersNameRegex": ".*",
                               "resourcesExpr": {"limits": {"cpu": "cpu*50%"}}}}]}})",
       {}},
      {"HotUpgrade without empty image",
       R"({"spec": {"containers": [{"name": "envoy", "image": "envoy:1",
           "upgradeStrategy": {"upgradeType": "HotUpgrade"}}]}})",
       {"spec.containers[0].upgradeStrategy.hotUpgradeEmptyImage: Required value: container "
        "\"envoy\": hotUpgradeEmptyImage is required for HotUpgrade"}},
      {"HotUpgrade with empty image",
       R"({"spec": {"containers": [{"name": "envoy", "image": "envoy:1",
           "upgradeStrategy": {"upgradeType": "HotUpgrade", "hotUpgradeEmptyImage": "e:1"}}]}})",
       {}},
  });
}

TEST_CASE("validation rule 10: resourcesPolicy checks delegated to validate_resources_policy") {
  Json ss = make(R"({"spec": {"containers": [{"name": "c", "image": "i",
      "resourcesPolicy": {"targetContainersMode": "sum", "targetContainersNameRegex": "",
                          "resourcesExpr": {"limits": {"cpu": "cpu*50%"}}}}]}})");
  auto errors = check(ss);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("spec.containers[0].resourcesPolicy"));
  CHECK_THAT(errors[0], Catch::Contains("invalid empty regex"));
}

TEST_CASE("validation rule 11: containers and volumes as pod fields") {
  const std::string dns_label_msg =
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
      "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
      "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  run({
      {"names",
       R"({"spec": {"containers": [{"name": "Bad", "image": "i"}, {"image": "i"}]}})",
       {"spec.containers[0].name: Invalid value: \"Bad\": " + dns_label_msg,
        "spec.containers[1].name: Required value"}},
      {"duplicate across init and containers",
       R"({"spec": {"initContainers": [{"name": "dup", "image": "i"}],
                    "containers": [{"name": "dup", "image": "i"}]}})",
       {"spec.containers[0].name: Duplicate value: \"dup\""}},
      {"mount of an undeclared volume and missing path",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "volumeMounts": [{"name": "nope", "mountPath": "/a"}, {"name": "log"},
                            {"name": "log", "mountPath": "/a"}]}]}})",
       {"spec.containers[0].volumeMounts[0].name: Not found: \"nope\"",
        "spec.containers[0].volumeMounts[1].mountPath: Required value",
        "spec.containers[0].volumeMounts[2].mountPath: Invalid value: \"/a\": must be unique"}},
      {"subPath rules",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "volumeMounts": [{"name": "log", "mountPath": "/a", "subPath": "/abs",
                             "subPathExpr": "../x"}]}]}})",
       {"spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: \"../x\": subPathExpr "
        "and subPath are mutually exclusive",
        "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"/abs\": must be a relative "
        "path",
        "spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: \"../x\": must not "
        "contain '..'"}},
      {"ports",
       R"({"spec": {"containers": [{"name": "c", "image": "i", "ports": [
           {"containerPort": 0}, {"containerPort": 80, "protocol": "HTTP", "name": "http"},
           {"containerPort": 81, "name": "http", "hostPort": 70000}]}]}})",
       {"spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and "
        "65535, inclusive",
        "spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: "
        "\"SCTP\", \"TCP\", \"UDP\"",
        "spec.containers[0].ports[2].hostPort: Invalid value: 70000: must be between 1 and "
        "65535, inclusive",
        "spec.containers[0].ports[2].name: Duplicate value: \"http\""}},
      {"env names",
       R"({"spec": {"containers": [{"name": "c", "image": "i", "env": [
           {"name": "1X"}, {"value": "v"}, {"name": "A", "value": "v",
            "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]}]}})",
       {"spec.containers[0].env[0].name: Invalid value: \"1X\": a valid environment variable "
        "name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start "
        "with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for "
        "validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
        "spec.containers[0].env[1].name: Required value",
        "spec.containers[0].env[2].valueFrom: Invalid value: \"\": may not be specified when "
        "`value` is not empty"}},
      {"env sources",
       R"({"spec": {"containers": [{"name": "c", "image": "i", "env": [
           {"name": "A", "valueFrom": {}},
           {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "x"}, "secretKeyRef": {}}},
           {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels"}}},
           {"name": "D", "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['v.io/x']"}}},
           {"name": "E", "valueFrom": {"configMapKeyRef": {"name": "cm"}}},
           {"name": "F", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]}]}})",
       {"spec.containers[0].env[0].valueFrom: Invalid value: \"\": must specify one of: "
        "`fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        "spec.containers[0].env[1].valueFrom: Invalid value: \"\": may not have more than one "
        "field specified at a time",
        "spec.containers[0].env[2].valueFrom.fieldRef.fieldPath: Unsupported value: "
        "\"metadata.labels\": supported values: \"metadata.name\", \"metadata.namespace\", "
        "\"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", "
        "\"status.hostIPs\", \"status.podIP\", \"status.podIPs\"",
        "spec.containers[0].env[4].valueFrom.configMapKeyRef.key: Required value"}},
      {"restartPolicy and probes",
       R"({"spec": {"containers": [{"name": "c", "image": "i", "restartPolicy": "Always",
           "livenessProbe": {"exec": {"command": ["x"]}, "successThreshold": 2}}],
           "initContainers": [{"name": "i", "image": "i", "restartPolicy": "Never",
                               "readinessProbe": {}}]}})",
       {"spec.initContainers[0].restartPolicy: Unsupported value: \"Never\": supported values: "
        "\"Always\"",
        "spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers "
        "without restartPolicy=Always",
        "spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers",
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"}},
      {"probe numbers",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "readinessProbe": {"exec": {}, "initialDelaySeconds": -5}}]}})",
       {"spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -5: must be greater "
        "than or equal to 0"}},
      {"probe handlers",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "readinessProbe": {"exec": {}, "tcpSocket": {"port": 1}},
           "lifecycle": {"preStop": {}}}]}})",
       {"spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 "
        "handler type",
        "spec.containers[0].lifecycle.preStop: Required value: must specify a handler type"}},
      {"resources",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "resources": {"limits": {"cpu": "1", "memory": "abc"}, "requests": {"cpu": "2"}}}]}})",
       {"spec.containers[0].resources.limits[memory]: Invalid value: \"abc\": quantities must "
        "match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal "
        "to cpu limit of 1"}},
      {"image and pull policy",
       R"({"spec": {"containers": [{"name": "c", "image": " i", "imagePullPolicy": "Sometimes",
                                    "terminationMessagePolicy": "Log"}]}})",
       {"spec.containers[0].image: Invalid value: \" i\": must not have leading or trailing "
        "whitespace",
        "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: "
        "\"Always\", \"IfNotPresent\", \"Never\"",
        "spec.containers[0].terminationMessagePolicy: Unsupported value: \"Log\": supported "
        "values: \"File\", \"FallbackToLogsOnError\""}},
      {"volumes",
       R"({"spec": {"containers": [{"name": "c", "image": "i"}], "volumes": [
           {"name": "a", "emptyDir": {}, "hostPath": {"path": "/x"}},
           {"name": "a", "persistentVolumeClaim": {}},
           {"name": "Bad", "secret": {"defaultMode": 4095}}]}})",
       {"spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
        "spec.volumes[1].name: Duplicate value: \"a\"",
        "spec.volumes[1].persistentVolumeClaim.claimName: Required value",
        "spec.volumes[2].name: Invalid value: \"Bad\": " + dns_label_msg,
        "spec.volumes[2].secret.defaultMode: Invalid value: 4095: must be a number between 0 and "
        "0777 (octal), both inclusive"}},
  });
}

TEST_CASE("validation rule 12: patchPodMetadata (no whitelist offline)") {
  run({
      {"allowed without a whitelist",
       R"({"spec": {"patchPodMetadata": [{"annotations": {"a.io/x": "1"},
                                          "patchPolicy": "MergePatchJson"}]}})",
       {}},
      {"no annotations",
       R"({"spec": {"patchPodMetadata": [{"patchPolicy": "Overwrite"}]}})",
       {"spec.patchPodMetadata[0]: Required value: no annotations defined for SidecarSet"}},
      {"bad key and policy",
       R"({"spec": {"patchPodMetadata": [{"annotations": {"a/b/c": "1"},
                                          "patchPolicy": "Replace"}]}})",
       {"spec.patchPodMetadata[0].annotations: Invalid value: \"a/b/c\": a qualified name must "
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
        "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        "spec.patchPodMetadata[0].patchPolicy: Unsupported value: \"Replace\": supported values: "
        "\"MergePatchJson\", \"Overwrite\", \"Retain\""}},
  });
  // Defaulting sets patchPolicy; without it the upstream message appears.
  Json ss = Json::parse(kBase);
  ss["spec"]["patchPodMetadata"] = Json::parse(R"([{"annotations": {"k": "v"}}])");
  ss["spec"]["updateStrategy"] = Json::parse(R"({"type": "NotUpdate"})");
  ss["spec"]["containers"][0]["imagePullPolicy"] = "Always";
  ss["spec"]["containers"][0]["terminationMessagePolicy"] = "File";
  ss["spec"]["containers"][0]["podInjectPolicy"] = "AfterAppContainer";
  ss["spec"]["containers"][0]["shareVolumePolicy"] = Json::parse(R"({"type": "disabled"})");
  CHECK(check(ss) == std::vector<std::string>{"spec.patchPodMetadata[0]: Required value: no "
                                              "patchPolicy defined for patchPodMetadata"});
}

TEST_CASE("wrong JSON shapes are reported alone, as a decode failure") {
  run({
      {"containers not a list",
       R"({"spec": {"containers": {"name": "c"}}})",
       {"spec.containers: must be an array"}},
      {"container not an object",
       R"({"spec": {"containers": ["c"]}})",
       {"spec.containers[0]: must be an object"}},
      {"image not a string",
       R"({"spec": {"containers": [{"name": "c", "image": 1}]}})",
       {"spec.containers[0].image: must be a string"}},
      {"probe number not an integer",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "livenessProbe": {"exec": {}, "periodSeconds": "10"}}]}})",
       {"spec.containers[0].livenessProbe.periodSeconds: must be an integer"}},
      {"port not an integer",
       R"({"spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": "80"}]}]}})",
       {"spec.containers[0].ports[0].containerPort: must be an integer"}},
      {"selector labels",
       R"({"spec": {"selector": {"matchLabels": {"app": true}}}})",
       {"spec.selector.matchLabels.app: must be a string"}},
      {"labels", R"({"metadata": {"labels": {"a": 1}}})", {"metadata.labels[a]: must be a string"}},
      {"revision",
       R"({"spec": {"injectionStrategy": {"revision": {"customVersion": 1}}}})",
       {"spec.injectionStrategy.revision.customVersion: must be a string"}},
      {"partition",
       R"({"spec": {"updateStrategy": {"partition": 1.5}}})",
       {"spec.updateStrategy.partition: must be an integer or a string"}},
      {"resources",
       R"({"spec": {"containers": [{"name": "c", "image": "i",
           "resources": {"limits": {"cpu": []}}}]}})",
       {"spec.containers[0].resources.limits[cpu]: must be a string or a number"}},
  });
  CHECK(check(Json::parse(R"({"metadata": {}, "spec": []})")) ==
        std::vector<std::string>{"spec: must be an object"});
  CHECK(check(Json("x")) == std::vector<std::string>{": must be an object"});
}

namespace {

std::vector<std::string> conflicts(const std::vector<const char*>& patches, bool in_order = false) {
  std::vector<Json> objects;
  for (std::size_t i = 0; i < patches.size(); ++i) {
    objects.push_back(make(patches[i]));
  }
  std::vector<const Json*> ptrs;
  for (const auto& o : objects) {
    ptrs.push_back(&o);
  }
  std::vector<std::string> out;
  auto result =
      in_order ? injector::validate_conflicts_in_order(ptrs) : injector::validate_conflicts(ptrs);
  for (std::size_t i = 0; i < result.size(); ++i) {
    for (const auto& p : result[i]) {
      out.push_back(objects[i]["metadata"]["name"].get<std::string>() + " " + p.field + ": " +
                    p.message);
    }
  }
  return out;
}

}  // namespace

// §7 item 33 (upstream TestSidecarSetNameConflict / PodMetadataConflict / VolumeConflict).
TEST_CASE("validation rule 14: conflicts between SidecarSets") {
  struct ConflictCase {
    const char* name;
    std::vector<const char*> sidecarsets;
    std::vector<std::string> problems;
  };
  const ConflictCase cases[] = {
      {"same names, same selector; equal volumes are fine",
       {R"({"metadata": {"name": "a"}, "spec": {"initContainers": [{"name": "init", "image": "i"}]}})",
        R"({"metadata": {"name": "b"}, "spec": {"initContainers": [{"name": "init", "image": "i"}]}})"},
       {"a spec.initContainers[0].name: container init already exist in b",
        "a spec.containers[0].name: container test-sidecar already exist in b",
        "b spec.initContainers[0].name: container init already exist in a",
        "b spec.containers[0].name: container test-sidecar already exist in a"}},
      {"same namespace selector",
       {R"({"metadata": {"name": "a"}, "spec": {"namespaceSelector": {"matchLabels": {"e": "p"}}}})",
        R"({"metadata": {"name": "b"}, "spec": {"namespaceSelector": {"matchLabels": {"e": "p"}}}})"},
       {"a spec.containers[0].name: container test-sidecar already exist in b",
        "b spec.containers[0].name: container test-sidecar already exist in a"}},
      {"different namespace selectors",
       {R"({"metadata": {"name": "a"}, "spec": {"namespaceSelector": {"matchLabels": {"e": "p"}}}})",
        R"({"metadata": {"name": "b"}, "spec": {"namespaceSelector": {"matchLabels": {"e": "d"}}}})"},
       {}},
      {"disjoint pod selectors",
       {R"({"metadata": {"name": "a"}})",
        R"({"metadata": {"name": "b"}, "spec": {"selector": {"matchLabels": {"app": "other"}}}})"},
       {}},
      {"init container named like a container",
       {R"({"metadata": {"name": "a"}, "spec": {"containers": [{"name": "x", "image": "i"}],
                                               "volumes": null}})",
        R"({"metadata": {"name": "b"}, "spec": {"containers": null, "volumes": null,
                                               "initContainers": [{"name": "x", "image": "i"}]}})"},
       {"a spec.containers[0].name: container x already exist in b",
        "b spec.initContainers[0].name: container x already exist in a"}},
      {"volume with a different definition",
       {R"({"metadata": {"name": "a"}, "spec": {"containers": [{"name": "c1", "image": "i",
            "volumeMounts": [{"name": "log", "mountPath": "/l"}]}],
            "volumes": [{"name": "log", "hostPath": {"path": "/a"}}]}})",
        R"({"metadata": {"name": "b"}, "spec": {"containers": [{"name": "c2", "image": "i",
            "volumeMounts": [{"name": "log", "mountPath": "/l"}]}],
            "volumes": [{"name": "log", "hostPath": {"path": "/b"}}]}})"},
       {"a spec.volumes[0]: volume log is in conflict with sidecarset b",
        "b spec.volumes[0]: volume log is in conflict with sidecarset a"}},
      {"Overwrite vs MergePatchJson on the same key",
       {R"({"metadata": {"name": "a"}, "spec": {"containers": [{"name": "c1", "image": "i"}],
            "volumes": null,
            "patchPodMetadata": [{"annotations": {"k": "1"}, "patchPolicy": "Overwrite"}]}})",
        R"({"metadata": {"name": "b"}, "spec": {"containers": [{"name": "c2", "image": "i"}],
            "volumes": null,
            "patchPodMetadata": [{"annotations": {"k": "{}"}, "patchPolicy": "MergePatchJson"}]}})"},
       {"a spec.patchPodMetadata[0]: annotation k is in conflict with sidecarset b",
        "b spec.patchPodMetadata[0]: annotation k is in conflict with sidecarset a"}},
      {"different keys, MergePatchJson twice, Retain",
       {R"({"metadata": {"name": "a"}, "spec": {"containers": [{"name": "c1", "image": "i"}],
            "volumes": null,
            "patchPodMetadata": [{"annotations": {"k1": "1"}, "patchPolicy": "Overwrite"},
                                 {"annotations": {"m": "{}"}, "patchPolicy": "MergePatchJson"},
                                 {"annotations": {"r": "1"}, "patchPolicy": "Retain"}]}})",
        R"({"metadata": {"name": "b"}, "spec": {"containers": [{"name": "c2", "image": "i"}],
            "volumes": null,
            "patchPodMetadata": [{"annotations": {"k2": "1"}, "patchPolicy": "Overwrite"},
                                 {"annotations": {"m": "{}"}, "patchPolicy": "MergePatchJson"},
                                 {"annotations": {"r": "2"}, "patchPolicy": "Overwrite"}]}})"},
       // Retain entries of the other SidecarSet are not recorded upstream.
       {}},
      {"many holders of one name: only overlapping selectors conflict",
       {R"({"metadata": {"name": "a"}, "spec": {"selector": {"matchLabels": {"app": "x"}}}})",
        R"({"metadata": {"name": "b"}, "spec": {"selector": {"matchLabels": {"app": "y"}}}})",
        R"({"metadata": {"name": "c"}, "spec": {"selector": {"matchLabels": {"app": "x", "t": "1"}}}})",
        R"({"metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"app": "z"}}}})"},
       {"a spec.containers[0].name: container test-sidecar already exist in c",
        "c spec.containers[0].name: container test-sidecar already exist in a"}},
      {"In expressions widen matchLabels (both ways, as upstream needs)",
       {R"({"metadata": {"name": "a"}, "spec": {"selector": {"matchLabels": {"app": "x"},
            "matchExpressions": [{"key": "app", "operator": "In", "values": ["y"]}]}}})",
        R"({"metadata": {"name": "b"}, "spec": {"selector": {"matchLabels": {"app": "y"},
            "matchExpressions": [{"key": "app", "operator": "In", "values": ["x"]}]}}})",
        R"({"metadata": {"name": "c"}, "spec": {"selector": {"matchLabels": {"app": "z"}}}})"},
       {"a spec.containers[0].name: container test-sidecar already exist in b",
        "b spec.containers[0].name: container test-sidecar already exist in a"}},
      {"a holder without the key is compared with everyone",
       {R"({"metadata": {"name": "a"}, "spec": {"selector": {"matchLabels": {"app": "x"}}}})",
        R"({"metadata": {"name": "b"}, "spec": {"selector": {"matchLabels": {"app": "y"}}}})",
        R"({"metadata": {"name": "c"}, "spec": {"selector": {"matchLabels": {"app": null, "t": "1"}}}})"},
       {"a spec.containers[0].name: container test-sidecar already exist in c",
        "b spec.containers[0].name: container test-sidecar already exist in c",
        "c spec.containers[0].name: container test-sidecar already exist in a"}},
      {"a canary and its base are not compared",
       {R"({"metadata": {"name": "base"}})",
        R"({"metadata": {"name": "canary", "annotations": {"apps.kruise.io/sidecarset-canary": "true",
            "apps.kruise.io/sidecarset-base": "base"}}, "spec": {"updateStrategy": {"type": "NotUpdate"}}})"},
       {}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(conflicts(c.sidecarsets) == c.problems); }
  }
}

TEST_CASE("validation rule 14 in admission order: each checked against the accepted earlier ones") {
  struct OrderCase {
    const char* name;
    std::vector<const char*> sidecarsets;
    std::vector<std::string> problems;
  };
  const OrderCase cases[] = {
      {"the later of a pair is the one refused",
       {R"({"metadata": {"name": "b"}})", R"({"metadata": {"name": "a"}})"},
       {"a spec.containers[0].name: container test-sidecar already exist in b"}},
      {"a refused SidecarSet does not refuse the ones after it",
       {R"({"metadata": {"name": "a"}, "spec": {"selector": {"matchLabels": {"app": "x"}}}})",
        R"({"metadata": {"name": "b"}, "spec": {"selector": {"matchLabels": {"app": "x"}},
            "containers": [{"name": "test-sidecar", "image": "i"}, {"name": "y", "image": "i"}],
            "volumes": null}})",
        R"({"metadata": {"name": "c"}, "spec": {"selector": {"matchLabels": {"app": "x"}},
            "containers": [{"name": "y", "image": "i"}], "volumes": null}})"},
       {"b spec.containers[0].name: container test-sidecar already exist in a"}},
      {"the message names the earliest accepted one",
       {R"({"metadata": {"name": "z"}})",
        R"({"metadata": {"name": "m"}, "spec": {"selector": {"matchLabels": {"app": "other"}}}})",
        R"({"metadata": {"name": "a"}, "spec": {"selector": {"matchExpressions": [
            {"key": "app", "operator": "Exists"}]}}})"},
       {"a spec.containers[0].name: container test-sidecar already exist in z"}},
      {"no conflict: all accepted",
       {R"({"metadata": {"name": "a"}})",
        R"({"metadata": {"name": "b"}, "spec": {"selector": {"matchLabels": {"app": "other"}}}})"},
       {}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(conflicts(c.sidecarsets, true) == c.problems); }
  }
}
