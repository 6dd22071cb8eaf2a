// The shutdown sequence over loopback TLS: not ready at once, still serving through the delay
// with every answer closing its connection, then no new connections while requests that were
// received or arrive on open connections are answered, and an upper bound on it all. Delays the
// test does not want to wait for are set to an hour and ended by stop(); none is timed.

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "server_fixture.hpp"
#include "tls_fixture.hpp"

namespace injector {
namespace {

using namespace testing;  // the server fixture's helpers

constexpr std::chrono::hours kForever{1};
constexpr const char* kReadyz = "GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n";
constexpr const char* kUid = "0df28fbd-5f5f-4a4b-9a5a-3c9a2f3e8b71";

std::string roundtrip(RawTlsClient& raw, const std::string& request) {
  REQUIRE(raw.write(request));
  const auto response = raw.read_response();
  REQUIRE(response);
  return *response;
}

TEST_CASE("shutdown: not ready at once; through the delay new and open connections are served") {
  ServerOptions options;
  options.shutdown_delay = kForever;
  TestServer server(options);
  RawTlsClient open(tls_files(), server.port());
  REQUIRE(open.handshake_ok());
  CHECK(status_line(roundtrip(open, kHealthz)) == "HTTP/1.1 200 OK");

  server.server().shutdown();
  RawTlsClient probe(tls_files(), server.port());  // still accepted
  REQUIRE(probe.handshake_ok());
  const auto ready = roundtrip(probe, kReadyz);
  CHECK(status_line(ready) == "HTTP/1.1 503 Service Unavailable");
  CHECK(body_of(ready) == "not ready: shutting down\n");
  CHECK(header(ready, "Connection") == "close");
  CHECK(probe.closed_without_data());

  // A review on the keep-alive connection from before is answered, and the connection closes so
  // that its client dials again (reaching the endpoints left once this one is dropped).
  const auto review = roundtrip(open, post_request(fixture("create-v1.json")));
  CHECK(status_line(review) == "HTTP/1.1 200 OK");
  CHECK(header(review, "Connection") == "close");
  CHECK(parse(body_of(review))["response"]["uid"] == kUid);
  CHECK(open.closed_without_data());

  RawTlsClient late(tls_files(), server.port());
  REQUIRE(late.handshake_ok());
  const auto health = roundtrip(late, kHealthz);
  CHECK(status_line(health) == "HTTP/1.1 200 OK");  // alive, only not ready
  CHECK(header(health, "Connection") == "close");
  server.stop();  // ends the delay
  CHECK(server.server().connections() == 0);
}

TEST_CASE("after the delay a request arriving on an idle connection is answered, then closed") {
  ServerOptions options;
  options.idle_drain = kForever;
  TestServer server(options);
  RawTlsClient idle(tls_files(), server.port());
  REQUIRE(idle.handshake_ok());
  CHECK(status_line(roundtrip(idle, kHealthz)) == "HTTP/1.1 200 OK");
  wait_until([&] { return server.server().idle_connections() == 1; });

  server.server().stop();  // the acceptor closes; the idle connection stays open
  const auto review = roundtrip(idle, post_request(fixture("create-v1.json")));
  CHECK(status_line(review) == "HTTP/1.1 200 OK");
  CHECK(header(review, "Connection") == "close");
  CHECK(parse(body_of(review))["response"]["uid"] == kUid);
  CHECK(idle.closed_without_data());
  server.join();  // run() returns once the last connection is gone
  CHECK(server.server().connections() == 0);
}

TEST_CASE("after the delay idle connections that send nothing are closed") {
  ServerOptions options;
  options.idle_drain = std::chrono::milliseconds(1);
  TestServer server(options);
  RawTlsClient idle(tls_files(), server.port());
  REQUIRE(idle.handshake_ok());
  CHECK(status_line(roundtrip(idle, kHealthz)) == "HTTP/1.1 200 OK");
  wait_until([&] { return server.server().idle_connections() == 1; });
  server.server().stop();
  CHECK(idle.closed_without_data());
  server.join();
  CHECK(server.server().connections() == 0);
}

TEST_CASE("the shutdown timeout ends run() with a request still unfinished") {
  ServerOptions options;
  options.shutdown_delay = std::chrono::milliseconds(0);
  options.shutdown_timeout = std::chrono::milliseconds(1);
  TestServer server(options);
  RawTlsClient slow(tls_files(), server.port());
  REQUIRE(slow.handshake_ok());
  REQUIRE(slow.write("GET /healthz HTTP/1.1\r\n"));  // headers never finished: busy
  wait_until([&] { return server.server().connections() == 1; });
  server.server().shutdown();
  server.join();  // returns although the request never completed
  CHECK(server.server().connections() == 1);
}

}  // namespace
}  // namespace injector
