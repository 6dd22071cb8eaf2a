#include "server/routes.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>

#include <boost/beast/http/verb.hpp>

#include "injector/review.hpp"
#include "metrics/metrics.hpp"
#include "server/log.hpp"

namespace injector {
namespace {

namespace http = boost::beast::http;

std::string_view to_view(boost::beast::string_view s) { return {s.data(), s.size()}; }

constexpr std::size_t kPodPath = 0;  // metrics::kReviewPaths[0], /mutate-pod

// Per-review randomness for injectionStrategy Partial: each review draws independently.
std::uint64_t review_seed() {
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }()};
  return engine();
}

HttpReply text(http::status status, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

HttpReply method_not_allowed(std::string allow) {
  HttpReply reply = text(http::status::method_not_allowed, "method not allowed\n");
  reply.allow = std::move(allow);
  return reply;
}

// Whether the query of `target` (`/readyz?verbose&x=1`) has parameter `key`, with or without a
// value.
bool has_query_key(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) {
    return false;
  }
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    if (param.substr(0, param.find('=')) == key) {
      return true;
    }
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  return false;
}

HttpReply readyz(Server::Impl& server, bool verbose) {
  const auto world = server.worlds.get();
  if (server.draining.load()) {
    return text(http::status::service_unavailable, "not ready: shutting down\n");
  }
  if (!server.tls_loaded.load()) {
    return text(http::status::service_unavailable, "not ready: TLS material not loaded\n");
  }
  if (std::chrono::system_clock::now() >= server.tls.current()->not_after) {
    return text(http::status::service_unavailable,
                "not ready: TLS certificate \"" + server.options.cert_file + "\" expired\n");
  }
  if (server.options.readiness) {
    Readiness r = server.options.readiness(verbose);
    return text(r.ready ? http::status::ok : http::status::service_unavailable, std::move(r.text));
  }
  if (!world) {
    return text(http::status::service_unavailable, "not ready: no SidecarSets loaded\n");
  }
  return text(http::status::ok, "ready generation=" + std::to_string(world->generation) + "\n");
}

HttpReply pod_review(Server::Impl& server, const HttpRequest& request, std::string_view body,
                     bool too_large) {
  const auto world = server.worlds.get();
  if (!world) {
    // No World yet: injecting nothing would silently admit pods unmutated. A 503 is a call
    // failure, so the webhook's failurePolicy decides (readiness keeps traffic away anyway).
    return text(http::status::service_unavailable, "no SidecarSets loaded\n");
  }
  const auto content_type = to_view(request[http::field::content_type]);
  const auto started = std::chrono::steady_clock::now();
  metrics::Metrics& m = metrics::global();
  ReviewOutcome outcome;
  {
    const metrics::InFlight in_flight(m, kPodPath);
    outcome = review(*world, HttpReviewRequest{content_type, body, too_large},
                     InjectOptions{std::chrono::system_clock::now(), review_seed()});
  }
  const auto took = std::chrono::steady_clock::now() - started;
  metrics::record_review(m, kPodPath, outcome.log, took);
  log_review(outcome.log, std::chrono::duration_cast<std::chrono::microseconds>(took));
  HttpReply reply;
  reply.status = static_cast<http::status>(outcome.http_status);
  reply.content_type = std::move(outcome.content_type);
  reply.body = std::move(outcome.body);
  return reply;
}

// OpenKruise serves both versions on /mutate-apps-kruise-io-sidecarset and picks by the
// request's resource version; the versioned paths do the same (a webhook registered for one
// version may still receive the other).
std::optional<SidecarSetWebhook> sidecarset_webhook(std::string_view path) {
  if (path == "/mutate-apps-kruise-io-v1alpha1-sidecarset" ||
      path == "/mutate-apps-kruise-io-v1beta1-sidecarset" ||
      path == "/mutate-apps-kruise-io-sidecarset") {
    return SidecarSetWebhook::kMutate;
  }
  if (path == "/validate-apps-kruise-io-sidecarset") {
    return SidecarSetWebhook::kValidate;
  }
  return std::nullopt;
}

HttpReply sidecarset_review(Server::Impl& server, SidecarSetWebhook webhook, std::size_t path,
                            const HttpRequest& request, std::string_view body, bool too_large) {
  const auto world = server.worlds.get();
  if (!world && webhook == SidecarSetWebhook::kValidate) {
    // Without a World the conflicts with other SidecarSets (rule 14) cannot be checked; as for
    // pods, a 503 leaves the decision to failurePolicy. Defaulting needs no World.
    return text(http::status::service_unavailable, "no SidecarSets loaded\n");
  }
  const auto content_type = to_view(request[http::field::content_type]);
  const auto started = std::chrono::steady_clock::now();
  metrics::Metrics& m = metrics::global();
  ReviewOutcome outcome;
  {
    const metrics::InFlight in_flight(m, path);
    outcome =
        review_sidecarset(webhook, world.get(), HttpReviewRequest{content_type, body, too_large});
  }
  const auto took = std::chrono::steady_clock::now() - started;
  metrics::record_review(m, path, outcome.log, took);
  log_review(outcome.log, std::chrono::duration_cast<std::chrono::microseconds>(took));
  HttpReply reply;
  reply.status = static_cast<http::status>(outcome.http_status);
  reply.content_type = std::move(outcome.content_type);
  reply.body = std::move(outcome.body);
  return reply;
}

HttpReply any_review(Server::Impl& server, const HttpRequest& request, std::string_view body,
                     bool too_large) {
  const auto target = to_view(request.target());
  const auto path = target.substr(0, target.find('?'));
  if (auto webhook = sidecarset_webhook(path)) {
    return sidecarset_review(server, *webhook, metrics::review_path_index(path).value_or(0),
                             request, body, too_large);
  }
  return pod_review(server, request, body, too_large);
}

}  // namespace

HttpReply route(Server::Impl& server, const HttpRequest& request) {
  const auto target = to_view(request.target());
  const auto path = target.substr(0, target.find('?'));  // the API server adds ?timeout=10s
  if (path == "/mutate-pod" || sidecarset_webhook(path)) {
    if (request.method() != http::verb::post) {
      return method_not_allowed("POST");
    }
    return any_review(server, request, request.body(), false);
  }
  if (path == "/healthz" || path == "/readyz") {
    if (request.method() != http::verb::get) {
      return method_not_allowed("GET");
    }
    if (path == "/healthz") {
      return text(http::status::ok, "ok\n");
    }
    return readyz(server, has_query_key(target, "verbose"));
  }
  return text(http::status::not_found, "not found\n");
}

HttpReply oversize_reply(Server::Impl& server, const HttpRequest& request,
                         std::string_view prefix) {
  return any_review(server, request, prefix, true);
}

}  // namespace injector
