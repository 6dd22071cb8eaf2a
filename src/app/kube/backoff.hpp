#pragma once
// Retry timing of the API client and the informers, as client-go's reflectors do it. Pure: the
// clock reading and the random draw come in as arguments, so tests can replay any sequence.

#include <chrono>
#include <optional>
#include <string_view>

namespace injector::kube {

/// client-go's reflector backoff (tools/cache/reflector.go): NewExponentialBackoffManager(800ms,
/// 30s, 2min, 2.0, 1.0). Waits of 0.8, 1.6, 3.2 ... 30 s, each stretched by a random factor in
/// [1, 1 + jitter); after `reset_after` without a failure the next wait starts over.
struct BackoffPolicy {
  std::chrono::milliseconds initial{800};
  std::chrono::milliseconds cap{30'000};
  std::chrono::milliseconds reset_after{120'000};
  double factor = 2.0;
  double jitter = 1.0;
};

/// wait.Backoff.Step() behind the exponential backoff manager's reset rule.
class Backoff {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Backoff(BackoffPolicy policy = {}, Clock::time_point created = Clock::now());

  /// The wait before the next attempt after a failure at `now`. `random01` is a draw in [0, 1):
  /// the wait is base * (1 + jitter * random01), where base doubles (up to the cap) each call.
  std::chrono::milliseconds next(Clock::time_point now, double random01);

  /// The next unjittered base wait (for logs and tests).
  std::chrono::milliseconds base() const { return current_; }

 private:
  BackoffPolicy policy_;
  std::chrono::milliseconds current_;
  Clock::time_point last_;
};

/// The `Retry-After` header of a 429 (or 503) answer as client-go reads it: a non-negative
/// number of seconds (HTTP dates are not used by the API server). nullopt when absent or not
/// a number. Values above `limit` are clamped to it, so a bogus header cannot stall a watch.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::seconds limit);

/// client-go's randomised server-side watch timeout (reflector.go minWatchTimeout 5 min):
/// timeoutSeconds = min * (1 + random01), so watches of many clients do not end together.
std::chrono::seconds watch_timeout(std::chrono::seconds min, double random01);

}  // namespace injector::kube
