// Mutual TLS over loopback: with a client CA the server asks for a client certificate and
// refuses, at the handshake, a client without one or with one from another CA (Go's
// tls.RequireAndVerifyClientCert, what kube-apiserver's webhook client meets when its
// AdmissionConfiguration names a kubeconfig with a client certificate). The client CA file is
// read again with the serving pair, so it rotates like them.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server_fixture.hpp"
#include "tls_fixture.hpp"

namespace injector {
namespace {

using namespace testing;  // the server fixture's helpers

ServerOptions mtls_options(const std::string& client_ca) {
  ServerOptions options;
  options.client_ca_file = client_ca;
  options.tls_reload_interval = std::chrono::milliseconds(0);  // checked by the test
  return options;
}

// The client of `cert` (none when empty) asks for /healthz: the status line, or the failure.
struct Outcome {
  std::string status, error;
};
Outcome healthz_as(unsigned short port, const std::string& cert, const std::string& key,
                   int version) {
  ClientOptions options;
  options.min_version = version;
  options.max_version = version;
  options.cert_file = cert;
  options.key_file = key;
  RawTlsClient raw(tls_files(), port, options);
  // TLS 1.2: the client's handshake fails. TLS 1.3: the client has sent its Finished before the
  // server checked its certificate; the server's alert fails the first read.
  if (raw.handshake_ok() && raw.write(kHealthz)) {
    if (const auto response = raw.read_response()) {
      return {status_line(*response), ""};
    }
  }
  return {"", raw.error()};
}

TEST_CASE("with a client CA only clients with a certificate it signed are served") {
  const auto& files = tls_files();
  TestServer server(mtls_options(files.client_ca));
  struct Case {
    std::string name;
    std::string cert, key;
    int version;
    Outcome outcome;
  };
  const std::vector<Case> cases = {
      {"no certificate, TLS 1.3",
       "",
       "",
       TLS1_3_VERSION,
       {"", "tlsv13 alert certificate required"}},
      {"no certificate, TLS 1.2", "", "", TLS1_2_VERSION, {"", "sslv3 alert handshake failure"}},
      {"a certificate of another CA, TLS 1.3",
       files.foreign_client_cert,
       files.foreign_client_key,
       TLS1_3_VERSION,
       {"", "tlsv1 alert unknown ca"}},
      {"a certificate of another CA, TLS 1.2",
       files.foreign_client_cert,
       files.foreign_client_key,
       TLS1_2_VERSION,
       {"", "tlsv1 alert unknown ca"}},
      {"the client CA's certificate, TLS 1.3",
       files.client_cert,
       files.client_key,
       TLS1_3_VERSION,
       {"HTTP/1.1 200 OK", ""}},
      {"the client CA's certificate, TLS 1.2",
       files.client_cert,
       files.client_key,
       TLS1_2_VERSION,
       {"HTTP/1.1 200 OK", ""}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const Outcome got = healthz_as(server.port(), c.cert, c.key, c.version);
      CHECK(got.status == c.outcome.status);
      CHECK(got.error == c.outcome.error);
    }
  }
}

TEST_CASE("without a client CA no client certificate is asked for, and one offered is ignored") {
  const auto& files = tls_files();
  TestServer server;
  CHECK(healthz_as(server.port(), "", "", TLS1_3_VERSION).status == "HTTP/1.1 200 OK");
  CHECK(
      healthz_as(server.port(), files.foreign_client_cert, files.foreign_client_key, TLS1_3_VERSION)
          .status == "HTTP/1.1 200 OK");
}

TEST_CASE("a client CA that cannot be used is a start error naming the file") {
  const auto& files = tls_files();
  const auto dir = fs::path(files.ca_cert).parent_path();
  const auto garbage = (dir / "garbage-client-ca.pem").string();
  std::ofstream(garbage) << "not a certificate\n";
  const auto key_only = (dir / "key-only-client-ca.pem").string();
  fs::copy_file(files.client_key, key_only, fs::copy_options::overwrite_existing);
  struct Case {
    std::string name, client_ca, message;
  };
  const std::vector<Case> cases = {
      {"missing", "/nonexistent/client-ca.crt",
       "cannot read client CA \"/nonexistent/client-ca.crt\": No such file or directory"},
      {"not PEM", garbage, "client CA \"" + garbage + "\" holds no PEM certificate"},
      {"a key, no certificate", key_only,
       "client CA \"" + key_only + "\" holds no PEM certificate"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      WorldHolder holder(empty_world(1));
      Server server(test_options(mtls_options(c.client_ca)), holder);
      const auto started = server.start();
      REQUIRE_FALSE(started);
      CHECK(started.error().message == c.message);
    }
  }
}

TEST_CASE("a changed client CA file is taken for new handshakes, a bad one is refused") {
  const auto& files = tls_files();
  const auto client_ca =
      (fs::path(files.ca_cert).parent_path() / "rotating-client-ca.crt").string();
  fs::copy_file(files.client_ca, client_ca, fs::copy_options::overwrite_existing);
  TestServer server(mtls_options(client_ca));
  const auto status = [&](const std::string& cert, const std::string& key) {
    return healthz_as(server.port(), cert, key, TLS1_3_VERSION).status;
  };
  CHECK(status(files.client_cert, files.client_key) == "HTTP/1.1 200 OK");
  CHECK(status(files.foreign_client_cert, files.foreign_client_key).empty());
  // A connection made before the change keeps being served.
  ClientOptions own;
  own.cert_file = files.client_cert;
  own.key_file = files.client_key;
  RawTlsClient before(files, server.port(), own);
  REQUIRE(before.handshake_ok());

  // The other CA now: its client is served, the first one is refused.
  fs::copy_file(files.ca_cert, client_ca, fs::copy_options::overwrite_existing);
  CHECK(server.server().check_tls().outcome == TlsReload::Outcome::kRotated);
  CHECK(status(files.foreign_client_cert, files.foreign_client_key) == "HTTP/1.1 200 OK");
  CHECK(status(files.client_cert, files.client_key).empty());
  REQUIRE(before.write(kHealthz));
  const auto kept = before.read_response();
  REQUIRE(kept);
  CHECK(status_line(*kept) == "HTTP/1.1 200 OK");

  // A file without certificates is refused; the CA in use stays.
  std::ofstream(client_ca, std::ios::trunc) << "not a certificate\n";
  const TlsReload refused = server.server().check_tls();
  CHECK(refused.outcome == TlsReload::Outcome::kRejected);
  CHECK(refused.error == "client CA \"" + client_ca + "\" holds no PEM certificate");
  CHECK(status(files.foreign_client_cert, files.foreign_client_key) == "HTTP/1.1 200 OK");
}

}  // namespace
}  // namespace injector
