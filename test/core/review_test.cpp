// AdmissionReview codec and review pipeline: builders and encoding, decoding of the fixtures in
// both versions, every transport failure with its full response, the skip rules of §2.1, and Pod
// CREATE through the engine (patched, allowed, errored, dry run).

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "injector/inject/inject.hpp"
#include "injector/model/load.hpp"
#include "injector/review.hpp"

namespace {

using injector::Json;
using injector::ReviewVersion;

constexpr std::string_view kJson = "application/json";
const std::string kV1 =
    R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":)";
const std::string kV1beta1 =
    R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","response":)";

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(INJECTOR_SOURCE_DIR) + "/fixtures/reviews/" + name,
                   std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

injector::InjectOptions options() {
  injector::InjectOptions o;
  o.now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + std::chrono::hours{3};
  o.seed = 7;
  return o;
}

injector::ReviewOutcome run(const injector::World& world, std::string_view content_type,
                            std::string_view body, bool too_large = false) {
  injector::HttpReviewRequest request;
  request.content_type = content_type;
  request.body = body;
  request.body_too_large = too_large;
  return injector::review(world, request, options());
}

// A World with one SidecarSet that matches the fixtures' pods (label app=web).
std::shared_ptr<const injector::World> log_agent_world(const std::string& extra_spec = "") {
  const std::string yaml = R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: log-agent
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: log-agent
    image: registry.example.com/log-agent:1.4
    volumeMounts:
    - name: varlog
      mountPath: /var/log/app
  volumes:
  - name: varlog
    emptyDir: {}
)" + extra_spec;
  auto documents = injector::parse_documents(yaml, "log-agent.yaml");
  REQUIRE(documents);
  auto built = injector::build_world(std::move(*documents), 1);
  REQUIRE(built);
  return built->world;
}

// Standard base64 decoding by OpenSSL (an implementation independent of ours).
std::string base64_decode(const std::string& text) {
  std::vector<unsigned char> out(text.size() / 4 * 3 + 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  REQUIRE(n >= 0);
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the zero bytes that padding stands for; drop them.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) {
    --size;
  }
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

}  // namespace

TEST_CASE("encode_review writes each builder's response in the request's version") {
  struct Case {
    std::string name;
    ReviewVersion version;
    injector::AdmissionResponse response;
    std::string expected;
  };
  injector::AdmissionResponse with_extras =
      injector::patched("u-7", Json::parse(R"([{"op":"add","path":"/metadata/labels/sidecar",)"
                                           R"("value":"on"}])"));
  with_extras.warnings = {"first warning", "second warning"};
  with_extras.audit_annotations = {{"zz-last", "2"}, {"aa-first", "1"}};
  injector::AdmissionResponse bad_utf8 = injector::errored("u-8", 500, "bad byte \xff here");
  const std::vector<Case> cases = {
      {"allowed v1", ReviewVersion::kV1, injector::allowed("u-1"),
       kV1 + R"({"uid":"u-1","allowed":true}})"},
      {"allowed v1beta1", ReviewVersion::kV1beta1, injector::allowed("u-1"),
       kV1beta1 + R"({"uid":"u-1","allowed":true}})"},
      {"allowed with a message carries status 200", ReviewVersion::kV1,
       injector::allowed("u-2", "nothing to do"),
       kV1 + R"({"uid":"u-2","allowed":true,"status":{"code":200,"message":"nothing to do"}}})"},
      {"patched", ReviewVersion::kV1,
       injector::patched("u-3", Json::parse(R"([{"op":"add","path":"/metadata/labels/sidecar",)"
                                            R"("value":"on"}])")),
       kV1 + R"({"uid":"u-3","allowed":true,"patch":"W3sib3AiOiJhZGQiLCJwYXRoIjoiL21ldGFkYXRhL2xh)"
             R"(YmVscy9zaWRlY2FyIiwidmFsdWUiOiJvbiJ9XQ==","patchType":"JSONPatch"}})"},
      {"patched with no ops has neither patch nor patchType", ReviewVersion::kV1,
       injector::patched("u-4", Json::array()), kV1 + R"({"uid":"u-4","allowed":true}})"},
      {"denied defaults to 403", ReviewVersion::kV1, injector::denied("u-5", "no sidecars here"),
       kV1 +
           R"({"uid":"u-5","allowed":false,"status":{"code":403,"message":"no sidecars here"}}})"},
      {"denied with a code", ReviewVersion::kV1beta1, injector::denied("u-5", "teapot", 418),
       kV1beta1 + R"({"uid":"u-5","allowed":false,"status":{"code":418,"message":"teapot"}}})"},
      {"errored", ReviewVersion::kV1, injector::errored("u-6", 500, "sidecarset \"x\": broken"),
       kV1 + R"({"uid":"u-6","allowed":false,"status":{"code":500,)"
             R"("message":"sidecarset \"x\": broken"}}})"},
      {"warnings and audit annotations, annotations sorted", ReviewVersion::kV1, with_extras,
       kV1 + R"({"uid":"u-7","allowed":true,"patch":"W3sib3AiOiJhZGQiLCJwYXRoIjoiL21ldGFkYXRhL2xh)"
             R"(YmVscy9zaWRlY2FyIiwidmFsdWUiOiJvbiJ9XQ==","patchType":"JSONPatch",)"
             R"("warnings":["first warning","second warning"],)"
             R"("auditAnnotations":{"aa-first":"1","zz-last":"2"}}})"},
      {"invalid UTF-8 in a message becomes U+FFFD", ReviewVersion::kV1, bad_utf8,
       kV1 + "{\"uid\":\"u-8\",\"allowed\":false,\"status\":{\"code\":500,\"message\":\"bad byte "
             "\xef\xbf\xbd here\"}}}"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(injector::encode_review(c.version, c.response) == c.expected); }
  }
}

