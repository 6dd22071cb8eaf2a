// client-go's reflector backoff, Retry-After parsing and the randomised watch timeout.

#include "kube/backoff.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace std::chrono_literals;
using injector::kube::Backoff;
using injector::kube::BackoffPolicy;

TEST_CASE("backoff doubles from 800 ms to a 30 s cap, stretched by the jitter draw") {
  const auto t0 = Backoff::Clock::time_point{} + 1h;
  struct Case {
    const char* what;
    double draw;
    std::vector<long> waits_ms;
  };
  const std::vector<Case> cases = {
      {"no jitter drawn", 0.0, {800, 1600, 3200, 6400, 12800, 25600, 30000, 30000}},
      {"half jitter", 0.5, {1200, 2400, 4800, 9600, 19200, 38400, 45000, 45000}},
      {"three quarters", 0.75, {1400, 2800, 5600, 11200, 22400, 44800, 52500, 52500}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      Backoff b(BackoffPolicy{}, t0);
      std::vector<long> got;
      auto now = t0;
      for (std::size_t i = 0; i < c.waits_ms.size(); ++i) {
        now += 1s;  // failures in quick succession: no reset
        got.push_back(static_cast<long>(b.next(now, c.draw).count()));
      }
      CHECK(got == c.waits_ms);
    }
  }
}

TEST_CASE("backoff starts over after two quiet minutes") {
  const auto t0 = Backoff::Clock::time_point{} + 1h;
  Backoff b(BackoffPolicy{}, t0);
  CHECK(b.next(t0 + 1s, 0).count() == 800);
  CHECK(b.next(t0 + 2s, 0).count() == 1600);
  CHECK(b.next(t0 + 3s, 0).count() == 3200);
  // Exactly two minutes is not "more than" two minutes (client-go compares with >).
  CHECK(b.next(t0 + 123s, 0).count() == 6400);
  CHECK(b.next(t0 + 243s + 1ms, 0).count() == 800);
  CHECK(b.base().count() == 1600);
}

TEST_CASE("backoff policy is configurable (tests use short waits)") {
  const auto t0 = Backoff::Clock::time_point{};
  Backoff b(BackoffPolicy{10ms, 40ms, 1min, 2.0, 0.0}, t0);
  std::vector<long> got;
  for (int i = 0; i < 5; ++i) {
    got.push_back(static_cast<long>(b.next(t0, 0.7).count()));
  }
  CHECK(got == std::vector<long>{10, 20, 40, 40, 40});
}

TEST_CASE("Retry-After: seconds, clamped; anything else is absent") {
  struct Case {
    const char* value;
    std::optional<long> seconds;
  };
  const std::vector<Case> cases = {
      {"1", 1},    {"0", 0},     {" 7 ", 7},
      {"120", 60}, {"", {}},     {"-1", {}},
      {"1.5", {}}, {"soon", {}}, {"Wed, 21 Oct 2015 07:28:00 GMT", {}},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION("'" << c.value << "'") {
      auto got = injector::kube::parse_retry_after(c.value, 60s);
      REQUIRE(got.has_value() == c.seconds.has_value());
      if (got) {
        CHECK(got->count() == *c.seconds);
      }
    }
  }
}

TEST_CASE("watch timeouts are spread over [min, 2 min)") {
  CHECK(injector::kube::watch_timeout(300s, 0.0).count() == 300);
  CHECK(injector::kube::watch_timeout(300s, 0.5).count() == 450);
  CHECK(injector::kube::watch_timeout(300s, 0.999).count() == 599);
  CHECK(injector::kube::watch_timeout(300s, 7.0).count() == 600);  // draws are clamped
}
