// Hostile and odd pods: every node of every golden pod in every other JSON type (the property of
// test/fuzz/pod_mutation.hpp: a denial or no patch, never a half-built patch), each field the
// engine reads in a wrong type denied with its path, and the pods without app containers that
// are never mutated.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../../fuzz/pod_mutation.hpp"
#include "injector/inject/inject.hpp"
#include "injector/model/load.hpp"

namespace injector {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

InjectOptions options() {
  using namespace std::chrono;
  InjectOptions o;
  o.now = sys_days{year{2024} / 1 / 2} + hours{3} + minutes{4} + seconds{5};
  return o;
}

struct GoldenCase {
  std::string name;
  std::shared_ptr<const World> world;
  Json pod;
};

std::vector<GoldenCase> golden_cases() {
  std::vector<GoldenCase> out;
  for (const auto& e : fs::directory_iterator(fs::path(INJECTOR_SOURCE_DIR) / "fixtures/cases")) {
    auto docs = parse_documents(read_file(e.path() / "sidecarsets.yaml"), "sidecarsets.yaml");
    auto pod = parse_documents(read_file(e.path() / "pod.yaml"), "pod.yaml");
    REQUIRE(docs.has_value());
    REQUIRE(pod.has_value());
    auto built = build_world(std::move(*docs), 1);
    REQUIRE(built.has_value());
    out.push_back({e.path().filename().string(), built->world, (*pod).at(0).object});
  }
  std::sort(out.begin(), out.end(),
            [](const GoldenCase& a, const GoldenCase& b) { return a.name < b.name; });
  return out;
}

TEST_CASE(
    "every node of every golden pod, in every other JSON type: a denial, no patch or a "
    "whole patch") {
  const auto cases = golden_cases();
  REQUIRE(cases.size() > 10);
  std::size_t denied = 0;
  std::size_t unchanged = 0;
  std::size_t patched = 0;
  for (const auto& c : cases) {
    const auto base = fuzz::baseline_of(*c.world, c.pod, "default", options());
    for (const auto& ptr : fuzz::node_paths(c.pod)) {
      const std::size_t own = fuzz::type_index(c.pod.at(ptr));
      for (std::size_t type = 0; type < 6; ++type) {
        if (type == own) {
          continue;
        }
        Json mutated = c.pod;
        mutated[ptr] = fuzz::value_of_type(type, 1);
        INFO(c.name << ": " << ptr.to_string() << " = " << mutated.at(ptr).dump());
        CHECK(fuzz::mutated_pod_problem(*c.world, mutated, "default", options(), base) == "");
        auto r = inject(*c.world, mutated, "default", options());
        (!r ? denied : r->patch.empty() ? unchanged : patched) += 1;
      }
    }
  }
  // All three outcomes occur: the sweep reaches the shape checks, the skip rules and planning.
  CHECK(denied > 100);
  CHECK(unchanged > 100);
  CHECK(patched > 100);
}

// A pod carrying every field check_pod_shape reads, each of its right type.
Json full_pod() {
  return Json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-0", "namespace": "default", "labels": {"app": "web"},
                 "annotations": {"a": "b"}, "deletionTimestamp": "2024-01-02T03:04:05Z"},
    "spec": {
      "initContainers": [{"name": "init", "image": "i", "restartPolicy": "Always"}],
      "containers": [{"name": "app", "image": "a",
                      "env": [{"name": "E", "value": "v"}],
                      "volumeMounts": [{"name": "v", "mountPath": "/v", "subPathExpr": "x"}],
                      "volumeDevices": [{"name": "d", "devicePath": "/dev/d"}],
                      "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}}],
      "volumes": [{"name": "v", "emptyDir": {}}, {"name": "d", "emptyDir": {}}],
      "imagePullSecrets": [{"name": "reg"}]
    },
    "status": {"phase": "Pending"}
  })");
}

