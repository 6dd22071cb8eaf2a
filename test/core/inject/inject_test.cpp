// Unit tests of inject() for what the golden cases cannot show: error paths on SidecarSets the
// loader would reject, malformed pods, warnings, and the hot-upgrade pair itself.

#include "injector/inject/inject.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "injector/inject/hot_upgrade.hpp"
#include "injector/model/load.hpp"

namespace injector {
namespace {

// A World built by hand, bypassing load-time validation, as admission might have let through.
World world_of(const std::vector<std::pair<std::string, std::string>>& sets) {
  World w;
  for (const auto& [name, spec] : sets) {
    SidecarSet s;
    s.name = name;
    s.object = Json::parse(R"({"apiVersion":"apps.kruise.io/v1beta1","kind":"SidecarSet",)"
                           R"("metadata":{"name":")" +
                           name + R"("},"spec":)" + spec + "}");
    const Json& sp = s.object["spec"];
    if (sp.contains("selector")) {
      s.selector = parse_label_selector(sp["selector"], "spec.selector").value();
    }
    if (sp.contains("namespaceSelector")) {
      s.namespace_selector =
          parse_label_selector(sp["namespaceSelector"], "spec.namespaceSelector").value();
    }
    s.hash = name + "-hash";
    s.hash_without_image = name + "-hash-noimg";
    w.sidecarsets.push_back(std::move(s));
  }
  w.index = build_match_index(w.sidecarsets);
  return w;
}

InjectOptions options() {
  using namespace std::chrono;
  InjectOptions o;
  o.now = sys_days{year{2024} / 1 / 2} + hours{3} + minutes{4} + seconds{5};
  return o;
}

const std::string kAgent =
    R"("selector":{"matchLabels":{"app":"web"}},"containers":[{"name":"agent","image":"a:1"}])";

Json pod_with(const std::string& metadata_extra, const std::string& spec) {
  return Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0",)"
                     R"("namespace":"default","labels":{"app":"web"})" +
                     metadata_extra + R"(},"spec":)" + spec + "}");
}

TEST_CASE("inject denies with a message naming the SidecarSet or the pod field") {
  struct Case {
    std::string name;
    std::vector<std::pair<std::string, std::string>> sets;
    Json pod;
    std::string code;
    std::string message;
  };
  const std::string nginx = R"({"containers":[{"name":"nginx","image":"nginx"}]})";
  const std::vector<Case> cases = {
      {"unknown operator in the pod selector",
       {{"bad", R"({"selector":{"matchExpressions":[{"key":"app","operator":"Has"}]},)"
                R"("containers":[{"name":"agent","image":"a:1"}]})"}},
       pod_with("", nginx),
       "",
       R"(sidecarset "bad": spec.selector: "Has" is not a valid label selector operator)"},
      {"unknown operator in the namespace selector",
       {{"bad-ns", R"({"namespaceSelector":{"matchExpressions":[{"key":"env","operator":"In2",)"
                   R"("values":["a"]}]},)" +
                       kAgent + "}"}},
       pod_with("", nginx),
       "",
       R"(sidecarset "bad-ns": spec.namespaceSelector: "In2" is not a valid label selector )"
       R"(operator)"},
      {"invalid MergePatchJson value",
       {{"merge", R"({"patchPodMetadata":[{"annotations":{"k":"{x"},)"
                  R"("patchPolicy":"MergePatchJson"}],)" +
                      kAgent + "}"}},
       pod_with(R"(,"annotations":{"k":"{}"})", nginx),
       "invalid_merge_patch",
       R"(sidecarset "merge": patchPodMetadata[0]: annotation "k": Invalid JSON Patch)"},
      {"invalid hash-without-image annotation",
       {{"agent", "{" + kAgent + "}"}},
       pod_with(R"(,"annotations":{"kruise.io/sidecarset-hash-without-image":"[1]"})", nginx),
       "invalid_pod",
       "pod(default/web-0) invalid annotations[kruise.io/sidecarset-hash-without-image] value "
       "[1], unmarshal failed: json: cannot unmarshal array into Go value of type "
       "map[string]string"},
      {"pod is not an object", {}, Json::array(), "invalid_pod", "pod: (root): must be an object"},
      {"metadata is not an object",
       {},
       Json::parse(R"({"metadata":1})"),
       "invalid_pod",
       "pod: metadata: must be an object"},
      {"label value not a string",
       {},
       Json::parse(R"({"metadata":{"labels":{"app":1}}})"),
       "invalid_pod",
       R"(pod: metadata.labels["app"]: must be a string)"},
      {"annotation value not a string",
       {},
       Json::parse(R"({"metadata":{"annotations":{"a":null}}})"),
       "invalid_pod",
       R"(pod: metadata.annotations["a"]: must be a string)"},
      {"namespace not a string",
       {},
       Json::parse(R"({"metadata":{"namespace":[]}})"),
       "invalid_pod",
       "pod: metadata.namespace: must be a string"},
      {"spec is not an object",
       {},
       Json::parse(R"({"spec":"x"})"),
       "invalid_pod",
       "pod: spec: must be an object"},
      {"containers not a list",
       {},
       Json::parse(R"({"spec":{"containers":{}}})"),
       "invalid_pod",
       "pod: spec.containers: must be a list"},
      {"volume not an object",
       {},
       Json::parse(R"({"spec":{"volumes":[1]}})"),
       "invalid_pod",
       "pod: spec.volumes[0]: must be an object"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const World world = world_of(c.sets);
      auto r = inject(world, c.pod, "default", options());
      REQUIRE_FALSE(r.has_value());
      if (!c.code.empty()) {
        CHECK(r.error().code == c.code);
      }
      CHECK(r.error().message == c.message);
    }
  }
}

TEST_CASE("a ControllerRevision whose stored container is not an object denies the pod") {
  World world = world_of({{"rev", R"({"selector":{"matchLabels":{"app":"web"}},)"
                                  R"("injectionStrategy":{"revision":{"revisionName":"rev-1"}},)"
                                  R"("containers":[{"name":"agent","image":"a:1"}]})"}});
  ControllerRevision r;
  r.name = "rev-1";
  r.namespace_name = std::string(kKruiseNamespace);
  r.data = Json::parse(R"({"spec":{"$patch":"replace","containers":[5]}})");
  world.revisions.push_back(r);
  auto result = inject(world, pod_with("", R"({"containers":[{"name":"nginx","image":"nginx"}]})"),
                       "default", options());
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == "invalid_sidecarset");
  CHECK(result.error().message == R"(sidecarset "rev": a container is not an object)");
}

