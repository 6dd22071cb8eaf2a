// The HTTPS edge over loopback TLS: the real Server on an ephemeral port, certificates made in the
// build dir, clients that verify the CA (cpp-httplib, and a raw OpenSSL client for what httplib
// hides). No sleeps, no timing assertions: where the test must know the server reached a state
// (a connection idle, a request in flight) it asks the server or waits for a protocol event.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <catch2/catch.hpp>

#include "injector/model/load.hpp"
#include "injector/model/world.hpp"
#include "injector/review.hpp"
#include "server/log.hpp"
#include "server/server.hpp"
#include "server_fixture.hpp"
#include "tls_fixture.hpp"

namespace injector {
namespace {

namespace fs = std::filesystem;
using testing::ClientOptions;
using testing::RawTlsClient;
using namespace testing;  // the server fixture's helpers

TEST_CASE("reviews are answered over TLS in the request's version") {
  struct Case {
    std::string file;
    std::string api_version;
    std::string uid;
  };
  const std::vector<Case> cases = {
      {"create-v1.json", "admission.k8s.io/v1", "0df28fbd-5f5f-4a4b-9a5a-3c9a2f3e8b71"},
      {"create-v1beta1.json", "admission.k8s.io/v1beta1", ""},
      {"delete-v1.json", "admission.k8s.io/v1", ""},
  };
  TestServer server;
  auto client = server.client();
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.file) {
      const auto body = fixture(c.file);
      const auto uid = parse(body)["request"]["uid"].get<std::string>();
      if (!c.uid.empty()) {
        CHECK(uid == c.uid);
      }
      const auto res = client->Post("/mutate-pod?timeout=10s", body, "application/json");
      REQUIRE(res);
      CHECK(res->status == 200);
      CHECK(res->get_header_value("Content-Type") == "application/json");
      const auto answer = parse(res->body);
      CHECK(answer["apiVersion"] == c.api_version);
      CHECK(answer["kind"] == "AdmissionReview");
      CHECK(answer["response"]["uid"] == uid);
      CHECK(answer["response"]["allowed"] == true);
      CHECK_FALSE(answer["response"].contains("patch"));
    }
  }
}

// A World as `serve` builds it: manifest text through parse_documents and build_world.
std::shared_ptr<const World> world_with_sidecar() {
  const std::string manifest = R"(apiVersion: apps.kruise.io/v1beta1
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
      podInjectPolicy: AfterAppContainer
)";
  auto documents = parse_documents(manifest, "edge-test.yaml");
  REQUIRE(documents);
  auto built = build_world(std::move(*documents), 3);
  REQUIRE(built);
  return built->world;
}

std::string base64_decode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') {
      break;
    }
    buffer = (buffer << 6) | static_cast<unsigned>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