TEST_CASE("patch is standard base64 of the compact JSON ops") {
  const Json ops = Json::parse(
      R"([{"op":"add","path":"/metadata/annotations/kruise.io~1sidecarset-hash","value":"{\"a\":\"é/<>&\"}"},
          {"op":"add","path":"/spec/containers/-","value":{"name":"s","image":"s:1"}}])");
  const Json body =
      Json::parse(injector::encode_review(ReviewVersion::kV1, injector::patched("u", ops)));
  const std::string decoded = base64_decode(body["response"]["patch"].get<std::string>());
  CHECK(decoded ==
        "[{\"op\":\"add\",\"path\":\"/metadata/annotations/kruise.io~1sidecarset-hash\","
        "\"value\":\"{\\\"a\\\":\\\"\xc3\xa9/<>&\\\"}\"},{\"op\":\"add\",\"path\":\"/spec/"
        "containers/-\",\"value\":{\"name\":\"s\",\"image\":\"s:1\"}}]");
  CHECK(Json::parse(decoded) == ops);
}

TEST_CASE("decode_review reads the fixtures in both versions") {
  struct Case {
    std::string file;
    ReviewVersion version;
    std::string uid;
    std::string operation;
    std::string resource;
    std::string sub_resource;
    std::string name;
    bool dry_run;
    bool has_object;
  };
  const std::vector<Case> cases = {
      {"create-v1.json", ReviewVersion::kV1, "0df28fbd-5f5f-4a4b-9a5a-3c9a2f3e8b71", "CREATE",
       "pods", "", "", false, true},
      {"create-v1beta1.json", ReviewVersion::kV1beta1, "7b1e3c55-2f0a-4d8e-b6c4-91a2d3e4f501",
       "CREATE", "pods", "", "", false, true},
      {"create-dryrun-v1.json", ReviewVersion::kV1, "c4a9e2d1-8b7f-4e6a-9d3c-2b1a0f9e8d72",
       "CREATE", "pods", "", "", true, true},
      {"create-named-v1.json", ReviewVersion::kV1, "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a803", "CREATE",
       "pods", "", "web-0", false, true},
      {"update-v1.json", ReviewVersion::kV1, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c04", "UPDATE",
       "pods", "", "web-7d9c8b6f5d-x2x7k", false, true},
      {"delete-v1.json", ReviewVersion::kV1, "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b05", "DELETE",
       "pods", "", "web-7d9c8b6f5d-x2x7k", false, false},
      {"subresource-status-v1.json", ReviewVersion::kV1, "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e06",
       "UPDATE", "pods", "status", "web-7d9c8b6f5d-x2x7k", false, true},
      {"subresource-ephemeralcontainers-v1.json", ReviewVersion::kV1,
       "3d4e5f6a-7b8c-4d9e-8f01-2b3c4d5e6f07", "UPDATE", "pods", "ephemeralcontainers",
       "web-7d9c8b6f5d-x2x7k", false, true},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.file) {
      const std::string body = read_fixture(c.file);
      const auto request = injector::decode_review(body);
      REQUIRE(request.has_value());
      CHECK(request->version == c.version);
      CHECK(request->uid == c.uid);
      CHECK(request->operation == c.operation);
      CHECK(request->kind == Json::parse(R"({"group":"","version":"v1","kind":"Pod"})"));
      CHECK(request->resource == Json{{"group", ""}, {"version", "v1"}, {"resource", c.resource}});
      CHECK(request->sub_resource == c.sub_resource);
      CHECK(request->name == c.name);
      CHECK(request->namespace_name == "default");
      CHECK(request->dry_run == c.dry_run);
      // The object is kept whole and raw: exactly what the API server sent.
      CHECK(request->object == Json::parse(body)["request"]["object"]);
      CHECK(request->object.is_object() == c.has_object);
    }
  }
}

