// msidecarset: which requests are acted on, the defaults and hashes as a minimal patch on the
// object as sent (v1alpha1 stays v1alpha1), idempotence, and every error with its message.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "injector/admission/sidecarset.hpp"
#include "injector/patch/json_patch.hpp"

namespace {

using injector::AdmissionRequest;
using injector::Json;

AdmissionRequest request(std::string operation, std::string version, Json object,
                         std::string resource = "sidecarsets") {
  AdmissionRequest r;
  r.uid = "uid-1";
  r.operation = std::move(operation);
  r.resource = {{"group", "apps.kruise.io"}, {"version", version}, {"resource", resource}};
  r.kind = {{"group", "apps.kruise.io"}, {"version", version}, {"kind", "SidecarSet"}};
  r.object = std::move(object);
  return r;
}

// Upstream's verified vector (§5.1): container {dns-f, dns:1.0} after defaulting.
constexpr const char* kHash = "6wbd76bd7984x24fb4f44fv9222cw9v9bcf85x766744wddd4zwx927zzz2zb684";
constexpr const char* kHashWithoutImage =
    "82684vwf9d4cb4wz4vffx4ddfbb47ww4z4wwxdbwb8w2zbb7zvf4524cdd49bv94";

Json dns_sidecarset(const std::string& api_version) {
  return Json::parse(R"({"apiVersion":")" + api_version + R"(","kind":"SidecarSet",
    "metadata":{"name":"dns"},
    "spec":{"selector":{"matchLabels":{"app":"web"}},
            "containers":[{"name":"dns-f","image":"dns:1.0"}]}})");
}

// The object the API server stores once the patch is applied.
Json applied(const Json& object, const injector::AdmissionResponse& response) {
  auto out = injector::apply_patch(object, response.patch);
  REQUIRE(out);
  return *out;
}

}  // namespace

TEST_CASE("CREATE of a v1beta1 SidecarSet gets its defaults and hashes as a minimal patch") {
  const Json object = dns_sidecarset("apps.kruise.io/v1beta1");
  const auto d = injector::mutate_sidecarset(request("CREATE", "v1beta1", object));
  CHECK(d.outcome == "patched");
  CHECK(d.name == "dns");
  CHECK(d.response.allowed);
  CHECK(d.response.uid == "uid-1");
  CHECK(d.ops == d.response.patch.size());
  // Only what defaulting adds: nothing the user wrote is replaced or removed.
  CHECK(d.response.patch == Json::parse(R"([
    {"op":"add","path":"/metadata/annotations","value":{
      "kruise.io/sidecarset-hash":")" + std::string(kHash) +
                                        R"(",
      "kruise.io/sidecarset-hash-without-image":")" +
                                        kHashWithoutImage + R"("}},
    {"op":"add","path":"/spec/containers/0/podInjectPolicy","value":"BeforeAppContainer"},
    {"op":"add","path":"/spec/containers/0/upgradeStrategy","value":{"upgradeType":"ColdUpgrade"}},
    {"op":"add","path":"/spec/containers/0/shareVolumePolicy","value":{"type":"disabled"}},
    {"op":"add","path":"/spec/containers/0/imagePullPolicy","value":"IfNotPresent"},
    {"op":"add","path":"/spec/containers/0/terminationMessagePath","value":"/dev/termination-log"},
    {"op":"add","path":"/spec/containers/0/terminationMessagePolicy","value":"File"},
    {"op":"add","path":"/spec/updateStrategy","value":{"type":"RollingUpdate","maxUnavailable":1,"partition":0}},
    {"op":"add","path":"/spec/revisionHistoryLimit","value":10}
  ])"));

  SECTION("the stored object, admitted again (UPDATE), needs no patch") {
    auto again = request("UPDATE", "v1beta1", applied(object, d.response));
    again.old_object = again.object;
    const auto second = injector::mutate_sidecarset(again);
    CHECK(second.outcome == "allowed");
    CHECK(second.response.allowed);
    CHECK(second.response.patch.empty());
    CHECK(second.response.code == 0);
  }
}

TEST_CASE("a v1alpha1 SidecarSet is patched as v1alpha1: namespace and custom version stay") {
  Json object = dns_sidecarset("apps.kruise.io/v1alpha1");
  object["metadata"]["labels"] = {{"apps.kruise.io/sidecarset-custom-version", "v7"}};
  object["spec"]["namespace"] = "shop";
  const auto d = injector::mutate_sidecarset(request("CREATE", "v1alpha1", object));
  REQUIRE(d.outcome == "patched");
  const Json stored = applied(object, d.response);
  CHECK(stored["apiVersion"] == "apps.kruise.io/v1alpha1");
  CHECK(stored["spec"]["namespace"] == "shop");
  CHECK_FALSE(stored["spec"].contains("namespaceSelector"));
  CHECK_FALSE(stored["spec"].contains("customVersion"));
  CHECK(stored["metadata"]["labels"] == object["metadata"]["labels"]);
  // The hash covers containers only, so it is the same as for v1beta1.
  CHECK(stored["metadata"]["annotations"]["kruise.io/sidecarset-hash"] == kHash);
}