TEST_CASE("a matching pod gets its sidecar as a JSON patch over TLS") {
  TestServer server({}, world_with_sidecar());
  auto client = server.client();
  const auto body = fixture("create-v1.json");
  const auto res = client->Post("/mutate-pod?timeout=10s", body, "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  const auto answer = parse(res->body);
  CHECK(answer["response"]["uid"] == "0df28fbd-5f5f-4a4b-9a5a-3c9a2f3e8b71");
  CHECK(answer["response"]["allowed"] == true);
  CHECK(answer["response"]["patchType"] == "JSONPatch");
  const auto patch = Json::parse(base64_decode(answer["response"]["patch"].get<std::string>()));
  REQUIRE(patch.is_array());
  // Applied as the API server would, the pod has our sidecar after its own container.
  const auto pod = parse(body)["request"]["object"];
  const auto patched = nlohmann::json(pod).patch(nlohmann::json(patch));
  REQUIRE(patched["spec"]["containers"].size() == 2);
  CHECK(patched["spec"]["containers"][1]["name"] == "edge-sidecar");
  CHECK(patched["spec"]["containers"][1]["image"] == "registry.example.com/edge-sidecar:1.0");
  CHECK(patched["metadata"]["annotations"].contains("kruise.io/sidecarset-hash"));

  auto readyz = client->Get("/readyz");
  REQUIRE(readyz);
  CHECK(readyz->body == "ready generation=3\n");
}

TEST_CASE("health, readiness and routing") {
  struct Case {
    std::string method;
    std::string path;
    int status;
    std::string body;
    std::string allow;
  };
  const std::vector<Case> cases = {
      {"GET", "/healthz", 200, "ok\n", ""},
      {"GET", "/readyz", 200, "ready generation=7\n", ""},
      {"GET", "/readyz?verbose=1", 200, "ready generation=7\n", ""},
      {"GET", "/nope", 404, "not found\n", ""},
      {"GET", "/mutate-pod/", 404, "not found\n", ""},
      {"GET", "/mutate-pod", 405, "method not allowed\n", "POST"},
      {"PUT", "/mutate-pod", 405, "method not allowed\n", "POST"},
      {"POST", "/healthz", 405, "method not allowed\n", "GET"},
      {"DELETE", "/readyz", 405, "method not allowed\n", "GET"},
  };
  TestServer server;
  auto client = server.client();
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.method << " " << c.path) {
      httplib::Result res = c.method == "GET"    ? client->Get(c.path.c_str())
                            : c.method == "PUT"  ? client->Put(c.path.c_str(), "", "text/plain")
                            : c.method == "POST" ? client->Post(c.path.c_str(), "", "text/plain")
                                                 : client->Delete(c.path.c_str());
      REQUIRE(res);
      CHECK(res->status == c.status);
      CHECK(res->body == c.body);
      CHECK(res->get_header_value("Allow") == c.allow);
      CHECK(res->get_header_value("Content-Type") == "text/plain; charset=utf-8");
    }
  }
  CHECK(server.server().ready_generation() == 7);
}

TEST_CASE("pipelined requests are answered in order; HTTP/1.0 without keep-alive is closed") {
  TestServer server;
  SECTION("pipelined") {
    RawTlsClient raw(tls_files(), server.port());
    REQUIRE(raw.handshake_ok());
    REQUIRE(raw.write(std::string(kHealthz) + "GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n" +
                      post_request(fixture("create-v1.json"))));
    const auto first = raw.read_response();
    const auto second = raw.read_response();
    const auto third = raw.read_response();
    REQUIRE(first);
    REQUIRE(second);
    REQUIRE(third);
    CHECK(body_of(*first) == "ok\n");
    CHECK(body_of(*second) == "ready generation=7\n");
    CHECK(parse(body_of(*third))["response"]["uid"] == "0df28fbd-5f5f-4a4b-9a5a-3c9a2f3e8b71");
  }
  SECTION("HTTP/1.0") {
    RawTlsClient raw(tls_files(), server.port());
    REQUIRE(raw.handshake_ok());
    REQUIRE(raw.write("GET /healthz HTTP/1.0\r\n\r\n"));
    const auto response = raw.read_response();
    REQUIRE(response);
    CHECK(status_line(*response) == "HTTP/1.0 200 OK");
    CHECK(body_of(*response) == "ok\n");
    CHECK(raw.closed_without_data());
  }
}

TEST_CASE("without a World the server is alive but not ready and refuses reviews") {
  TestServer server({}, nullptr);
  auto client = server.client();
  auto healthz = client->Get("/healthz");
  REQUIRE(healthz);
  CHECK(healthz->status == 200);
  auto readyz = client->Get("/readyz");
  REQUIRE(readyz);
  CHECK(readyz->status == 503);
  CHECK(readyz->body == "not ready: no SidecarSets loaded\n");
  auto review = client->Post("/mutate-pod", fixture("create-v1.json"), "application/json");
  REQUIRE(review);
  CHECK(review->status == 503);
  CHECK(review->body == "no SidecarSets loaded\n");
  CHECK(server.server().ready_generation() == 0);
}