TEST_CASE("a pod selector that is missing or empty matches nothing") {
  const World world = world_of({{"none", R"({"containers":[{"name":"a","image":"a"}]})"},
                                {"empty", R"({"selector":{},"containers":[{"name":"b",)"
                                          R"("image":"b"}]})"}});
  const Json pod = pod_with("", R"({"containers":[{"name":"nginx","image":"nginx"}]})");
  auto r = inject(world, pod, "default", options());
  REQUIRE(r.has_value());
  CHECK(r->patch == Json::array());
  CHECK(r->matched.empty());
  CHECK(r->pod == pod);
}

TEST_CASE("a sidecar that would duplicate a container name across the lists denies the pod") {
  struct Case {
    std::string name;
    std::vector<std::pair<std::string, std::string>> sets;
    std::string spec;
    std::string message;
  };
  const std::string unique =
      "; container names must be unique across initContainers and containers";
  const std::vector<Case> cases = {
      // The inject_fuzz finding (fixtures/fuzz/inject_fuzz/regressions/): upstream appends the
      // sidecar and kube-apiserver refuses `spec.containers[0].name: Duplicate value`.
      {"a sidecar named like an app init container",
       {{"set-0", R"({"selector":{"matchLabels":{"app":"web"}},)"
                  R"("containers":[{"name":"envoy","image":"envoy:1.0"}]})"}},
       R"({"initContainers":[{"name":"envoy","image":"envoy:2"}],)"
       R"("containers":[{"name":"worker","image":"worker:2"}]})",
       R"(sidecarset "set-0": container "envoy" would duplicate the pod's spec.initContainers[0])" +
           unique},
      {"a native init sidecar named like an app container",
       {{"mesh", R"({"selector":{"matchLabels":{"app":"web"}},"initContainers":[{"name":"envoy",)"
                 R"("image":"envoy:1.0","restartPolicy":"Always"}]})"}},
       R"({"containers":[{"name":"nginx","image":"nginx"},{"name":"envoy","image":"e:0"}]})",
       R"(sidecarset "mesh": init container "envoy" would duplicate the pod's spec.containers[1])" +
           unique},
      {"two SidecarSets with one name in the two lists",
       {{"a", R"({"selector":{"matchLabels":{"app":"web"}},"initContainers":[{"name":"agent",)"
              R"("image":"a:1"}]})"},
        {"b", "{" + kAgent + "}"}},
       R"({"containers":[{"name":"nginx","image":"nginx"}]})",
       R"(sidecarset "b": container "agent" would duplicate the init container "agent" of )"
       R"(sidecarset "a")" +
           unique},
      {"a hot pair name held by an app init container",
       {{"hot", R"({"selector":{"matchLabels":{"app":"web"}},"containers":[{"name":"envoy",)"
                R"("image":"envoy:1","upgradeStrategy":{"upgradeType":"HotUpgrade",)"
                R"("hotUpgradeEmptyImage":"empty:1"}}]})"}},
       R"({"initContainers":[{"name":"envoy-2","image":"x"}],)"
       R"("containers":[{"name":"nginx","image":"nginx"}]})",
       R"(sidecarset "hot": container "envoy-2" would duplicate the pod's spec.initContainers[0])" +
           unique},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const World world = world_of(c.sets);
      auto r = inject(world, pod_with("", c.spec), "default", options());
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == "duplicate_container_name");
      CHECK(r.error().message == c.message);
    }
  }
}