TEST_CASE("stale hash annotations are recomputed; other annotations are kept") {
  Json object = dns_sidecarset("apps.kruise.io/v1beta1");
  const auto first = injector::mutate_sidecarset(request("CREATE", "v1beta1", object));
  Json stored = applied(object, first.response);
  stored["metadata"]["annotations"]["team"] = "net";
  stored["spec"]["containers"][0]["image"] = "dns:2.0";
  const auto d = injector::mutate_sidecarset(request("UPDATE", "v1beta1", stored));
  REQUIRE(d.outcome == "patched");
  REQUIRE(d.response.patch.size() == 1);
  CHECK(d.response.patch[0]["op"] == "replace");
  CHECK(d.response.patch[0]["path"] == "/metadata/annotations/kruise.io~1sidecarset-hash");
  CHECK(d.response.patch[0]["value"] != kHash);
  // The image is blanked in the second hash, so it does not move.
  CHECK(applied(stored, d.response)["metadata"]["annotations"]["team"] == "net");
}

TEST_CASE("a SidecarSet without spec still gets the Go struct's defaults") {
  const Json object = Json::parse(
      R"({"apiVersion":"apps.kruise.io/v1beta1","kind":"SidecarSet","metadata":{"name":"bare"}})");
  const auto d = injector::mutate_sidecarset(request("CREATE", "v1beta1", object));
  REQUIRE(d.outcome == "patched");
  const Json stored = applied(object, d.response);
  CHECK(stored["spec"] == Json::parse(R"({"updateStrategy":{"type":"RollingUpdate",
        "maxUnavailable":1,"partition":0},"revisionHistoryLimit":10})"));
  CHECK(stored["metadata"]["annotations"]["kruise.io/sidecarset-hash"] ==
        "x5vwx9w6vv4dv72c9w4c2f6v74fbwx545b45bbfz6z2dvf8w887xw86fvcb4cf48");
}

TEST_CASE("requests the mutating webhook does not act on, and its errors") {
  struct Case {
    std::string name;
    AdmissionRequest request;
    std::string outcome;
    int code;  // 0: allowed
    std::string message;
  };
  const Json object = dns_sidecarset("apps.kruise.io/v1beta1");
  AdmissionRequest status = request("UPDATE", "v1beta1", object);
  status.sub_resource = "status";
  AdmissionRequest pods = request("CREATE", "v1", object, "pods");
  pods.resource["group"] = "";
  const std::vector<Case> cases = {
      {"DELETE is allowed unchanged", request("DELETE", "v1beta1", nullptr), "skipped", 0,
       R"(only CREATE and UPDATE are admitted: operation "DELETE")"},
      {"CONNECT is allowed unchanged", request("CONNECT", "v1beta1", object), "skipped", 0,
       R"(only CREATE and UPDATE are admitted: operation "CONNECT")"},
      {"the status subresource is not defaulted", status, "skipped", 0,
       R"(only sidecarsets.apps.kruise.io are admitted here: subresource "status")"},
      {"another resource is allowed unchanged", pods, "skipped", 0,
       R"(only sidecarsets.apps.kruise.io are admitted here: resource "pods")"},
      {"an unknown version", request("CREATE", "v2", object), "error", 400,
       "unsupported version: v2"},
      {"no object", request("CREATE", "v1beta1", nullptr), "error", 400,
       "request.object is missing"},
      {"an object that is not an object", request("CREATE", "v1beta1", Json::array()), "error", 400,
       "request.object must be a JSON object"},
      {"an object Go could not decode",
       request("CREATE", "v1beta1",
               Json::parse(R"({"metadata":{"name":"x"},"spec":{"containers":"agent",
                               "revisionHistoryLimit":"ten"}})")),
       "error", 400,
       "[spec.containers: must be an array, spec.revisionHistoryLimit: must be an integer]"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto d = injector::mutate_sidecarset(c.request);
      CHECK(d.outcome == c.outcome);
      CHECK(d.message == c.message);
      CHECK(d.response.uid == "uid-1");
      CHECK(d.response.patch.empty());
      CHECK(d.response.allowed == (c.code == 0));
      CHECK(d.response.code == c.code);
      CHECK(d.response.message == (c.code == 0 ? "" : c.message));
    }
  }
}
