// `inject` on workloads: every kind of fixtures/workloads through the real binary, checked
// against the server's own path (review() on the pod the controller would create) and against
// golden files; multi-document streams and Lists pass untouched documents through byte for byte.
// Golden files are rewritten only with INJECTOR_UPDATE_GOLDEN=1.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "injector/inject/annotations.hpp"
#include "injector/json.hpp"
#include "injector/model/load.hpp"
#include "injector/patch/json_patch.hpp"
#include "injector/review.hpp"
#include "injector/wire/admission.hpp"
#include "injector/wire/json_access.hpp"
#include "injector/workload/workload.hpp"
#include "run_binary.hpp"

namespace fs = std::filesystem;
using injector::Json;
using namespace cli_test;

namespace {

const std::string kDir = kSrc + "/fixtures/workloads";
const std::string kSidecarSets = kDir + "/sidecarsets.yaml";
constexpr const char* kNow = "2024-01-02T03:04:05Z";

bool updating() {
  const char* v = std::getenv("INJECTOR_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::vector<std::string> workload_files() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kDir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.ends_with(".yaml") && name != "sidecarsets.yaml" &&
        name != "stream.yaml") {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::shared_ptr<const injector::World> fixture_world() {
  auto docs = injector::parse_documents(slurp(kSidecarSets), kSidecarSets);
  REQUIRE(docs.has_value());
  auto built = injector::build_world(std::move(*docs), 1);
  REQUIRE(built.has_value());
  return built->world;
}

Json single_document(const std::string& text) {
  auto docs = injector::parse_documents(text, "input");
  REQUIRE(docs.has_value());
  REQUIRE(docs->size() == 1);
  return docs->front().object;
}

// What the server does to `pod`: review() on a pod CREATE, its patch applied.
Json through_review(const injector::World& world, const Json& pod, const std::string& ns) {
  const Json request = {{"apiVersion", "admission.k8s.io/v1"},
                        {"kind", "AdmissionReview"},
                        {"request",
                         {{"uid", "u-1"},
                          {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                          {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                          {"namespace", ns},
                          {"operation", "CREATE"},
                          {"object", pod}}}};
  injector::InjectOptions options;
  options.now = *injector::parse_rfc3339(kNow);
  options.seed = 0;
  const std::string body = request.dump();
  auto outcome = injector::review(world, {"application/json", body, false}, options);
  REQUIRE(outcome.http_status == 200);
  const Json response = Json::parse(outcome.body)["response"];
  REQUIRE(response["allowed"] == true);
  if (!response.contains("patch")) {
    return pod;
  }
  auto patch = injector::base64_decode(response["patch"].get<std::string>());
  REQUIRE(patch.has_value());
  auto applied = injector::apply_patch(pod, Json::parse(*patch));
  REQUIRE(applied.has_value());
  return *applied;
}

const Json& at(const Json& doc, const injector::Pointer& path) {
  const Json* cur = &doc;
  for (const std::string& t : path.tokens()) {
    cur = &injector::member(*cur, t);
  }
  return *cur;
}

}  // namespace

TEST_CASE("inject turns each workload's template into what the webhook gives its pods") {
  const auto world = fixture_world();
  const auto files = workload_files();
  REQUIRE(files.size() >= 13);
  for (const std::string& name : files) {
    DYNAMIC_SECTION(name) {
      const std::string file = kDir + "/" + name;
      Run json = run({"inject", "--sidecarsets", kSidecarSets, "-f", file, "--now", kNow});
      Run yaml =
          run({"inject", "--sidecarsets", kSidecarSets, "-f", file, "--now", kNow, "-o", "yaml"});
      REQUIRE(json.status == 0);
      REQUIRE(yaml.status == 0);
      CHECK(json.err.empty());
      const Json input = single_document(slurp(file));
      const Json output = Json::parse(json.out);
      CHECK(single_document(yaml.out).dump() == output.dump());

      // The server path: the pod the controller creates, reviewed; its result is the template.
      const auto path = injector::pod_template_path(input);
      REQUIRE(path.has_value());
      const std::string ns =
          injector::member_string(injector::member(input, "metadata"), "namespace");
      const std::string request_ns = ns.empty() ? "default" : ns;
      const Json pod =
          path->tokens().empty() ? input : injector::pod_from_template(input, *path, request_ns);
      const Json served = through_review(*world, pod, request_ns);
      const Json& tmpl = at(output, *path);
      CHECK(tmpl["spec"].dump() == served["spec"].dump());
      CHECK(tmpl["metadata"]["annotations"].dump() == served["metadata"]["annotations"].dump());
      CHECK(tmpl["metadata"]["labels"].dump() == served["metadata"]["labels"].dump());
      // Something was injected, and nothing outside the template changed.
      CHECK(served != pod);
      Json outside = output;
      Json outside_input = input;
      if (!path->tokens().empty()) {
        outside[Json::json_pointer(path->str())] = nullptr;
        outside_input[Json::json_pointer(path->str())] = nullptr;
        CHECK(outside.dump() == outside_input.dump());
      }

      // Injecting the output again changes nothing, byte for byte.
      Run again =
          run({"inject", "--sidecarsets", kSidecarSets, "-f", "-", "--now", kNow}, json.out);
      CHECK(again.status == 0);
      CHECK(again.out == json.out);

      const std::string golden = kDir + "/expected/" + name;
      if (updating()) {
        write(golden, yaml.out);
      }
      CHECK(yaml.out == slurp(golden));
    }
  }
}

TEST_CASE("inject passes a stream's other documents through unchanged and in order") {
  const std::string file = kDir + "/stream.yaml";
  Run yaml =
      run({"inject", "--sidecarsets", kSidecarSets, "-f", file, "--now", kNow, "-o", "yaml"});
  REQUIRE(yaml.status == 0);
  CHECK(yaml.err.empty());
  auto in = injector::parse_stream(slurp(file), file);
  auto out = injector::parse_stream(yaml.out, "out");
  REQUIRE(in.has_value());
  REQUIRE(out.has_value());
  REQUIRE(out->size() == in->size());
  std::vector<std::string> kinds;
  for (std::size_t i = 0; i < in->size(); ++i) {
    kinds.push_back((*out)[i].object["kind"].get<std::string>());
  }
  CHECK(kinds ==
        std::vector<std::string>{"ConfigMap", "Deployment", "Service", "List", "DeploymentList"});
  // Untouched documents and items are byte-equal in JSON; the injected ones differ.
  const auto& i0 = *in;
  const auto& o0 = *out;
  CHECK(o0[0].object.dump() == i0[0].object.dump());
  CHECK(o0[0].object["data"]["enabled"] == "on");  // YAML 1.1 strings stay strings
  CHECK(o0[1].object.dump() != i0[1].object.dump());
  CHECK(o0[2].object.dump() == i0[2].object.dump());
  CHECK(o0[3].object["items"][0].dump() == i0[3].object["items"][0].dump());
  CHECK(o0[3].object["items"][1].dump() != i0[3].object["items"][1].dump());
  CHECK(o0[3].object["items"][2].dump() == i0[3].object["items"][2].dump());  // app=batch
  // A typed list's item keeps its shape (no kind added) and gets both sidecars (prod).
  const Json& typed = o0[4].object["items"][0];
  CHECK_FALSE(typed.contains("kind"));
  std::vector<std::string> names;
  for (const Json& c : typed["spec"]["template"]["spec"]["containers"]) {
    names.push_back(c["name"].get<std::string>());
  }
  CHECK(names == std::vector<std::string>{"mesh-proxy", "app", "log-agent"});

  if (updating()) {
    write(kDir + "/expected/stream.yaml", yaml.out);
  }
  CHECK(yaml.out == slurp(kDir + "/expected/stream.yaml"));

  // -o json: the same objects as one v1 List, Lists flattened into it, as kubectl prints them.
  Run json = run({"inject", "--sidecarsets", kSidecarSets, "-f", file, "--now", kNow});
  REQUIRE(json.status == 0);
  const Json list = Json::parse(json.out);
  CHECK(list["kind"] == "List");
  CHECK(list["items"].size() == 7);
  CHECK(list["items"][0].dump() == i0[0].object.dump());

  // From stdin, the same bytes.
  Run piped = run({"inject", "--sidecarsets", kSidecarSets, "-f", "-", "--now", kNow, "-o", "yaml"},
                  slurp(file));
  CHECK(piped.status == 0);
  CHECK(piped.out == yaml.out);
}

TEST_CASE("inject reports a denied workload by index, kind and name and prints the rest") {
  const std::string dir = scratch("workload-deny");
  write(dir + "/in.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n"
        "    metadata: {labels: {app: web}}\n    spec: {containers: [{name: app, image: a}]}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken}\nspec: {}\n");
  Run r = run({"inject", "--sidecarsets", kCli + "/deny/sidecarsets.yaml", "-f", dir + "/in.yaml",
               "-o", "yaml"});
  CHECK(r.status == 1);
  auto out = injector::parse_stream(r.out, "out");
  REQUIRE(out.has_value());
  REQUIRE(out->size() == 1);
  CHECK((*out)[0].object["kind"] == "ConfigMap");
  const std::string prefix = "denied: " + dir + "/in.yaml: document ";
  CHECK(r.err.starts_with(prefix + "2: Deployment \"web\": "));
  CHECK(r.err.find("\"badOp\"") != std::string::npos);
  CHECK(r.err.ends_with(prefix + "3: Deployment \"broken\": spec.template is missing\n"));
}

TEST_CASE("inject refuses a workload of another namespace than --namespace") {
  Run r = run(
      {"inject", "--sidecarsets", kSidecarSets, "-f", kDir + "/deployment.yaml", "-n", "staging"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err == kDir +
                     "/deployment.yaml: document 1: Deployment \"web\": the namespace of the "
                     "provided object does not match the namespace sent on the request "
                     "(metadata.namespace \"prod\", --namespace \"staging\")\n");
}

TEST_CASE("inject reviews a template without a namespace in --namespace") {
  Run def = run({"inject", "--sidecarsets", kSidecarSets, "-f", kDir + "/daemonset.yaml"});
  Run prod =
      run({"inject", "--sidecarsets", kSidecarSets, "-f", kDir + "/daemonset.yaml", "-n", "prod"});
  REQUIRE(def.status == 0);
  REQUIRE(prod.status == 0);
  const auto containers = [](const std::string& out) {
    std::vector<std::string> names;
    const Json parsed = Json::parse(out);
    for (const Json& c : parsed["spec"]["template"]["spec"]["containers"]) {
      names.push_back(c["name"].get<std::string>());
    }
    return names;
  };
  CHECK(containers(def.out) == std::vector<std::string>{"app", "log-agent"});
  CHECK(containers(prod.out) == std::vector<std::string>{"mesh-proxy", "app", "log-agent"});
  // The template gets no namespace: the workload's objects keep theirs.
  CHECK_FALSE(Json::parse(prod.out)["spec"]["template"]["metadata"].contains("namespace"));
}