TEST_CASE("decode_review reports what it could read of a broken review") {
  struct Case {
    std::string name;
    std::string body;
    int code;
    std::string message;
    std::optional<ReviewVersion> version;
    std::string uid;
  };
  const std::vector<Case> cases = {
      {"unknown version, uid readable",
       R"({"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"u-1"}})",
       400,
       "apiVersion \"admission.k8s.io/v2\" is not supported: expected admission.k8s.io/v1 or "
       "admission.k8s.io/v1beta1",
       std::nullopt, "u-1"},
      {"v1beta1 without uid",
       R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}})", 400,
       "request.uid is missing", ReviewVersion::kV1beta1, ""},
      {"v1 with a bad field",
       R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",)"
       R"("request":{"uid":"u-2","name":false}})",
       400, "request.name must be a string", ReviewVersion::kV1, "u-2"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const auto request = injector::decode_review(c.body);
      REQUIRE_FALSE(request.has_value());
      CHECK(request.error().code == c.code);
      CHECK(request.error().message == c.message);
      CHECK(request.error().version == c.version);
      CHECK(request.error().uid == c.uid);
    }
  }
}

TEST_CASE("review answers every transport failure with a well-formed review") {
  struct Case {
    std::string name;
    std::string content_type;
    std::string body;
    bool too_large;
    int http_status;
    std::string expected;
  };
  // A valid request that needs no engine (DELETE is never mutated).
  const std::string del =
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1",)"
      R"("kind":{"group":"","version":"v1","kind":"Pod"},)"
      R"("resource":{"group":"","version":"v1","resource":"pods"},)"
      R"("namespace":"default","operation":"DELETE","object":null}})";
  const auto v1_with = [](const std::string& request) {
    return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":)" + request +
           "}";
  };
  const auto create_with_object = [&](const std::string& object) {
    return v1_with(R"({"uid":"u-1","resource":{"group":"","version":"v1","resource":"pods"},)"
                   R"("namespace":"default","operation":"CREATE")" +
                   object + "}");
  };
  const std::string deep = std::string(1001, '[') + std::string(1001, ']');
  const std::string deep_ok = std::string(1000, '[') + std::string(1000, ']');
  const std::string long_type = "text/" + std::string(150, 'x');
  const std::vector<Case> cases = {
      // No uid can be read: the HTTP status carries the failure, the body is still a review.
      {"empty body", "application/json", "", false, 400,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":400,)"
             R"("message":"request body is empty"}}})"},
      {"not JSON", "application/json", "hello", false, 400,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":400,)"
             R"x("message":"request body is not valid JSON (syntax error at byte 1)"}}})x"},
      {"truncated JSON", "application/json", R"({"apiVersion":"admission.k8s.io/v1","req)", false,
       400,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":400,)"
             R"x("message":"request body is not valid JSON (syntax error at byte 41)"}}})x"},
      {"trailing bytes after the review", "application/json", del + " {}", false, 400,
       // The syntax error is at the first trailing byte: one past the space (1-based).
       kV1 +
           R"({"uid":"","allowed":false,"status":{"code":400,)"
           R"x("message":"request body is not valid JSON (syntax error at byte )x" +
           std::to_string(del.size() + 2) + ")\"}}}"},
      {"a NUL byte after the review", "application/json", del + std::string("\0x", 2), false, 400,
       kV1 +
           R"({"uid":"","allowed":false,"status":{"code":400,)"
           R"x("message":"request body is not valid JSON (syntax error at byte )x" +
           std::to_string(del.size() + 1) + ")\"}}}"},
      {"JSON array", "application/json", "[]", false, 400,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":400,)"
             R"("message":"request body is not a JSON object"}}})"},
      {"nesting 1001 levels", "application/json", deep, false, 400,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":400,)"
             R"("message":"request body nests deeper than 1000 levels"}}})"},
      {"nesting 1000 levels parses", "application/json", deep_ok, false, 400,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":400,)"
             R"("message":"request body is not a JSON object"}}})"},
      {"brackets inside strings do not nest", "application/json",
       R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":")" +
           std::string(1001, '[') + R"(\"]"}})",
       false, 200, kV1 + R"({"uid":")" + std::string(1001, '[') + R"(\"]","allowed":true}})"},
      {"oversize body", "application/json", del.substr(0, 50), true, 413,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":413,)"
             R"("message":"request body is larger than the server's limit"}}})"},
      {"apiVersion missing", "application/json",
       R"({"kind":"AdmissionReview","request":{"uid":"u-1"}})", false, 400,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,"message":"apiVersion is )"
             R"(missing: expected admission.k8s.io/v1 or admission.k8s.io/v1beta1"}}})"},
      {"apiVersion unknown", "application/json",
       R"({"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"u-1"}})",
       false, 400,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,"message":"apiVersion )"
             R"(\"admission.k8s.io/v2\" is not supported: expected admission.k8s.io/v1 or )"
             R"(admission.k8s.io/v1beta1"}}})"},
      {"apiVersion not a string", "application/json",
       R"({"apiVersion":1,"kind":"AdmissionReview","request":{"uid":"u-1"}})", false, 400,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"apiVersion must be a string"}}})"},
      {"request missing", "application/json",
       R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", false, 400,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":400,"message":"request is missing"}}})"},
      {"request null, v1beta1 answered in v1beta1", "application/json",
       R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":null})",
       false, 400,
       kV1beta1 +
           R"({"uid":"","allowed":false,"status":{"code":400,"message":"request is missing"}}})"},
      {"request not an object", "application/json",
       R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":[]})", false, 400,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":400,)"
             R"("message":"request must be an object"}}})"},
      {"uid missing", "application/json", v1_with(R"({"operation":"CREATE"})"), false, 400,
       kV1 +
           R"({"uid":"","allowed":false,"status":{"code":400,"message":"request.uid is missing"}}})"},
      {"uid empty", "application/json", v1_with(R"({"uid":""})"), false, 400,
       kV1 +
           R"({"uid":"","allowed":false,"status":{"code":400,"message":"request.uid is missing"}}})"},
      {"uid not a string", "application/json", v1_with(R"({"uid":42})"), false, 400,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":400,)"
             R"("message":"request.uid must be a string"}}})"},
      // uid and version known: HTTP 200 with a denial the API server shows to the user.
      {"kind missing", "application/json",
       R"({"apiVersion":"admission.k8s.io/v1","request":{"uid":"u-1"}})", false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"kind is missing: expected AdmissionReview"}}})"},
      {"kind wrong", "application/json",
       R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionRequest","request":{"uid":"u-1"}})",
       false, 200,
       kV1 +
           R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
           R"("message":"kind \"AdmissionRequest\" is not supported: expected AdmissionReview"}}})"},
      {"kind not a string", "application/json",
       R"({"apiVersion":"admission.k8s.io/v1","kind":{},"request":{"uid":"u-1"}})", false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"kind must be a string"}}})"},
      {"dryRun not a boolean", "application/json", v1_with(R"({"uid":"u-1","dryRun":"true"})"),
       false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"request.dryRun must be a boolean"}}})"},
      {"operation not a string", "application/json", v1_with(R"({"uid":"u-1","operation":1})"),
       false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"request.operation must be a string"}}})"},
      {"namespace not a string", "application/json", v1_with(R"({"uid":"u-1","namespace":[]})"),
       false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"request.namespace must be a string"}}})"},
      {"subResource not a string", "application/json", v1_with(R"({"uid":"u-1","subResource":{}})"),
       false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"request.subResource must be a string"}}})"},
      {"request.kind not an object", "application/json", v1_with(R"({"uid":"u-1","kind":"Pod"})"),
       false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"request.kind must be an object"}}})"},
      {"request.resource.resource not a string", "application/json",
       v1_with(R"({"uid":"u-1","resource":{"group":"","version":"v1","resource":5}})"), false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"request.resource.resource must be a string"}}})"},
      {"pod CREATE without object", "application/json", create_with_object(""), false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"request.object is missing"}}})"},
      {"pod CREATE with null object", "application/json", create_with_object(R"(,"object":null)"),
       false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"request.object is missing"}}})"},
      {"pod CREATE with a string object", "application/json",
       create_with_object(R"(,"object":"pod")"), false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":400,)"
             R"("message":"request.object must be a JSON object"}}})"},
      // Content-Type.
      {"text/plain with a readable review", "text/plain", del, false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":415,"message":"Content-Type )"
             R"(\"text/plain\" is not supported: expected application/json"}}})"},
      {"Content-Type missing", "", del, false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":415,)"
             R"("message":"Content-Type is missing: expected application/json"}}})"},
      {"charset other than UTF-8", "application/json; charset=latin1", del, false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":415,"message":"Content-Type )"
             R"(\"application/json; charset=latin1\" is not supported: expected )"
             R"(application/json"}}})"},
      {"JSON patch media type", "application/json-patch+json", del, false, 200,
       kV1 + R"({"uid":"u-1","allowed":false,"status":{"code":415,"message":"Content-Type )"
             R"(\"application/json-patch+json\" is not supported: expected application/json"}}})"},
      {"wrong Content-Type and no uid", "text/plain", "", false, 415,
       kV1 + R"({"uid":"","allowed":false,"status":{"code":415,"message":"Content-Type )"
             R"(\"text/plain\" is not supported: expected application/json"}}})"},
      {"wrong Content-Type, v1beta1 without uid", "text/yaml",
       R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}})", false,
       415,
       kV1beta1 + R"({"uid":"","allowed":false,"status":{"code":415,"message":"Content-Type )"
                  R"(\"text/yaml\" is not supported: expected application/json"}}})"},
      {"long Content-Type is cut in the message", long_type, del, false, 200,
       kV1 +
           R"({"uid":"u-1","allowed":false,"status":{"code":415,"message":"Content-Type )"
           R"(\"text/)" +
           std::string(95, 'x') + R"(...\" is not supported: expected application/json"}}})"},
      // Accepted media types: the request is answered normally.
      {"application/json", "application/json", del, false, 200,
       kV1 + R"({"uid":"u-1","allowed":true}})"},
      {"charset=utf-8", "application/json;charset=utf-8", del, false, 200,
       kV1 + R"({"uid":"u-1","allowed":true}})"},
      {"case and quotes", "Application/JSON; Charset=\"UTF-8\"", del, false, 200,
       kV1 + R"({"uid":"u-1","allowed":true}})"},
      {"other parameters and spaces", " application/json ; foo=bar", del, false, 200,
       kV1 + R"({"uid":"u-1","allowed":true}})"},
  };
  const injector::World world;
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const injector::ReviewOutcome out = run(world, c.content_type, c.body, c.too_large);
      CHECK(out.http_status == c.http_status);
      CHECK(out.content_type == "application/json");
      CHECK(out.body == c.expected);
      const Json expected = Json::parse(c.expected);
      CHECK(out.log.uid == expected["response"]["uid"].get<std::string>());
      if (expected["response"]["allowed"].get<bool>()) {
        CHECK(out.log.outcome == "skipped");
      } else {
        CHECK(out.log.outcome == "error");
        CHECK(out.log.message == expected["response"]["status"]["message"].get<std::string>());
      }
    }
  }
}

