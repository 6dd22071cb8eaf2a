#include "metrics/registry.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <functional>

namespace injector::metrics {

void RealGauge::set(double v) {
  bits_.store(std::bit_cast<std::uint64_t>(v), std::memory_order_relaxed);
}

double RealGauge::value() const {
  return std::bit_cast<double>(bits_.load(std::memory_order_relaxed));
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  for (const double b : bounds_) {
    bounds_ns_.push_back(static_cast<std::uint64_t>(std::llround(b * 1e9)));
  }
}

void Histogram::observe_ns(std::uint64_t nanoseconds) {
  // `le` is inclusive: an observation equal to a bound counts in that bucket.
  const auto it = std::lower_bound(bounds_ns_.begin(), bounds_ns_.end(), nanoseconds);
  const auto index = static_cast<std::size_t>(it - bounds_ns_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(nanoseconds, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(total);
  }
  s.sum_ns = sum_ns_.load(std::memory_order_relaxed);
  return s;
}

CounterMap::CounterMap(std::size_t capacity, std::string overflow)
    : capacity_(capacity),
      slots_(std::make_unique<Slot[]>(capacity)),
      overflow_name_(std::move(overflow)) {}

CounterMap::~CounterMap() {
  for (std::size_t i = 0; i < capacity_; ++i) {
    delete slots_[i].key.load(std::memory_order_relaxed);
  }
}

void CounterMap::inc(std::string_view key, std::uint64_t n) {
  const std::size_t start = std::hash<std::string_view>{}(key) % capacity_;
  std::string* mine = nullptr;
  for (std::size_t probe = 0; probe < capacity_; ++probe) {
    Slot& slot = slots_[(start + probe) % capacity_];
    const std::string* present = slot.key.load(std::memory_order_acquire);
    if (present == nullptr) {
      if (mine == nullptr) {
        mine = new std::string(key);
      }
      if (slot.key.compare_exchange_strong(present, mine, std::memory_order_acq_rel)) {
        slot.count.inc(n);
        return;
      }
      // Another thread took the slot: `present` now holds its key.
    }
    if (*present == key) {
      delete mine;
      slot.count.inc(n);
      return;
    }
  }
  delete mine;
  overflow_.inc(n);
}

std::vector<std::pair<std::string, std::uint64_t>> CounterMap::values() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (std::size_t i = 0; i < capacity_; ++i) {
    if (const std::string* key = slots_[i].key.load(std::memory_order_acquire)) {
      out.emplace_back(*key, slots_[i].count.value());
    }
  }
  if (overflow_.value() > 0) {
    out.emplace_back(overflow_name_, overflow_.value());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string format_number(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

namespace {

// Label values escape `\`, `"` and newline; HELP text escapes `\` and newline.
void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  append_escaped(text_, help, false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void Exposition::series(std::string_view name, const Labels& labels) {
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) {
        text_ += ',';
      }
      text_ += labels[i].first;
      text_ += "=\"";
      append_escaped(text_, labels[i].second, true);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
}

void Exposition::sample(std::string_view name, const Labels& labels, double value) {
  series(name, labels);
  text_ += format_number(value);
  text_ += '\n';
}

void Exposition::sample(std::string_view name, const Labels& labels, std::uint64_t value) {
  series(name, labels);
  text_ += std::to_string(value);
  text_ += '\n';
}

void Exposition::sample(std::string_view name, const Labels& labels, std::int64_t value) {
  series(name, labels);
  text_ += std::to_string(value);
  text_ += '\n';
}

void Exposition::histogram(std::string_view name, const Labels& labels, const Histogram& h) {
  const Histogram::Snapshot s = h.snapshot();
  const std::string base(name);
  for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
    Labels with_le = labels;
    with_le.emplace_back("le", i < h.bounds().size() ? format_number(h.bounds()[i]) : "+Inf");
    sample(base + "_bucket", with_le, s.cumulative[i]);
  }
  sample(base + "_sum", labels, static_cast<double>(s.sum_ns) / 1e9);
  sample(base + "_count", labels, s.cumulative.back());
}

Collectors::Handle& Collectors::Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = std::exchange(other.owner_, nullptr);
    it_ = other.it_;
  }
  return *this;
}

void Collectors::Handle::reset() {
  if (owner_ != nullptr) {
    const std::lock_guard lock(owner_->mu_);
    owner_->collectors_.erase(it_);
    owner_ = nullptr;
  }
}

Collectors::Handle Collectors::add(Collect collect) {
  const std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
  return Handle(this, std::prev(collectors_.end()));
}

void Collectors::collect(Exposition& out) const {
  const std::lock_guard lock(mu_);
  for (const auto& c : collectors_) {
    c(out);
  }
}

}  // namespace injector::metrics
