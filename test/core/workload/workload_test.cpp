#include "injector/workload/workload.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "injector/model/load.hpp"

namespace injector {
namespace {

std::shared_ptr<const World> world_of(const std::string& yaml) {
  auto docs = parse_documents(yaml, "sidecarsets.yaml");
  REQUIRE(docs.has_value());
  auto built = build_world(std::move(*docs), 1);
  REQUIRE(built.has_value());
  return built->world;
}

const char* const kLogAgent = R"(
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: log-agent}
spec:
  selector: {matchLabels: {app: web}}
  containers: [{name: log-agent, image: log-agent:1.0}]
)";

TEST_CASE("pod_template_path knows every workload kind by group and kind") {
  struct Case {
    std::string api_version;
    std::string kind;
    std::optional<std::string> path;
  };
  const std::vector<Case> cases = {
      {"v1", "Pod", ""},
      {"", "", ""},  // no kind at all: a bare pod
      {"v1", "ReplicationController", "/spec/template"},
      {"v1", "PodTemplate", "/template"},
      {"apps/v1", "Deployment", "/spec/template"},
      {"extensions/v1beta1", "Deployment", "/spec/template"},
      {"apps/v1", "ReplicaSet", "/spec/template"},
      {"apps/v1", "StatefulSet", "/spec/template"},
      {"apps/v1", "DaemonSet", "/spec/template"},
      {"batch/v1", "Job", "/spec/template"},
      {"batch/v1", "CronJob", "/spec/jobTemplate/spec/template"},
      {"batch/v1beta1", "CronJob", "/spec/jobTemplate/spec/template"},
      {"apps.kruise.io/v1alpha1", "CloneSet", "/spec/template"},
      {"apps.kruise.io/v1beta1", "StatefulSet", "/spec/template"},
      {"apps.kruise.io/v1alpha1", "StatefulSet", "/spec/template"},
      {"apps.kruise.io/v1alpha1", "DaemonSet", "/spec/template"},
      {"apps.kruise.io/v1alpha1", "BroadcastJob", "/spec/template"},
      {"v1", "ConfigMap", std::nullopt},
      {"v1", "Service", std::nullopt},
      {"example.com/v1", "Deployment", std::nullopt},  // same kind, another group
      {"apps/v1", "Pod", std::nullopt},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.api_version << " " << c.kind) {
      Json object = Json::object();
      if (!c.kind.empty()) {
        object["apiVersion"] = c.api_version;
        object["kind"] = c.kind;
      }
      const auto path = pod_template_path(object);
      REQUIRE(path.has_value() == c.path.has_value());
      if (path) {
        CHECK(path->str() == *c.path);
      }
    }
  }
  CHECK(workload_kinds().front().kind == "Pod");
}

TEST_CASE("pod_from_template builds the pod a controller creates") {
  const Json deployment = Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web","namespace":"prod","labels":{"tier":"x"}},
    "spec":{"template":{"metadata":{"name":"ignored","labels":{"app":"web"},
      "annotations":{"a":"b"}},"spec":{"containers":[{"name":"app","image":"i"}]}}}})");
  const Json pod = pod_from_template(deployment, *Pointer::parse("/spec/template"), "prod");
  CHECK(pod.dump() ==
        R"({"apiVersion":"v1","kind":"Pod","metadata":{"namespace":"prod","labels":{"app":"web"},)"
        R"("annotations":{"a":"b"}},"spec":{"containers":[{"name":"app","image":"i"}]}})");
}