TEST_CASE("review allows everything but a Pod CREATE unchanged") {
  struct Case {
    std::string name;
    std::string body;
    std::string uid;
    std::string operation;
    std::string pod_name;
    std::string message;
  };
  const auto request = [](const std::string& resource, const std::string& rest) {
    return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"s-1",)"
           R"("resource":)" +
           resource + "," + rest + "}}";
  };
  const std::string pods = R"({"group":"","version":"v1","resource":"pods"})";
  const std::string pod = R"("object":{"metadata":{"name":"web-1","labels":{"app":"web"}}})";
  const std::vector<Case> cases = {
      {"UPDATE", read_fixture("update-v1.json"), "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c04", "UPDATE",
       "web-7d9c8b6f5d-x2x7k", "only CREATE of pods is mutated: operation \"UPDATE\""},
      {"DELETE (no object: the request's name)", read_fixture("delete-v1.json"),
       "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b05", "DELETE", "web-7d9c8b6f5d-x2x7k",
       "only CREATE of pods is mutated: operation \"DELETE\""},
      {"pods/status", read_fixture("subresource-status-v1.json"),
       "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e06", "UPDATE", "web-7d9c8b6f5d-x2x7k",
       "only CREATE of pods is mutated: subresource \"status\""},
      {"pods/ephemeralcontainers", read_fixture("subresource-ephemeralcontainers-v1.json"),
       "3d4e5f6a-7b8c-4d9e-8f01-2b3c4d5e6f07", "UPDATE", "web-7d9c8b6f5d-x2x7k",
       "only CREATE of pods is mutated: subresource \"ephemeralcontainers\""},
      {"CONNECT pods/exec", request(pods, R"("subResource":"exec","operation":"CONNECT")"), "s-1",
       "CONNECT", "", "only CREATE of pods is mutated: subresource \"exec\""},
      {"CREATE of a pods subresource (pods/binding)",
       request(pods, R"("subResource":"binding","operation":"CREATE",)" + pod), "s-1", "CREATE",
       "web-1", "only CREATE of pods is mutated: subresource \"binding\""},
      {"CREATE configmaps",
       request(R"({"group":"","version":"v1","resource":"configmaps"})",
               R"("operation":"CREATE","object":{"metadata":{"name":"cm"}})"),
       "s-1", "CREATE", "cm", "only CREATE of pods is mutated: resource \"configmaps\""},
      {"CREATE deployments.apps",
       request(R"({"group":"apps","version":"v1","resource":"deployments"})",
               R"("operation":"CREATE","object":{"metadata":{"generateName":"web-"}})"),
       "s-1", "CREATE", "web-", "only CREATE of pods is mutated: resource \"deployments.apps\""},
      {"CREATE pods of another group",
       request(R"({"group":"metrics.k8s.io","version":"v1beta1","resource":"pods"})",
               R"("operation":"CREATE",)" + pod),
       "s-1", "CREATE", "web-1",
       "only CREATE of pods is mutated: resource \"pods.metrics.k8s.io\""},
      {"operation missing", request(pods, pod), "s-1", "", "web-1",
       "only CREATE of pods is mutated: operation \"\""},
  };
  // A SidecarSet that would match every one of these pods: skipping must not depend on matching.
  const auto world = log_agent_world();
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const injector::ReviewOutcome out = run(*world, kJson, c.body);
      CHECK(out.http_status == 200);
      CHECK(out.body == kV1 + R"({"uid":")" + c.uid + R"(","allowed":true}})");
      CHECK(out.log.uid == c.uid);
      CHECK(out.log.namespace_name == Json::parse(c.body)["request"].value("namespace", ""));
      CHECK(out.log.operation == c.operation);
      CHECK(out.log.pod_name == c.pod_name);
      CHECK(out.log.outcome == "skipped");
      CHECK(out.log.message == c.message);
      CHECK(out.log.ops == 0);
      CHECK(out.log.matched.empty());
    }
  }
}