TEST_CASE("a sidecar named like an app container of its own list still replaces it in place") {
  const World world = world_of({{"agent", "{" + kAgent + "}"}});
  auto r = inject(world,
                  pod_with("", R"({"initContainers":[{"name":"setup","image":"s"}],)"
                               R"("containers":[{"name":"agent","image":"old"}]})"),
                  "default", options());
  REQUIRE(r.has_value());
  CHECK(r->pod["spec"]["containers"] ==
        Json::parse(R"([{"name":"agent","image":"a:1",)"
                    R"("env":[{"name":"IS_INJECTED","value":"true"}]}])"));
  CHECK(r->pod["spec"]["initContainers"] == Json::parse(R"([{"name":"setup","image":"s"}])"));
}

TEST_CASE("a mount naming no SidecarSet volume is skipped with a warning") {
  const World world = world_of(
      {{"vols", R"({"selector":{"matchLabels":{"app":"web"}},"containers":[{"name":"agent",)"
                R"("image":"a:1","volumeMounts":[{"name":"ghost","mountPath":"/g"}],)"
                R"("volumeDevices":[{"name":"disk","devicePath":"/dev/x"}]}],)"
                R"("volumes":[{"name":"disk","persistentVolumeClaim":{"claimName":"d"}}]})"}});
  auto r = inject(world, pod_with("", R"({"containers":[{"name":"nginx","image":"nginx"}]})"),
                  "default", options());
  REQUIRE(r.has_value());
  CHECK(r->warnings == std::vector<std::string>{
                           R"(sidecarset "vols": container "agent": volumeMount "ghost" names no )"
                           R"(volume of the SidecarSet; not injected)"});
  CHECK(r->pod["spec"]["volumes"] ==
        Json::parse(R"([{"name":"disk","persistentVolumeClaim":{"claimName":"d"}}])"));
  CHECK(r->matched == std::vector<std::string>{"vols"});
}

TEST_CASE("SidecarSet-only fields never reach the pod, and matched lists canaries") {
  const World world = world_of(
      {{"base", "{" + kAgent + "}"},
       {"canary",
        R"({"selector":{"matchLabels":{"app":"web"}},"containers":[{"name":"agent",)"
        R"("image":"a:2","podInjectPolicy":"BeforeAppContainer",)"
        R"("upgradeStrategy":{"upgradeType":"ColdUpgrade"},"shareVolumePolicy":{"type":"disabled"},)"
        R"("shareVolumeDevicePolicy":{"type":"disabled"},"transferEnv":[],"futureField":1}]})"}});
  World w = world;
  w.sidecarsets[1].object["metadata"]["annotations"] = {
      {std::string(kCanaryAnnotation), "true"}, {std::string(kCanaryBaseAnnotation), "base"}};
  auto r = inject(w, pod_with("", R"({"containers":[{"name":"nginx","image":"nginx"}]})"),
                  "default", options());
  REQUIRE(r.has_value());
  CHECK(r->matched == std::vector<std::string>{"canary"});
  CHECK(r->pod["spec"]["containers"][0] ==
        Json::parse(R"({"name":"agent","image":"a:2","futureField":1,)"
                    R"("env":[{"name":"IS_INJECTED","value":"true"}]})"));
}

