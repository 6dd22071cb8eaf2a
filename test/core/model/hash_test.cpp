#include "injector/model/hash.hpp"
#include "injector/model/load.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace injector {
namespace {

Json parse(const std::string& text) { return Json::parse(text); }

// Upstream vectors: pkg/control/sidecarcontrol/hash_test.go (TestSidecarSetHash,
// TestSidecarSetHashWithoutImage, and their v1beta1 twins, which expect the same values) and
// pkg/webhook/sidecarset/mutating/sidecarset_mutating_test.go (the defaulted dns-f SidecarSet).
struct HashCase {
  std::string name;
  std::string spec;
  std::string hash;
  std::string hash_without_image;  // empty: upstream has no vector for this case
};

constexpr const char* kPlain = R"({"name":"container1","image":"test-image"})";
constexpr const char* kNative =
    R"({"name":"container1","image":"test-image","restartPolicy":"Always"})";

TEST_CASE("sidecarset hashes match upstream vectors") {
  const std::vector<HashCase> cases = {
      {"containers", std::string(R"({"containers":[)") + kPlain + "]}",
       "w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78", ""},
      {"containers and a regular init container",
       std::string(R"({"containers":[)") + kPlain + R"(],"initContainers":[)" + kPlain + "]}",
       "w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78",
       "8wzddb4dvv9c6x8zdc77z4z75987424f457dfv6724ddw6zbdx467wz5x24fc759"},
      {"containers and a native sidecar init container",
       std::string(R"({"containers":[)") + kPlain + R"(],"initContainers":[)" + kNative + "]}",
       "4xwx4d4844vd4v9x79wb4xbxf4xb29475cc4446v8cz2c2f2f5c5bw448vd42z8w",
       "5725fw8bwbx249bw57v5892c847dzf48bww9zb7c86xb95264fdz26654847b2c8"},
      {"defaulted dns-f (SidecarSet mutating webhook test)",
       R"({"containers":[{"name":"dns-f","image":"dns:1.0","imagePullPolicy":"IfNotPresent",
           "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",
           "resources":{},"podInjectPolicy":"BeforeAppContainer",
           "upgradeStrategy":{"upgradeType":"ColdUpgrade"},
           "shareVolumePolicy":{"type":"disabled"}}],
           "updateStrategy":{"type":"RollingUpdate"}})",
       "6wbd76bd7984x24fb4f44fv9222cw9v9bcf85x766744wddd4zwx927zzz2zb684",
       "82684vwf9d4cb4wz4vffx4ddfbb47ww4z4wwxdbwb8w2zbb7zvf4524cdd49bv94"},
      // Derived with the same algorithm (spec §5.1), not an upstream value: a nil slice is `null`.
      {"no containers", "{}", "x5vwx9w6vv4dv72c9w4c2f6v74fbwx545b45bbfz6z2dvf8w887xw86fvcb4cf48",
       ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const Json spec = parse(c.spec);
      CHECK(sidecarset_hash(spec) == c.hash);
      if (!c.hash_without_image.empty()) {
        CHECK(sidecarset_hash_without_image(spec) == c.hash_without_image);
      }
    }
  }
}