TEST_CASE("a readiness provider decides /readyz and sees ?verbose") {
  std::atomic<bool> ready{false};
  ServerOptions options;
  options.readiness = [&](bool verbose) {
    Readiness r;
    r.ready = ready.load();
    r.text = std::string(r.ready ? "ready" : "not ready: informers syncing") +
             (verbose ? "\ndetail\n" : "\n");
    return r;
  };
  TestServer server(options, nullptr);
  auto client = server.client();
  struct Case {
    bool ready;
    std::string path;
    int status;
    std::string body;
  };
  const std::vector<Case> cases = {
      {false, "/readyz", 503, "not ready: informers syncing\n"},
      {false, "/readyz?verbose", 503, "not ready: informers syncing\ndetail\n"},
      {true, "/readyz", 200, "ready\n"},
      {true, "/readyz?x=1&verbose=true", 200, "ready\ndetail\n"},
      {true, "/readyz?verbosely", 200, "ready\n"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.path << (c.ready ? " ready" : " not ready")) {
      ready = c.ready;
      auto res = client->Get(c.path.c_str());
      REQUIRE(res);
      CHECK(res->status == c.status);
      CHECK(res->body == c.body);
    }
  }
}

TEST_CASE("with an expired certificate the server starts but is not ready") {
  ServerOptions options;
  options.cert_file = tls_files().expired_cert;
  options.key_file = tls_files().server_key;
  TestServer server(options);
  testing::ClientOptions no_verify;
  RawTlsClient raw(tls_files(), server.port(), no_verify, /*verify=*/false);
  REQUIRE(raw.handshake_ok());
  REQUIRE(raw.write("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  const auto response = raw.read_response();
  REQUIRE(response);
  CHECK(status_line(*response) == "HTTP/1.1 503 Service Unavailable");
  CHECK(body_of(*response) ==
        "not ready: TLS certificate \"" + tls_files().expired_cert + "\" expired\n");
}

TEST_CASE("transport failures still get a well-formed answer") {
  ServerOptions options;
  options.body_limit = 64 * 1024;
  TestServer server(options);
  const std::string too_large_review =
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"",)"
      R"("allowed":false,"status":{"code":413,"message":"request body is larger than the )"
      R"(server's limit"}}})";

  SECTION("415 for a wrong Content-Type, with the uid echoed") {
    auto client = server.client();
    auto res = client->Post("/mutate-pod", fixture("create-v1.json"), "text/plain");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body ==
          R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":)"
          R"("0df28fbd-5f5f-4a4b-9a5a-3c9a2f3e8b71","allowed":false,"status":{"code":415,)"
          R"("message":"Content-Type \"text/plain\" is not supported: expected )"
          R"(application/json"}}})");
  }
  SECTION("413 for a body over the limit, after reading it, then the connection closes") {
    auto client = server.client();
    const std::string body(64 * 1024 + 1, ' ');
    auto res = client->Post("/mutate-pod", body, "application/json");
    REQUIRE(res);
    CHECK(res->status == 413);
    CHECK(res->get_header_value("Connection") == "close");
    CHECK(res->body == too_large_review);
  }
  SECTION("a body exactly at the limit is read and reviewed") {
    auto client = server.client();
    std::string body = fixture("create-v1.json");
    body.resize(64 * 1024, ' ');
    auto res = client->Post("/mutate-pod", body, "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(parse(res->body)["response"]["allowed"] == true);
  }
  SECTION("413 at once when the client waits for 100-continue") {
    RawTlsClient raw(tls_files(), server.port());
    REQUIRE(raw.handshake_ok());
    REQUIRE(raw.write(
        "POST /mutate-pod HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Content-Length: 104857600\r\nExpect: 100-continue\r\n\r\n"));
    const auto response = raw.read_response();
    REQUIRE(response);
    CHECK(status_line(*response) == "HTTP/1.1 413 Payload Too Large");
    CHECK(body_of(*response) == too_large_review);
    CHECK(raw.closed_without_data());
  }
  SECTION("413 for a chunked body over the limit") {
    RawTlsClient raw(tls_files(), server.port());
    REQUIRE(raw.handshake_ok());
    const std::string chunk(32 * 1024, ' ');
    std::ostringstream request;
    request << "POST /mutate-pod HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) {
      request << std::hex << chunk.size() << "\r\n" << chunk << "\r\n";
    }
    request << "0\r\n\r\n";
    REQUIRE(raw.write(request.str()));
    const auto response = raw.read_response();
    REQUIRE(response);
    CHECK(status_line(*response) == "HTTP/1.1 413 Payload Too Large");
    CHECK(body_of(*response) == too_large_review);
  }
  SECTION("a malformed request gets a plain 400 and the connection closes") {
    RawTlsClient raw(tls_files(), server.port());
    REQUIRE(raw.handshake_ok());
    REQUIRE(raw.write("POST /mutate-pod HTTP/1.1\r\nContent-Length: x\r\n\r\n"));
    const auto response = raw.read_response();
    REQUIRE(response);
    CHECK(status_line(*response) == "HTTP/1.1 400 Bad Request");
    CHECK(header(*response, "Connection") == "close");
    CHECK(body_of(*response) == "bad request: bad Content-Length\n");
  }
  SECTION("headers over 16 KiB get a 431") {
    RawTlsClient raw(tls_files(), server.port());
    REQUIRE(raw.handshake_ok());
    REQUIRE(
        raw.write("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(17 * 1024, 'a') + "\r\n\r\n"));
    const auto response = raw.read_response();
    REQUIRE(response);
    CHECK(status_line(*response) == "HTTP/1.1 431 Request Header Fields Too Large");
    CHECK(body_of(*response) == "bad request: header limit exceeded\n");
  }
}

TEST_CASE("TLS 1.2+ with ECDHE suites and ALPN http/1.1 only") {
  TestServer server;
  SECTION("TLS 1.2 negotiates an ECDHE AEAD suite and http/1.1") {
    ClientOptions options;
    options.max_version = TLS1_2_VERSION;
    RawTlsClient raw(tls_files(), server.port(), options);
    REQUIRE(raw.handshake_ok());
    CHECK(raw.version() == "TLSv1.2");
    CHECK(raw.cipher() == "ECDHE-ECDSA-AES128-GCM-SHA256");
    CHECK(raw.alpn() == "http/1.1");
    REQUIRE(raw.write(kHealthz));
    const auto response = raw.read_response();
    REQUIRE(response);
    CHECK(status_line(*response) == "HTTP/1.1 200 OK");
  }
  SECTION("TLS 1.3 is accepted") {
    RawTlsClient raw(tls_files(), server.port());
    REQUIRE(raw.handshake_ok());
    CHECK(raw.version() == "TLSv1.3");
  }
  SECTION("a client without ALPN is served") {
    ClientOptions options;
    options.alpn = {};
    RawTlsClient raw(tls_files(), server.port(), options);
    REQUIRE(raw.handshake_ok());
    CHECK(raw.alpn().empty());
  }
  SECTION("TLS 1.1 is refused") {
    ClientOptions options;
    options.min_version = TLS1_VERSION;
    options.max_version = TLS1_1_VERSION;
    options.ciphers = "DEFAULT:@SECLEVEL=0";
    RawTlsClient raw(tls_files(), server.port(), options);
    CHECK_FALSE(raw.handshake_ok());
  }
  SECTION("TLS 1.0 is refused") {
    ClientOptions options;
    options.min_version = TLS1_VERSION;
    options.max_version = TLS1_VERSION;
    options.ciphers = "DEFAULT:@SECLEVEL=0";
    RawTlsClient raw(tls_files(), server.port(), options);
    CHECK_FALSE(raw.handshake_ok());
  }
  SECTION("TLS 1.2 without ECDHE is refused") {
    ClientOptions options;
    options.max_version = TLS1_2_VERSION;
    options.ciphers = "AES128-GCM-SHA256:AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256";
    RawTlsClient raw(tls_files(), server.port(), options);
    CHECK_FALSE(raw.handshake_ok());
  }
  SECTION("a client offering only h2 is refused") {
    ClientOptions options;
    options.alpn = {"h2"};
    RawTlsClient raw(tls_files(), server.port(), options);
    CHECK_FALSE(raw.handshake_ok());
  }
  SECTION("plaintext HTTP is refused") {
    testing::PlainClient plain(server.port());
    plain.write(kHealthz);
    CHECK(plain.read_all().find("HTTP/") == std::string::npos);
  }
}

TEST_CASE("start errors name the file or the address") {
  const auto& files = tls_files();
  const auto garbage = (fs::path(files.ca_cert).parent_path() / "garbage.pem").string();
  std::ofstream(garbage) << "not a certificate\n";

  // A port that is taken: by a server of our own.
  TestServer taken;
  const auto taken_listen = "127.0.0.1:" + std::to_string(taken.port());

  struct Case {
    std::string name;
    std::string listen, cert, key;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"missing certificate", "127.0.0.1:0", "/nonexistent/tls.crt", files.server_key,
       "cannot read TLS certificate \"/nonexistent/tls.crt\": No such file or directory"},
      {"missing key", "127.0.0.1:0", files.server_cert, "/nonexistent/tls.key",
       "cannot read TLS key \"/nonexistent/tls.key\": No such file or directory"},
      {"certificate not set", "127.0.0.1:0", "", files.server_key, "TLS certificate file not set"},
      {"certificate not PEM", "127.0.0.1:0", garbage, files.server_key,
       "cannot load TLS certificate \"" + garbage + "\": no start line"},
      {"key not PEM", "127.0.0.1:0", files.server_cert, garbage,
       "cannot load TLS key \"" + garbage + "\": unsupported"},
      {"key of another certificate", "127.0.0.1:0", files.server_cert, files.other_key,
       "TLS key \"" + files.other_key + "\" does not match certificate \"" + files.server_cert +
           "\""},
      {"host not an IP", "nowhere:0", files.server_cert, files.server_key,
       "listen address \"nowhere:0\": host \"nowhere\" is not an IP address"},
      {"port taken", taken_listen, files.server_cert, files.server_key,
       "cannot listen on " + taken_listen + ": bind: Address already in use"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      WorldHolder holder(empty_world(1));
      ServerOptions options;
      options.listen = c.listen;
      options.cert_file = c.cert;
      options.key_file = c.key;
      Server server(options, holder);
      const auto started = server.start();
      REQUIRE_FALSE(started);
      CHECK(started.error().message == c.message);
    }
  }
}

