// vsidecarset: §6 as OpenKruise answers it (errored 500 with Go's aggregate of field errors),
// the rules that need the cluster (other SidecarSets, ControllerRevisions, canary bases, the
// UPDATE rules against oldObject), v1alpha1 conversion, and the requests it does not act on.

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "injector/admission/sidecarset.hpp"
#include "injector/model/load.hpp"

namespace {

using injector::AdmissionRequest;
using injector::FieldProblem;
using injector::Json;

// The World a server holds: already admitted (defaulted) SidecarSets and ControllerRevisions.
std::shared_ptr<const injector::World> held_world() {
  const std::string yaml = R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: logging
spec:
  selector:
    matchLabels:
      app: web
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: shop
  containers:
  - name: agent
    image: agent:1.0
  volumes:
  - name: logs
    emptyDir: {}
---
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: mesh
  annotations:
    apps.kruise.io/sidecarset-canary: "true"
    apps.kruise.io/sidecarset-base: logging
spec:
  updateStrategy:
    type: NotUpdate
  selector:
    matchLabels:
      app: api
  containers:
  - name: proxy
    image: proxy:1.0
---
apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: tracing-abc
  namespace: kruise-system
  labels:
    kruise.io/sidecarset-name: tracing
    apps.kruise.io/sidecarset-custom-version: v1
revision: 1
data:
  spec:
    containers:
    - name: tracer
      image: tracer:0.9
)";
  auto documents = injector::parse_documents(yaml, "held.yaml");
  REQUIRE(documents);
  auto built = injector::build_world(std::move(*documents), 1);
  REQUIRE(built);
  return built->world;
}

// A defaulted v1beta1 SidecarSet (what the validating webhook sees after the mutating one).
Json sidecarset(const std::string& name, const std::string& extra_spec_json = "",
                const std::string& container = "tracer") {
  Json ss = Json::parse(R"({"apiVersion":"apps.kruise.io/v1beta1","kind":"SidecarSet",
    "metadata":{"name":")" +
                        name + R"("},
    "spec":{"selector":{"matchLabels":{"app":"web"}},
            "containers":[{"name":")" +
                        container + R"(","image":"tracer:1.0"}])" + extra_spec_json + "}}");
  injector::default_sidecarset(ss);
  return ss;
}

AdmissionRequest request(std::string operation, Json object, Json old = nullptr,
                         std::string version = "v1beta1") {
  AdmissionRequest r;
  r.uid = "uid-9";
  r.operation = std::move(operation);
  r.resource = {{"group", "apps.kruise.io"}, {"version", version}, {"resource", "sidecarsets"}};
  r.object = std::move(object);
  r.old_object = std::move(old);
  return r;
}

}  // namespace

TEST_CASE("aggregate_problems prints field errors as Go's ToAggregate") {
  CHECK(injector::aggregate_problems({}) == "");
  CHECK(injector::aggregate_problems({FieldProblem{"spec.selector", "Required value"}}) ==
        "spec.selector: Required value");
  CHECK(injector::aggregate_problems({FieldProblem{"a", "x"}, FieldProblem{"b", "y"},
                                      FieldProblem{"a", "x"}, FieldProblem{"", "z"}}) ==
        "[a: x, b: y, z]");
}