TEST_CASE("hash input is Go's json.Marshal of the SidecarContainer structs") {
  struct Case {
    std::string name;
    std::string spec;
    bool without_image;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"minimal container: name always, resources/upgradeStrategy/shareVolumePolicy as structs",
       std::string(R"({"containers":[)") + kPlain + "]}", false,
       R"({"containers":[{"name":"container1","image":"test-image","resources":{},)"
       R"("upgradeStrategy":{},"shareVolumePolicy":{}}]})"},
      {"regular init containers are left out",
       std::string(R"({"containers":[)") + kPlain + R"(],"initContainers":[)" + kPlain + "]}",
       false,
       R"({"containers":[{"name":"container1","image":"test-image","resources":{},)"
       R"("upgradeStrategy":{},"shareVolumePolicy":{}}]})"},
      {"one native sidecar pulls in the whole initContainers list, images blanked",
       std::string(R"({"containers":[)") + kPlain + R"(],"initContainers":[)" + kPlain + "," +
           kNative + "]}",
       true,
       R"({"containers":[{"name":"container1","resources":{},"upgradeStrategy":{},)"
       R"("shareVolumePolicy":{}}],"initContainers":[{"name":"container1","resources":{},)"
       R"("upgradeStrategy":{},"shareVolumePolicy":{}},{"name":"container1","resources":{},)"
       R"("restartPolicy":"Always","upgradeStrategy":{},"shareVolumePolicy":{}}]})"},
      {"restartPolicy other than Always is not a native sidecar",
       R"({"containers":[],"initContainers":[{"name":"i","restartPolicy":"OnFailure"}]})", false,
       R"({"containers":[]})"},
      {"absent containers are a nil slice", R"({"initContainers":null})", false,
       R"({"containers":null})"},
      {"empty list stays an empty list", R"({"containers":[]})", false, R"({"containers":[]})"},
      {"the defaulted dns-f container (spec §5.1)",
       R"({"containers":[{"shareVolumePolicy":{"type":"disabled"},
           "upgradeStrategy":{"upgradeType":"ColdUpgrade"},"podInjectPolicy":"BeforeAppContainer",
           "imagePullPolicy":"IfNotPresent","terminationMessagePolicy":"File",
           "terminationMessagePath":"/dev/termination-log","resources":{},"image":"dns:1.0",
           "name":"dns-f"}]})",
       false,
       R"({"containers":[{"name":"dns-f","image":"dns:1.0","resources":{},)"
       R"("terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",)"
       R"("imagePullPolicy":"IfNotPresent","podInjectPolicy":"BeforeAppContainer",)"
       R"("upgradeStrategy":{"upgradeType":"ColdUpgrade"},"shareVolumePolicy":{"type":"disabled"}}]})"},
      // A probe/port/env/resources-rich container, keys deliberately shuffled in the input.
      // Derivation, by the Go declarations (k8s.io/api v0.32.10 core/v1/types.go):
      // - Container order: name, image, command(absent), args, workingDir(absent), ports, envFrom,
      //   env, resources, resizePolicy(absent), restartPolicy(absent), volumeMounts,
      //   volumeDevices(absent), livenessProbe, readinessProbe, startupProbe, lifecycle,
      //   terminationMessagePath/Policy(absent), imagePullPolicy, securityContext,
      //   stdin/stdinOnce(absent), tty; then podInjectPolicy, upgradeStrategy, shareVolumePolicy
      //   ({}: a struct value), shareVolumeDevicePolicy ({}: a non-nil pointer), transferEnv;
      //   `unknownField` dropped.
      // - ContainerPort {name, hostPort omitempty (0 dropped), containerPort, protocol, hostIP}.
      // - EnvFromSource {prefix, configMapRef{name}, secretRef}; EnvVar {name, value, valueFrom};
      //   ObjectFieldSelector {apiVersion, fieldPath}; ResourceFieldSelector {containerName,
      //   resource, divisor}: divisor is a Quantity struct, so omitempty does not drop it: "0".
      // - ResourceRequirements {limits, requests, claims}; map keys sorted (cpu < memory).
      // - VolumeMount {name, readOnly (false dropped), recursiveReadOnly, mountPath, subPath,
      //   mountPropagation (pointer: kept), subPathExpr}.
      // - Probe: ProbeHandler inline {exec, httpGet, tcpSocket, grpc}, then initialDelaySeconds
      //   (0 dropped), timeoutSeconds, periodSeconds, successThreshold, failureThreshold.
      //   HTTPGetAction {path, port, host, scheme, httpHeaders}; HTTPHeader {name, value};
      //   TCPSocketAction port "http" stays a string; GRPCAction.service is a *string without
      //   omitempty, so it prints null.
      // - Lifecycle {postStart, preStop}; LifecycleHandler {exec, httpGet, tcpSocket, sleep}; the
      //   `&&` and `>` are HTML-escaped as Go does.
      // - SecurityContext {capabilities, privileged (a *bool: false kept), seLinuxOptions,
      //   windowsOptions, runAsUser, runAsGroup, runAsNonRoot, readOnlyRootFilesystem,
      //   allowPrivilegeEscalation, procMount, seccompProfile, appArmorProfile}.
      // - TransferEnvVar {sourceContainerName, sourceContainerNameFrom, envName, envNames}.
      // The bytes were also checked against a Go 1.19 program marshalling the same declarations.
      {"rich container",
       R"({"containers":[{
 "unknownField": "dropped",
 "tty": true,
 "securityContext": {"runAsNonRoot": true, "capabilities": {"drop": ["ALL"]},
   "privileged": false, "seccompProfile": {"type": "RuntimeDefault"}, "runAsUser": 1000},
 "imagePullPolicy": "IfNotPresent",
 "lifecycle": {"preStop": {"sleep": {"seconds": 5}},
   "postStart": {"exec": {"command": ["sh", "-c", "echo a && echo b > /tmp/x"]}}},
 "startupProbe": {"grpc": {"port": 9090}},
 "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 10, "initialDelaySeconds": 0},
 "livenessProbe": {"failureThreshold": 3, "httpGet": {"scheme": "HTTP", "port": 8080,
   "path": "/healthz", "httpHeaders": [{"value": "v", "name": "X-A"}]}, "timeoutSeconds": 1},
 "volumeMounts": [{"mountPath": "/var/log", "name": "logs", "readOnly": false,
   "mountPropagation": "HostToContainer"}],
 "resources": {"requests": {"memory": "64Mi", "cpu": "100m"}, "limits": {"memory": "128Mi"}},
 "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name",
   "apiVersion": "v1"}}}, {"value": "1", "name": "PLAIN"},
   {"name": "LIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory"}}}],
 "envFrom": [{"configMapRef": {"name": "cm"}, "prefix": "CM_"}],
 "ports": [{"protocol": "TCP", "containerPort": 8080, "name": "http"},
   {"containerPort": 9090, "hostPort": 0}],
 "args": ["--v=2"],
 "image": "proxy:1.0",
 "name": "proxy",
 "podInjectPolicy": "AfterAppContainer",
 "upgradeStrategy": {"hotUpgradeEmptyImage": "proxy-empty:1.0", "upgradeType": "HotUpgrade"},
 "shareVolumeDevicePolicy": {},
 "transferEnv": [{"envName": "TZ", "sourceContainerName": "main"}]
}]})",
       false,
       R"({"containers":[{"name":"proxy","image":"proxy:1.0","args":["--v=2"],)"
       R"("ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"containerPort":9090}],)"
       R"("envFrom":[{"prefix":"CM_","configMapRef":{"name":"cm"}}],)"
       R"("env":[{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1",)"
       R"("fieldPath":"metadata.name"}}},{"name":"PLAIN","value":"1"},)"
       R"({"name":"LIMIT","valueFrom":{"resourceFieldRef":{"resource":"limits.memory",)"
       R"("divisor":"0"}}}],)"
       R"("resources":{"limits":{"memory":"128Mi"},"requests":{"cpu":"100m","memory":"64Mi"}},)"
       R"("volumeMounts":[{"name":"logs","mountPath":"/var/log",)"
       R"("mountPropagation":"HostToContainer"}],)"
       R"("livenessProbe":{"httpGet":{"path":"/healthz","port":8080,"scheme":"HTTP",)"
       R"("httpHeaders":[{"name":"X-A","value":"v"}]},"timeoutSeconds":1,"failureThreshold":3},)"
       R"("readinessProbe":{"tcpSocket":{"port":"http"},"periodSeconds":10},)"
       R"("startupProbe":{"grpc":{"port":9090,"service":null}},)"
       R"("lifecycle":{"postStart":{"exec":{"command":["sh","-c",)"
       R"("echo a \u0026\u0026 echo b \u003e /tmp/x"]}},"preStop":{"sleep":{"seconds":5}}},)"
       R"("imagePullPolicy":"IfNotPresent",)"
       R"("securityContext":{"capabilities":{"drop":["ALL"]},"privileged":false,)"
       R"("runAsUser":1000,"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},)"
       R"("tty":true,"podInjectPolicy":"AfterAppContainer",)"
       R"("upgradeStrategy":{"upgradeType":"HotUpgrade","hotUpgradeEmptyImage":"proxy-empty:1.0"},)"
       R"("shareVolumePolicy":{},"shareVolumeDevicePolicy":{},)"
       R"("transferEnv":[{"sourceContainerName":"main","envName":"TZ"}]}]})"},
      // The remaining Container fields and nested types. Points of note, by the v0.32.10
      // declarations: lifecycle.stopSignal does not exist before v0.33 and is dropped; an empty
      // capabilities.drop is omitted (omitempty slice); pointers keep zero values (optional:
      // false, runAsGroup: 0, hostProcess: false, terminationGracePeriodSeconds: 0); exec: {}
      // prints {}; VolumeMount puts recursiveReadOnly between readOnly and mountPath; the
      // SecurityContext order is capabilities, privileged, seLinuxOptions, windowsOptions,
      // runAsUser, runAsGroup, runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation,
      // procMount, seccompProfile, appArmorProfile. Cross-checked with the Go program too.
      {"every remaining field",
       R"j({"containers":[{"name":"full","stdinOnce":true,"stdin":true,"workingDir":"/w",)j"
       R"j("command":["run"],"terminationMessagePath":"/t","terminationMessagePolicy":"Fa)j"
       R"j(llbackToLogsOnError","restartPolicy":"Always","resizePolicy":[{"restartPolicy")j"
       R"j(:"NotRequired","resourceName":"cpu"}],"volumeDevices":[{"devicePath":"/dev/x",)j"
       R"j("name":"blk"}],"volumeMounts":[{"subPathExpr":"$(POD)","recursiveReadOnly":"En)j"
       R"j(abled","readOnly":true,"mountPath":"/m","name":"v","subPath":"s"}],"resources")j"
       R"j(:{"claims":[{"request":"r","name":"gpu"}]},"envFrom":[{"secretRef":{"optional")j"
       R"j(:false,"name":"s"}}],"env":[{"name":"A","valueFrom":{"secretKeyRef":{"optional)j"
       R"j(":true,"key":"k","name":"s"},"configMapKeyRef":{"key":"c","name":"cm"}}}],"lif)j"
       R"j(ecycle":{"stopSignal":"SIGTERM","preStop":{"httpGet":{"host":"h","port":"p"},")j"
       R"j(tcpSocket":{"port":1}}},"livenessProbe":{"exec":{},"terminationGracePeriodSeco)j"
       R"j(nds":0,"successThreshold":1,"grpc":{"service":"s","port":1}},"securityContext")j"
       R"j(:{"appArmorProfile":{"localhostProfile":"p","type":"Localhost"},"procMount":"D)j"
       R"j(efault","allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsG)j"
       R"j(roup":0,"windowsOptions":{"hostProcess":false,"runAsUserName":"u","gmsaCredent)j"
       R"j(ialSpec":"c","gmsaCredentialSpecName":"n"},"seLinuxOptions":{"level":"l","type)j"
       R"j(":"t","role":"r","user":"u"},"capabilities":{"add":["NET_ADMIN"],"drop":[]}}}])j"
       R"j(,"initContainers":[{"name":"i","restartPolicy":"Always","image":"x"}]})j",
       false,
       R"j({"containers":[{"name":"full","command":["run"],"workingDir":"/w","envFrom":[{)j"
       R"j("secretRef":{"name":"s","optional":false}}],"env":[{"name":"A","valueFrom":{"c)j"
       R"j(onfigMapKeyRef":{"name":"cm","key":"c"},"secretKeyRef":{"name":"s","key":"k",")j"
       R"j(optional":true}}}],"resources":{"claims":[{"name":"gpu","request":"r"}]},"resi)j"
       R"j(zePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"}],"restartPolic)j"
       R"j(y":"Always","volumeMounts":[{"name":"v","readOnly":true,"recursiveReadOnly":"E)j"
       R"j(nabled","mountPath":"/m","subPath":"s","subPathExpr":"$(POD)"}],"volumeDevices)j"
       R"j(":[{"name":"blk","devicePath":"/dev/x"}],"livenessProbe":{"exec":{},"grpc":{"p)j"
       R"j(ort":1,"service":"s"},"successThreshold":1,"terminationGracePeriodSeconds":0},)j"
       R"j("lifecycle":{"preStop":{"httpGet":{"port":"p","host":"h"},"tcpSocket":{"port":)j"
       R"j(1}}},"terminationMessagePath":"/t","terminationMessagePolicy":"FallbackToLogsO)j"
       R"j(nError","securityContext":{"capabilities":{"add":["NET_ADMIN"]},"seLinuxOption)j"
       R"j(s":{"user":"u","role":"r","type":"t","level":"l"},"windowsOptions":{"gmsaCrede)j"
       R"j(ntialSpecName":"n","gmsaCredentialSpec":"c","runAsUserName":"u","hostProcess":)j"
       R"j(false},"runAsGroup":0,"readOnlyRootFilesystem":true,"allowPrivilegeEscalation")j"
       R"j(:false,"procMount":"Default","appArmorProfile":{"type":"Localhost","localhostP)j"
       R"j(rofile":"p"}},"stdin":true,"stdinOnce":true,"upgradeStrategy":{},"shareVolumeP)j"
       R"j(olicy":{}}],"initContainers":[{"name":"i","image":"x","resources":{},"restartP)j"
       R"j(olicy":"Always","upgradeStrategy":{},"shareVolumePolicy":{}}]})j"},
      // Quantities print as Quantity.String(): "1000m" -> "1", "1024Mi" -> "1Gi", a bare 0.5 ->
      // "500m"; surrounding spaces are trimmed as UnmarshalJSON does; text that does not parse
      // (Go would reject the object) is kept as written. Map keys are sorted.
      {"quantities in canonical form",
       R"({"containers":[{"name":"q","resources":{"requests":{"memory":" 64Mi ","cpu":0.5},)"
       R"("limits":{"nvidia.com/gpu":"1","memory":"1024Mi","cpu":"1000m","bad":"1x"}},)"
       R"("env":[{"name":"M","valueFrom":{"resourceFieldRef":{"resource":"limits.memory",)"
       R"("divisor":"1048576"}}}]}]})",
       false,
       R"({"containers":[{"name":"q","env":[{"name":"M","valueFrom":{"resourceFieldRef":)"
       R"({"resource":"limits.memory","divisor":"1048576"}}}],)"
       R"("resources":{"limits":{"bad":"1x","cpu":"1","memory":"1Gi","nvidia.com/gpu":"1"},)"
       R"("requests":{"cpu":"500m","memory":"64Mi"}},"upgradeStrategy":{},"shareVolumePolicy":{}}]})"},
      // Strings are escaped as encoding/json does, HTML characters included; ints print as
      // integers even when the document carries them as floats; mistyped values read as absent.
      {"escaping, integral floats and mistyped values",
       R"({"containers":[{"name":"a<b>&\"c","command":["sh","-c","x\ty"],)"
       R"("ports":[{"containerPort":80.0,"hostPort":"8080"}],"stdin":"yes","tty":false,)"
       R"("image":7,"livenessProbe":null,"readinessProbe":{}}]})",
       false,
       R"({"containers":[{"name":"a\u003cb\u003e\u0026\"c","command":["sh","-c","x\ty"],)"
       R"("ports":[{"containerPort":80}],"resources":{},"readinessProbe":{},)"
       R"("upgradeStrategy":{},"shareVolumePolicy":{}}]})"},
      // resourcesPolicy: targetContainersMode has no omitempty, resourcesExpr is a struct value.
      {"resourcesPolicy and pointer policies",
       R"({"containers":[{"name":"r","resourcesPolicy":{"resourcesExpr":{"requests":)"
       R"({"memory":"memory*50%"}}},"shareVolumeDevicePolicy":{"type":"enabled"},)"
       R"("transferEnv":[{"sourceContainerNameFrom":{"fieldRef":{"fieldPath":"metadata.labels['c']"}},)"
       R"("envNames":["A","B"]}]}]})",
       false,
       R"({"containers":[{"name":"r","resources":{},"upgradeStrategy":{},"shareVolumePolicy":{},)"
       R"("shareVolumeDevicePolicy":{"type":"enabled"},"transferEnv":[{"sourceContainerNameFrom":)"
       R"({"fieldRef":{"fieldPath":"metadata.labels['c']"}},"envNames":["A","B"]}],)"
       R"("resourcesPolicy":{"targetContainersMode":"","resourcesExpr":{"requests":)"
       R"({"memory":"memory*50%"}}}}]})"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(hash_input(parse(c.spec), c.without_image) == c.expected); }
  }
}