TEST_CASE("listen addresses") {
  struct Case {
    std::string text;
    std::string host;
    unsigned short port;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"0.0.0.0:8443", "0.0.0.0", 8443, ""},
      {"127.0.0.1:0", "127.0.0.1", 0, ""},
      {":9443", "0.0.0.0", 9443, ""},
      {"[::1]:8443", "::1", 8443, ""},
      {"[::]:65535", "::", 65535, ""},
      {"8443", "", 0, "listen address \"8443\": want host:port"},
      {"::1:8443", "", 0,
       "listen address \"::1:8443\": an IPv6 address must be in brackets: [v6-address]:port"},
      {"[::1]8443", "", 0, "listen address \"[::1]8443\": want [v6-address]:port"},
      {"[::1", "", 0, "listen address \"[::1\": want [v6-address]:port"},
      {"127.0.0.1:", "", 0,
       "listen address \"127.0.0.1:\": port \"\" is not a number from 0 to 65535"},
      {"127.0.0.1:65536", "", 0,
       "listen address \"127.0.0.1:65536\": port \"65536\" is not a number from 0 to 65535"},
      {"127.0.0.1:84x", "", 0,
       "listen address \"127.0.0.1:84x\": port \"84x\" is not a number from 0 to 65535"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.text) {
      const auto parsed = parse_listen_address(c.text);
      if (c.error.empty()) {
        REQUIRE(parsed);
        CHECK(parsed->host == c.host);
        CHECK(parsed->port == c.port);
      } else {
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().message == c.error);
      }
    }
  }
}

