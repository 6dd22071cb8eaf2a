#pragma once
// The bytes of request bodies buffered across all connections, against one cap: a body is
// admitted only when its whole size fits (Beast's string body reserves the Content-Length at
// once), so many concurrent large reviews cannot take memory without bound.

#include <atomic>
#include <cstddef>

namespace injector {

class BodyBudget {
 public:
  /// `cap` 0: no cap (every take succeeds, the use is still counted).
  explicit BodyBudget(std::size_t cap) : cap_(cap) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  /// Takes `bytes` when the use stays at or under the cap; false (nothing taken) otherwise.
  bool try_take(std::size_t bytes) {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (cap_ != 0 && (bytes > cap_ || used > cap_ - bytes)) {
        return false;
      }
    } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
    return true;
  }
  /// Returns what a try_take() took.
  void give_back(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t cap() const { return cap_; }

 private:
  const std::size_t cap_;
  std::atomic<std::size_t> used_{0};
};

/// What one request holds of a BodyBudget; given back by release() or the destructor.
class BodyReservation {
 public:
  BodyReservation() = default;
  ~BodyReservation() { release(); }
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;

  /// Releases what is held, then takes `bytes` of `budget`; false when they do not fit.
  bool take(BodyBudget& budget, std::size_t bytes) {
    release();
    if (!budget.try_take(bytes)) {
      return false;
    }
    budget_ = &budget;
    bytes_ = bytes;
    return true;
  }
  void release() {
    if (budget_ != nullptr) {
      budget_->give_back(bytes_);
      budget_ = nullptr;
      bytes_ = 0;
    }
  }
  std::size_t bytes() const { return bytes_; }

 private:
  BodyBudget* budget_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace injector
