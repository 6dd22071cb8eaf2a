#pragma once
// A shared_ptr that one thread replaces while others take copies of it: readers keep the snapshot
// they took for as long as they hold it.
//
// A mutex, not std::atomic<std::shared_ptr>: libstdc++ 12 implements that with a lock bit whose
// load-side unlock is relaxed, which ThreadSanitizer reports as a race on every swap, hiding real
// ones. An uncontended lock costs tens of nanoseconds per review.

#include <memory>
#include <mutex>
#include <utility>

namespace injector {

template <typename T>
class SharedSnapshot {
 public:
  explicit SharedSnapshot(std::shared_ptr<const T> initial = {}) : value_(std::move(initial)) {}

  std::shared_ptr<const T> load() const {
    std::lock_guard lock(mu_);
    return value_;
  }
  void store(std::shared_ptr<const T> next) {
    std::lock_guard lock(mu_);
    value_.swap(next);  // the old one is released after the lock, by `next`
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const T> value_;  // guarded by mu_
};

}  // namespace injector
