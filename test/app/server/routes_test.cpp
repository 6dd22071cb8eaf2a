// The SidecarSet webhooks' routes over loopback TLS: OpenKruise's paths, mutation then
// validation as the API server chains them, the World as the other SidecarSets held, and the
// transport failures every review path answers alike.

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <httplib.h>
#include <catch2/catch.hpp>

#include "injector/model/load.hpp"
#include "injector/patch/json_patch.hpp"
#include "injector/wire/admission.hpp"
#include "server/server.hpp"
#include "tls_fixture.hpp"

namespace injector {
namespace {

namespace fs = std::filesystem;

const testing::TlsFiles& tls_files() { return testing::process_tls_files("routes_test"); }

std::string fixture(const std::string& name) {
  std::ifstream in(fs::path(INJECTOR_SOURCE_DIR) / "fixtures" / "sidecarset-reviews" / name,
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A World holding one SidecarSet that injects `edge-sidecar` into app=web pods.
std::shared_ptr<const World> held_world() {
  auto documents = parse_documents(R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: edge-test
spec:
  selector:
    matchLabels:
      app: web
  containers:
    - name: edge-sidecar
      image: registry.example.com/edge-sidecar:1.0
)",
                                   "edge-test.yaml");
  REQUIRE(documents);
  auto built = build_world(std::move(*documents), 3);
  REQUIRE(built);
  return built->world;
}

class RunningServer {
 public:
  RunningServer(std::shared_ptr<const World> world, std::size_t body_limit = 0)
      : holder_(std::move(world)), server_(options(body_limit), holder_) {
    if (auto started = server_.start(); !started) {
      throw std::runtime_error(started.error().message);
    }
    thread_ = std::thread([this] { server_.run(); });
  }
  ~RunningServer() {
    server_.stop();
    thread_.join();
  }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  std::unique_ptr<httplib::SSLClient> client() const {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", server_.port());
    client->set_ca_cert_path(tls_files().ca_cert.c_str());
    client->enable_server_certificate_verification(true);
    return client;
  }

 private:
  static ServerOptions options(std::size_t body_limit) {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.cert_file = tls_files().server_cert;
    o.key_file = tls_files().server_key;
    o.threads = 1;
    if (body_limit != 0) {
      o.body_limit = body_limit;
    }
    return o;
  }

  WorldHolder holder_;
  Server server_;
  std::thread thread_;
};

// POSTs `review` to `path` and returns the answer's `response`, checking the envelope.
Json post(const RunningServer& server, const std::string& path, const Json& review) {
  auto res = server.client()->Post(path + "?timeout=10s", review.dump(), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  const Json answer = Json::parse(res->body);
  CHECK(answer["apiVersion"] == "admission.k8s.io/v1");
  CHECK(answer["kind"] == "AdmissionReview");
  CHECK(answer["response"]["uid"] == review["request"]["uid"]);
  return answer["response"];
}

// The object as the API server stores it after applying the answer's patch.
Json apply_answer(const Json& object, const Json& response) {
  if (!response.contains("patch")) {
    return object;
  }
  CHECK(response["patchType"] == "JSONPatch");
  const auto bytes = base64_decode(response["patch"].get<std::string>());
  REQUIRE(bytes);
  auto patched = apply_patch(object, Json::parse(*bytes));
  REQUIRE(patched);
  return *patched;
}

}  // namespace

TEST_CASE("SidecarSets are defaulted and hashed on OpenKruise's mutating paths") {
  RunningServer server(held_world());
  struct Case {
    std::string path;
    std::string fixture;
  };
  const std::vector<Case> cases = {
      {"/mutate-apps-kruise-io-v1beta1-sidecarset", "create-v1beta1.json"},
      {"/mutate-apps-kruise-io-v1alpha1-sidecarset", "create-v1alpha1.json"},
      {"/mutate-apps-kruise-io-sidecarset", "create-v1beta1.json"},
      {"/mutate-apps-kruise-io-sidecarset", "create-v1alpha1.json"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.path << " " << c.fixture) {
      const Json review = Json::parse(fixture(c.fixture));
      const Json& object = review["request"]["object"];
      const Json response = post(server, c.path, review);
      CHECK(response["allowed"] == true);
      const Json stored = apply_answer(object, response);
      CHECK(stored["apiVersion"] == object["apiVersion"]);
      CHECK(stored["spec"]["containers"][0]["podInjectPolicy"] == "BeforeAppContainer");
      const Json& annotations = stored["metadata"]["annotations"];
      CHECK(annotations["kruise.io/sidecarset-hash"].get<std::string>().size() == 64);
      CHECK(annotations["kruise.io/sidecarset-hash-without-image"].get<std::string>().size() == 64);
      // What the user wrote stays as written (v1alpha1 keeps its namespace field).
      CHECK(stored["metadata"]["name"] == object["metadata"]["name"]);
      CHECK(stored["spec"]["selector"] == object["spec"]["selector"]);
      CHECK(stored["spec"].contains("namespace") == object["spec"].contains("namespace"));
    }
  }
}

TEST_CASE("validation runs on the mutated SidecarSet against the ones the server holds") {
  RunningServer server(held_world());
  const Json review = Json::parse(fixture("create-v1beta1.json"));
  Json mutated = review;
  mutated["request"]["object"] =
      apply_answer(review["request"]["object"],
                   post(server, "/mutate-apps-kruise-io-v1beta1-sidecarset", review));

  SECTION("accepted") {
    const Json response = post(server, "/validate-apps-kruise-io-sidecarset", mutated);
    CHECK(response["allowed"] == true);
    CHECK(response["status"] == Json::parse(R"({"code":200,"message":"allowed to be admitted"})"));
  }
  SECTION("a container name the held SidecarSet already injects is refused") {
    mutated["request"]["object"]["spec"]["containers"][0]["name"] = "edge-sidecar";
    const Json response = post(server, "/validate-apps-kruise-io-sidecarset", mutated);
    CHECK(response["allowed"] == false);
    CHECK(response["status"] ==
          Json::parse(R"({"code":500,"message":"spec.containers: Invalid value: \"edge-sidecar\": )"
                      R"(container edge-sidecar already exist in edge-test"})"));
  }
  SECTION("an UPDATE adding a container is refused against oldObject") {
    Json update = mutated;
    update["request"]["operation"] = "UPDATE";
    update["request"]["oldObject"] = mutated["request"]["object"];
    update["request"]["object"]["spec"]["containers"].push_back(
        mutated["request"]["object"]["spec"]["containers"][0]);
    update["request"]["object"]["spec"]["containers"][1]["name"] = "second";
    const Json response = post(server, "/validate-apps-kruise-io-sidecarset", update);
    CHECK(response["allowed"] == false);
    CHECK(response["status"]["message"] ==
          R"(spec.containers.name: Invalid value: "second": container second is not found)");
  }
}

TEST_CASE("SidecarSet paths: methods, no World, and transport failures") {
  SECTION("only POST") {
    RunningServer server(held_world());
    for (const char* path :
         {"/validate-apps-kruise-io-sidecarset", "/mutate-apps-kruise-io-v1beta1-sidecarset"}) {
      auto res = server.client()->Get(path);
      REQUIRE(res);
      CHECK(res->status == 405);
      CHECK(res->get_header_value("Allow") == "POST");
    }
  }
  SECTION("without a World validation is refused and defaulting still answers") {
    RunningServer server(nullptr);
    const std::string body = fixture("create-v1beta1.json");
    auto validate =
        server.client()->Post("/validate-apps-kruise-io-sidecarset", body, "application/json");
    REQUIRE(validate);
    CHECK(validate->status == 503);
    CHECK(validate->body == "no SidecarSets loaded\n");
    const Json response =
        post(server, "/mutate-apps-kruise-io-v1beta1-sidecarset", Json::parse(body));
    CHECK(response["patchType"] == "JSONPatch");
  }
  SECTION("a wrong Content-Type gets a review echoing the uid") {
    RunningServer server(held_world());
    auto res = server.client()->Post("/validate-apps-kruise-io-sidecarset",
                                     fixture("create-v1beta1.json"), "text/plain");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body ==
          R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":)"
          R"("5d0c1a2e-7b3f-4e61-9a2d-6c8b4f1e0a01","allowed":false,"status":{"code":415,)"
          R"("message":"Content-Type \"text/plain\" is not supported: expected )"
          R"(application/json"}}})");
  }
  SECTION("a body over the limit gets a 413 review") {
    RunningServer server(held_world(), 1024);
    auto res = server.client()->Post("/mutate-apps-kruise-io-v1alpha1-sidecarset",
                                     std::string(2048, ' '), "application/json");
    REQUIRE(res);
    CHECK(res->status == 413);
    CHECK(res->body ==
          R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"",)"
          R"("allowed":false,"status":{"code":413,"message":"request body is larger than the )"
          R"(server's limit"}}})");
  }
  SECTION("an empty body gets a 400 review") {
    RunningServer server(held_world());
    auto res = server.client()->Post("/validate-apps-kruise-io-sidecarset", "", "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(Json::parse(res->body)["response"]["status"]["message"] == "request body is empty");
  }
}

}  // namespace injector
