// The API client and the informers against a fake API server on loopback TLS: authentication
// and verification, retries (429/500 with Retry-After, token rotation), paginated lists,
// watches resumed after dropped streams, relists on 410 only, bookmarks, bad lines, backoff.
// No sleeps as assertions: every wait is a bounded wait on a condition.

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "fake_apiserver.hpp"
#include "kube/client.hpp"
#include "kube/informer.hpp"
#include "kube/rest.hpp"

namespace injector {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::eventually;
using testing::FakeApiServer;

const testing::TlsFiles& tls() { return testing::process_tls_files("informer_test"); }

fs::path scratch(const std::string& name) {
  const fs::path p =
      fs::path(INJECTOR_BINARY_DIR) / "test-kube" / (std::to_string(::getpid()) + "-" + name);
  fs::create_directories(p.parent_path());
  return p;
}

void write_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
  }
  fs::rename(tmp, path);  // as a Secret volume swaps its files
}

kube::Client::Options client_options(const FakeApiServer& api) {
  kube::Client::Options o;
  o.config.server = api.url();
  o.config.ca_file = tls().ca_cert;
  o.config.token = "s3cret";
  o.config.source = "test";
  return o;
}

std::unique_ptr<kube::Client> make_client(kube::Client::Options o) {
  auto client = kube::Client::create(std::move(o));
  REQUIRE(client.has_value());
  return std::move(*client);
}

json ns(const std::string& name, json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", name}, {"labels", std::move(labels)}}}};
}

const std::string kNamespaces = "/api/v1/namespaces";

// Records what an informer's handlers and notices saw (they run on the client's thread).
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> events;
  std::vector<kube::InformerNotice> notices;
  int synced = 0;

  kube::InformerHandlers handlers() {
    kube::InformerHandlers h;
    auto name = [](const kube::ObjectPtr& o) {
      return (*o)["metadata"]["name"].get<std::string>();
    };
    h.on_add = [this, name](const kube::ObjectPtr& o) { add("add " + name(o)); };
    h.on_update = [this, name](const kube::ObjectPtr&, const kube::ObjectPtr& o) {
      add("update " + name(o));
    };
    h.on_delete = [this, name](const kube::ObjectPtr& o) { add("delete " + name(o)); };
    h.on_synced = [this] {
      const std::lock_guard lock(mutex);
      ++synced;
    };
    h.on_notice = [this](const kube::InformerNotice& n) {
      const std::lock_guard lock(mutex);
      notices.push_back(n);
    };
    return h;
  }
  void add(std::string e) {
    const std::lock_guard lock(mutex);
    events.push_back(std::move(e));
  }
  std::vector<std::string> seen() {
    const std::lock_guard lock(mutex);
    return events;
  }
  std::vector<long> backoffs() {
    const std::lock_guard lock(mutex);
    std::vector<long> out;
    for (const auto& n : notices) {
      if (n.kind == kube::InformerNotice::Kind::kBackoff) {
        out.push_back(static_cast<long>(n.delay.count()));
      }
    }
    return out;
  }
  int count(kube::InformerNotice::Kind kind) {
    const std::lock_guard lock(mutex);
    return static_cast<int>(std::count_if(notices.begin(), notices.end(),
                                          [&](const auto& n) { return n.kind == kind; }));
  }
  int synced_count() {
    const std::lock_guard lock(mutex);
    return synced;
  }
};

kube::InformerOptions namespace_informer() {
  kube::InformerOptions o;
  o.resource = kube::namespaces();
  o.page_size = 2;
  o.min_watch_timeout = 30s;
  o.backoff = kube::BackoffPolicy{10ms, 1s, 2min, 2.0, 0.0};  // no jitter: exact waits
  return o;
}

std::set<std::string> names_in(const kube::Store& store) {
  std::set<std::string> out;
  for (const auto& o : store.list()) {
    out.insert((*o)["metadata"]["name"].get<std::string>());
  }
  return out;
}