TEST_CASE("review of a Pod CREATE runs the engine") {
  const auto world = log_agent_world();
  const std::string body = read_fixture("create-v1.json");
  const Json request = Json::parse(body)["request"];
  const std::string uid = request["uid"].get<std::string>();
  const auto injection = injector::inject(*world, request["object"], "default", options());
  REQUIRE(injection.has_value());
  REQUIRE_FALSE(injection->patch.empty());

  SECTION("matching SidecarSet: patched, patchType JSONPatch, the engine's ops in base64") {
    const injector::ReviewOutcome out = run(*world, kJson, body);
    CHECK(out.http_status == 200);
    CHECK(out.body == kV1 + R"({"uid":")" + uid + R"(","allowed":true,"patch":")" +
                          injector::base64_encode(injection->patch.dump()) +
                          R"(","patchType":"JSONPatch",)" +
                          R"("auditAnnotations":{"injected-sidecarsets":"log-agent"}}})");
    const Json answer = Json::parse(out.body);
    const Json ops = Json::parse(base64_decode(answer["response"]["patch"].get<std::string>()));
    CHECK(ops == injection->patch);
    // Applying the patch with nlohmann's own JSON Patch gives the engine's pod.
    CHECK(request["object"].patch(ops) == injection->pod);
    CHECK(out.log.uid == uid);
    CHECK(out.log.namespace_name == "default");
    CHECK(out.log.pod_name == "web-7d9c8b6f5d-");
    CHECK(out.log.operation == "CREATE");
    CHECK(out.log.matched == std::vector<std::string>{"log-agent"});
    CHECK(out.log.ops == injection->patch.size());
    CHECK(out.log.outcome == "patched");
    CHECK(out.log.message.empty());
    CHECK(out.log.version == "v1");
    CHECK(out.log.warnings.empty());
  }

  SECTION("v1beta1 is answered in v1beta1 with the same response") {
    const std::string beta = read_fixture("create-v1beta1.json");
    const std::string beta_uid = Json::parse(beta)["request"]["uid"].get<std::string>();
    const injector::ReviewOutcome out = run(*world, kJson, beta);
    const injector::ReviewOutcome v1 = run(*world, kJson, body);
    CHECK(out.http_status == 200);
    CHECK(out.body == replace_all(replace_all(v1.body, uid, beta_uid), "admission.k8s.io/v1",
                                  "admission.k8s.io/v1beta1"));
    CHECK(out.log.outcome == "patched");
    CHECK(out.log.version == "v1beta1");
  }

  SECTION("dry run is answered exactly like the real request") {
    const std::string dry = read_fixture("create-dryrun-v1.json");
    const std::string dry_uid = Json::parse(dry)["request"]["uid"].get<std::string>();
    const injector::ReviewOutcome out = run(*world, kJson, dry);
    const injector::ReviewOutcome real = run(*world, kJson, body);
    CHECK(out.http_status == 200);
    CHECK(out.body == replace_all(real.body, uid, dry_uid));
    CHECK(out.log.outcome == "patched");
    CHECK(out.log.ops == real.log.ops);
  }

  SECTION("no SidecarSet matches: allowed without patch") {
    const injector::World empty;
    const injector::ReviewOutcome out = run(empty, kJson, body);
    CHECK(out.http_status == 200);
    CHECK(out.body == kV1 + R"({"uid":")" + uid + R"(","allowed":true}})");
    CHECK(out.log.outcome == "allowed");
    CHECK(out.log.ops == 0);
    CHECK(out.log.matched.empty());
  }

  SECTION("an already injected pod gets no patch (reinvocation)") {
    Json again = Json::parse(body);
    again["request"]["object"] = injection->pod;
    const injector::ReviewOutcome out = run(*world, kJson, again.dump());
    CHECK(out.http_status == 200);
    CHECK(out.body == kV1 + R"({"uid":")" + uid + R"(","allowed":true}})");
    CHECK(out.log.outcome == "allowed");
    CHECK(out.log.ops == 0);
  }

  SECTION("a named pod is logged by its name") {
    const injector::ReviewOutcome out = run(*world, kJson, read_fixture("create-named-v1.json"));
    CHECK(out.log.pod_name == "web-0");
    CHECK(out.log.outcome == "patched");
  }
}

