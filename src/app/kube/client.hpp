#pragma once
// The Kubernetes API client. HTTPS with Boost.Beast on OpenSSL (as the server): one I/O thread
// runs every request, watch stream and retry timer of a Client, so an informer's logic needs no
// locks, a watch costs no thread, and stop() cancels everything at once. Watch bodies are read
// piece by piece into a fixed buffer and handed out as they arrive (bounded memory however long
// the stream runs). Beast stays out of this header (pimpl).
//
// Every request has a deadline; 429 (and 5xx answers carrying Retry-After) are retried after the
// server's Retry-After, up to `max_retries` times, as client-go's rest client does; a 401 with a
// token file re-reads the file and retries once. Other failures are returned to the caller
// (informers back off, see backoff.hpp).

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "injector/json.hpp"
#include "kube/config.hpp"
#include "kube/wire.hpp"

namespace injector::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path and query, appended to the server URL's path
  std::string body;
  std::string content_type;  // sent when not empty
  // Whole exchange (connect, TLS, request, answer); zero = Client::Options::request_timeout.
  // For watches: until the answer's header; the stream then runs until `stream_timeout`.
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds stream_timeout{0};  // watches only; zero = no limit
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

/// A failed API call: an HTTP error answer (status.code is its status, reason and message are
/// the server's metav1.Status) or no answer at all (status.code 0: connection, TLS, timeout).
struct ApiError {
  ApiStatus status;
  std::string message;  // one line: `GET /api/v1/namespaces: 403 Forbidden: ...`
};

template <class T>
using ApiResult = std::expected<T, ApiError>;

/// A retry the client is about to make (for logs and tests): after `delay`, attempt `attempt`.
struct RetryNotice {
  std::string target;
  int status = 0;  // 429, 5xx or 401
  std::chrono::milliseconds delay{0};
  int attempt = 0;  // 1 for the first retry
};

/// How a watch stream ended.
struct WatchEnd {
  enum class Kind {
    kClosed,     // the server ended the stream (timeoutSeconds, or it closed the connection)
    kStatus,     // an HTTP error answer instead of a stream (`status`)
    kFailed,     // connection, TLS or protocol failure, or the stream deadline (`message`)
    kCancelled,  // cancel(), the data handler returning false, or Client::stop()
  };
  Kind kind = Kind::kClosed;
  ApiStatus status;
  std::string message;
  std::uint64_t bytes = 0;  // body bytes received
};

/// A running watch; cancel() is idempotent and may be called from any thread.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
  virtual void cancel() = 0;
};

class Client {
 public:
  struct Options {
    ApiConfig config;
    // Accept a server certificate without verifying it (only the loudly named flag sets this).
    bool insecure_skip_tls_verify = false;
    std::string user_agent;  // default: sidecarset-injector/VERSION (linux/ARCH)
    std::chrono::milliseconds request_timeout{60'000};
    std::size_t max_body = 256u << 20;  // of a non-watch answer
    int max_retries = 10;               // client-go's maxRetries for Retry-After answers
    std::chrono::seconds retry_after_limit{60};
    std::function<void(const RetryNotice&)> on_retry;  // called on the I/O thread
  };

  /// Builds the TLS context (reads the CA, client certificate and key), checks the server URL
  /// and starts the I/O thread. Errors name the file or field; an insecure kubeconfig without
  /// `insecure_skip_tls_verify` is refused.
  static Result<std::unique_ptr<Client>> create(Options options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Cancels every request, watch and timer, then joins the I/O thread; idempotent. Pending
  /// request callbacks get an error `client stopped`, watches end kCancelled, timers are dropped.
  void stop();

  /// Sends `request`; `done` (on the I/O thread) gets a 2xx answer, or the error.
  void async_request(HttpRequest request, std::function<void(ApiResult<HttpResponse>)> done);
  /// Blocking async_request for other threads (never call it on the I/O thread).
  ApiResult<HttpResponse> request(HttpRequest request);

  /// Opens a streaming GET. `on_data` (I/O thread) gets the body bytes as they arrive and may
  /// return false to end the stream; `on_end` is called exactly once.
  std::shared_ptr<WatchHandle> watch(HttpRequest request,
                                     std::function<bool(std::string_view)> on_data,
                                     std::function<void(const WatchEnd&)> on_end);

  /// Runs `fn` on the I/O thread (dropped after stop()).
  void post(std::function<void()> fn);
  /// Runs `fn` on the I/O thread after `delay` (dropped after stop()).
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  /// True on the I/O thread.
  bool on_io_thread() const;

  const Options& options() const;
  /// How many times the token file was read (rotation tests and logs).
  unsigned token_reads() const;

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// `sidecarset-injector/0.1.0 (linux/amd64)`: name, version, OS and architecture, as client-go
/// builds its default User-Agent.
std::string default_user_agent();

}  // namespace injector::kube