std::set<std::string> rvs_in(const kube::Store& store) {
  std::set<std::string> out;
  for (const auto& o : store.list()) {
    out.insert((*o)["metadata"]["name"].get<std::string>() + "@" +
               (*o)["metadata"]["resourceVersion"].get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("client: bearer token, User-Agent and JSON over verified TLS") {
  FakeApiServer api(tls());
  api.set_tokens({"s3cret"});
  api.put(kNamespaces, ns("shop"));
  auto client = make_client(client_options(api));
  kube::Rest rest(*client);
  auto got = rest.get(kube::namespaces(), "", "shop");
  REQUIRE(got.has_value());
  CHECK((*got)["metadata"]["name"] == "shop");
  const auto requests = api.requests();
  REQUIRE_FALSE(requests.empty());
  CHECK(requests.back().authorization == "Bearer s3cret");
  CHECK(requests.back().user_agent == kube::default_user_agent());
  CHECK(kube::default_user_agent().starts_with("sidecarset-injector/0.1.0 (linux/"));

  auto page = rest.list(kube::namespaces(), "", {});
  REQUIRE(page.has_value());
  REQUIRE(page->items.size() == 1);
  CHECK((*page->items[0])["kind"] == "Namespace");
}

TEST_CASE("client: errors name the request, the status and the server's message") {
  struct Case {
    const char* what;
    std::function<void(FakeApiServer&, kube::Client::Options&)> setup;
    std::string name;  // of the namespace to get; "" = list
    int status;
    std::string message;  // the whole message, or its start when it ends with "..."
  };
  const std::vector<Case> cases = {
      {"404 of a missing object", [](auto&, auto&) {}, "gone", 404,
       "GET /api/v1/namespaces/gone: 404 NotFound: \"gone\" not found"},
      {"401 with a wrong token", [](auto&, auto& o) { o.config.token = "wrong"; }, "", 401,
       "GET /api/v1/namespaces: 401 Unauthorized: Unauthorized"},
      {"500 without Retry-After is not retried",
       [](auto& api, auto&) { api.fail_next(kNamespaces, false, 500, 1); }, "", 500,
       "GET /api/v1/namespaces: 500 InternalError: injected fault 500"},
      {"a server certificate from another CA",
       [](auto&, auto& o) {
         o.config.ca_file = testing::make_tls_files(scratch("other-ca")).ca_cert;
       },
       "", 0, "GET /api/v1/namespaces: TLS handshake (unable to get local issuer certificate)..."},
      {"a server name the certificate does not carry",
       [](auto&, auto& o) { o.config.tls_server_name = "kubernetes.default.svc"; }, "", 0,
       "GET /api/v1/namespaces: TLS handshake (hostname mismatch)..."},
      {"nothing listening",
       [](auto& api, auto& o) {
         o.config.server = "https://127.0.0.1:" + std::to_string(api.port());
         api.shutdown();
       },
       "", 0, "GET /api/v1/namespaces: connect: Connection refused"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      FakeApiServer api(tls());
      api.set_tokens({"s3cret"});
      api.put(kNamespaces, ns("shop"));
      auto o = client_options(api);
      c.setup(api, o);
      auto client = make_client(o);
      kube::Rest rest(*client);
      std::optional<kube::ApiError> error;
      if (c.name.empty()) {
        auto got = rest.list(kube::namespaces(), "", {});
        error = got ? std::nullopt : std::optional(got.error());
      } else {
        auto got = rest.get(kube::namespaces(), "", c.name);
        error = got ? std::nullopt : std::optional(got.error());
      }
      REQUIRE(error.has_value());
      CHECK(error->status.code == c.status);
      if (c.message.ends_with("...")) {
        CHECK(error->message.starts_with(c.message.substr(0, c.message.size() - 3)));
      } else {
        CHECK(error->message == c.message);
      }
      if (c.status == 500) {
        CHECK(api.count(kNamespaces, false) == 1);
      }
    }
  }
}

TEST_CASE("client: configuration that cannot be used is refused at creation") {
  FakeApiServer api(tls());
  struct Case {
    const char* what;
    std::function<void(kube::Client::Options&)> change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"missing CA file", [](auto& o) { o.config.ca_file = "/nonexistent/ca.crt"; },
       "cannot read certificate-authority \"/nonexistent/ca.crt\": No such file or directory"},
      {"CA data without a certificate",
       [](auto& o) {
         o.config.ca_file.clear();
         o.config.ca_pem = "not a pem";
       },
       "cannot use certificate-authority (inline data): no PEM certificate in it"},
      {"key not matching the certificate",
       [](auto& o) {
         o.config.cert_file = tls().server_cert;
         o.config.key_file = tls().other_key;
       },
       "client-key \"" + tls().other_key + "\" does not match client-certificate \"" +
           tls().server_cert + "\""},
      {"insecure kubeconfig without the flag",
       [](auto& o) { o.config.insecure_skip_tls_verify = true; },
       "test: insecure-skip-tls-verify is set; refusing to talk to the API server without "
       "verifying its certificate (pass --kube-insecure-skip-tls-verify to accept that risk)"},
      {"plain http", [](auto& o) { o.config.server = "http://127.0.0.1:1"; },
       "API server URL \"http://127.0.0.1:1\": plain http is not supported (use https)"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      auto o = client_options(api);
      c.change(o);
      auto client = kube::Client::create(o);
      REQUIRE_FALSE(client.has_value());
      CHECK(client.error().message == c.message);
    }
  }
  SECTION("with the flag, an unverified server is accepted") {
    const auto other = testing::make_tls_files(scratch("insecure-ca"));
    auto o = client_options(api);
    o.config.ca_file = other.ca_cert;
    o.config.insecure_skip_tls_verify = true;
    o.insecure_skip_tls_verify = true;
    auto client = make_client(o);
    CHECK(kube::Rest(*client).list(kube::namespaces(), "", {}).has_value());
  }
}

TEST_CASE("client: 429 and 5xx with Retry-After are retried after the server's delay") {
  FakeApiServer api(tls());
  std::mutex mutex;
  std::vector<kube::RetryNotice> retries;
  auto o = client_options(api);
  o.on_retry = [&](const kube::RetryNotice& n) {
    const std::lock_guard lock(mutex);
    retries.push_back(n);
  };
  api.fail_next(kNamespaces, false, 429, 2, "1");
  api.fail_next(kNamespaces, false, 503, 1, "0");
  auto client = make_client(o);
  auto got = kube::Rest(*client).list(kube::namespaces(), "", {});
  REQUIRE(got.has_value());
  CHECK(api.count(kNamespaces, false) == 4);
  const std::lock_guard lock(mutex);
  REQUIRE(retries.size() == 3);
  CHECK(retries[0].status == 429);
  CHECK(retries[0].delay == 1000ms);
  CHECK(retries[0].attempt == 1);
  CHECK(retries[1].delay == 1000ms);
  CHECK(retries[2].status == 503);
  CHECK(retries[2].delay == 0ms);
  CHECK(retries[2].attempt == 3);
  CHECK(retries[0].target == kNamespaces);

  SECTION("at most max_retries times") {
    auto limited = client_options(api);
    limited.max_retries = 1;
    api.fail_next(kNamespaces, false, 429, 5, "0");
    auto c2 = make_client(limited);
    auto again = kube::Rest(*c2).list(kube::namespaces(), "", {});
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().status.code == 429);
  }
}

TEST_CASE("client: a rotated token file is re-read; a 401 re-reads it once") {
  FakeApiServer api(tls());
  const fs::path token = scratch("token");
  write_atomically(token, "first-token\n");
  api.set_tokens({"first-token"});
  auto o = client_options(api);
  o.config.token.clear();
  o.config.token_file = token.string();
  auto client = make_client(o);
  kube::Rest rest(*client);
  REQUIRE(rest.list(kube::namespaces(), "", {}).has_value());
  CHECK(api.requests().back().authorization == "Bearer first-token");
  REQUIRE(rest.list(kube::namespaces(), "", {}).has_value());
  CHECK(client->token_reads() == 1);  // unchanged file: not read again

  // The kubelet rotates the projected token: the server accepts the new one only.
  write_atomically(token, "second-token");
  api.set_tokens({"second-token"});
  REQUIRE(rest.list(kube::namespaces(), "", {}).has_value());
  CHECK(api.requests().back().authorization == "Bearer second-token");
  CHECK(client->token_reads() == 2);

  // A token the server no longer accepts: one re-read and retry, then the 401.
  api.set_tokens({"third-token"});
  auto refused = rest.list(kube::namespaces(), "", {});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().status.code == 401);
  CHECK(client->token_reads() == 3);
}

