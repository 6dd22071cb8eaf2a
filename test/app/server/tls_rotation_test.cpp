// Certificate rotation over loopback TLS: the files live in a directory laid out as a Secret
// volume (files behind a `..data` symlink swapped atomically), the real Server serves them, and
// raw clients see which certificate a handshake got by its serial number. The checks are driven
// by Server::check_tls() (what the periodic check runs), so no test waits on a clock; one case
// runs the periodic check and waits for the protocol event (a handshake with the new serial).

#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <catch2/catch.hpp>

#include "server_fixture.hpp"
#include "tls_fixture.hpp"

namespace injector {
namespace {

using namespace testing;  // the server fixture's helpers

// Serials of the fixture's serving certificates.
constexpr const char* kFirst = "2";
constexpr const char* kRotated = "4";

// A Secret volume: <dir>/tls.crt -> ..data/tls.crt, ..data -> ..<generation>; swap() writes a
// new generation and renames a new `..data` symlink over the old one, as the kubelet does.
class SecretDir {
 public:
  explicit SecretDir(const std::string& name)
      : dir_(fs::path(INJECTOR_BINARY_DIR) / "test-tls" /
             (name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::create_symlink("..data/tls.crt", dir_ / "tls.crt");
    fs::create_symlink("..data/tls.key", dir_ / "tls.key");
  }
  ~SecretDir() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  SecretDir(const SecretDir&) = delete;
  SecretDir& operator=(const SecretDir&) = delete;

  /// A new generation with copies of `cert` and `key` ("" leaves that file out).
  void swap(const std::string& cert, const std::string& key) {
    const std::string generation = "..gen" + std::to_string(++generation_);
    fs::create_directories(dir_ / generation);
    if (!cert.empty()) {
      fs::copy_file(cert, dir_ / generation / "tls.crt");
    }
    if (!key.empty()) {
      fs::copy_file(key, dir_ / generation / "tls.key");
    }
    fs::create_symlink(generation, dir_ / "..data_tmp");
    fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  }
  std::string cert() const { return (dir_ / "tls.crt").string(); }
  std::string key() const { return (dir_ / "tls.key").string(); }
  std::string dir() const { return dir_.string(); }

 private:
  fs::path dir_;
  int generation_ = 0;
};

ServerOptions secret_options(const SecretDir& secret) {
  ServerOptions options;
  options.cert_file = secret.cert();
  options.key_file = secret.key();
  options.tls_reload_interval = std::chrono::milliseconds(0);  // checked by the test
  return options;
}

std::string serial_of_new_handshake(unsigned short port) {
  RawTlsClient raw(tls_files(), port);
  REQUIRE(raw.handshake_ok());
  return raw.peer_serial();
}

// The not-after of a PEM certificate file as the rotation's message prints it.
std::string not_after_utc(const std::string& file) {
  FILE* in = std::fopen(file.c_str(), "r");
  REQUIRE(in != nullptr);
  X509* cert = PEM_read_X509(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  REQUIRE(cert != nullptr);
  std::tm tm{};
  REQUIRE(ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1);
  X509_free(cert);
  char text[32];
  return std::string(text, std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm));
}

std::string healthz_on(RawTlsClient& raw) {
  REQUIRE(raw.write(kHealthz));
  const auto response = raw.read_response();
  REQUIRE(response);
  return status_line(*response);
}

TEST_CASE("a rotated pair serves new handshakes; open connections and reviews continue") {
  const auto& files = tls_files();
  SecretDir secret("rotation-good");
  secret.swap(files.server_cert, files.server_key);
  TestServer server(secret_options(secret));

  RawTlsClient before(files, server.port());  // a keep-alive connection from before
  REQUIRE(before.handshake_ok());
  CHECK(before.peer_serial() == kFirst);
  CHECK(healthz_on(before) == "HTTP/1.1 200 OK");

  // A review in flight across the rotation: its headers were read (100 Continue), not its body.
  RawTlsClient in_flight(files, server.port());
  REQUIRE(in_flight.handshake_ok());
  const auto body = fixture("create-v1.json");
  const auto request = post_request(body, "Expect: 100-continue\r\n");
  REQUIRE(in_flight.write(request.substr(0, request.size() - body.size())));
  const auto interim = in_flight.read_response();
  REQUIRE(interim);
  CHECK(*interim == "HTTP/1.1 100 Continue\r\n\r\n");

  CHECK(server.server().check_tls().outcome == TlsReload::Outcome::kUnchanged);
  secret.swap(files.rotated_cert, files.rotated_key);
  const TlsReload rotated = server.server().check_tls();
  CHECK(rotated.outcome == TlsReload::Outcome::kRotated);
  CHECK(rotated.serial == "04");
  CHECK(rotated.error.empty());
  CHECK(server.server().check_tls().outcome == TlsReload::Outcome::kUnchanged);

  CHECK(serial_of_new_handshake(server.port()) == kRotated);
  CHECK(healthz_on(before) == "HTTP/1.1 200 OK");  // same connection, old certificate
  REQUIRE(in_flight.write(body));
  const auto answer = in_flight.read_response();
  REQUIRE(answer);
  CHECK(status_line(*answer) == "HTTP/1.1 200 OK");
  CHECK(parse(body_of(*answer))["response"]["uid"] == "0df28fbd-5f5f-4a4b-9a5a-3c9a2f3e8b71");
  CHECK(server.server().connections() == 2);

  // And back: a rotation is not one-shot.
  secret.swap(files.server_cert, files.server_key);
  CHECK(server.server().check_tls().outcome == TlsReload::Outcome::kRotated);
  CHECK(serial_of_new_handshake(server.port()) == kFirst);
}

TEST_CASE("a bad pair is refused once and the current one keeps serving") {
  const auto& files = tls_files();
  const auto garbage = (fs::path(files.ca_cert).parent_path() / "garbage-rotation.pem").string();
  std::ofstream(garbage) << "not a certificate\n";
  SecretDir secret("rotation-bad");
  secret.swap(files.server_cert, files.server_key);
  TestServer server(secret_options(secret));

  struct Case {
    std::string name;
    std::string cert, key;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"key of another certificate", files.rotated_cert, files.server_key,
       "TLS key \"" + secret.key() + "\" does not match certificate \"" + secret.cert() + "\""},
      {"key missing", files.rotated_cert, "",
       "cannot read TLS key \"" + secret.key() + "\": No such file or directory"},
      {"certificate not PEM", garbage, files.server_key,
       "cannot load TLS certificate \"" + secret.cert() + "\": no start line"},
      {"certificate expired", files.expired_cert, files.server_key,
       "TLS certificate \"" + secret.cert() + "\" expired at " + not_after_utc(files.expired_cert)},
  };
  RawTlsClient open(files, server.port());
  REQUIRE(open.handshake_ok());
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      secret.swap(c.cert, c.key);
      const TlsReload refused = server.server().check_tls();
      CHECK(refused.outcome == TlsReload::Outcome::kRejected);
      CHECK(refused.error == c.error);
      CHECK(refused.serial.empty());
      // Reported once: the next check of the same files is quiet.
      CHECK(server.server().check_tls().outcome == TlsReload::Outcome::kUnchanged);
      CHECK(serial_of_new_handshake(server.port()) == kFirst);
      CHECK(healthz_on(open) == "HTTP/1.1 200 OK");
      // Still ready: the current certificate is valid.
      REQUIRE(open.write("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
      const auto ready = open.read_response();
      REQUIRE(ready);
      CHECK(status_line(*ready) == "HTTP/1.1 200 OK");

      // A good pair after the bad one is taken.
      secret.swap(files.rotated_cert, files.rotated_key);
      CHECK(server.server().check_tls().outcome == TlsReload::Outcome::kRotated);
      CHECK(serial_of_new_handshake(server.port()) == kRotated);
    }
  }
}

TEST_CASE("an expired certificate at start is replaced by a rotation, and /readyz recovers") {
  const auto& files = tls_files();
  SecretDir secret("rotation-expired");
  secret.swap(files.expired_cert, files.server_key);
  TestServer server(secret_options(secret));
  const auto readyz = [&] {
    RawTlsClient raw(files, server.port(), ClientOptions{}, /*verify=*/false);
    REQUIRE(raw.handshake_ok());
    REQUIRE(raw.write("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    const auto response = raw.read_response();
    REQUIRE(response);
    return status_line(*response);
  };
  CHECK(readyz() == "HTTP/1.1 503 Service Unavailable");
  secret.swap(files.rotated_cert, files.rotated_key);
  CHECK(server.server().check_tls().outcome == TlsReload::Outcome::kRotated);
  CHECK(readyz() == "HTTP/1.1 200 OK");
}

TEST_CASE("the periodic check rotates without being asked") {
  const auto& files = tls_files();
  SecretDir secret("rotation-periodic");
  secret.swap(files.server_cert, files.server_key);
  ServerOptions options = secret_options(secret);
  options.tls_reload_interval = std::chrono::milliseconds(5);
  TestServer server(options);
  CHECK(serial_of_new_handshake(server.port()) == kFirst);
  secret.swap(files.rotated_cert, files.rotated_key);
  // The protocol event: a new handshake gets the rotated certificate (the check logs it).
  wait_until([&] { return serial_of_new_handshake(server.port()) == kRotated; });
  CHECK(server.server().check_tls().outcome == TlsReload::Outcome::kUnchanged);
}

}  // namespace
}  // namespace injector