TEST_CASE("transferEnv resolves sourceContainerNameFrom as upstream does") {
  struct Case {
    std::string field_path;
    std::string expected_env;  // the sidecar's env after injection
  };
  const std::string injected = R"({"name":"IS_INJECTED","value":"true"})";
  const std::vector<Case> cases = {
      {"metadata.labels['main']", "[" + injected + R"(,{"name":"ZONE","value":"z1"}])"},
      {"metadata.annotations['main']", "[" + injected + R"(,{"name":"ZONE","value":"z2"}])"},
      {"metadata.labels['absent']", "[" + injected + "]"},
      {"metadata.name", "[" + injected + "]"},               // unsupported: entry skipped
      {"metadata.namespace['main']", "[" + injected + "]"},  // no subscript support
      {"metadata.labels['main'", "[" + injected + "]"},      // not a subscript
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.field_path) {
      const World world = world_of(
          {{"t", R"({"selector":{"matchLabels":{"app":"web"}},"containers":[{"name":"agent",)"
                 R"("image":"a:1","transferEnv":[{"sourceContainerNameFrom":{"fieldRef":)"
                 R"({"fieldPath":")" +
                     c.field_path + R"("}},"envName":"ZONE"}]}]})"}});
      const Json pod = pod_with(R"(,"annotations":{"main":"second"})",
                                R"({"containers":[{"name":"first","image":"f",)"
                                R"("env":[{"name":"ZONE","value":"z1"}]},)"
                                R"({"name":"second","image":"s","env":[{"name":"ZONE",)"
                                R"("value":"z2"}]}]})");
      Json with_label = pod;
      with_label["metadata"]["labels"]["main"] = "first";
      auto r = inject(world, with_label, "default", options());
      REQUIRE(r.has_value());
      // An empty podInjectPolicy (no defaulting here) means after the app containers.
      CHECK(r->pod["spec"]["containers"].back()["env"] == Json::parse(c.expected_env));
    }
  }
}

TEST_CASE("hot_upgrade_pair builds -1/-2 with version envs and annotations") {
  const Json c = Json::parse(
      R"({"name":"envoy","image":"envoy:1","env":[{"name":"IS_INJECTED","value":"true"}]})");
  const HotUpgradePair pair = hot_upgrade_pair(c, "empty:1");
  CHECK(pair.working == Json::parse(R"({"name":"envoy-1","image":"envoy:1","env":[)"
                                    R"({"name":"IS_INJECTED","value":"true"},)"
                                    R"({"name":"SIDECARSET_VERSION","valueFrom":{"fieldRef":)"
                                    R"({"fieldPath":"metadata.annotations['version.sidecarset.)"
                                    R"(kruise.io/envoy-1']"}}},)"
                                    R"({"name":"SIDECARSET_VERSION_ALT","valueFrom":{"fieldRef":)"
                                    R"({"fieldPath":"metadata.annotations['versionalt.)"
                                    R"(sidecarset.kruise.io/envoy-1']"}}}]})"));
  CHECK(pair.empty["name"] == "envoy-2");
  CHECK(pair.empty["image"] == "empty:1");
  CHECK(pair.empty["env"][1]["valueFrom"]["fieldRef"]["fieldPath"] ==
        "metadata.annotations['version.sidecarset.kruise.io/envoy-2']");
  CHECK(pair.annotations ==
        std::map<std::string, std::string>{{"version.sidecarset.kruise.io/envoy-1", "1"},
                                           {"version.sidecarset.kruise.io/envoy-2", "0"},
                                           {"versionalt.sidecarset.kruise.io/envoy-1", "0"},
                                           {"versionalt.sidecarset.kruise.io/envoy-2", "1"}});
}

TEST_CASE("the request namespace fills an empty pod namespace only when the pod changes") {
  const World world = world_of({{"agent", "{" + kAgent + "}"}});
  const std::string spec = R"("spec":{"containers":[{"name":"nginx","image":"nginx"}]})";
  Json pod = Json::parse(R"({"metadata":{"labels":{"app":"web"}},)" + spec + "}");
  auto r = inject(world, pod, "team-a", options());
  REQUIRE(r.has_value());
  CHECK(r->pod["metadata"]["namespace"] == "team-a");

  Json other = Json::parse(R"({"metadata":{"labels":{"app":"x"}},)" + spec + "}");
  auto unchanged = inject(world, other, "team-a", options());
  REQUIRE(unchanged.has_value());
  CHECK(unchanged->patch == Json::array());
  CHECK(unchanged->pod == other);
}

}  // namespace
}  // namespace injector