TEST_CASE("SidecarSet validation answers as vsidecarset") {
  const auto world = held_world();
  struct Case {
    std::string name;
    AdmissionRequest request;
    int code;  // 0: allowed
    std::string message;
  };
  Json without_selector = sidecarset("tracing");
  without_selector["spec"].erase("selector");
  Json two_problems = without_selector;
  two_problems["spec"]["containers"][0]["podInjectPolicy"] = "Sideways";

  Json v1alpha1 = sidecarset("tracing", "", "agent");
  v1alpha1["apiVersion"] = "apps.kruise.io/v1alpha1";
  v1alpha1["spec"]["namespace"] = "billing";
  // namespace wins over namespaceSelector in the conversion, so this one is not in shop.
  v1alpha1["spec"]["namespaceSelector"] = {
      {"matchLabels", {{"kubernetes.io/metadata.name", "shop"}}}};

  Json canary_of_missing = sidecarset("tracing", R"(,"updateStrategy":{"type":"NotUpdate"})");
  canary_of_missing["metadata"]["annotations"] = {{"apps.kruise.io/sidecarset-canary", "true"},
                                                  {"apps.kruise.io/sidecarset-base", "gone"}};
  Json canary_of_canary = canary_of_missing;
  canary_of_canary["metadata"]["annotations"]["apps.kruise.io/sidecarset-base"] = "mesh";

  const std::vector<Case> cases = {
      {"a valid SidecarSet", request("CREATE", sidecarset("tracing")), 0, "allowed to be admitted"},
      {"no selector", request("CREATE", without_selector), 500,
       "spec.selector: Required value: no selector defined for SidecarSet"},
      {"several problems in one message", request("CREATE", two_problems), 500,
       "[spec.selector: Required value: no selector defined for SidecarSet, "
       "spec.container.podInjectPolicy: Invalid value: \"Sideways\": unsupported pod inject "
       "policy]"},
      {"a container name another SidecarSet injects into the same pods",
       request("CREATE", sidecarset("tracing", "", "agent")), 500,
       "spec.containers: Invalid value: \"agent\": container agent already exist in logging"},
      {"the same volume name with another definition",
       request(
           "CREATE",
           sidecarset("tracing", R"(,"volumes":[{"name":"logs","hostPath":{"path":"/var/log"}}])")),
       500,
       "spec.volumes: Invalid value: \"logs\": volume logs is in conflict with sidecarset logging"},
      {"the same volume with the same definition is shared",
       request("CREATE", sidecarset("tracing", R"(,"volumes":[{"name":"logs","emptyDir":{}}])")), 0,
       "allowed to be admitted"},
      {"v1alpha1 is converted first: its namespace keeps it away from shop",
       request("CREATE", v1alpha1, nullptr, "v1alpha1"), 0, "allowed to be admitted"},
      {"UPDATE of a held SidecarSet is not compared with its older self",
       request("UPDATE", sidecarset("logging", "", "agent"), sidecarset("logging", "", "agent")), 0,
       "allowed to be admitted"},
      {"a revisionName no ControllerRevision has",
       request("CREATE",
               sidecarset("tracing",
                          R"(,"injectionStrategy":{"revision":{"revisionName":"tracing-zzz"}})")),
       500,
       "revision: Invalid value: \"null\": Cannot find specific ControllerRevision, err: "
       "controllerrevisions.apps \"tracing-zzz\" not found"},
      {"a revisionName held",
       request("CREATE",
               sidecarset("tracing",
                          R"(,"injectionStrategy":{"revision":{"revisionName":"tracing-abc"}})")),
       0, "allowed to be admitted"},
      {"a customVersion no revision of this SidecarSet carries",
       request("CREATE", sidecarset("tracing",
                                    R"(,"injectionStrategy":{"revision":{"customVersion":"v2"}})")),
       500,
       "revision: Invalid value: \"null\": Cannot find specific ControllerRevision, err: "
       "ControllerRevision.apps \"tracing\" not found"},
      {"a customVersion held",
       request("CREATE", sidecarset("tracing",
                                    R"(,"injectionStrategy":{"revision":{"customVersion":"v1"}})")),
       0, "allowed to be admitted"},
      {"a canary whose base is not held", request("CREATE", canary_of_missing), 500,
       "metadata: Invalid value: map[string]string{\"apps.kruise.io/sidecarset-base\":\"gone\", "
       "\"apps.kruise.io/sidecarset-canary\":\"true\"}: fetch base sidecarSet[gone] failed: "
       "sidecarsets.apps.kruise.io \"gone\" not found"},
      {"a canary of a canary", request("CREATE", canary_of_canary), 500,
       "metadata: Invalid value: map[string]string{\"apps.kruise.io/sidecarset-base\":\"mesh\", "
       "\"apps.kruise.io/sidecarset-canary\":\"true\"}: base sidecarSet cannot be canary"},
      {"UPDATE adding a container",
       request("UPDATE", sidecarset("tracing", "", "tracer2"), sidecarset("tracing")), 500,
       "spec.containers.name: Invalid value: \"tracer2\": container tracer2 is not found"},
      {"UPDATE without oldObject", request("UPDATE", sidecarset("tracing")), 400,
       "request.oldObject is missing"},
      {"UPDATE with an oldObject Go could not decode",
       request("UPDATE", sidecarset("tracing"), Json::parse(R"({"spec":{"containers":7}})")), 400,
       "oldObject.spec.containers: must be an array"},
      {"an object Go could not decode",
       request("CREATE", Json::parse(R"({"metadata":{"name":"x"},"spec":{"selector":[]}})")), 400,
       "spec.selector: must be an object"},
      {"DELETE is allowed", request("DELETE", nullptr), 0, ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto d = injector::validate_sidecarset_admission(*world, c.request);
      CHECK(d.response.uid == "uid-9");
      CHECK(d.response.allowed == (c.code == 0));
      CHECK(d.response.code == (c.code == 0 && !c.message.empty() ? 200 : c.code));
      CHECK(d.response.message == c.message);
      CHECK(d.response.patch.empty());
    }
  }
}

