#include "server/server.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include "injector/review.hpp"
#include "server/log.hpp"

namespace injector {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// The first read of a request, made while the connection is idle. Small, with the buffer shrunk
// first: 10,000 idle keep-alive connections then hold ~1 KiB of ours each, not 16 KiB (the TLS
// layer's buffers are released too, SSL_MODE_RELEASE_BUFFERS). The rest of the request is read
// in larger pieces.
constexpr std::size_t kIdleReadChunk = 1024;
// kube-apiserver sends about ten short headers; 16 KiB is generous and bounds a slow client.
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// Of an oversize body we pass this much to review() with body_too_large set: the uid comes early
// (Go writes `request.uid` first), so the core may answer the 413 under it (today it answers
// with an empty uid and HTTP 413, as controller-runtime does).
constexpr std::size_t kOversizePrefix = 64 * 1024;
// An oversize body up to this size is read and discarded before the 413 goes out: a client that
// is still writing its body when we close would get a reset instead of the answer.
constexpr std::uint64_t kDrainLimit = 64u << 20;
// Exchange of TLS close_notify after a `Connection: close` answer (then the socket is closed).
constexpr std::chrono::seconds kCloseTimeout{3};
// Back-off after accept() fails for lack of descriptors, instead of spinning on the error.
constexpr std::chrono::milliseconds kAcceptRetry{100};

// TLS 1.2 suites: ECDHE with AEAD only. Go ≥ 1.22 clients (kube-apiserver) no longer offer RSA
// key exchange or 3DES; TLS 1.3 suites are OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kGroups = "X25519:P-256:P-384";

std::string_view to_view(beast::string_view s) { return {s.data(), s.size()}; }

// Per-review randomness for injectionStrategy Partial (each review independent, issue #4).
std::uint64_t review_seed() {
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }()};
  return engine();
}

std::string openssl_error() {
  std::string message;
  while (const unsigned long code = ERR_get_error()) {
    if (message.empty()) {
      const char* reason = ERR_reason_error_string(code);
      message = reason != nullptr ? reason : "unknown OpenSSL error";
    }
  }
  return message.empty() ? "unknown OpenSSL error" : message;
}

Result<void> readable(const std::string& kind, const std::string& file) {
  if (file.empty()) {
    return fail("tls", kind + " file not set");
  }
  std::ifstream in(file);
  if (!in) {
    return fail("tls", "cannot read " + kind + " \"" + file + "\": " + std::strerror(errno));
  }
  return {};
}

// The API server forces ALPN "http/1.1" (kubernetes#75791); we speak nothing else, so a client
// offering only other protocols gets the RFC 7301 no_application_protocol alert.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
                unsigned int in_len, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof kHttp11, in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

bool quiet_close(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::ssl::error::stream_truncated || ec == net::error::operation_aborted ||
         ec == beast::error::timeout || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe;
}

}  // namespace

class Session;

struct Server::Impl {
  Impl(ServerOptions opts, WorldHolder& holder)
      : options(std::move(opts)),
        worlds(holder),
        threads(options.threads != 0 ? options.threads
                                     : std::max(1u, std::thread::hardware_concurrency())),
        ioc(static_cast<int>(threads)),
        control(net::make_strand(ioc)),
        acceptor(control),
        accept_retry(control) {}

  ServerOptions options;
  WorldHolder& worlds;
  unsigned threads;
  ssl::context tls{ssl::context::tls_server};
  std::atomic<bool> tls_loaded{false};
  std::chrono::system_clock::time_point cert_not_after =
      std::chrono::system_clock::time_point::max();
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> live{0};
  unsigned short bound_port = 0;

  // Sessions waiting for a request, oldest first: the cap closes from the front. Guarded by mu,
  // as are each Session's in_idle/idle_it and the stopping transition.
  std::mutex mu;
  std::list<std::weak_ptr<Session>> idle;

  // Declared after what sessions touch in their destructors: pending handlers (which own the
  // sessions) are destroyed with the io_context.
  net::io_context ioc;
  net::strand<net::io_context::executor_type> control;  // acceptor, retry timer, signals
  tcp::acceptor acceptor;
  net::steady_timer accept_retry;
  std::optional<net::signal_set> signals;

