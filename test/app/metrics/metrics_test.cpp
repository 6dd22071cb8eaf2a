// /metrics while the server answers reviews: every family with its labels, exact counts, a
// consistent histogram, the text parsed by Prometheus' own Python parser (prometheus_client,
// Debian's python3-prometheus-client), and the primitives' rendering.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../server/server_fixture.hpp"
#include "injector/model/load.hpp"
#include "metrics/listener.hpp"
#include "metrics/metrics.hpp"
#include "sources/reloader.hpp"
#include "sources/sources.hpp"

namespace {

using namespace injector;
using namespace injector::testing;

constexpr const char* kLogAgent = R"(apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: log-agent
spec:
  selector:
    matchLabels:
      app: web
  containers:
  - name: log-agent
    image: registry.example.com/log-agent:1.4
)";

std::shared_ptr<const World> log_agent_world() {
  auto documents = parse_documents(kLogAgent, "log-agent.yaml");
  REQUIRE(documents);
  auto built = build_world(std::move(*documents), 1);
  REQUIRE(built);
  return built->world;
}

// `name{labels} value` lines of a scrape, keyed by everything before the value.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    start = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::string scrape(unsigned short port) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  return res->body;
}

// The histogram of `path` is consistent: cumulative buckets never decrease and _count equals
// the +Inf bucket.
void check_histogram(const std::map<std::string, double>& s, const std::string& path) {
  const std::string base = "sidecarset_injector_admission_review_duration_seconds";
  double previous = 0;
  for (const double le : metrics::review_buckets()) {
    const auto key =
        base + "_bucket{path=\"" + path + "\",le=\"" + metrics::format_number(le) + "\"}";
    REQUIRE(s.contains(key));
    CHECK(s.at(key) >= previous);
    previous = s.at(key);
  }
  const double inf = s.at(base + "_bucket{path=\"" + path + "\",le=\"+Inf\"}");
  CHECK(inf >= previous);
  CHECK(s.at(base + "_count{path=\"" + path + "\"}") == inf);
}

std::string reviews_key(const std::string& path, const std::string& outcome,
                        const std::string& version) {
  return "sidecarset_injector_admission_reviews_total{path=\"" + path + "\",outcome=\"" + outcome +
         "\",version=\"" + version + "\"}";
}

}  // namespace