TEST_CASE("client: stop() ends open watches and pending retries at once") {
  FakeApiServer api(tls());
  auto client = make_client(client_options(api));
  std::atomic<int> ended{0};
  std::atomic<int> cancelled{0};
  std::vector<std::shared_ptr<kube::WatchHandle>> watches;
  for (int i = 0; i < 3; ++i) {
    kube::HttpRequest r;
    r.target = kNamespaces + "?watch=true&resourceVersion=100";
    watches.push_back(client->watch(
        r, [](std::string_view) { return true; },
        [&](const kube::WatchEnd& end) {
          ++ended;
          cancelled += end.kind == kube::WatchEnd::Kind::kCancelled ? 1 : 0;
        }));
  }
  api.fail_next("/api/v1/pods", false, 429, 1, "60");
  std::atomic<bool> request_done{false};
  std::string request_error;
  kube::HttpRequest pending;
  pending.target = "/api/v1/pods";
  client->async_request(pending, [&](kube::ApiResult<kube::HttpResponse> r) {
    request_error = r ? "" : r.error().message;
    request_done = true;
  });
  REQUIRE(
      eventually([&] { return api.open_watches() == 3 && api.count("/api/v1/pods", false) == 1; }));
  client->stop();
  CHECK(ended == 3);
  CHECK(cancelled == 3);
  CHECK(request_done);
  CHECK(request_error == "GET /api/v1/pods: client stopped");
  // After stop, calls fail at once instead of hanging.
  auto late = client->request(pending);
  REQUIRE_FALSE(late.has_value());
  CHECK(late.error().message == "GET /api/v1/pods: client stopped");
}

