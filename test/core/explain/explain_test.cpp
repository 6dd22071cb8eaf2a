// explain(): the verdicts the conformance cases do not reach (inactive pods, already injected,
// missing revisions, canaries, conflicts, no app containers, a denied pod) and what an applying
// SidecarSet adds (native sidecars, transferred env, volumes, annotations, replaced containers).

#include "injector/explain/explain.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "injector/inject/annotations.hpp"
#include "injector/model/load.hpp"

namespace injector {
namespace {

struct Loaded {
  std::shared_ptr<const World> world;
  std::vector<Problem> problems;
};

Loaded load(const std::string& yaml) {
  auto docs = parse_documents(yaml, "ss.yaml");
  REQUIRE(docs.has_value());
  TolerantWorldBuild built = build_world_tolerant(std::move(*docs), 1);
  return {built.build.world, built.problems};
}

InjectOptions options() {
  InjectOptions o;
  o.now = *parse_rfc3339("2024-01-02T03:04:05Z");
  return o;
}

Json pod(const std::string& extra_metadata = "", const std::string& extra = "",
         const std::string& containers = R"([{"name":"app","image":"a:1"}])") {
  return Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0",)"
                     R"("namespace":"default","labels":{"app":"web"})" +
                     extra_metadata + R"(},"spec":{"containers":)" + containers + "}" + extra +
                     "}");
}

const SidecarSetExplanation& entry(const Explanation& x, const std::string& name) {
  for (const auto& e : x.sidecarsets) {
    if (e.name == name) {
      return e;
    }
  }
  FAIL("no entry for " << name);
  return x.sidecarsets.front();
}

const std::string kAgent = R"(
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: web}}
  containers: [{name: agent, image: agent:1}]
)";

}  // namespace

TEST_CASE("explain: verdicts beyond the selectors") {
  struct Case {
    std::string name;
    std::string sidecarsets;
    Json pod;
    std::string sidecarset;
    std::string code;
    std::string message;
  };
  const std::string revision = R"(
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: pinned}
spec:
  selector: {matchLabels: {app: web}}
  injectionStrategy: {revision: {revisionName: pinned-old}}
  containers: [{name: pinned, image: pinned:1}]
)";
  const std::string canary = kAgent + R"(---
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: agent-canary
  annotations: {apps.kruise.io/sidecarset-canary: "true", apps.kruise.io/sidecarset-base: agent}
spec:
  selector: {matchLabels: {app: web}}
  updateStrategy: {type: NotUpdate}
  containers: [{name: agent, image: agent:2}]
)";
  const std::string conflict = kAgent + R"(---
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: copy}
spec:
  selector: {matchLabels: {app: web}}
  containers: [{name: agent, image: agent:9}]
)";
  const std::vector<Case> cases = {
      {"succeeded pod", kAgent, pod("", R"(,"status":{"phase":"Succeeded"})"), "agent",
       "pod_inactive",
       "the pod is not active (status.phase Succeeded); OpenKruise injects active pods only"},
      {"pod being deleted", kAgent, pod(R"(,"deletionTimestamp":"2024-01-01T00:00:00Z")"), "agent",
       "pod_inactive",
       "the pod is not active (metadata.deletionTimestamp is set); OpenKruise injects active pods "
       "only"},
      {"revision missing", revision, pod(), "pinned", "revision_missing",
       "sidecarset \"pinned\": injectionStrategy.revision.revisionName: ControllerRevision "
       "\"kruise-system/pinned-old\" not found; the webhook denies the pod"},
      {"replaced by a canary", canary, pod(), "agent", "replaced_by_canary",
       "replaced by its canary \"agent-canary\" (annotation apps.kruise.io/sidecarset-base)"},
      {"the canary itself", canary, pod(), "agent-canary", "injects", "selects the pod"},
      {"conflict with an older SidecarSet", conflict, pod(), "copy", "conflict",
       "conflicts with another SidecarSet, so admission refuses it: spec.containers[0].name: "
       "container agent already exist in agent"},
      {"no app containers", kAgent, pod("", "", "[]"), "agent", "no_app_containers",
       "selects the pod, but the webhook leaves it alone: spec.containers is empty (the API "
       "server rejects it)"},
      {"a pod field of the wrong type", kAgent, pod(R"(,"annotations":[])"), "agent", "pod_denied",
       "the webhook denies the pod before any SidecarSet is looked at: pod: "
       "metadata.annotations: must be an object"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const Loaded l = load(c.sidecarsets);
      const Explanation x = explain(*l.world, l.problems, c.pod, "", options());
      const SidecarSetExplanation& e = entry(x, c.sidecarset);
      CHECK(e.code == c.code);
      CHECK(e.message == c.message);
      CHECK(e.applies == (c.code == "injects"));
    }
  }
}

