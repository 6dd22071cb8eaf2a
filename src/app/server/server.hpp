#pragma once
// The HTTPS edge: an event-driven Boost.Beast server on OpenSSL. A few I/O threads serve every
// connection; reviews take microseconds and run inline on them. Beast stays out of this header
// (pimpl): tls_context.* builds the TLS context, session.* runs one connection, routes.* says
// what each path answers, server.cpp accepts and runs the lifecycle.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "injector/json.hpp"
#include "world_holder.hpp"

namespace injector {

/// What /readyz answers when a readiness provider is set: 200 with `text` when `ready`, else 503.
struct Readiness {
  bool ready = false;
  std::string text;  // the whole body, ending in a newline
};

/// What one check of the TLS files did (Server::check_tls).
struct TlsReload {
  enum class Outcome { kUnchanged, kRotated, kRejected };
  Outcome outcome = Outcome::kUnchanged;
  std::string error;   // rejected: why, naming the file
  std::string serial;  // rotated: the new certificate's serial number, hex
  std::chrono::system_clock::time_point not_after{};  // rotated: when the new one expires
};

struct ServerOptions {
  std::string listen = "0.0.0.0:8443";  // host:port or [v6]:port; port 0 = ephemeral
  std::string cert_file, key_file;
  // PEM CA certificates that client certificates must chain to; "" = no client certificate.
  std::string client_ca_file;
  // How often the TLS files are read again for a rotation; 0 = never. A Secret volume update
  // lands within the kubelet's sync period (about a minute); reading three small files every
  // second costs nothing and puts a rotated pair in use within a second of its arrival.
  std::chrono::milliseconds tls_reload_interval{1000};
  unsigned threads = 0;  // 0 = std::thread::hardware_concurrency()
  // kube-apiserver keeps ~25 idle connections per webhook per API server replica and opens more
  // in bursts; 10,000 leaves room for many replicas while bounding descriptors and memory.
  std::size_t max_connections = 10000;
  // The API server refuses objects over ~1.5 MiB (etcd's request limit) and controller-runtime's
  // webhooks accept 7 MiB; an UPDATE review carries object and oldObject. 8 MiB admits any
  // review the API server can send while bounding what one connection can make us buffer.
  std::size_t body_limit = 8u << 20;
  // Request-body bytes buffered across all connections; 0 = no cap. A request whose body would
  // pass it is answered 429 with Retry-After (client-go, kube-apiserver's webhook client,
  // retries those) and its body read and discarded, never held. 64 MiB: eight bodies at the
  // limit, thousands of ordinary pods (5-20 KiB), and below the Deployment's 256 MiB memory
  // limit with room for the World and the JSON documents of the reviews running (one per
  // thread). Must be 0 or at least body_limit.
  std::size_t max_buffered_bytes = 64u << 20;
  // idle: longer than Go's 90 s IdleConnTimeout, so the client, not us, closes idle keep-alive
  // connections (closing first races its reuse). header: TLS handshake, and the request line and
  // headers once the first byte arrived (slowloris). body, write: per request.
  std::chrono::seconds idle_timeout{120}, header_timeout{10}, body_timeout{30}, write_timeout{30};
  // SIGTERM (or shutdown()): /readyz fails at once and, for `shutdown_delay`, connections are
  // still accepted and answered (each answer with `Connection: close`, so that clients dial
  // again and reach the endpoints that remain once this pod is dropped from them); then the
  // acceptor closes and every request received, or arriving within `idle_drain` on a connection
  // still open, is answered. run() returns at the latest `shutdown_timeout` after the signal.
  std::chrono::milliseconds shutdown_delay{5000}, shutdown_timeout{25000};
  // After the acceptor closes, how long an idle connection (or one whose handshake completes
  // later) is given to send a request that may already be on its way; closing it at once would
  // reset a request that crossed the close.
  std::chrono::milliseconds idle_drain{1000};
  // When set, /readyz asks it (after the TLS checks) instead of reporting the World's generation;
  // `verbose` is true for `/readyz?verbose`. Called on an I/O thread for every probe: it must be
  // cheap and must not block (cluster mode: informers synced, first World built, bad objects).
  std::function<Readiness(bool verbose)> readiness;
};

/// Parsed `listen` value.
struct ListenAddress {
  std::string host;  // IP literal, without brackets
  unsigned short port = 0;
};

/// Parses `host:port`, `[v6]:port` or `:port` (all interfaces); the error names the value.
Result<ListenAddress> parse_listen_address(std::string_view text);

class Server {
 public:
  Server(ServerOptions options, WorldHolder& worlds);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Loads cert/key (the error names the file), binds and listens. Call once, before run().
  Result<void> start();
  /// The bound port (after start).
  unsigned short port() const;
  /// Serves on `threads` threads (this one included) until stop() and every connection is done.
  void run();
  /// Installs SIGINT/SIGTERM -> shutdown(); a second signal skips what is left of the delay
  /// (call before run).
  void handle_signals();
  /// Begins the shutdown sequence (see ServerOptions::shutdown_delay): not ready at once, stop()
  /// after the delay. Callable from any thread and more than once.
  void shutdown();
  /// Reads the TLS files once more now (as the periodic check does) and rotates or refuses;
  /// the periodic check logs the outcome, this does not.
  TlsReload check_tls();
  /// Graceful stop, callable from any thread and more than once: stop accepting, answer what is
  /// in flight or arrives within `idle_drain` (with `Connection: close`), close the idle rest;
  /// run() returns once no connection is left, or at the shutdown timeout.
  void stop();
  /// Generation reported by /readyz (0 when no World is held).
  std::uint64_t ready_generation() const;
  /// Open connections (for tests and logs).
  std::size_t connections() const;
  /// Connections waiting for a request (the ones the cap and stop close first), for tests.
  std::size_t idle_connections() const;
  /// Request-body bytes reserved now (see ServerOptions::max_buffered_bytes), for tests.
  std::size_t buffered_bytes() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace injector
