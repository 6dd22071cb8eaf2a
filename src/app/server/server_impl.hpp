#pragma once
// The server's shared state: what the acceptor, the sessions and the routes all touch.
// Server-internal; server.hpp keeps Beast out of its users' compile.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>

#include "metrics/registry.hpp"
#include "server/body_budget.hpp"
#include "server/server.hpp"
#include "server/tls_rotation.hpp"

namespace injector {

class Session;

struct Server::Impl {
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  Impl(ServerOptions opts, WorldHolder& holder);

  ServerOptions options;
  WorldHolder& worlds;
  unsigned threads;
  TlsRotation tls;
  std::atomic<bool> tls_loaded{false};
  std::atomic<bool> draining{false};  // shutdown began: not ready, answers close
  std::atomic<bool> stopping{false};  // the acceptor is closed
  std::atomic<std::size_t> live{0};
  BodyBudget bodies;  // request bodies buffered across connections
  unsigned short bound_port = 0;

  // Sessions waiting for a request, oldest first: the cap closes from the front. Guarded by mu,
  // as are each Session's in_idle/idle_it and the stopping transition.
  std::mutex mu;
  std::list<std::weak_ptr<Session>> idle;

  // Declared after what sessions touch in their destructors: pending handlers (which own the
  // sessions) are destroyed with the io_context.
  boost::asio::io_context ioc;
  Strand control;  // acceptor, retry timer, signals
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer accept_retry;
  boost::asio::steady_timer tls_timer;
  boost::asio::steady_timer delay_timer;     // shutdown delay, then stop()
  boost::asio::steady_timer deadline_timer;  // shutdown timeout: run() returns
  boost::asio::steady_timer drain_timer;     // idle_drain after stop: idle connections close
  bool deadline_armed = false;               // on the control strand
  std::optional<boost::asio::signal_set> signals;
  // Last: the scrape-time collector reads the members above, so it goes first.
  metrics::Collectors::Handle collector;

  Result<void> load_tls();
  Result<void> listen();
  void watch_tls();
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
  /// Registers an idle session (the cap and close_idle() close from this list).
  void enter_idle(const std::shared_ptr<Session>& session);
  void leave_idle(Session& session);
  std::shared_ptr<Session> take_oldest_idle();
  void arm_deadline();
  void shutdown();
  void stop();
  /// Called by each Session's destructor: the last one while stopping ends run().
  void session_ended();
  void close_idle();
};

}  // namespace injector