TEST_CASE("each pod field the engine reads, in each wrong type, is denied naming the field") {
  struct Field {
    const char* pointer;
    const char* path;
    const char* must;
  };
  const Field fields[] = {
      {"/metadata", "metadata", "must be an object"},
      {"/metadata/name", "metadata.name", "must be a string"},
      {"/metadata/namespace", "metadata.namespace", "must be a string"},
      {"/metadata/labels", "metadata.labels", "must be an object"},
      {"/metadata/labels/app", R"(metadata.labels["app"])", "must be a string"},
      {"/metadata/annotations", "metadata.annotations", "must be an object"},
      {"/metadata/annotations/a", R"(metadata.annotations["a"])", "must be a string"},
      {"/metadata/deletionTimestamp", "metadata.deletionTimestamp", "must be a string"},
      {"/spec", "spec", "must be an object"},
      {"/spec/containers", "spec.containers", "must be a list"},
      {"/spec/initContainers", "spec.initContainers", "must be a list"},
      {"/spec/initContainers/0/name", "spec.initContainers[0].name", "must be a string"},
      {"/spec/initContainers/0/restartPolicy", "spec.initContainers[0].restartPolicy",
       "must be a string"},
      {"/spec/containers/0/name", "spec.containers[0].name", "must be a string"},
      {"/spec/containers/0/env", "spec.containers[0].env", "must be a list"},
      {"/spec/containers/0/env/0", "spec.containers[0].env[0]", "must be an object"},
      {"/spec/containers/0/env/0/name", "spec.containers[0].env[0].name", "must be a string"},
      {"/spec/containers/0/env/0/value", "spec.containers[0].env[0].value", "must be a string"},
      {"/spec/containers/0/volumeMounts", "spec.containers[0].volumeMounts", "must be a list"},
      {"/spec/containers/0/volumeMounts/0/name", "spec.containers[0].volumeMounts[0].name",
       "must be a string"},
      {"/spec/containers/0/volumeMounts/0/mountPath",
       "spec.containers[0].volumeMounts[0].mountPath", "must be a string"},
      {"/spec/containers/0/volumeMounts/0/subPathExpr",
       "spec.containers[0].volumeMounts[0].subPathExpr", "must be a string"},
      {"/spec/containers/0/volumeDevices", "spec.containers[0].volumeDevices", "must be a list"},
      {"/spec/containers/0/volumeDevices/0/name", "spec.containers[0].volumeDevices[0].name",
       "must be a string"},
      {"/spec/containers/0/volumeDevices/0/devicePath",
       "spec.containers[0].volumeDevices[0].devicePath", "must be a string"},
      {"/spec/containers/0/resources", "spec.containers[0].resources", "must be an object"},
      {"/spec/containers/0/resources/limits", "spec.containers[0].resources.limits",
       "must be an object"},
      {"/spec/containers/0/resources/requests", "spec.containers[0].resources.requests",
       "must be an object"},
      {"/spec/volumes", "spec.volumes", "must be a list"},
      {"/spec/volumes/0", "spec.volumes[0]", "must be an object"},
      {"/spec/volumes/0/name", "spec.volumes[0].name", "must be a string"},
      {"/spec/imagePullSecrets", "spec.imagePullSecrets", "must be a list"},
      {"/spec/imagePullSecrets/0", "spec.imagePullSecrets[0]", "must be an object"},
      {"/spec/imagePullSecrets/0/name", "spec.imagePullSecrets[0].name", "must be a string"},
      {"/status", "status", "must be an object"},
      {"/status/phase", "status.phase", "must be a string"},
  };
  const Json pod = full_pod();
  const World world;
  REQUIRE(inject(world, pod, "default", options()).has_value());
  for (const auto& f : fields) {
    const Json::json_pointer ptr(f.pointer);
    REQUIRE(pod.contains(ptr));
    const std::size_t own = fuzz::type_index(pod.at(ptr));
    for (std::size_t type = 1; type < 6; ++type) {  // null reads as absent, as Go decodes it
      if (type == own) {
        continue;
      }
      Json mutated = pod;
      mutated[ptr] = fuzz::value_of_type(type, 0);
      INFO(f.pointer << " = " << mutated.at(ptr).dump());
      auto r = inject(world, mutated, "default", options());
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == "invalid_pod");
      CHECK(r.error().message == std::string("pod: ") + f.path + ": " + f.must);
    }
  }
}