TEST_CASE("explain: a pod that already carries its sidecars is already_injected") {
  const Loaded l = load(kAgent);
  const Explanation first = explain(*l.world, l.problems, pod(), "", options());
  REQUIRE(entry(first, "agent").code == "injects");
  auto injected = inject(*l.world, pod(), "", options());
  REQUIRE(injected.has_value());
  const Explanation again = explain(*l.world, l.problems, injected->pod, "", options());
  const SidecarSetExplanation& e = entry(again, "agent");
  CHECK(e.code == "already_injected");
  CHECK_FALSE(e.applies);
  CHECK(
      e.message.starts_with("selects the pod, which already carries it (annotation "
                            "kruise.io/sidecarset-hash hash \""));
  CHECK(again.patch_ops == 0);
}

TEST_CASE("explain: what an applying SidecarSet adds") {
  const Loaded l = load(R"(
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: full}
spec:
  selector: {matchLabels: {app: web}}
  updateStrategy: {type: NotUpdate}
  initContainers:
  - {name: proxy, image: proxy:1, restartPolicy: Always, podInjectPolicy: BeforeAppContainer}
  containers:
  - name: app
    image: sidecar-app:1
    podInjectPolicy: AfterAppContainer
  - name: logger
    image: logger:1
    podInjectPolicy: AfterAppContainer
    volumeMounts: [{name: logs, mountPath: /logs}]
    transferEnv: [{sourceContainerName: app, envName: REGION}]
  volumes: [{name: logs, emptyDir: {}}, {name: unused, emptyDir: {}}]
  patchPodMetadata:
  - annotations: {example.com/logged: "yes"}
)");
  REQUIRE(l.problems.empty());
  const Json p =
      pod("", "", R"([{"name":"app","image":"a:1","env":[{"name":"REGION","value":"eu"}]}])");
  const Explanation x = explain(*l.world, l.problems, p, "", options());
  const SidecarSetExplanation& e = entry(x, "full");
  REQUIRE(e.code == "injects");
  REQUIRE(e.containers.size() == 3);
  CHECK(e.containers[0].name == "proxy");
  CHECK(e.containers[0].list == "initContainers");
  CHECK(e.containers[0].index == 0);
  CHECK(e.containers[0].native_sidecar);
  CHECK(e.containers[1].name == "app");
  CHECK(e.containers[1].index == 0);
  CHECK(e.containers[1].replaces);
  CHECK(e.containers[2].name == "logger");
  CHECK(e.containers[2].index == 1);
  CHECK(e.containers[2].policy == "AfterAppContainer");
  CHECK_FALSE(e.containers[2].replaces);
  CHECK(e.volumes == std::vector<std::string>{"logs"});
  REQUIRE(e.env.size() == 1);
  CHECK(e.env[0].container == "logger");
  CHECK(e.env[0].name == "REGION");
  // The pod's own `app` was replaced by the sidecar; the env came from the pod's original app.
  CHECK(e.env[0].from == "app");
  CHECK(e.annotations ==
        std::vector<std::pair<std::string, std::string>>{{"example.com/logged", "yes"}});
  CHECK(x.namespace_name == "default");
  CHECK_FALSE(x.namespace_listed);
}

}  // namespace injector