TEST_CASE("inject_object injects templates, passes other kinds and fails without a template") {
  const auto world = world_of(kLogAgent);
  InjectOptions options;

  SECTION("a CronJob's job template") {
    const Json cronjob = Json::parse(R"({"apiVersion":"batch/v1","kind":"CronJob",
      "metadata":{"name":"c"},"spec":{"schedule":"@daily","jobTemplate":{"spec":{"template":{
      "metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"i"}]}}}}}})");
    auto r = inject_object(*world, cronjob, "default", options);
    REQUIRE(r.has_value());
    REQUIRE(r->pod_path.has_value());
    CHECK(r->injection.matched == std::vector<std::string>{"log-agent"});
    const Json& tmpl = r->object["spec"]["jobTemplate"]["spec"]["template"];
    CHECK(tmpl["spec"]["containers"].size() == 2);
    CHECK(tmpl["metadata"]["annotations"]["kruise.io/sidecarset-injected-list"] == "log-agent");
    CHECK_FALSE(tmpl["metadata"].contains("namespace"));
    // Everything outside the template is the input's.
    Json outside = r->object;
    outside["spec"]["jobTemplate"] = nullptr;
    Json input = cronjob;
    input["spec"]["jobTemplate"] = nullptr;
    CHECK(outside == input);
  }
  SECTION("a template without labels is not matched by the workload's own labels") {
    const Json rs = Json::parse(R"({"apiVersion":"apps/v1","kind":"ReplicaSet",
      "metadata":{"name":"r","labels":{"app":"web"}},
      "spec":{"template":{"spec":{"containers":[{"name":"app","image":"i"}]}}}})");
    auto r = inject_object(*world, rs, "default", options);
    REQUIRE(r.has_value());
    CHECK(r->injection.patch.empty());
    CHECK(r->object.dump() == rs.dump());
  }
  SECTION("a template without metadata gets it first, before spec") {
    const auto unlabelled = world_of(R"(
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: everywhere}
spec:
  selector: {matchExpressions: [{key: opt-out, operator: DoesNotExist}]}
  containers: [{name: agent, image: agent:1}]
)");
    const Json rs = Json::parse(R"({"apiVersion":"apps/v1","kind":"ReplicaSet",
      "spec":{"template":{"spec":{"containers":[{"name":"app","image":"i"}]}}}})");
    auto r = inject_object(*unlabelled, rs, "default", options);
    REQUIRE(r.has_value());
    const Json& tmpl = r->object["spec"]["template"];
    CHECK(tmpl.begin().key() == "metadata");
    CHECK(tmpl["metadata"]["annotations"]["kruise.io/sidecarset-injected-list"] == "everywhere");
    CHECK(tmpl["spec"]["containers"].size() == 2);
  }
  SECTION("another kind comes back unchanged") {
    const Json cm = Json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}})");
    auto r = inject_object(*world, cm, "default", options);
    REQUIRE(r.has_value());
    CHECK_FALSE(r->pod_path.has_value());
    CHECK(r->object.dump() == cm.dump());
    CHECK(r->pod.is_null());
  }
  SECTION("errors name the missing or malformed template") {
    struct Case {
      std::string object;
      std::string message;
    };
    const std::vector<Case> cases = {
        {R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{}})", "spec.template is missing"},
        {R"({"apiVersion":"apps/v1","kind":"Deployment"})", "spec.template is missing"},
        {R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":[]}})",
         "spec.template is not an object"},
        {R"({"apiVersion":"batch/v1","kind":"CronJob","spec":{"jobTemplate":{}}})",
         "spec.jobTemplate.spec.template is missing"},
    };
    for (const auto& c : cases) {
      auto r = inject_object(*world, Json::parse(c.object), "default", options);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == "invalid_workload");
      CHECK(r.error().message == c.message);
    }
  }
}

TEST_CASE("a template with metadata but no annotations gains them in place") {
  const auto world = world_of(kLogAgent);
  const Json rs = Json::parse(R"({"apiVersion":"apps/v1","kind":"ReplicaSet","spec":{
    "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app"}]}}}})");
  auto r = inject_object(*world, rs, "default", InjectOptions{});
  REQUIRE(r.has_value());
  const Json& tmpl = r->object["spec"]["template"];
  std::vector<std::string> keys;
  for (const auto& [k, v] : tmpl["metadata"].items()) {
    keys.push_back(k);
  }
  CHECK(keys == std::vector<std::string>{"labels", "annotations"});
  CHECK(tmpl.begin().key() == "metadata");
}

}  // namespace
}  // namespace injector
