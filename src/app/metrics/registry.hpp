#pragma once
// Metric primitives for the app edges, and their Prometheus text exposition (format 0.0.4).
// Recording is one relaxed atomic add: no lock, no allocation (a label value seen for the first
// time allocates once). Rendering happens on scrapes, off the request path.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace injector::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing count.
class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// A value that goes up and down (integral: connections, requests in flight).
class Gauge {
 public:
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

/// A gauge holding a double (seconds, timestamps).
class RealGauge {
 public:
  void set(double v);
  double value() const;

 private:
  std::atomic<std::uint64_t> bits_{0};
};

/// Durations in fixed buckets. Observations are counted in nanoseconds so that the sum is exact;
/// a scrape derives `_count` from the buckets, so `_count` always equals the `+Inf` bucket.
class Histogram {
 public:
  /// Upper bounds in seconds, ascending.
  explicit Histogram(std::vector<double> bounds);
  void observe_ns(std::uint64_t nanoseconds);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    std::uint64_t sum_ns = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> bounds_ns_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds + 1 (the last is +Inf)
  std::atomic<std::uint64_t> sum_ns_{0};
};

/// Counters keyed by one label value that is not known in advance (a SidecarSet name). Lookup
/// and first insert are lock-free (open addressing, keys published with a CAS and never
/// removed); `capacity` distinct values at most, the rest count under `overflow`.
class CounterMap {
 public:
  explicit CounterMap(std::size_t capacity = 1024, std::string overflow = "_other");
  ~CounterMap();
  CounterMap(const CounterMap&) = delete;
  CounterMap& operator=(const CounterMap&) = delete;

  void inc(std::string_view key, std::uint64_t n = 1);
  /// Every key with its count, sorted by key.
  std::vector<std::pair<std::string, std::uint64_t>> values() const;

 private:
  struct Slot {
    std::atomic<const std::string*> key{nullptr};
    Counter count;
  };
  std::size_t capacity_;
  std::unique_ptr<Slot[]> slots_;
  std::string overflow_name_;
  Counter overflow_;
};

/// Writes one scrape in the text format. A family is announced once (HELP, TYPE) and its
/// samples follow it.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, const Labels& labels, std::uint64_t value);
  void sample(std::string_view name, const Labels& labels, std::int64_t value);
  /// `_bucket` (cumulative, with `le`), `_sum` (seconds) and `_count` of one histogram.
  void histogram(std::string_view name, const Labels& labels, const Histogram& h);
  std::string take() { return std::move(text_); }

 private:
  void series(std::string_view name, const Labels& labels);
  std::string text_;
};

/// A number as the text format writes it: shortest round-trip form, `+Inf`, `-Inf`, `NaN`.
std::string format_number(double value);

/// Scrape-time collectors (values that are read rather than counted: certificate expiry,
/// informer state). A collector runs for as long as its handle lives.
class Collectors {
 public:
  using Collect = std::function<void(Exposition&)>;
  class Handle {
   public:
    Handle() = default;
    Handle(Collectors* owner, std::list<Collect>::iterator it) : owner_(owner), it_(it) {}
    Handle(Handle&& other) noexcept { *this = std::move(other); }
    Handle& operator=(Handle&& other) noexcept;
    ~Handle() { reset(); }
    void reset();

   private:
    Collectors* owner_ = nullptr;
    std::list<Collect>::iterator it_;
  };

  [[nodiscard]] Handle add(Collect collect);
  void collect(Exposition& out) const;

 private:
  mutable std::mutex mu_;
  std::list<Collect> collectors_;
};

}  // namespace injector::metrics