TEST_CASE("graceful stop closes idle keep-alive connections and returns") {
  TestServer server;
  auto client = server.client();
  auto res = client->Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  wait_until([&] { return server.server().idle_connections() == 1; });
  server.stop();  // returns only once run() returned
  CHECK(server.server().connections() == 0);
}

TEST_CASE("graceful stop finishes an in-flight review, answered with Connection: close") {
  TestServer server;
  RawTlsClient raw(tls_files(), server.port());
  REQUIRE(raw.handshake_ok());
  const auto body = fixture("create-v1.json");
  const auto request = post_request(body, "Expect: 100-continue\r\n");
  const auto headers = request.substr(0, request.size() - body.size());
  REQUIRE(raw.write(headers));
  // The interim answer proves the server is reading this request's body: it is in flight.
  const auto interim = raw.read_response();
  REQUIRE(interim);
  CHECK(*interim == "HTTP/1.1 100 Continue\r\n\r\n");

  server.server().stop();  // does not wait: run() returns once this request is done
  REQUIRE(raw.write(body));
  const auto response = raw.read_response();
  REQUIRE(response);
  CHECK(status_line(*response) == "HTTP/1.1 200 OK");
  CHECK(header(*response, "Connection") == "close");
  CHECK(parse(body_of(*response))["response"]["uid"] == "0df28fbd-5f5f-4a4b-9a5a-3c9a2f3e8b71");
  CHECK(raw.closed_without_data());
  server.stop();
  CHECK(server.server().connections() == 0);
}