  Result<void> load_tls();
  Result<void> listen();
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  bool enter_idle(const std::shared_ptr<Session>& session);
  void leave_idle(Session& session);
  std::shared_ptr<Session> take_oldest_idle();
  void stop();
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, tcp::socket socket)
      : server_(server), stream_(std::move(socket), server.tls) {
    server_.live.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() {
    server_.leave_idle(*this);
    server_.live.fetch_sub(1, std::memory_order_relaxed);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->on_start(); });
  }

  /// Closes the connection if it is still waiting for a request (eviction, stop); one that
  /// started a request in the meantime finishes it (stop answers it with Connection: close).
  void close_if_idle() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kIdle) {
        self->close();
      }
    });
  }

  // Guarded by Server::Impl::mu.
  bool in_idle = false;
  std::list<std::weak_ptr<Session>>::iterator idle_it;

 private:
  enum class State { kHandshake, kIdle, kBusy, kClosed };

  const ServerOptions& options() const { return server_.options; }
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void on_start() {
    beast::error_code ec;
    // Without TCP_NODELAY an answer can wait ~40 ms for the client's delayed ACK.
    tcp().socket().set_option(tcp::no_delay(true), ec);
    tcp().expires_after(options().header_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      log_event(spdlog::level::debug, "tls handshake failed", {{"error", ec.message()}});
      return close();
    }
    wait_request(options().header_timeout);
  }

  // Waits for the first byte of the next request: the connection is idle until then, and the
  // idle (keep-alive) deadline applies; the header deadline starts with the first byte.
  void wait_request(std::chrono::seconds deadline) {
    if (buffer_.size() > 0) {  // a pipelined request is already here
      state_ = State::kBusy;
      return read_header();
    }
    state_ = State::kIdle;
    if (!server_.enter_idle(shared_from_this())) {
      return close();  // stopping
    }
    tcp().expires_after(deadline);
    buffer_.shrink_to_fit();
    stream_.async_read_some(
        buffer_.prepare(kIdleReadChunk),
        beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    server_.leave_idle(*this);
    if (ec || state_ == State::kClosed) {
      return close();
    }
    state_ = State::kBusy;
    buffer_.commit(n);
    read_header();
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // Checked against Content-Length below, then set. Not boost::none: Beast 1.74 compares the
    // Content-Length with the optional limit, and every length is greater than none.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    tcp().expires_after(options().header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) {
      return on_read_error(ec);
    }
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    const bool expects_continue =
        beast::iequals(req[http::field::expect], "100-continue") && !parser_->is_done();
    if (const auto length = parser_->content_length(); length && *length > options().body_limit) {
      return reject_oversize(*length, expects_continue);
    }
    parser_->body_limit(options().body_limit);  // chunked bodies
    if (expects_continue) {
      continue_ = {http::status::continue_, req.version()};
      tcp().expires_after(options().write_timeout);
      return http::async_write(stream_, continue_,
                               [self = shared_from_this()](beast::error_code wec, std::size_t) {
                                 if (wec) {
                                   return self->close();
                                 }
                                 self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) {
      return handle();
    }
    tcp().expires_after(options().body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) {  // chunked body over the limit
      keep_alive_ = false;
      std::string prefix = parser_->get().body().substr(0, kOversizePrefix);
      return answer_review(prefix, true);
    }
    if (ec) {
      return on_read_error(ec);
    }
    handle();
  }

  void on_read_error(beast::error_code ec) {
    if (quiet_close(ec)) {
      log_event(spdlog::level::debug, "connection closed while reading", {{"error", ec.message()}});
      return close();
    }
    // A malformed request: answer in plain text (no review can be formed) and close.
    keep_alive_ = false;
    const auto status = ec == http::error::header_limit
                            ? http::status::request_header_fields_too_large
                            : http::status::bad_request;
    respond(status, "text/plain; charset=utf-8", "bad request: " + ec.message() + "\n");
  }

  // Content-Length over the limit. Answered with a 413 review (review() builds it) after the body
  // was drained, or at once when the client waits for 100-continue or the body is huge.
  void reject_oversize(std::uint64_t length, bool expects_continue) {
    keep_alive_ = false;
    if (expects_continue || length > kDrainLimit) {
      return answer_review({}, true);
    }
    drain_left_ = length;
    tcp().expires_after(options().body_timeout);
    drain();
  }

  void drain() {
    const auto n = static_cast<std::size_t>(
        std::min<std::uint64_t>(drain_left_, static_cast<std::uint64_t>(buffer_.size())));
    if (oversize_prefix_.size() < kOversizePrefix) {
      const auto keep = std::min(n, kOversizePrefix - oversize_prefix_.size());
      oversize_prefix_.append(static_cast<const char*>(buffer_.data().data()), keep);
    }
    buffer_.consume(n);
    drain_left_ -= n;
    if (drain_left_ == 0) {
      return answer_review(oversize_prefix_, true);
    }
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(drain_left_, std::uint64_t{kReadChunk}));
    stream_.async_read_some(buffer_.prepare(want),
                            [self = shared_from_this()](beast::error_code ec, std::size_t got) {
                              if (ec) {
                                return self->close();
                              }
                              self->buffer_.commit(got);
                              self->drain();
                            });
  }

  void handle() {
    const auto& req = parser_->get();
    const auto target = to_view(req.target());
    const auto path = target.substr(0, target.find('?'));  // the API server adds ?timeout=10s
    if (path == "/mutate-pod") {
      if (req.method() != http::verb::post) {
        return respond_405("POST");
      }
      return answer_review(req.body(), false);
    }
    if (path == "/healthz" || path == "/readyz") {
      if (req.method() != http::verb::get) {
        return respond_405("GET");
      }
      if (path == "/healthz") {
        return respond(http::status::ok, "text/plain; charset=utf-8", "ok\n");
      }
      return answer_readyz();
    }
    respond(http::status::not_found, "text/plain; charset=utf-8", "not found\n");
  }

  void answer_readyz() {
    const auto world = server_.worlds.get();
    if (!server_.tls_loaded.load()) {
      return respond(http::status::service_unavailable, "text/plain; charset=utf-8",
                     "not ready: TLS material not loaded\n");
    }
    if (std::chrono::system_clock::now() >= server_.cert_not_after) {
      return respond(http::status::service_unavailable, "text/plain; charset=utf-8",
                     "not ready: TLS certificate \"" + options().cert_file + "\" expired\n");
    }
    if (!world) {
      return respond(http::status::service_unavailable, "text/plain; charset=utf-8",
                     "not ready: no SidecarSets loaded\n");
    }
    respond(http::status::ok, "text/plain; charset=utf-8",
            "ready generation=" + std::to_string(world->generation) + "\n");
  }

  void answer_review(std::string_view body, bool too_large) {
    const auto world = server_.worlds.get();
    if (!world) {
      // No World yet: injecting nothing would silently admit pods unmutated. A 503 is a call
      // failure, so the webhook's failurePolicy decides (readiness keeps traffic away anyway).
      return respond(http::status::service_unavailable, "text/plain; charset=utf-8",
                     "no SidecarSets loaded\n");
    }
    const auto content_type = to_view(parser_->get()[http::field::content_type]);
    const auto started = std::chrono::steady_clock::now();
    auto outcome = review(*world, HttpReviewRequest{content_type, body, too_large},
                          InjectOptions{std::chrono::system_clock::now(), review_seed()});
    log_review(outcome.log, std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - started));
    respond(static_cast<http::status>(outcome.http_status), outcome.content_type,
            std::move(outcome.body));
  }

  void respond_405(std::string_view allow) {
    response_ = {};
    response_.set(http::field::allow, beast::string_view(allow.data(), allow.size()));
    respond(http::status::method_not_allowed, "text/plain; charset=utf-8", "method not allowed\n",
            false);
  }

  void respond(http::status status, std::string_view content_type, std::string body,
               bool reset = true) {
    if (reset) {
      response_ = {};
    }
    response_.version(parser_ && parser_->get().version() == 10 ? 10 : 11);
    response_.result(status);
    response_.set(http::field::content_type,
                  beast::string_view(content_type.data(), content_type.size()));
    response_.body() = std::move(body);
    response_.keep_alive(keep_alive_ && !server_.stopping.load());
    response_.prepare_payload();
    tcp().expires_after(options().write_timeout);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) {
      log_event(spdlog::level::debug, "write failed", {{"error", ec.message()}});
      return close();
    }
    if (!response_.keep_alive()) {
      return shutdown();
    }
    parser_.reset();
    oversize_prefix_.clear();
    wait_request(options().idle_timeout);
  }

  // After a `Connection: close` answer: send close_notify and wait (briefly) for the client's,
  // so that closing with unread input does not reset the connection under the answer.
  void shutdown() {
    tcp().expires_after(kCloseTimeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
  }

  void close() {
    if (state_ == State::kClosed) {
      return;
    }
    state_ = State::kClosed;
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().close();
  }

  Server::Impl& server_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  http::response<http::empty_body> continue_;
  State state_ = State::kHandshake;
  bool keep_alive_ = true;
  std::uint64_t drain_left_ = 0;
  std::string oversize_prefix_;
};

