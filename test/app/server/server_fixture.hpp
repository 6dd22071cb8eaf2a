#pragma once
// The real Server on an ephemeral loopback port for the server tests, and helpers to read raw
// HTTP responses. Header-only: test/ sources other than *_test.cpp are not built.

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <httplib.h>

#include "injector/model/world.hpp"
#include "server/server.hpp"
#include "tls_fixture.hpp"

namespace injector::testing {

namespace fs = std::filesystem;

/// The certificates of this test process (made once, removed at exit).
inline const TlsFiles& tls_files() { return process_tls_files("server"); }

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string fixture(const std::string& name) {
  return read_file(fs::path(INJECTOR_SOURCE_DIR) / "fixtures" / "reviews" / name);
}

inline std::shared_ptr<const World> empty_world(std::uint64_t generation) {
  auto world = std::make_shared<World>();
  world->generation = generation;
  return world;
}

template <class Condition>
inline void wait_until(Condition condition) {
  while (!condition()) {
    std::this_thread::yield();
  }
}

inline ServerOptions test_options(ServerOptions options = {}) {
  options.listen = "127.0.0.1:0";
  if (options.cert_file.empty()) {
    options.cert_file = tls_files().server_cert;
    options.key_file = tls_files().server_key;
  }
  if (options.threads == 0) {
    options.threads = 2;
  }
  return options;
}

class TestServer {
 public:
  explicit TestServer(ServerOptions options = {},
                      std::shared_ptr<const World> world = empty_world(7))
      : holder_(std::move(world)), server_(test_options(std::move(options)), holder_) {
    if (auto started = server_.start(); !started) {
      throw std::runtime_error(started.error().message);
    }
    thread_ = std::thread([this] { server_.run(); });
  }
  ~TestServer() { stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  /// Graceful stop; returns once run() returned.
  void stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }
  /// Waits for run() to return by itself (shutdown sequence, timeout).
  void join() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  Server& server() { return server_; }
  unsigned short port() const { return server_.port(); }

  std::unique_ptr<httplib::SSLClient> client() const {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", server_.port());
    client->set_ca_cert_path(tls_files().ca_cert.c_str());
    client->enable_server_certificate_verification(true);
    client->set_keep_alive(true);
    return client;
  }

 private:
  WorldHolder holder_;
  Server server_;
  std::thread thread_;
};

inline Json parse(const std::string& body) { return Json::parse(body); }

inline std::string header(const std::string& response, const std::string& name) {
  const auto pos = response.find("\r\n" + name + ": ");
  if (pos == std::string::npos) {
    return "";
  }
  const auto start = pos + name.size() + 4;
  return response.substr(start, response.find("\r\n", start) - start);
}

inline std::string body_of(const std::string& response) {
  return response.substr(response.find("\r\n\r\n") + 4);
}

inline std::string status_line(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

inline std::string post_request(const std::string& body, const std::string& extra_headers = "") {
  return "POST /mutate-pod?timeout=10s HTTP/1.1\r\nHost: localhost\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

inline constexpr const char* kHealthz = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";

}  // namespace injector::testing
