#include "kube/backoff.hpp"

#include <algorithm>
#include <charconv>

namespace injector::kube {

Backoff::Backoff(BackoffPolicy policy, Clock::time_point created)
    : policy_(policy), current_(policy.initial), last_(created) {}

std::chrono::milliseconds Backoff::next(Clock::time_point now, double random01) {
  if (now - last_ > policy_.reset_after) {
    current_ = policy_.initial;
  }
  last_ = now;
  const auto base = current_;
  const auto grown = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(
      static_cast<double>(current_.count()) * policy_.factor));
  current_ = std::min(grown, policy_.cap);
  const double r = std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(
      static_cast<double>(base.count()) * (1.0 + policy_.jitter * r)));
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::seconds limit) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || seconds < 0) {
    return std::nullopt;
  }
  return std::min(std::chrono::seconds(seconds), limit);
}

std::chrono::seconds watch_timeout(std::chrono::seconds min, double random01) {
  const double r = std::clamp(random01, 0.0, 1.0);
  return std::chrono::seconds(
      static_cast<std::chrono::seconds::rep>(static_cast<double>(min.count()) * (1.0 + r)));
}

}  // namespace injector::kube