TEST_CASE("informer: paginated list, then a watch from the list's resourceVersion") {
  FakeApiServer api(tls());
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    api.put(kNamespaces, ns(name));
  }
  const auto listed_rv = api.resource_version();
  auto client = make_client(client_options(api));
  Recorder rec;
  kube::Informer informer(*client, namespace_informer(), rec.handlers());
  informer.start();
  REQUIRE(eventually([&] { return informer.status().synced && api.open_watches() == 1; }));
  CHECK(names_in(informer.store()) == std::set<std::string>{"a", "b", "c", "d", "e"});
  CHECK(rec.synced_count() == 1);
  CHECK(rec.seen().size() == 5);

  // Three pages of two, the later ones with the continue token of the one before.
  const auto requests = api.requests();
  std::vector<FakeApiServer::Request> lists;
  std::vector<FakeApiServer::Request> watches;
  for (const auto& r : requests) {
    (r.watch() ? watches : lists).push_back(r);
  }
  REQUIRE(lists.size() == 3);
  for (const auto& l : lists) {
    CHECK(l.query.at("limit") == "2");
    CHECK(l.query.count("resourceVersion") == 0);
  }
  CHECK(lists[0].query.count("continue") == 0);
  CHECK(lists[1].query.at("continue") == std::to_string(listed_rv) + ":2");
  CHECK(lists[2].query.at("continue") == std::to_string(listed_rv) + ":4");
  REQUIRE(watches.size() == 1);
  CHECK(watches[0].query.at("resourceVersion") == std::to_string(listed_rv));
  CHECK(watches[0].query.at("allowWatchBookmarks") == "true");
  const long timeout = std::stol(watches[0].query.at("timeoutSeconds"));
  CHECK(timeout >= 30);
  CHECK(timeout < 60);

  // Watch events reach the store and the handlers, in order.
  api.put(kNamespaces, ns("f"));
  api.put(kNamespaces, ns("a", {{"team", "x"}}));
  api.remove(kNamespaces, "b");
  REQUIRE(eventually([&] { return informer.status().events == 3; }));
  CHECK(names_in(informer.store()) == std::set<std::string>{"a", "c", "d", "e", "f"});
  CHECK((*informer.store().get("a"))["metadata"]["labels"]["team"] == "x");
  const auto seen = rec.seen();
  CHECK(std::vector<std::string>(seen.end() - 3, seen.end()) ==
        std::vector<std::string>{"add f", "update a", "delete b"});
  CHECK(informer.status().resource_version == std::to_string(api.resource_version()));

  // Bookmarks move the resourceVersion without touching the store.
  api.put("/api/v1/pods", json{{"metadata", {{"name", "elsewhere"}}}});
  api.bookmark();
  REQUIRE(eventually([&] { return informer.status().bookmarks == 1; }));
  CHECK(informer.status().resource_version == std::to_string(api.resource_version()));
  CHECK(informer.status().events == 3);
  CHECK(api.count(kNamespaces, false) == 3);  // never listed again
  informer.stop();
  client->stop();
}

