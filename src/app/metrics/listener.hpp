#pragma once
// The metrics endpoint: plain HTTP on its own port and thread (as controller-runtime's metrics
// server on :8080), so that scraping needs no webhook certificate and never queues behind
// reviews. GET /metrics answers the text format; anything else is 404 (405 for other methods).

#include <memory>
#include <string>

#include "injector/json.hpp"

namespace injector::metrics {

struct Metrics;

class Listener {
 public:
  /// Serves `metrics` on `listen` (host:port, [v6]:port or :port; port 0 = ephemeral).
  Listener(std::string listen, Metrics& metrics);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  /// Binds and starts the thread; the error names the address.
  Result<void> start();
  /// The bound port (after start).
  unsigned short port() const;
  /// Closes the listener and joins its thread; idempotent.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace injector::metrics