TEST_CASE("UPDATE-only rules against the old object") {
  struct Case {
    std::string name;
    Json updated;
    Json old;
    std::vector<FieldProblem> expected;
  };
  Json hot = sidecarset("tracing");
  hot["spec"]["containers"][0]["upgradeStrategy"] = {{"upgradeType", "HotUpgrade"},
                                                     {"hotUpgradeEmptyImage", "empty:1"}};
  Json unset = sidecarset("tracing");
  unset["spec"]["containers"][0]["upgradeStrategy"] = Json::object();
  Json canary = sidecarset("tracing");
  canary["metadata"]["annotations"] = {{"apps.kruise.io/sidecarset-canary", "true"},
                                       {"apps.kruise.io/sidecarset-base", "logging"}};
  Json moved = canary;
  moved["metadata"]["annotations"]["apps.kruise.io/sidecarset-base"] = "mesh";
  const std::vector<Case> cases = {
      {"unchanged", sidecarset("tracing"), sidecarset("tracing"), {}},
      {"a renamed container",
       sidecarset("tracing", "", "tracer2"),
       sidecarset("tracing"),
       {{"spec.containers.name", "Invalid value: \"tracer2\": container tracer2 is not found"}}},
      {"upgradeType changed",
       hot,
       sidecarset("tracing"),
       {{"spec.containers.upgradeStrategy.upgradeType",
         "Invalid value: \"tracer\": container tracer upgradeType is immutable"}}},
      {"an empty old upgradeType may be set", hot, unset, {}},
      {"a canary keeps its base",
       moved,
       canary,
       {{"metadata.annotations[apps.kruise.io/sidecarset-base]",
         "Invalid value: \"mesh\": annotations[apps.kruise.io/sidecarset-base] is immutable"}}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      CHECK(injector::validate_sidecarset_update(c.updated, c.old) == c.expected);
    }
  }
  // As OpenKruise answers it: on `metadata`, with the annotations as the bad value.
  const auto problems = injector::validate_sidecarset_update(moved, canary);
  REQUIRE(problems.size() == 1);
  CHECK(
      problems[0].upstream_text() ==
      "metadata: Invalid value: map[string]string{\"apps.kruise.io/sidecarset-base\":\"mesh\", "
      "\"apps.kruise.io/sidecarset-canary\":\"true\"}: annotations[apps.kruise.io/sidecarset-base] "
      "is immutable");
}