TEST_CASE("informer: dropped streams resume from the last resourceVersion, nothing missed") {
  const bool abrupt = GENERATE(false, true);
  DYNAMIC_SECTION((abrupt ? "cut streams" : "cleanly ended streams")) {
    FakeApiServer api(tls());
    api.put(kNamespaces, ns("seed"));
    auto client = make_client(client_options(api));
    Recorder rec;
    kube::Informer informer(*client, namespace_informer(), rec.handlers());
    informer.start();
    REQUIRE(eventually([&] { return informer.status().synced && api.open_watches() == 1; }));
    api.drop_watches_after(2, abrupt);
    for (int i = 0; i < 12; ++i) {
      api.put(kNamespaces, ns("n" + std::to_string(i % 5), {{"round", std::to_string(i)}}));
      if (i % 4 == 3) {
        api.remove(kNamespaces, "n" + std::to_string(i % 5));
      }
    }
    const auto want_rv = std::to_string(api.resource_version());
    REQUIRE(eventually([&] { return informer.status().resource_version == want_rv; }));
    // The informer's view equals the server's.
    auto direct = kube::Rest(*client).list(kube::namespaces(), "", {});
    REQUIRE(direct.has_value());
    kube::Store truth;
    for (const auto& o : direct->items) {
      truth.put(o);
    }
    CHECK(rvs_in(informer.store()) == rvs_in(truth));
    // One list; every later watch started at the resourceVersion the one before reached.
    std::vector<FakeApiServer::Request> watches;
    for (const auto& r : api.requests()) {
      if (r.path == kNamespaces && r.watch()) {
        watches.push_back(r);
      }
    }
    CHECK(api.count(kNamespaces, false) == 2);  // the informer's list and ours above
    CHECK(watches.size() >= 8);                 // 16 events, 2 per stream
    std::set<std::string> starts;
    for (const auto& w : watches) {
      starts.insert(w.query.at("resourceVersion"));
    }
    CHECK(starts.size() == watches.size());  // never the same version twice: no event replayed
    CHECK(rec.count(kube::InformerNotice::Kind::kWatchExpired) == 0);
    informer.stop();
    client->stop();
  }
}

TEST_CASE("informer: 410 Gone relists, and only then; the relist reports what changed") {
  FakeApiServer api(tls());
  api.put(kNamespaces, ns("keep"));
  api.put(kNamespaces, ns("lost"));
  auto client = make_client(client_options(api));
  Recorder rec;
  kube::Informer informer(*client, namespace_informer(), rec.handlers());
  informer.start();
  REQUIRE(eventually([&] { return informer.status().synced && api.open_watches() == 1; }));
  // The API server is unreachable for watches while things change and its history is
  // compacted: the informer can only resume from a resourceVersion that is gone.
  api.fail_next(kNamespaces, true, 500, 1'000'000);
  api.end_watches();
  REQUIRE(eventually([&] { return api.open_watches() == 0; }));
  api.put(kNamespaces, ns("keep", {{"v", "2"}}));
  api.remove(kNamespaces, "lost");
  api.put(kNamespaces, ns("new"));
  api.compact();
  api.clear_faults();
  REQUIRE(eventually([&] { return rec.synced_count() == 2 && api.open_watches() == 1; }));
  CHECK(names_in(informer.store()) == std::set<std::string>{"keep", "new"});
  CHECK((*informer.store().get("keep"))["metadata"]["labels"]["v"] == "2");
  CHECK(rec.count(kube::InformerNotice::Kind::kWatchExpired) == 1);
  CHECK(informer.status().lists == 2);
  const auto seen = rec.seen();
  CHECK(std::count(seen.begin(), seen.end(), "delete lost") == 1);
  CHECK(std::count(seen.begin(), seen.end(), "add new") == 1);
  CHECK(std::count(seen.begin(), seen.end(), "update keep") == 1);
  informer.stop();
  client->stop();
}

TEST_CASE("informer: an expired continue token restarts the list at once") {
  FakeApiServer api(tls());
  for (const char* name : {"a", "b", "c"}) {
    api.put(kNamespaces, ns(name));
  }
  api.fail_next("continue=", false, 410, 1);
  auto client = make_client(client_options(api));
  Recorder rec;
  kube::Informer informer(*client, namespace_informer(), rec.handlers());
  informer.start();
  REQUIRE(eventually([&] { return informer.status().synced; }));
  CHECK(names_in(informer.store()) == std::set<std::string>{"a", "b", "c"});
  // page 1, page 2 (410), then page 1 and page 2 again, with no backoff in between.
  CHECK(api.count(kNamespaces, false) == 4);
  CHECK(rec.backoffs().empty());
  informer.stop();
  client->stop();
}