TEST_CASE("a pod that is not an object is denied") {
  const World world;
  for (const char* text : {"[]", "1", R"("pod")", "true"}) {
    auto r = inject(world, Json::parse(text), "default", options());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message == "pod: (root): must be an object");
  }
}

TEST_CASE("a matched pod without app containers is never mutated, with the reason as a warning") {
  auto docs = parse_documents(R"(
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: web}}
  containers: [{name: agent, image: "agent:1"}]
  initContainers: [{name: init, image: "init:1"}]
)",
                              "agent.yaml");
  REQUIRE(docs.has_value());
  auto built = build_world(std::move(*docs), 1);
  REQUIRE(built.has_value());
  const World& world = *built->world;
  struct Case {
    const char* spec;
    const char* why;
  };
  const Case cases[] = {
      {R"({})", "spec.containers is empty"},
      {R"({"containers":null})", "spec.containers is empty"},
      {R"({"containers":[]})", "spec.containers is empty"},
      {R"({"containers":[],"initContainers":[{"name":"i","image":"i"}]})",
       "spec.containers is empty"},
      {R"({"containers":[5]})", "spec.containers[0] is not an object"},
      {R"({"containers":[{"name":"app","image":"a"},"x"]})", "spec.containers[1] is not an object"},
      {R"({"containers":[null]})", "spec.containers[0] is not an object"},
      {R"({"containers":[{"image":"a"}]})", "spec.containers[0] has no name"},
      {R"({"containers":[{"name":"","image":"a"}]})", "spec.containers[0] has no name"},
      {R"({"containers":[{"name":null,"image":"a"}]})", "spec.containers[0] has no name"},
      {R"({"containers":[{"name":"app"}],"initContainers":[{"image":"i"}]})",
       "spec.initContainers[0] has no name"},
      {R"({"containers":[{"name":"app"}],"initContainers":[[]]})",
       "spec.initContainers[0] is not an object"},
  };
  for (const auto& c : cases) {
    INFO(c.spec);
    Json pod = Json::parse(R"({"metadata":{"name":"web-0","labels":{"app":"web"}}})");
    pod["spec"] = Json::parse(c.spec);
    auto r = inject(world, pod, "default", options());
    REQUIRE(r.has_value());
    CHECK(r->patch == Json::array());
    CHECK(r->matched.empty());
    CHECK(r->warnings == std::vector<std::string>{std::string("pod not mutated: ") + c.why +
                                                  " (the API server rejects it)"});
  }
  // With the spec absent altogether, and with one app container the same SidecarSet injects.
  auto no_spec =
      inject(world, Json::parse(R"({"metadata":{"labels":{"app":"web"}}})"), "default", options());
  REQUIRE(no_spec.has_value());
  CHECK(no_spec->patch == Json::array());
  auto ok = inject(world,
                   Json::parse(R"({"metadata":{"labels":{"app":"web"}},)"
                               R"("spec":{"containers":[{"name":"app","image":"a"}]}})"),
                   "default", options());
  REQUIRE(ok.has_value());
  CHECK(ok->matched == std::vector<std::string>{"agent"});
  CHECK_FALSE(ok->patch.empty());
}

TEST_CASE("an unmatched pod without app containers gets no warning") {
  const World world;
  auto r = inject(world, Json::parse(R"({"metadata":{"labels":{"app":"web"}},"spec":{}})"),
                  "default", options());
  REQUIRE(r.has_value());
  CHECK(r->patch == Json::array());
  CHECK(r->warnings.empty());
}

}  // namespace
}  // namespace injector
