#include "kube/client.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <atomic>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include "kube/backoff.hpp"
#include "kube/credentials.hpp"
#include "version.hpp"

namespace injector::kube {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// Body bytes read per step. A watch event is handed out as soon as its line is complete; the
// buffer only bounds how much one read takes.
constexpr std::size_t kReadChunk = 64 * 1024;
// API servers send small headers; this bounds a misbehaving peer.
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
// Of an error answer we keep this much (a metav1.Status is a few hundred bytes).
constexpr std::size_t kErrorBodyLimit = 64 * 1024;

std::string_view to_view(beast::string_view s) { return {s.data(), s.size()}; }

std::string describe_status(const ApiStatus& s) {
  std::string out = std::to_string(s.code);
  if (!s.reason.empty()) {
    out += " " + s.reason;
  }
  if (!s.message.empty()) {
    out += ": " + s.message;
  }
  return out;
}

// What one exchange produced before the retry decision.
struct Raw {
  bool answered = false;
  int status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;
  std::string error;  // when !answered
  bool cancelled = false;
  bool streamed = false;  // a watch got its 200 and streamed (no retry)
  std::uint64_t bytes = 0;
  bool stream_closed = false;  // the stream ended cleanly
};

}  // namespace

class Exchange;

struct Client::Impl {
  explicit Impl(Options opts) : options(std::move(opts)), work(net::make_work_guard(ioc)) {}

  Options options;
  ServerAddress address;
  ssl::context tls{ssl::context::tls_client};
  TokenSource token;
  std::atomic<unsigned> token_reads{0};
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> work;
  std::thread thread;
  std::thread::id thread_id;
  std::atomic<bool> stopping{false};
  std::set<std::shared_ptr<Exchange>> live;             // I/O thread only
  std::set<std::shared_ptr<net::steady_timer>> timers;  // I/O thread only
  std::mutex stop_mutex;                                // serialises stop()
  bool joined = false;
  std::mutex post_mutex;  // posting vs. stop()
  bool posting_closed = false;

  std::string user_agent() const {
    return options.user_agent.empty() ? default_user_agent() : options.user_agent;
  }

  void start_exchange(std::shared_ptr<Exchange> exchange);
  void finish_exchange(const std::shared_ptr<Exchange>& exchange);
  // `fn(true)` after `delay`, or `fn(false)` when stop() cancels it first (I/O thread).
  void schedule(std::chrono::milliseconds delay, std::function<void(bool fired)> fn);
  void stop_all();
  // net::post unless stop() began (then false: the job would never run).
  bool post(std::function<void()> fn);
};