TEST_CASE("500 idle keep-alive connections and a slow client do not starve a new review") {
  TestServer server;
  const std::string slow_request = post_request(fixture("create-v1.json"));
  RawTlsClient slow(tls_files(), server.port());
  REQUIRE(slow.handshake_ok());
  std::size_t trickled = 0;
  const auto trickle = [&] {  // one more header byte, the way a slowloris client sends them
    REQUIRE(slow.write(slow_request.substr(trickled++, 1)));
  };
  trickle();

  std::vector<std::unique_ptr<RawTlsClient>> idle;
  for (int i = 0; i < 500; ++i) {
    auto raw = std::make_unique<RawTlsClient>(tls_files(), server.port());
    REQUIRE(raw->handshake_ok());
    REQUIRE(raw->write(kHealthz));
    const auto response = raw->read_response();
    REQUIRE(response);
    REQUIRE(header(*response, "Connection").empty());  // kept alive
    idle.push_back(std::move(raw));
    if (i % 50 == 0) {
      trickle();
    }
  }
  wait_until([&] {
    return server.server().idle_connections() == 500 && server.server().connections() == 501;
  });

  auto client = server.client();
  const auto body = fixture("create-v1beta1.json");
  const auto res = client->Post("/mutate-pod?timeout=10s", body, "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  const auto answer = parse(res->body);
  CHECK(answer["apiVersion"] == "admission.k8s.io/v1beta1");
  CHECK(answer["response"]["uid"] == parse(body)["request"]["uid"]);
  CHECK(answer["response"]["allowed"] == true);

  // The slow client was never answered (its headers are incomplete) and the idle ones still work.
  trickle();
  REQUIRE(idle.front()->write(kHealthz));
  const auto again = idle.front()->read_response();
  REQUIRE(again);
  CHECK(status_line(*again) == "HTTP/1.1 200 OK");
}

TEST_CASE("a client trickling its headers is cut off at the header deadline") {
  ServerOptions options;
  options.header_timeout = std::chrono::seconds(1);
  TestServer server(options);
  SECTION("incomplete headers") {
    RawTlsClient slow(tls_files(), server.port());
    REQUIRE(slow.handshake_ok());
    REQUIRE(slow.write("POST /mutate-pod HTTP/1.1\r\nHo"));
    CHECK(slow.closed_without_data());
  }
  SECTION("no TLS handshake") {
    testing::PlainClient silent(server.port());
    CHECK(silent.read_all().empty());
  }
  SECTION("no request after the handshake") {
    RawTlsClient silent(tls_files(), server.port());
    REQUIRE(silent.handshake_ok());
    CHECK(silent.closed_without_data());
  }
}

TEST_CASE("past the connection cap the oldest idle connection is closed first") {
  ServerOptions options;
  options.max_connections = 3;
  TestServer server(options);
  std::vector<std::unique_ptr<RawTlsClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<RawTlsClient>(tls_files(), server.port()));
    REQUIRE(clients.back()->handshake_ok());
    REQUIRE(clients.back()->write(kHealthz));
    REQUIRE(clients.back()->read_response());
    // Each one idle before the next, so that the idle order is the order of the clients.
    wait_until([&] { return server.server().idle_connections() == clients.size(); });
  }
  RawTlsClient fourth(tls_files(), server.port());
  REQUIRE(fourth.handshake_ok());
  REQUIRE(fourth.write(kHealthz));
  const auto response = fourth.read_response();
  REQUIRE(response);
  CHECK(status_line(*response) == "HTTP/1.1 200 OK");
  CHECK(clients[0]->closed_without_data());
  for (std::size_t i = 1; i < clients.size(); ++i) {
    REQUIRE(clients[i]->write(kHealthz));
    const auto again = clients[i]->read_response();
    REQUIRE(again);
    CHECK(status_line(*again) == "HTTP/1.1 200 OK");
  }
}