TEST_CASE("an engine error is answered as errored 500 with the engine's message") {
  // MergePatchJson onto an annotation that is not JSON: OpenKruise rejects the pod with
  // admission.Errored(500, err).
  const auto world = log_agent_world(R"(  patchPodMetadata:
  - annotations:
      example.com/config: '{"sidecar":true}'
    patchPolicy: MergePatchJson
)");
  Json review = Json::parse(read_fixture("create-v1.json"));
  review["request"]["object"]["metadata"]["annotations"]["example.com/config"] = "{not json";
  const std::string uid = review["request"]["uid"].get<std::string>();
  const auto injection =
      injector::inject(*world, review["request"]["object"], "default", options());
  REQUIRE_FALSE(injection.has_value());
  CHECK_THAT(injection.error().message, Catch::Contains("example.com/config"));

  const injector::ReviewOutcome out = run(*world, kJson, review.dump());
  CHECK(out.http_status == 200);
  CHECK(out.body == kV1 + R"({"uid":")" + uid + R"(","allowed":false,"status":{"code":500,)" +
                        R"("message":)" + Json(injection.error().message).dump() + "}}}");
  CHECK(out.log.outcome == "error");
  CHECK(out.log.message == injection.error().message);
  CHECK(out.log.pod_name == "web-7d9c8b6f5d-");
}