// One HTTP exchange on its own TLS connection (watch streams hold theirs; requests are rare
// enough that a pool would only add state): resolve, connect, handshake, write, read the header,
// then the body in pieces.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  using Done = std::function<void(Raw)>;
  using Data = std::function<bool(std::string_view)>;

  Exchange(Client::Impl& client, HttpRequest request, Data on_data, Done done)
      : client_(client),
        request_(std::move(request)),
        on_data_(std::move(on_data)),
        done_(std::move(done)),
        resolver_(client.ioc),
        stream_(client.ioc, client.tls),
        deadline_(client.ioc),
        chunk_(kReadChunk) {}

  void start() {
    const auto timeout =
        request_.timeout.count() != 0 ? request_.timeout : client_.options.request_timeout;
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->headers_done_) {
        self->timed_out_ = true;
        self->abort();
      }
    });
    beast::get_lowest_layer(stream_).expires_after(timeout);
    resolver_.async_resolve(
        client_.address.host, client_.address.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->on_resolve(ec, std::move(results));
        });
  }

  // Ends the exchange soon (I/O thread): its completion handler sees the cancellation.
  void abort() {
    if (finished_) {
      return;
    }
    beast::error_code ignored;
    resolver_.cancel();
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).cancel();
  }

  bool streaming() const { return static_cast<bool>(on_data_); }

 private:
  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) {
      return fail_with("resolve " + client_.address.host, ec);
    }
    beast::get_lowest_layer(stream_).async_connect(
        results, [self = shared_from_this()](beast::error_code cec, const tcp::endpoint&) {
          self->on_connect(cec);
        });
  }

  void on_connect(beast::error_code ec) {
    if (ec) {
      return fail_with("connect", ec);
    }
    auto& socket = beast::get_lowest_layer(stream_).socket();
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    // A watch can be silent for minutes: TCP keepalive (as Go's dialer, 30 s) finds a peer that
    // vanished without closing.
    socket.set_option(net::socket_base::keep_alive(true), ignored);
    const int idle = 30;
    const int interval = 10;
    const int count = 3;
    ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    if (auto ok = configure_connection(stream_.native_handle(), client_.address.host,
                                       client_.options.config.tls_server_name);
        !ok) {
      return fail_message(ok.error().message);
    }
    stream_.async_handshake(
        ssl::stream_base::client,
        [self = shared_from_this()](beast::error_code hec) { self->on_handshake(hec); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      std::string what = "TLS handshake";
      const long verify = SSL_get_verify_result(stream_.native_handle());
      if (verify != X509_V_OK) {
        what += " (" + std::string(X509_verify_cert_error_string(verify)) + ")";
      }
      return fail_with(what, ec);
    }
    const std::string target = client_.address.base_path + request_.target;
    req_.method_string(request_.method);
    req_.target(target);
    req_.version(11);
    const bool default_port = client_.address.port == "443";
    std::string host = client_.address.host.find(':') != std::string::npos
                           ? "[" + client_.address.host + "]"
                           : client_.address.host;
    req_.set(http::field::host, default_port ? host : host + ":" + client_.address.port);
    req_.set(http::field::user_agent, client_.user_agent());
    req_.set(http::field::accept, "application/json");
    const std::string& token = client_.token.current();
    client_.token_reads.store(client_.token.reads());
    if (!token.empty()) {
      req_.set(http::field::authorization, "Bearer " + token);
    }
    if (!request_.content_type.empty()) {
      req_.set(http::field::content_type, request_.content_type);
    }
    req_.keep_alive(false);
    req_.body() = request_.body;
    req_.prepare_payload();
    http::async_write(
        stream_, req_,
        [self = shared_from_this()](beast::error_code wec, std::size_t) { self->on_write(wec); });
  }

  void on_write(beast::error_code ec) {
    if (ec) {
      return fail_with("write", ec);
    }
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    // Checked per piece below; a watch body has no end.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code rec, std::size_t) { self->on_header(rec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      return fail_with("read answer", ec);
    }
    const auto& res = parser_->get();
    raw_.answered = true;
    raw_.status = static_cast<int>(res.result_int());
    raw_.content_type = std::string(to_view(res[http::field::content_type]));
    raw_.retry_after = std::string(to_view(res[http::field::retry_after]));
    if (streaming() && raw_.status == 200) {
      headers_done_ = true;
      raw_.streamed = true;
      deadline_.cancel();
      if (request_.stream_timeout.count() != 0) {
        beast::get_lowest_layer(stream_).expires_after(request_.stream_timeout);
      } else {
        beast::get_lowest_layer(stream_).expires_never();
      }
    }
    read_some();
  }

  void read_some() {
    if (parser_->is_done()) {
      return finish_body();
    }
    auto& body = parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    body.more = true;
    http::async_read_some(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    const std::size_t got = chunk_.size() - parser_->get().body().size;
    if (got > 0) {
      raw_.bytes += got;
      const std::string_view piece(chunk_.data(), got);
      if (raw_.streamed) {
        if (!on_data_(piece)) {
          cancelled_ = true;
          return finish();
        }
      } else {
        const std::size_t limit =
            raw_.status >= 200 && raw_.status < 300 ? client_.options.max_body : kErrorBodyLimit;
        if (raw_.body.size() + piece.size() > limit) {
          if (raw_.status >= 200 && raw_.status < 300) {
            return fail_message("answer body over " + std::to_string(limit) + " bytes");
          }
          raw_.body.append(piece.substr(0, limit - raw_.body.size()));
          return finish();  // enough of an error answer to report it
        }
        raw_.body.append(piece);
      }
    }
    if (ec) {
      // Beast reports a body that ends with the connection as complete (put_eof); a stream cut
      // short is partial_message, or stream_truncated without TLS close_notify.
      if (parser_->is_done()) {
        return finish_body();
      }
      return fail_with(raw_.streamed ? "read stream" : "read answer", ec);
    }
    read_some();
  }

  void finish_body() {
    raw_.stream_closed = true;
    finish();
  }

  void fail_with(const std::string& what, beast::error_code ec) {
    if (ec == beast::error::timeout || timed_out_) {
      return fail_message(what + ": timed out");
    }
    fail_message(what + ": " + ec.message());
  }

  void fail_message(std::string message) {
    raw_.error = std::move(message);
    if (raw_.streamed) {
      raw_.stream_closed = false;
    } else {
      raw_.answered = false;
    }
    finish();
  }

  void finish() {
    if (finished_) {
      return;
    }
    finished_ = true;
    raw_.cancelled = cancelled_ || client_.stopping.load();
    deadline_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
    auto self = shared_from_this();
    client_.finish_exchange(self);
    auto done = std::move(done_);
    done(std::move(raw_));
  }

  Client::Impl& client_;
  HttpRequest request_;
  Data on_data_;
  Done done_;
  tcp::resolver resolver_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  net::steady_timer deadline_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::vector<char> chunk_;
  Raw raw_;
  bool headers_done_ = false;
  bool timed_out_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

void Client::Impl::start_exchange(std::shared_ptr<Exchange> exchange) {
  live.insert(exchange);
  exchange->start();
  if (stopping.load()) {
    exchange->abort();  // stop_all() ran before this attempt began
  }
}

void Client::Impl::finish_exchange(const std::shared_ptr<Exchange>& exchange) {
  live.erase(exchange);
}

void Client::Impl::schedule(std::chrono::milliseconds delay, std::function<void(bool)> fn) {
  if (stopping.load()) {
    return fn(false);
  }
  auto timer = std::make_shared<net::steady_timer>(ioc, delay);
  timers.insert(timer);
  timer->async_wait([this, timer, fn = std::move(fn)](beast::error_code ec) {
    timers.erase(timer);
    fn(!ec && !stopping.load());
  });
}

void Client::Impl::stop_all() {
  for (const auto& timer : timers) {
    timer->cancel();
  }
  // finish() erases from `live` while we iterate: take a copy.
  const std::vector<std::shared_ptr<Exchange>> running(live.begin(), live.end());
  for (const auto& exchange : running) {
    exchange->abort();
  }
}

bool Client::Impl::post(std::function<void()> fn) {
  const std::lock_guard lock(post_mutex);
  if (posting_closed) {
    return false;
  }
  net::post(ioc, std::move(fn));
  return true;
}

namespace {

// One API call with client-go's rest client retries (Retry-After on 429 and on 5xx answers that
// carry it; one token re-read on 401), each attempt a new Exchange. Also the WatchHandle.
class Call : public std::enable_shared_from_this<Call>, public WatchHandle {
 public:
  using Data = std::function<bool(std::string_view)>;
  using Done = std::function<void(Raw)>;

  Call(Client::Impl& client, HttpRequest request, Data on_data, Done done)
      : client_(client),
        request_(std::move(request)),
        on_data_(std::move(on_data)),
        done_(std::move(done)) {}

  // I/O thread.
  void attempt() {
    if (cancelled_ || client_.stopping.load()) {
      return deliver_cancelled();
    }
    auto exchange = std::make_shared<Exchange>(
        client_, request_, on_data_,
        [self = shared_from_this()](Raw raw) { self->on_result(std::move(raw)); });
    current_ = exchange;
    client_.start_exchange(std::move(exchange));
  }

  // Any thread.
  void cancel() override {
    client_.post([self = shared_from_this()] {
      self->cancelled_ = true;
      if (auto e = self->current_.lock()) {
        e->abort();
      }
    });
  }

  // Without the I/O thread (the client stopped): the caller still hears of it.
  void deliver_cancelled() {
    Raw raw;
    raw.cancelled = true;
    finish(std::move(raw));
  }

 private:
  void on_result(Raw raw) {
    current_.reset();
    if (raw.cancelled || cancelled_ || !raw.answered || raw.streamed) {
      raw.cancelled = raw.cancelled || cancelled_;
      return finish(std::move(raw));
    }
    const auto& o = client_.options;
    std::optional<std::chrono::milliseconds> delay;
    if (raw.status == 401 && client_.token.from_file() && !token_retried_) {
      // The file may have rotated within the same second (same stamp): read it again.
      token_retried_ = true;
      client_.token.invalidate();
      delay = std::chrono::milliseconds(0);
    } else if ((raw.status == 429 || raw.status >= 500) && retries_ < o.max_retries) {
      if (auto after = parse_retry_after(raw.retry_after, o.retry_after_limit)) {
        ++retries_;
        delay = std::chrono::duration_cast<std::chrono::milliseconds>(*after);
      }
    }
    if (!delay) {
      return finish(std::move(raw));
    }
    ++attempts_;
    if (o.on_retry) {
      o.on_retry(RetryNotice{request_.target, raw.status, *delay, attempts_});
    }
    client_.schedule(*delay, [self = shared_from_this()](bool fired) {
      if (fired) {
        self->attempt();
      } else {
        self->deliver_cancelled();
      }
    });
  }

  void finish(Raw raw) {
    if (done_) {
      auto done = std::move(done_);
      done_ = nullptr;
      done(std::move(raw));
    }
  }

  Client::Impl& client_;
  HttpRequest request_;
  Data on_data_;
  Done done_;
  std::weak_ptr<Exchange> current_;
  int retries_ = 0;
  int attempts_ = 0;
  bool token_retried_ = false;
  bool cancelled_ = false;
};

ApiError error_of(const std::string& method, const std::string& target, const Raw& raw) {
  ApiError e;
  if (raw.cancelled) {
    e.message = method + " " + target + ": client stopped";
    return e;
  }
  if (!raw.answered) {
    e.message = method + " " + target + ": " + raw.error;
    return e;
  }
  e.status = decode_status(raw.body, raw.status);
  e.status.code = raw.status;
  e.message = method + " " + target + ": " + describe_status(e.status);
  return e;
}

WatchEnd watch_end_of(const std::string& target, const Raw& raw) {
  WatchEnd end;
  end.bytes = raw.bytes;
  if (raw.cancelled) {
    end.kind = WatchEnd::Kind::kCancelled;
  } else if (!raw.answered) {
    end.kind = WatchEnd::Kind::kFailed;
    end.message = raw.error;
  } else if (raw.streamed) {
    end.kind = raw.stream_closed ? WatchEnd::Kind::kClosed : WatchEnd::Kind::kFailed;
    end.message = raw.error;
  } else {
    end.kind = WatchEnd::Kind::kStatus;
    end.status = decode_status(raw.body, raw.status);
    end.status.code = raw.status;
    end.message = "GET " + target + ": " + describe_status(end.status);
  }
  return end;
}

}  // namespace

// ---- Client ----

std::string default_user_agent() {
#if defined(__x86_64__)
  constexpr const char* kArch = "amd64";
#elif defined(__aarch64__)
  constexpr const char* kArch = "arm64";
#else
  constexpr const char* kArch = "unknown";
#endif
  return "sidecarset-injector/" + std::string(version()) + " (linux/" + kArch + ")";
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() { stop(); }

Result<std::unique_ptr<Client>> Client::create(Options options) {
  auto address = parse_server_url(options.config.server);
  if (!address) {
    return std::unexpected(address.error());
  }
  if (options.config.insecure_skip_tls_verify && !options.insecure_skip_tls_verify) {
    return fail("config", options.config.source +
                              ": insecure-skip-tls-verify is set; refusing to talk to the API "
                              "server without verifying its certificate (pass "
                              "--kube-insecure-skip-tls-verify to accept that risk)");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  impl->address = std::move(*address);
  if (auto ok = configure_tls(impl->tls.native_handle(), impl->options.config,
                              impl->options.insecure_skip_tls_verify);
      !ok) {
    return std::unexpected(ok.error());
  }
  impl->token = TokenSource(impl->options.config.token, impl->options.config.token_file);
  Impl* raw = impl.get();
  std::promise<std::thread::id> started;
  auto id = started.get_future();
  raw->thread = std::thread([raw, &started] {
    started.set_value(std::this_thread::get_id());
    raw->ioc.run();
  });
  raw->thread_id = id.get();
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

void Client::stop() {
  if (!impl_) {
    return;
  }
  const std::lock_guard stop_lock(impl_->stop_mutex);
  if (impl_->joined) {
    return;
  }
  {
    // Everything posted before this runs before the thread ends; nothing is posted after it.
    const std::lock_guard lock(impl_->post_mutex);
    impl_->posting_closed = true;
    impl_->stopping.store(true);
    net::post(impl_->ioc, [impl = impl_.get()] { impl->stop_all(); });
  }
  impl_->work.reset();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
  impl_->joined = true;
}

void Client::async_request(HttpRequest request, std::function<void(ApiResult<HttpResponse>)> done) {
  const std::string method = request.method;
  const std::string target = request.target;
  auto call = std::make_shared<Call>(
      *impl_, std::move(request), nullptr, [method, target, done = std::move(done)](Raw raw) {
        if (!raw.cancelled && raw.answered && raw.status >= 200 && raw.status < 300) {
          return done(HttpResponse{raw.status, std::move(raw.body), std::move(raw.content_type)});
        }
        done(std::unexpected(error_of(method, target, raw)));
      });
  if (!impl_->post([call] { call->attempt(); })) {
    call->deliver_cancelled();
  }
}

ApiResult<HttpResponse> Client::request(HttpRequest request) {
  if (on_io_thread()) {
    return std::unexpected(ApiError{
        {},
        request.method + " " + request.target + ": blocking request on the client's I/O thread"});
  }
  std::promise<ApiResult<HttpResponse>> promise;
  auto future = promise.get_future();
  async_request(std::move(request), [&promise](ApiResult<HttpResponse> result) {
    promise.set_value(std::move(result));
  });
  return future.get();
}

std::shared_ptr<WatchHandle> Client::watch(HttpRequest request,
                                           std::function<bool(std::string_view)> on_data,
                                           std::function<void(const WatchEnd&)> on_end) {
  const std::string target = request.target;
  auto call = std::make_shared<Call>(
      *impl_, std::move(request), std::move(on_data),
      [target, on_end = std::move(on_end)](Raw raw) { on_end(watch_end_of(target, raw)); });
  if (!impl_->post([call] { call->attempt(); })) {
    call->deliver_cancelled();
  }
  return call;
}

void Client::post(std::function<void()> fn) {
  impl_->post([impl = impl_.get(), fn = std::move(fn)] {
    if (!impl->stopping.load()) {
      fn();
    }
  });
}

void Client::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  impl_->post([impl = impl_.get(), delay, fn = std::move(fn)]() mutable {
    impl->schedule(delay, [fn = std::move(fn)](bool fired) {
      if (fired) {
        fn();
      }
    });
  });
}

bool Client::on_io_thread() const { return std::this_thread::get_id() == impl_->thread_id; }

const Client::Options& Client::options() const { return impl_->options; }

unsigned Client::token_reads() const { return impl_->token_reads.load(); }

}  // namespace injector::kube
