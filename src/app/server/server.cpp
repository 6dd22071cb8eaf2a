#include "server/server.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "metrics/metrics.hpp"
#include "server/log.hpp"
#include "server/server_impl.hpp"
#include "server/session.hpp"

namespace injector {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

// Back-off after accept() fails for lack of descriptors, instead of spinning on the error.
constexpr std::chrono::milliseconds kAcceptRetry{100};

}  // namespace

Server::Impl::Impl(ServerOptions opts, WorldHolder& holder)
    : options(std::move(opts)),
      worlds(holder),
      threads(options.threads != 0 ? options.threads
                                   : std::max(1u, std::thread::hardware_concurrency())),
      tls(TlsPaths{options.cert_file, options.key_file, options.client_ca_file}),
      bodies(options.max_buffered_bytes),
      ioc(static_cast<int>(threads)),
      control(net::make_strand(ioc)),
      acceptor(control),
      accept_retry(control),
      tls_timer(control),
      delay_timer(control),
      deadline_timer(control),
      drain_timer(control) {}

// ---- Server::Impl ----

Result<void> Server::Impl::load_tls() { return tls.load(); }

// One check per interval on the control strand. Rotation and refusal each log one line; a
// refused set is not reported again until the files change (TlsRotation::check_now).
void Server::Impl::watch_tls() {
  if (options.tls_reload_interval.count() <= 0) {
    return;
  }
  tls_timer.expires_after(options.tls_reload_interval);
  tls_timer.async_wait([this](beast::error_code ec) {
    if (ec || stopping.load()) {
      return;
    }
    const TlsReload result = tls.check_now(std::chrono::system_clock::now());
    if (result.outcome == TlsReload::Outcome::kRotated) {
      std::vector<std::pair<std::string, std::string>> fields = {{"cert", options.cert_file},
                                                                 {"serial", result.serial}};
      if (!options.client_ca_file.empty()) {
        fields.emplace_back("client_ca", options.client_ca_file);
      }
      log_event(spdlog::level::info, "TLS certificate rotated", fields);
    } else if (result.outcome == TlsReload::Outcome::kRejected) {
      log_event(spdlog::level::err, "TLS rotation refused, keeping the current certificate",
                {{"error", result.error}});
    }
    watch_tls();
  });
}

Result<void> Server::Impl::listen() {
  auto address = parse_listen_address(options.listen);
  if (!address) {
    return std::unexpected(address.error());
  }
  beast::error_code ec;
  const auto ip = net::ip::make_address(address->host, ec);
  if (ec) {
    return fail("listen", "listen address \"" + options.listen + "\": host \"" + address->host +
                              "\" is not an IP address");
  }
  const tcp::endpoint endpoint{ip, address->port};
  const auto failed = [&](std::string_view what) {
    return fail("listen", "cannot listen on " + options.listen + ": " + std::string(what) + ": " +
                              ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec); ec) {
    return failed("open");
  }
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) {
    return failed("setsockopt");
  }
  if (acceptor.bind(endpoint, ec); ec) {
    return failed("bind");
  }
  if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
    return failed("listen");
  }
  bound_port = acceptor.local_endpoint(ec).port();
  return {};
}

void Server::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        beast::bind_front_handler(&Server::Impl::on_accept, this));
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) {
    return;  // stopping
  }
  if (ec) {
    log_event(spdlog::level::warn, "accept failed", {{"error", ec.message()}});
    if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
        ec == net::error::no_memory || ec.value() == ENFILE) {
      accept_retry.expires_after(kAcceptRetry);
      accept_retry.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) {
          do_accept();
        }
      });
      return;
    }
    return do_accept();
  }
  if (live.load(std::memory_order_relaxed) >= options.max_connections) {
    // At the cap, the oldest idle connection makes room: an idle keep-alive connection is the
    // cheapest to lose (the client just dials again), a new one may carry a pod creation.
    if (auto victim = take_oldest_idle()) {
      victim->close_if_idle();
    } else {
      log_event(spdlog::level::warn, "connection cap reached, refusing a connection",
                {{"max_connections", std::to_string(options.max_connections)}});
      beast::error_code ignored;
      socket.close(ignored);
      return do_accept();
    }
  }
  std::make_shared<Session>(*this, std::move(socket))->start();
  do_accept();
}

void Server::Impl::enter_idle(const std::shared_ptr<Session>& session) {
  const std::lock_guard lock(mu);
  session->idle_it = idle.insert(idle.end(), session);
  session->in_idle = true;
}

void Server::Impl::leave_idle(Session& session) {
  const std::lock_guard lock(mu);
  if (session.in_idle) {
    idle.erase(session.idle_it);
    session.in_idle = false;
  }
}

std::shared_ptr<Session> Server::Impl::take_oldest_idle() {
  const std::lock_guard lock(mu);
  for (auto it = idle.begin(); it != idle.end(); ++it) {
    // An expired entry belongs to a session being destroyed: its destructor erases it.
    if (auto session = it->lock()) {
      session->in_idle = false;
      idle.erase(it);
      return session;
    }
  }
  return nullptr;
}

// On the control strand. The shutdown timeout counts from the first of shutdown() and stop().
void Server::Impl::arm_deadline() {
  if (deadline_armed) {
    return;
  }
  deadline_armed = true;
  deadline_timer.expires_after(options.shutdown_timeout);
  deadline_timer.async_wait([this](beast::error_code ec) {
    if (!ec) {
      log_event(spdlog::level::warn, "shutdown timeout: closing the connections left",
                {{"connections", std::to_string(live.load())}});
      ioc.stop();
    }
  });
}