TEST_CASE("review sends the engine's warnings, bounded, and names the injected SidecarSets") {
  // A hot-upgrade sidecar warns about its pair; a second SidecarSet that is paused warns too.
  auto documents = injector::parse_documents(R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: log-agent
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: log-agent
    image: registry.example.com/log-agent:1.4
    upgradeStrategy:
      upgradeType: HotUpgrade
      hotUpgradeEmptyImage: registry.example.com/empty:1.0
---
apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: paused-agent
spec:
  selector:
    matchLabels:
      app: web
  injectionStrategy:
    paused: true
  containers:
  - name: paused-agent
    image: registry.example.com/paused:1.0
)",
                                             "warn.yaml");
  REQUIRE(documents);
  auto built = injector::build_world(std::move(*documents), 1);
  REQUIRE(built);
  const auto world = built->world;
  const std::string body = read_fixture("create-v1.json");
  const injector::ReviewOutcome out = run(*world, kJson, body);
  const Json response = Json::parse(out.body)["response"];
  const std::vector<std::string> expected = {
      R"(sidecarset "paused-agent": injection is paused (spec.injectionStrategy.paused); )"
      "not injected",
      R"(sidecarset "log-agent": hot-upgrade container "log-agent" is injected as "log-agent-1" )"
      R"(and "log-agent-2")",
  };
  CHECK(response["warnings"] == Json(expected));
  CHECK(response["auditAnnotations"] == Json{{"injected-sidecarsets", "log-agent"}});
  CHECK(out.log.warnings == expected);
  CHECK(out.log.outcome == "patched");

  SECTION("a reinvoked review keeps the selection's warning and sets no audit annotation") {
    Json again = Json::parse(body);
    const auto injection =
        injector::inject(*world, again["request"]["object"], "default", options());
    REQUIRE(injection.has_value());
    again["request"]["object"] = injection->pod;
    const injector::ReviewOutcome second = run(*world, kJson, again.dump());
    const Json r = Json::parse(second.body)["response"];
    CHECK(r["warnings"] == Json(std::vector<std::string>{expected[0]}));
    CHECK_FALSE(r.contains("auditAnnotations"));
    CHECK_FALSE(r.contains("patch"));
    CHECK(second.log.outcome == "allowed");
  }
}
