#include "server/session.hpp"

#include "metrics/metrics.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "server/log.hpp"

namespace injector {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

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
// What a 429 asks the client to wait: client-go sleeps this long before its retry (up to 10
// retries within the call's timeout), by which time the reviews holding the buffer are done.
constexpr const char* kRetryAfterSeconds = "1";

bool quiet_close(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::ssl::error::stream_truncated || ec == net::error::operation_aborted ||
         ec == beast::error::timeout || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe;
}

HttpReply plain(http::status status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

}  // namespace

Session::Session(Server::Impl& server, tcp::socket socket)
    : server_(server),
      context_(server.tls.current()->context),
      stream_(std::move(socket), *context_) {
  server_.live.fetch_add(1, std::memory_order_relaxed);
}

Session::~Session() {
  server_.leave_idle(*this);
  server_.session_ended();
}

void Session::start() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->on_start(); });
}

void Session::close_if_idle() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    beast::error_code ec;
    // Bytes already received are a request on its way: it is answered (with Connection: close
    // when stopping), not reset by closing under it.
    if (self->state_ == State::kIdle && self->tcp().socket().available(ec) == 0) {
      self->close();
    }
  });
}

void Session::on_start() {
  beast::error_code ec;
  // Without TCP_NODELAY an answer can wait ~40 ms for the client's delayed ACK.
  tcp().socket().set_option(tcp::no_delay(true), ec);
  tcp().expires_after(options().header_timeout);
  stream_.async_handshake(ssl::stream_base::server,
                          beast::bind_front_handler(&Session::on_handshake, shared_from_this()));
}

void Session::on_handshake(beast::error_code ec) {
  if (ec) {
    log_event(spdlog::level::debug, "tls handshake failed", {{"error", ec.message()}});
    metrics::global().tls_handshake_failures.inc();
    return close();
  }
  wait_request(options().header_timeout);
}

