// The cap on request-body bytes buffered across connections: what fits, what does not, what is
// given back, and that concurrent takers never overshoot it; then over loopback TLS, what a
// client whose body does not fit gets (429, Retry-After) and that the connection stays usable.

#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "server/body_budget.hpp"
#include "server_fixture.hpp"
#include "tls_fixture.hpp"

namespace injector {
namespace {

TEST_CASE("a body is admitted only when its whole size fits under the cap") {
  struct Case {
    std::string name;
    std::size_t cap;
    std::vector<std::size_t> held;  // taken before, all fitting
    std::size_t bytes;
    bool fits;
  };
  const std::vector<Case> cases = {
      {"empty budget, under the cap", 100, {}, 40, true},
      {"up to the cap exactly", 100, {60}, 40, true},
      {"one byte over", 100, {60}, 41, false},
      {"larger than the cap itself", 100, {}, 101, false},
      {"nothing left, a zero-byte body still fits", 100, {100}, 0, true},
      {"no cap: anything fits", 0, {1u << 30}, std::size_t{1} << 40, true},
      {"no overflow at the top of size_t", 100, {90}, static_cast<std::size_t>(-1) - 20, false},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      BodyBudget budget(c.cap);
      std::size_t held = 0;
      for (const std::size_t bytes : c.held) {
        REQUIRE(budget.try_take(bytes));
        held += bytes;
      }
      CHECK(budget.try_take(c.bytes) == c.fits);
      CHECK(budget.used() == held + (c.fits ? c.bytes : 0));
    }
  }
}

TEST_CASE("a reservation gives its bytes back when released, retaken or destroyed") {
  BodyBudget budget(100);
  {
    BodyReservation first;
    REQUIRE(first.take(budget, 70));
    CHECK(budget.used() == 70);
    BodyReservation second;
    CHECK_FALSE(second.take(budget, 40));
    CHECK(second.bytes() == 0);
    CHECK(budget.used() == 70);
    // Retaking releases first: the next request of a keep-alive connection.
    REQUIRE(first.take(budget, 90));
    CHECK(budget.used() == 90);
    first.release();
    first.release();  // twice is once
    CHECK(budget.used() == 0);
    REQUIRE(second.take(budget, 40));
  }
  CHECK(budget.used() == 0);
}

TEST_CASE("concurrent takers never hold more than the cap") {
  constexpr std::size_t kCap = 1000;
  BodyBudget budget(kCap);
  std::vector<std::thread> threads;
  std::vector<std::size_t> peaks(4, 0);
  for (std::size_t t = 0; t < peaks.size(); ++t) {
    threads.emplace_back([&budget, &peak = peaks[t]] {
      for (int i = 0; i < 20000; ++i) {
        BodyReservation r;
        if (r.take(budget, 300)) {
          peak = std::max(peak, budget.used());
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (const std::size_t peak : peaks) {
    CHECK(peak <= kCap);
  }
  CHECK(budget.used() == 0);
}

using namespace testing;  // the server fixture's helpers

constexpr std::size_t kLimit = 64 * 1024;  // body limit and buffer cap of these servers
constexpr const char* kBusyBody =
    "too many request bodies buffered (max 65536 bytes); retry later\n";

ServerOptions capped() {
  ServerOptions options;
  options.body_limit = kLimit;
  options.max_buffered_bytes = kLimit;
  return options;
}

// The review fixture padded with trailing whitespace to `size` bytes (still one JSON value).
std::string review_of_size(std::size_t size) {
  std::string body = fixture("create-v1.json");
  body.resize(size, ' ');
  return body;
}

std::string headers_only(std::size_t length, const std::string& extra = "") {
  return "POST /mutate-pod HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(length) + "\r\n" + extra + "\r\n";
}

// A client holding 40,000 bytes of the cap: its headers were read (the 100 Continue says so),
// its body is not sent yet.
class Holder {
 public:
  explicit Holder(unsigned short port) : raw_(tls_files(), port) {
    REQUIRE(raw_.handshake_ok());
    REQUIRE(raw_.write(headers_only(kHeld, "Expect: 100-continue\r\n")));
    const auto go_on = raw_.read_response();
    REQUIRE(go_on);
    REQUIRE(status_line(*go_on) == "HTTP/1.1 100 Continue");
  }
  /// Sends the body; the status line of the answer.
  std::string finish() {
    REQUIRE(raw_.write(review_of_size(kHeld)));
    const auto response = raw_.read_response();
    REQUIRE(response);
    CHECK(parse(body_of(*response))["response"]["uid"] == "0df28fbd-5f5f-4a4b-9a5a-3c9a2f3e8b71");
    return status_line(*response);
  }
  static constexpr std::size_t kHeld = 40000;

 private:
  RawTlsClient raw_;
};

TEST_CASE("past the buffer cap a review gets 429 with Retry-After, its body discarded") {
  TestServer server(capped());
  Holder holder(server.port());
  CHECK(server.server().buffered_bytes() == Holder::kHeld);

  RawTlsClient raw(tls_files(), server.port());
  REQUIRE(raw.handshake_ok());
  REQUIRE(raw.write(post_request(review_of_size(30000))));
  const auto busy = raw.read_response();
  REQUIRE(busy);
  CHECK(status_line(*busy) == "HTTP/1.1 429 Too Many Requests");
  CHECK(header(*busy, "Retry-After") == "1");
  CHECK(header(*busy, "Content-Type") == "text/plain; charset=utf-8");
  CHECK(header(*busy, "Connection").empty());  // keep-alive: the body was read and dropped
  CHECK(body_of(*busy) == kBusyBody);
  CHECK(server.server().buffered_bytes() == Holder::kHeld);

  // The same connection goes on: a request without a body needs none of the cap.
  REQUIRE(raw.write(kHealthz));
  const auto health = raw.read_response();
  REQUIRE(health);
  CHECK(status_line(*health) == "HTTP/1.1 200 OK");

  // Once the holder is answered its share is back, and the retry fits.
  CHECK(holder.finish() == "HTTP/1.1 200 OK");
  CHECK(server.server().buffered_bytes() == 0);
  REQUIRE(raw.write(post_request(review_of_size(30000))));
  const auto retried = raw.read_response();
  REQUIRE(retried);
  CHECK(status_line(*retried) == "HTTP/1.1 200 OK");
  CHECK(parse(body_of(*retried))["response"]["allowed"] == true);
  CHECK(server.server().buffered_bytes() == 0);
}

TEST_CASE("past the buffer cap, a client that waits for 100-continue or sends chunks is closed") {
  TestServer server(capped());
  Holder holder(server.port());
  struct Case {
    std::string name, request;
  };
  const std::vector<Case> cases = {
      {"100-continue, no body sent", headers_only(30000, "Expect: 100-continue\r\n")},
      // A chunked body may grow to the body limit: that much must fit.
      {"chunked",
       "POST /mutate-pod HTTP/1.1\r\nHost: localhost\r\n"
       "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
       "2\r\n{}\r\n0\r\n\r\n"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      RawTlsClient raw(tls_files(), server.port());
      REQUIRE(raw.handshake_ok());
      REQUIRE(raw.write(c.request));
      const auto busy = raw.read_response();
      REQUIRE(busy);
      CHECK(status_line(*busy) == "HTTP/1.1 429 Too Many Requests");
      CHECK(header(*busy, "Retry-After") == "1");
      CHECK(header(*busy, "Connection") == "close");
      CHECK(body_of(*busy) == kBusyBody);
      CHECK(raw.closed_without_data());
      CHECK(server.server().buffered_bytes() == Holder::kHeld);
    }
  }
  CHECK(holder.finish() == "HTTP/1.1 200 OK");
}

TEST_CASE("without a cap every body under the limit is read") {
  ServerOptions options = capped();
  options.max_buffered_bytes = 0;
  TestServer server(options);
  Holder holder(server.port());
  auto client = server.client();
  auto res = client->Post("/mutate-pod", review_of_size(kLimit), "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(holder.finish() == "HTTP/1.1 200 OK");
  CHECK(server.server().buffered_bytes() == 0);
}

}  // namespace
}  // namespace injector