// The CRD default of targetContainersNameRegex is applied before the SidecarSet webhook hashes, so
// a policy without a regex (or with null) hashes as one written with ".*": the hash input below
// is json.Marshal of the defaulted v1beta1.SidecarContainer (resourcesPolicy last; its fields
// targetContainersMode, targetContainersNameRegex omitempty, resourcesExpr; limits/requests
// pointers). The hashes are those of fixtures/cases/crd-default-regex-in-hash.
TEST_CASE("a resourcesPolicy hashes with the CRD default regex") {
  const std::string container = R"({"name":"sidecar-a","image":"sidecar:1.0","resources":{},)"
                                R"("terminationMessagePath":"/dev/termination-log",)"
                                R"("terminationMessagePolicy":"File","imagePullPolicy":)"
                                R"("IfNotPresent","podInjectPolicy":"BeforeAppContainer",)"
                                R"("upgradeStrategy":{"upgradeType":"ColdUpgrade"},)"
                                R"("shareVolumePolicy":{"type":"disabled"},"resourcesPolicy":)"
                                R"({"targetContainersMode":"sum","targetContainersNameRegex":)"
                                R"(".*","resourcesExpr":{"limits":{"cpu":"cpu*50%"}}}})";
  for (const char* regex :
       {"", R"("targetContainersNameRegex":null,)", R"("targetContainersNameRegex":".*",)"}) {
    DYNAMIC_SECTION("regex member: " << (*regex ? regex : "absent")) {
      Json ss = parse(std::string(R"({"spec":{"containers":[{"name":"sidecar-a",)") +
                      R"("image":"sidecar:1.0","resourcesPolicy":{"targetContainersMode":"sum",)" +
                      regex + R"("resourcesExpr":{"limits":{"cpu":"cpu*50%"}}}}]}})");
      default_sidecarset(ss);
      CHECK(hash_input(ss["spec"], false) == R"({"containers":[)" + container + "]}");
      CHECK(sidecarset_hash(ss["spec"]) ==
            "vccdx2czfb2w4bzf2v25827c66fbc4d7b9784x677zd459fd696xf422zcbd8fdb");
    }
  }
}