TEST_CASE("at the connection cap with nothing idle a new connection is refused") {
  ServerOptions options;
  options.max_connections = 1;
  TestServer server(options);
  RawTlsClient busy(tls_files(), server.port());
  REQUIRE(busy.handshake_ok());
  wait_until([&] { return server.server().idle_connections() == 1; });
  REQUIRE(busy.write("GET /healthz HTTP/1.1\r\n"));  // a request started: no longer idle
  wait_until([&] { return server.server().idle_connections() == 0; });
  RawTlsClient refused(tls_files(), server.port());
  CHECK_FALSE(refused.handshake_ok());
  REQUIRE(busy.write("Host: localhost\r\n\r\n"));
  const auto response = busy.read_response();
  REQUIRE(response);
  CHECK(status_line(*response) == "HTTP/1.1 200 OK");
}

TEST_CASE("log lines are logfmt text or one JSON object") {
  const auto ts = std::chrono::system_clock::time_point(std::chrono::milliseconds(1763771554123));
  const std::vector<std::pair<std::string, Json>> fields = {
      {"uid", "u-1"},          {"pod", "web-7d9 x"}, {"matched", Json::array({"a", "b"})},
      {"none", Json::array()}, {"ops", 3},           {"quote", "say \"hi\"\n"},
      {"msg", "clash"},
  };
  CHECK(format_log_line(LogFormat::kText, ts, spdlog::level::info, "review", fields) ==
        "2025-11-22T00:32:34.123Z info review uid=u-1 pod=\"web-7d9 x\" matched=a,b none=\"\" "
        "ops=3 quote=\"say \\\"hi\\\"\\n\" msg=clash");
  CHECK(format_log_line(LogFormat::kJson, ts, spdlog::level::warn, "review", fields) ==
        R"({"ts":"2025-11-22T00:32:34.123Z","level":"warn","msg":"review","uid":"u-1",)"
        R"("pod":"web-7d9 x","matched":["a","b"],"none":[],"ops":3,"quote":"say \"hi\"\n",)"
        R"("field.msg":"clash"})");
  CHECK(format_log_line(LogFormat::kJson, ts, spdlog::level::err, "bad utf-8",
                        {{"uid", std::string("a\xff")}}) ==
        R"({"ts":"2025-11-22T00:32:34.123Z","level":"error","msg":"bad utf-8","uid":"a)"
        "\xef\xbf\xbd"
        R"("})");  // U+FFFD REPLACEMENT CHARACTER
}