TEST_CASE("/metrics during reviews: every family, exact counts, parsed by prometheus_client") {
  TestServer server({}, log_agent_world());
  metrics::Listener listener("127.0.0.1:0", metrics::global());
  REQUIRE(listener.start());

  // File mode's reloads: one applied, one rejected.
  const fs::path dir = fs::path(INJECTOR_BINARY_DIR) / "scratch" / "metrics_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string file = (dir / "sidecarsets.yaml").string();
  std::ofstream(file) << kLogAgent;
  WorldHolder files_holder(nullptr);
  Reloader reloader({file}, files_holder, "", "", std::chrono::milliseconds(0), nullptr);
  REQUIRE(reloader.check_now().outcome == ReloadResult::Outcome::kReloaded);
  std::ofstream(file) << "apiVersion: apps.kruise.io/v1beta1\nkind: SidecarSet\nspec: 3\n";
  REQUIRE(reloader.check_now().outcome == ReloadResult::Outcome::kRejected);

  // Reviews on one thread while the main thread scrapes.
  std::atomic<bool> done{false};
  std::thread reviewer([&] {
    auto client = server.client();
    const std::string v1 = fixture("create-v1.json");
    for (int i = 0; i < 4; ++i) {
      REQUIRE(client->Post("/mutate-pod?timeout=10s", v1, "application/json"));
    }
    const std::string beta = fixture("create-v1beta1.json");
    for (int i = 0; i < 2; ++i) {
      REQUIRE(client->Post("/mutate-pod", beta, "application/json"));
    }
    REQUIRE(client->Post("/mutate-pod", fixture("update-v1.json"), "application/json"));
    REQUIRE(client->Post("/mutate-pod", v1, "text/plain"));  // 415, answered as a review
    done = true;
  });
  while (!done) {
    const auto s = samples(scrape(listener.port()));
    check_histogram(s, "/mutate-pod");
  }
  reviewer.join();
  {
    // A malformed request over TLS (400) and a handshake that fails (plain text on TLS).
    RawTlsClient raw(tls_files(), server.port());
    REQUIRE(raw.handshake_ok());
    REQUIRE(raw.write("NOT HTTP AT ALL\r\n\r\n"));
    REQUIRE(raw.read_response());
    PlainClient plain(server.port());
    plain.write("GET /metrics HTTP/1.1\r\n\r\n");
    plain.read_all();
  }
  wait_until([] { return metrics::global().tls_handshake_failures.value() == 1; });

  const std::string text = scrape(listener.port());
  const auto s = samples(text);
  check_histogram(s, "/mutate-pod");
  CHECK(s.at(reviews_key("/mutate-pod", "patched", "v1")) == 4);
  CHECK(s.at(reviews_key("/mutate-pod", "patched", "v1beta1")) == 2);
  CHECK(s.at(reviews_key("/mutate-pod", "skipped", "v1")) == 1);
  CHECK(s.at(reviews_key("/mutate-pod", "error", "v1")) == 1);
  double total = 0;
  for (const auto& [key, value] : s) {
    if (key.starts_with("sidecarset_injector_admission_reviews_total{")) {
      total += value;
    }
  }
  CHECK(total == 8);
  CHECK(s.at("sidecarset_injector_admission_review_duration_seconds_count{path=\"/mutate-pod\"}") ==
        8);
  CHECK(s.at("sidecarset_injector_admission_review_duration_seconds_count{path=\"/validate-apps-"
             "kruise-io-sidecarset\"}") == 0);
  CHECK(s.at("sidecarset_injector_admission_review_duration_seconds_sum{path=\"/mutate-pod\"}") >
        0);
  CHECK(s.at("sidecarset_injector_admission_reviews_in_flight{path=\"/mutate-pod\"}") == 0);
  CHECK(s.at("sidecarset_injector_injections_total{sidecarset=\"log-agent\"}") == 6);
  CHECK(s.at("sidecarset_injector_sidecarsets{state=\"loaded\"}") == 1);
  CHECK(s.at("sidecarset_injector_sidecarsets{state=\"invalid\"}") == 0);
  CHECK(s.at("sidecarset_injector_sidecarsets{state=\"conflict\"}") == 0);
  CHECK(s.at("sidecarset_injector_world_generation") == 1);
  CHECK(s.at("sidecarset_injector_world_build_duration_seconds") > 0);
  CHECK(s.at("sidecarset_injector_world_last_build_timestamp_seconds") > 1.7e9);
  CHECK(s.at("sidecarset_injector_source_reloads_total{result=\"applied\"}") == 1);
  CHECK(s.at("sidecarset_injector_source_reloads_total{result=\"rejected\"}") == 1);
  CHECK(s.at("sidecarset_injector_tls_certificate_reloads_total{result=\"rotated\"}") == 0);
  CHECK(s.at("sidecarset_injector_tls_certificate_reloads_total{result=\"rejected\"}") == 0);
  // The test certificate is valid for 30 days from its making.
  CHECK(s.at("sidecarset_injector_tls_certificate_expiry_seconds") > 29 * 24 * 3600.0);
  CHECK(s.at("sidecarset_injector_tls_certificate_expiry_seconds") <= 30 * 24 * 3600.0);
  CHECK(s.at("sidecarset_injector_connections_open") >= 0);
  CHECK(s.at("sidecarset_injector_tls_handshake_failures_total") == 1);
  CHECK(s.at("sidecarset_injector_http_requests_refused_total{code=\"400\"}") == 1);
  CHECK(s.at("sidecarset_injector_http_requests_refused_total{code=\"415\"}") == 1);
  CHECK(s.at("sidecarset_injector_http_requests_refused_total{code=\"413\"}") == 0);
  CHECK(s.at("sidecarset_injector_build_info{version=\"" INJECTOR_VERSION "\"}") == 1);

  // Prometheus' own parser reads every family with its type.
  const std::string scraped = (dir / "scrape.txt").string();
  std::ofstream(scraped) << text;
  const std::string script = (dir / "parse.py").string();
  std::ofstream(script) << R"(import sys
from prometheus_client.parser import text_string_to_metric_families
families = {f.name: f.type for f in text_string_to_metric_families(open(sys.argv[1]).read())}
for name, kind in sorted(families.items()):
    print(name, kind)
)";
  const std::string out = (dir / "parsed.txt").string();
  REQUIRE(std::system(("/usr/bin/python3 " + script + " " + scraped + " > " + out).c_str()) == 0);
  std::ifstream parsed(out);
  std::string all((std::istreambuf_iterator<char>(parsed)), std::istreambuf_iterator<char>());
  // prometheus_client drops the _total of counters from family names.
  CHECK(all ==
        "sidecarset_injector_admission_review_duration_seconds histogram\n"
        "sidecarset_injector_admission_reviews counter\n"
        "sidecarset_injector_admission_reviews_in_flight gauge\n"
        "sidecarset_injector_build_info gauge\n"
        "sidecarset_injector_connections_open gauge\n"
        "sidecarset_injector_http_requests_refused counter\n"
        "sidecarset_injector_injections counter\n"
        "sidecarset_injector_sidecarsets gauge\n"
        "sidecarset_injector_source_reloads counter\n"
        "sidecarset_injector_tls_certificate_expiry_seconds gauge\n"
        "sidecarset_injector_tls_certificate_reloads counter\n"
        "sidecarset_injector_tls_handshake_failures counter\n"
        "sidecarset_injector_world_build_duration_seconds gauge\n"
        "sidecarset_injector_world_generation gauge\n"
        "sidecarset_injector_world_last_build_timestamp_seconds gauge\n");
  listener.stop();
}