TEST_CASE("image changes move only the with-image hash; name changes move both") {
  const Json base = parse(std::string(R"({"containers":[)") + kPlain + "]}");
  Json new_image = base;
  new_image["containers"][0]["image"] = "new-image";
  Json new_name = base;
  new_name["containers"][0]["name"] = "container2";

  CHECK(sidecarset_hash(new_image) != sidecarset_hash(base));
  CHECK(sidecarset_hash_without_image(new_image) == sidecarset_hash_without_image(base));
  CHECK(sidecarset_hash(new_name) != sidecarset_hash(base));
  CHECK(sidecarset_hash_without_image(new_name) != sidecarset_hash_without_image(base));
}

TEST_CASE("safe_encode maps every rune into the vowel-free alphabet") {
  struct Case {
    std::string name;
    std::string input;
    std::string expected;
  };
  // "bcdfghjklmnpqrstvwxz2456789"[r % 27]: '0' (48) -> 48 % 27 = 21 -> '4'; 'a' (97) -> 16 -> 'v';
  // 'f' (102) -> 21 -> '4'; U+00E9 (233) -> 17 -> 'w'; an invalid byte is U+FFFD (65533) -> 4 ->
  // 'g', as Go's []rune conversion makes it.
  const std::vector<Case> cases = {
      {"empty", "", ""},
      {"hex digits", "0123456789abcdef", "456789bcdfvwxz24"},
      {"one rune per multi-byte character", "\xC3\xA9", "w"},
      {"invalid byte", "\xFF", "g"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(safe_encode(c.input) == c.expected); }
  }
}

}  // namespace
}  // namespace injector