// ---- Server::Impl ----

Result<void> Server::Impl::load_tls() {
  if (auto ok = readable("TLS certificate", options.cert_file); !ok) {
    return ok;
  }
  if (auto ok = readable("TLS key", options.key_file); !ok) {
    return ok;
  }
  const auto mismatch = [&] {
    return fail("tls", "TLS key \"" + options.key_file + "\" does not match certificate \"" +
                           options.cert_file + "\"");
  };
  SSL_CTX* ctx = tls.native_handle();
  ERR_clear_error();
  // TLS 1.2+ only; the API server's Go client does not go lower either.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle keep-alive connections then hold no TLS read/write buffers (~34 KiB each): 10,000
  // idle connections cost descriptors, not hundreds of MiB.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return fail("tls", "cannot configure TLS: " + openssl_error());
  }
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1) {
    return fail("tls",
                "cannot load TLS certificate \"" + options.cert_file + "\": " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
      return fail("tls", "cannot load TLS key \"" + options.key_file + "\": " + openssl_error());
    }
    ERR_clear_error();
    return mismatch();
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return mismatch();
  }
  // Kept for /readyz: an expired certificate fails every API server call, so the replica must
  // not look ready (it still starts: the Secret may be renewed and the pod restarted).
  std::tm not_after{};
  if (X509* cert = SSL_CTX_get0_certificate(ctx);
      cert != nullptr && ASN1_TIME_to_tm(X509_get0_notAfter(cert), &not_after) == 1) {
    cert_not_after = std::chrono::system_clock::from_time_t(timegm(&not_after));
  }
  return {};
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