void Server::Impl::shutdown() {
  if (draining.exchange(true)) {
    return;
  }
  log_event(spdlog::level::info, "shutting down: not ready, still serving",
            {{"delay_ms", std::to_string(options.shutdown_delay.count())},
             {"timeout_ms", std::to_string(options.shutdown_timeout.count())}});
  net::dispatch(control, [this] {
    arm_deadline();
    delay_timer.expires_after(options.shutdown_delay);
    delay_timer.async_wait([this](beast::error_code ec) {
      if (!ec) {
        stop();
      }
    });
  });
}

void Server::Impl::stop() {
  draining.store(true);
  {
    const std::lock_guard lock(mu);
    if (stopping.exchange(true)) {
      return;
    }
  }
  net::dispatch(control, [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    tls_timer.cancel();
    delay_timer.cancel();
    if (signals) {
      signals->cancel(ignored);
    }
    arm_deadline();  // stop() without shutdown() has the same bound
    if (live.load() == 0) {
      deadline_timer.cancel();
      return;
    }
    drain_timer.expires_after(options.idle_drain);
    drain_timer.async_wait([this](beast::error_code ec) {
      if (!ec) {
        close_idle();
      }
    });
  });
}

void Server::Impl::close_idle() {
  std::vector<std::shared_ptr<Session>> idle_sessions;
  {
    const std::lock_guard lock(mu);
    for (auto it = idle.begin(); it != idle.end();) {
      if (auto session = it->lock()) {
        session->in_idle = false;
        idle_sessions.push_back(std::move(session));
        it = idle.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& session : idle_sessions) {
    session->close_if_idle();
  }
}

void Server::Impl::session_ended() {
  // Not while the io_context is destroyed (after the timeout) or done: nothing runs the post.
  if (live.fetch_sub(1) == 1 && stopping.load() && !ioc.stopped()) {
    // The last connection is done: nothing is left to wait for.
    net::post(control, [this] {
      if (live.load() == 0) {
        deadline_timer.cancel();
        drain_timer.cancel();
      }
    });
  }
}

// ---- Server ----

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return fail("listen", "listen address \"" + std::string(text) + "\": " + std::string(why));
  };
  ListenAddress out;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("want [v6-address]:port");
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return bad("want host:port");
    }
    if (text.substr(0, colon).find(':') != std::string_view::npos) {
      return bad("an IPv6 address must be in brackets: [v6-address]:port");
    }
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (out.host.empty()) {
    out.host = "0.0.0.0";
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return bad("port \"" + std::string(port) + "\" is not a number from 0 to 65535");
  }
  out.port = static_cast<unsigned short>(value);
  return out;
}

Server::Server(ServerOptions options, WorldHolder& worlds)
    : impl_(std::make_unique<Impl>(std::move(options), worlds)) {}

Server::~Server() = default;

Result<void> Server::start() {
  if (auto ok = impl_->load_tls(); !ok) {
    return ok;
  }
  if (auto ok = impl_->listen(); !ok) {
    return ok;
  }
  impl_->tls_loaded.store(true);
  impl_->collector =
      metrics::global().collectors.add([impl = impl_.get()](metrics::Exposition& out) {
        out.family("sidecarset_injector_tls_certificate_expiry_seconds", "gauge",
                   "Seconds until the serving certificate expires (negative once expired).");
        const auto left = impl->tls.current()->not_after - std::chrono::system_clock::now();
        out.sample("sidecarset_injector_tls_certificate_expiry_seconds", {},
                   std::chrono::duration<double>(left).count());
        out.family("sidecarset_injector_connections_open", "gauge",
                   "Open connections of the webhook server.");
        out.sample("sidecarset_injector_connections_open", {},
                   static_cast<std::uint64_t>(impl->live.load()));
      });
  if (std::chrono::system_clock::now() >= impl_->tls.current()->not_after) {
    log_event(spdlog::level::warn, "TLS certificate expired: not ready",
              {{"cert", impl_->options.cert_file}});
  }
  log_event(spdlog::level::info, "listening",
            {{"address", impl_->options.listen},
             {"port", std::to_string(impl_->bound_port)},
             {"threads", std::to_string(impl_->threads)}});
  net::dispatch(impl_->control, [impl = impl_.get()] {
    impl->do_accept();
    impl->watch_tls();
  });
  return {};
}

unsigned short Server::port() const { return impl_->bound_port; }

void Server::run() {
  std::vector<std::thread> extra;
  extra.reserve(impl_->threads - 1);
  for (unsigned i = 1; i < impl_->threads; ++i) {
    extra.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (auto& thread : extra) {
    thread.join();
  }
}

void Server::handle_signals() {
  auto& impl = *impl_;
  impl.signals.emplace(impl.control, SIGINT, SIGTERM);
  struct Waiter {
    Server::Impl& impl;
    void operator()(beast::error_code ec, int signal) const {
      if (ec) {
        return;
      }
      const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
      if (impl.draining.load()) {
        log_event(spdlog::level::info, "second signal: skipping the shutdown delay",
                  {{"signal", name}});
        return impl.stop();
      }
      log_event(spdlog::level::info, "stopping", {{"signal", name}});
      impl.shutdown();
      impl.signals->async_wait(*this);
    }
  };
  impl.signals->async_wait(Waiter{impl});
}

void Server::shutdown() { impl_->shutdown(); }

TlsReload Server::check_tls() { return impl_->tls.check_now(std::chrono::system_clock::now()); }

void Server::stop() { impl_->stop(); }

std::uint64_t Server::ready_generation() const {
  const auto world = impl_->worlds.get();
  return world ? world->generation : 0;
}

std::size_t Server::connections() const { return impl_->live.load(); }

std::size_t Server::buffered_bytes() const { return impl_->bodies.used(); }

std::size_t Server::idle_connections() const {
  const std::lock_guard lock(impl_->mu);
  return impl_->idle.size();
}

}  // namespace injector