TEST_CASE("informer: failures back off exponentially; 429 on a watch honours Retry-After") {
  FakeApiServer api(tls());
  api.put(kNamespaces, ns("a"));
  api.fail_next(kNamespaces, false, 500, 3);
  std::mutex mutex;
  std::vector<kube::RetryNotice> retries;
  auto o = client_options(api);
  o.on_retry = [&](const kube::RetryNotice& n) {
    const std::lock_guard lock(mutex);
    retries.push_back(n);
  };
  auto client = make_client(o);
  Recorder rec;
  kube::Informer informer(*client, namespace_informer(), rec.handlers());
  api.fail_next(kNamespaces, true, 429, 1, "1");
  informer.start();
  REQUIRE(eventually([&] { return informer.status().synced && api.open_watches() == 1; }));
  CHECK(rec.backoffs() == std::vector<long>{10, 20, 40});
  CHECK(rec.count(kube::InformerNotice::Kind::kListFailed) == 3);
  CHECK(informer.status().failures == 3);
  CHECK(informer.status().last_error.empty());
  const std::lock_guard lock(mutex);
  REQUIRE(retries.size() == 1);
  CHECK(retries[0].status == 429);
  CHECK(retries[0].delay == 1000ms);
  informer.stop();
  client->stop();
}

TEST_CASE("informer: watch errors back off and resume without a relist") {
  FakeApiServer api(tls());
  api.put(kNamespaces, ns("a"));
  auto client = make_client(client_options(api));
  Recorder rec;
  kube::Informer informer(*client, namespace_informer(), rec.handlers());
  api.fail_next(kNamespaces, true, 500, 2);
  informer.start();
  REQUIRE(eventually([&] { return api.open_watches() == 1; }));
  CHECK(rec.backoffs() == std::vector<long>{10, 20});
  CHECK(rec.count(kube::InformerNotice::Kind::kWatchFailed) == 2);
  CHECK(api.count(kNamespaces, false) == 1);

  SECTION("an undecodable line: the stream is resumed from the last good event") {
    api.put(kNamespaces, ns("b"));
    REQUIRE(eventually([&] { return informer.status().events == 1; }));
    api.inject_line(kNamespaces, "{this is not json");
    REQUIRE(eventually([&] { return rec.count(kube::InformerNotice::Kind::kBadEvent) == 1; }));
    api.put(kNamespaces, ns("c"));
    REQUIRE(eventually([&] { return names_in(informer.store()).count("c") == 1; }));
    CHECK(api.count(kNamespaces, false) == 1);
    CHECK(names_in(informer.store()) == std::set<std::string>{"a", "b", "c"});
  }
  SECTION("the API server goes away and comes back: the store keeps serving meanwhile") {
    // (A server restart is modelled by ending every watch at once with no events.)
    api.drop_watches_after(1, true);
    api.put(kNamespaces, ns("b"));
    REQUIRE(eventually([&] { return informer.status().events >= 1; }));
    CHECK(names_in(informer.store()).count("a") == 1);
    api.drop_watches_after(0, false);
    api.put(kNamespaces, ns("c"));
    REQUIRE(eventually([&] { return names_in(informer.store()).count("c") == 1; }));
    CHECK(api.count(kNamespaces, false) == 1);
  }
  informer.stop();
  client->stop();
}

TEST_CASE("informer: namespace and label selector reach the server") {
  FakeApiServer api(tls());
  const std::string revisions = "/apis/apps/v1/namespaces/kruise-system/controllerrevisions";
  api.put(revisions, json{{"metadata",
                           {{"name", "owned"},
                            {"namespace", "kruise-system"},
                            {"labels", {{"kruise.io/sidecarset-name", "mesh"}}}}}});
  api.put(revisions, json{{"metadata", {{"name", "other"}, {"namespace", "kruise-system"}}}});
  auto client = make_client(client_options(api));
  Recorder rec;
  auto o = namespace_informer();
  o.resource = kube::controller_revisions();
  o.namespace_name = "kruise-system";
  o.label_selector = "kruise.io/sidecarset-name";
  kube::Informer informer(*client, o, rec.handlers());
  CHECK(informer.describe() ==
        "controllerrevisions.apps/v1 in kruise-system (kruise.io/sidecarset-name)");
  informer.start();
  REQUIRE(eventually([&] { return informer.status().synced && api.open_watches() == 1; }));
  CHECK(names_in(informer.store()) == std::set<std::string>{"owned"});
  CHECK(informer.store().get("kruise-system/owned") != nullptr);
  CHECK((*informer.store().get("kruise-system/owned"))["kind"] == "ControllerRevision");
  for (const auto& r : api.requests()) {
    CHECK(r.query.at("labelSelector") == "kruise.io/sidecarset-name");
  }
  informer.stop();
  client->stop();
}

}  // namespace injector