TEST_CASE("/metrics answers 404 elsewhere and 405 to other methods") {
  metrics::Listener listener("127.0.0.1:0", metrics::global());
  REQUIRE(listener.start());
  httplib::Client client("127.0.0.1", listener.port());
  auto other = client.Get("/healthz");
  REQUIRE(other);
  CHECK(other->status == 404);
  CHECK(other->body == "not found\n");
  auto post = client.Post("/metrics", "", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Allow") == "GET");
}

TEST_CASE("metrics listener errors name the address") {
  metrics::Listener bad("nowhere:80", metrics::global());
  const auto started = bad.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().message ==
        "--metrics-listen \"nowhere:80\": host \"nowhere\" is not an IP address");
  metrics::Listener first("127.0.0.1:0", metrics::global());
  REQUIRE(first.start());
  metrics::Listener second("127.0.0.1:" + std::to_string(first.port()), metrics::global());
  const auto taken = second.start();
  REQUIRE_FALSE(taken);
  CHECK(taken.error().message == "--metrics-listen \"127.0.0.1:" + std::to_string(first.port()) +
                                     "\": cannot listen: Address already in use");
}

TEST_CASE("primitives render the text format") {
  metrics::Exposition out;
  out.family("x_total", "counter", "Help with \\ and\nnewline.");
  out.sample("x_total", {{"l", "quote \" back \\ nl \n"}}, std::uint64_t{3});
  metrics::Histogram h({0.001, 0.01});
  h.observe_ns(1'000'000);  // exactly on a bound: counted in it (le is inclusive)
  h.observe_ns(5'000'000);
  h.observe_ns(2'000'000'000);
  out.histogram("h_seconds", {}, h);
  CHECK(out.take() ==
        "# HELP x_total Help with \\\\ and\\nnewline.\n"
        "# TYPE x_total counter\n"
        "x_total{l=\"quote \\\" back \\\\ nl \\n\"} 3\n"
        "h_seconds_bucket{le=\"0.001\"} 1\n"
        "h_seconds_bucket{le=\"0.01\"} 2\n"
        "h_seconds_bucket{le=\"+Inf\"} 3\n"
        "h_seconds_sum 2.006\n"
        "h_seconds_count 3\n");
  metrics::CounterMap map(2, "_other");
  map.inc("b");
  map.inc("a", 2);
  map.inc("b");
  map.inc("c");  // no room left: counted under _other
  CHECK(map.values() ==
        std::vector<std::pair<std::string, std::uint64_t>>{{"_other", 1}, {"a", 2}, {"b", 2}});
}