TEST_CASE("one review line carries uid, namespace, pod, operation, matches, ops, latency") {
  const auto ts = std::chrono::system_clock::time_point(std::chrono::milliseconds(1763771554123));
  ReviewLog log;
  log.uid = "0df28fbd";
  log.namespace_name = "shop";
  log.pod_name = "web-7d9c8b6f5d-";
  log.operation = "CREATE";
  log.matched = {"log-agent", "mesh-proxy"};
  log.ops = 5;
  log.outcome = "patched";
  const auto fields = review_log_fields(log, std::chrono::microseconds(42));
  CHECK(format_log_line(LogFormat::kText, ts, spdlog::level::info, "review", fields) ==
        "2025-11-22T00:32:34.123Z info review uid=0df28fbd namespace=shop pod=web-7d9c8b6f5d- "
        "operation=CREATE matched=log-agent,mesh-proxy ops=5 latency_us=42 outcome=patched");
  log.outcome = "denied";
  log.message = "sidecarset \"x\": revision missing";
  log.matched.clear();
  log.ops = 0;
  CHECK(format_log_line(LogFormat::kJson, ts, spdlog::level::info, "review",
                        review_log_fields(log, std::chrono::microseconds(7))) ==
        R"({"ts":"2025-11-22T00:32:34.123Z","level":"info","msg":"review","uid":"0df28fbd",)"
        R"("namespace":"shop","pod":"web-7d9c8b6f5d-","operation":"CREATE","matched":[],"ops":0,)"
        R"("latency_us":7,"outcome":"denied","message":"sidecarset \"x\": revision missing"})");
  log.outcome = "patched";
  log.message.clear();
  log.matched = {"hot"};
  log.warnings = {"sidecarset \"hot\": hot-upgrade container \"c\" injected as a pair", "w2"};
  CHECK(format_log_line(LogFormat::kText, ts, spdlog::level::info, "review",
                        review_log_fields(log, std::chrono::microseconds(7))) ==
        "2025-11-22T00:32:34.123Z info review uid=0df28fbd namespace=shop pod=web-7d9c8b6f5d- "
        "operation=CREATE matched=hot ops=0 latency_us=7 outcome=patched "
        "warnings=\"sidecarset \\\"hot\\\": hot-upgrade container \\\"c\\\" injected as a "
        "pair,w2\"");
  CHECK(format_log_line(LogFormat::kJson, ts, spdlog::level::info, "review",
                        review_log_fields(log, std::chrono::microseconds(7))) ==
        R"({"ts":"2025-11-22T00:32:34.123Z","level":"info","msg":"review","uid":"0df28fbd",)"
        R"("namespace":"shop","pod":"web-7d9c8b6f5d-","operation":"CREATE","matched":["hot"],)"
        R"("ops":0,"latency_us":7,"outcome":"patched","warnings":["sidecarset \"hot\": )"
        R"(hot-upgrade container \"c\" injected as a pair","w2"]})");
}

TEST_CASE("SIGTERM stops the server gracefully once handle_signals() was called") {
  WorldHolder holder(empty_world(1));
  Server server(test_options(), holder);
  REQUIRE(server.start());
  server.handle_signals();
  std::thread runner([&] { server.run(); });
  auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", server.port());
  client->set_ca_cert_path(tls_files().ca_cert.c_str());
  client->enable_server_certificate_verification(true);
  client->set_keep_alive(true);
  auto res = client->Get("/healthz");
  REQUIRE(res);
  CHECK(res->status == 200);
  REQUIRE(::kill(::getpid(), SIGTERM) == 0);  // caught by the server's signal_set
  runner.join();
  CHECK(server.connections() == 0);
}

TEST_CASE("log format and level flags") {
  CHECK(parse_log_format("text").value() == LogFormat::kText);
  CHECK(parse_log_format("json").value() == LogFormat::kJson);
  CHECK(parse_log_format("yaml").error().message ==
        "unknown log format \"yaml\" (want text or json)");
  CHECK(parse_log_level("warn").value() == spdlog::level::warn);
  CHECK(parse_log_level("error").value() == spdlog::level::err);
  CHECK(parse_log_level("off").value() == spdlog::level::off);
  CHECK(parse_log_level("verbose").error().message ==
        "unknown log level \"verbose\" (want trace, debug, info, warn, error, critical or off)");
}

}  // namespace
}  // namespace injector