// Waits for the first byte of the next request: the connection is idle until then, and the
// idle (keep-alive) deadline applies; the header deadline starts with the first byte.
void Session::wait_request(std::chrono::milliseconds deadline) {
  if (buffer_.size() > 0) {  // a pipelined request is already here
    state_ = State::kBusy;
    return read_header();
  }
  state_ = State::kIdle;
  server_.enter_idle(shared_from_this());
  if (server_.stopping.load()) {
    // Only a connection whose handshake ended after the acceptor closed gets here (every answer
    // closes by then): its client is about to send a request, which is answered.
    deadline = std::min(deadline, options().idle_drain);
  }
  tcp().expires_after(deadline);
  buffer_.shrink_to_fit();
  stream_.async_read_some(buffer_.prepare(kIdleReadChunk),
                          beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
}

void Session::on_first_bytes(beast::error_code ec, std::size_t n) {
  server_.leave_idle(*this);
  if (ec || state_ == State::kClosed) {
    return close();
  }
  state_ = State::kBusy;
  buffer_.commit(n);
  read_header();
}

void Session::read_header() {
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  // Checked against Content-Length below, then set. Not boost::none: Beast 1.74 compares the
  // Content-Length with the optional limit, and every length is greater than none.
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  tcp().expires_after(options().header_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(beast::error_code ec, std::size_t) {
  if (ec) {
    return on_read_error(ec);
  }
  const auto& req = parser_->get();
  keep_alive_ = req.keep_alive();
  const bool expects_continue =
      beast::iequals(req[http::field::expect], "100-continue") && !parser_->is_done();
  const auto length = parser_->content_length();
  if (length && *length > options().body_limit) {
    return reject_oversize(*length, expects_continue);
  }
  // The whole body is reserved before any of it is read (Beast's string body reserves the
  // Content-Length at once); a chunked body may grow to the limit.
  const std::uint64_t body_bytes = parser_->is_done() ? 0 : length.value_or(options().body_limit);
  if (!body_.take(server_.bodies, static_cast<std::size_t>(body_bytes))) {
    return reject_busy(expects_continue);
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

void Session::read_body() {
  if (parser_->is_done()) {
    return respond(route(server_, parser_->get()));
  }
  tcp().expires_after(options().body_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::on_body, shared_from_this()));
}

void Session::on_body(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit) {  // chunked body over the limit
    keep_alive_ = false;
    std::string prefix = parser_->get().body().substr(0, kOversizePrefix);
    return answer_oversize(prefix);
  }
  if (ec) {
    return on_read_error(ec);
  }
  respond(route(server_, parser_->get()));
}

void Session::on_read_error(beast::error_code ec) {
  if (quiet_close(ec)) {
    log_event(spdlog::level::debug, "connection closed while reading", {{"error", ec.message()}});
    return close();
  }
  // A malformed request: answer in plain text (no review can be formed) and close.
  keep_alive_ = false;
  const auto status = ec == http::error::header_limit
                          ? http::status::request_header_fields_too_large
                          : http::status::bad_request;
  metrics::record_refused(metrics::global(), static_cast<int>(status));
  respond(plain(status, "bad request: " + ec.message() + "\n"));
}

// Content-Length over the limit. Answered with a 413 review (review() builds it) after the body
// was drained, or at once when the client waits for 100-continue or the body is huge.
void Session::reject_oversize(std::uint64_t length, bool expects_continue) {
  keep_alive_ = false;
  if (expects_continue || length > kDrainLimit) {
    return answer_oversize({});
  }
  drain_for_ = Drain::kOversize;
  drain_left_ = length;
  tcp().expires_after(options().body_timeout);
  drain();
}

// The buffer cap is reached: a 429 with Retry-After. A Content-Length body is read and
// discarded first (never held: 16 KiB at a time), so that the answer is not lost to a reset and
// the connection stays usable; a client waiting for 100-continue, or sending chunks, is answered
// at once and the connection closed.
void Session::reject_busy(bool expects_continue) {
  log_event(spdlog::level::warn, "request body buffer full, answering 429",
            {{"max_buffered_bytes", std::to_string(server_.bodies.cap())},
             {"buffered_bytes", std::to_string(server_.bodies.used())}});
  const auto length = parser_->content_length();
  if (expects_continue || !length) {
    keep_alive_ = false;
    drain_left_ = 0;
  } else {
    drain_left_ = *length;  // what of it arrived with the header is still in buffer_
  }
  drain_for_ = Drain::kBusy;
  tcp().expires_after(options().body_timeout);
  drain();
}

void Session::drain() {
  const auto n = static_cast<std::size_t>(
      std::min<std::uint64_t>(drain_left_, static_cast<std::uint64_t>(buffer_.size())));
  if (drain_for_ == Drain::kOversize && oversize_prefix_.size() < kOversizePrefix) {
    const auto keep = std::min(n, kOversizePrefix - oversize_prefix_.size());
    oversize_prefix_.append(static_cast<const char*>(buffer_.data().data()), keep);
  }
  buffer_.consume(n);
  drain_left_ -= n;
  if (drain_left_ == 0) {
    return drained();
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

void Session::drained() {
  if (drain_for_ == Drain::kOversize) {
    return answer_oversize(oversize_prefix_);
  }
  HttpReply reply = plain(http::status::too_many_requests,
                          "too many request bodies buffered (max " +
                              std::to_string(server_.bodies.cap()) + " bytes); retry later\n");
  reply.retry_after = kRetryAfterSeconds;
  respond(std::move(reply));
}

void Session::answer_oversize(std::string_view prefix) {
  respond(oversize_reply(server_, parser_->get(), prefix));
}

void Session::respond(HttpReply reply) {
  // The reply is built: the request body is no longer needed. Its memory and its share of the
  // buffer cap go back now, not after a write that a slow reader may drag out.
  if (parser_) {
    std::string().swap(parser_->get().body());
  }
  body_.release();
  response_ = {};
  response_.version(parser_ && parser_->get().version() == 10 ? 10 : 11);
  response_.result(reply.status);
  if (!reply.allow.empty()) {
    response_.set(http::field::allow, reply.allow);
  }
  if (!reply.retry_after.empty()) {
    response_.set(http::field::retry_after, reply.retry_after);
  }
  response_.set(http::field::content_type, reply.content_type);
  response_.body() = std::move(reply.body);
  response_.keep_alive(keep_alive_ && !server_.draining.load());
  response_.prepare_payload();
  tcp().expires_after(options().write_timeout);
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&Session::on_write, shared_from_this()));
}

void Session::on_write(beast::error_code ec, std::size_t) {
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
void Session::shutdown() {
  tcp().expires_after(kCloseTimeout);
  stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
}

void Session::close() {
  if (state_ == State::kClosed) {
    return;
  }
  state_ = State::kClosed;
  beast::error_code ec;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
  tcp().close();
}

}  // namespace injector