bool Server::Impl::enter_idle(const std::shared_ptr<Session>& session) {
  const std::lock_guard lock(mu);
  if (stopping.load()) {
    return false;
  }
  session->idle_it = idle.insert(idle.end(), session);
  session->in_idle = true;
  return true;
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

void Server::Impl::stop() {
  std::vector<std::shared_ptr<Session>> idle_sessions;
  {
    const std::lock_guard lock(mu);
    if (stopping.exchange(true)) {
      return;
    }
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
  net::dispatch(control, [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    if (signals) {
      signals->cancel(ignored);
    }
  });
  for (const auto& session : idle_sessions) {
    session->close_if_idle();
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
  if (std::chrono::system_clock::now() >= impl_->cert_not_after) {
    log_event(spdlog::level::warn, "TLS certificate expired: not ready",
              {{"cert", impl_->options.cert_file}});
  }
  log_event(spdlog::level::info, "listening",
            {{"address", impl_->options.listen},
             {"port", std::to_string(impl_->bound_port)},
             {"threads", std::to_string(impl_->threads)}});
  net::dispatch(impl_->control, [impl = impl_.get()] { impl->do_accept(); });
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
  impl.signals->async_wait([&impl](beast::error_code ec, int signal) {
    if (!ec) {
      log_event(spdlog::level::info, "stopping",
                {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
      impl.stop();
    }
  });
}

void Server::stop() { impl_->stop(); }

std::uint64_t Server::ready_generation() const {
  const auto world = impl_->worlds.get();
  return world ? world->generation : 0;
}

std::size_t Server::connections() const { return impl_->live.load(); }

std::size_t Server::idle_connections() const {
  const std::lock_guard lock(impl_->mu);
  return impl_->idle.size();
}

}  // namespace injector
