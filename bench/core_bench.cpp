// Core pipeline cost for a typical ~3 KB pod review (fixtures/reviews/create-v1.json, compacted as
// the API server sends it) against Worlds of 1, 100 and 10,000 SidecarSets of which exactly one
// matches the pod: decode, match (index candidates + selector evaluation), plan+patch (inject),
// encode, and the whole review().
//
// The non-matching SidecarSets select `app: svc-<i>` (the common shape: one workload each), so
// the index should keep their cost out of every stage but World building.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "injector/inject/inject.hpp"
#include "injector/kube/selector.hpp"
#include "injector/model/load.hpp"
#include "injector/review.hpp"

namespace {

using injector::Json;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "core_bench: %s\n", message.c_str());
  std::exit(1);
}

const std::string& review_body() {
  static const std::string body = [] {
    const std::string path = std::string(INJECTOR_SOURCE_DIR) + "/fixtures/reviews/create-v1.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      die("cannot read " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    // The fixture is pretty-printed for people; the API server sends compact JSON.
    return Json::parse(text.str()).dump();
  }();
  return body;
}

// One SidecarSet document. Names are zero-padded so that name order is index order.
std::string sidecarset_yaml(int index, bool matching) {
  char name[32];
  std::snprintf(name, sizeof name, "sidecar-%05d", index);
  const std::string app = matching ? std::string("web") : "svc-" + std::to_string(index);
  return "apiVersion: apps.kruise.io/v1beta1\n"
         "kind: SidecarSet\n"
         "metadata:\n"
         "  name: " +
         std::string(name) +
         "\n"
         "spec:\n"
         "  selector:\n"
         "    matchLabels:\n"
         "      app: " +
         app +
         "\n"
         "  containers:\n"
         "  - name: agent-" +
         std::to_string(index) +
         "\n"
         "    image: registry.example.com/agent:1.4\n"
         "    env:\n"
         "    - name: AGENT_MODE\n"
         "      value: sidecar\n"
         "    volumeMounts:\n"
         "    - name: agent-data-" +
         std::to_string(index) +
         "\n"
         "      mountPath: /var/lib/agent\n"
         "  volumes:\n"
         "  - name: agent-data-" +
         std::to_string(index) +
         "\n"
         "    emptyDir: {}\n"
         "---\n";
}

// A World of `count` SidecarSets, one of which (in the middle of the name order) matches app=web.
const injector::World& world_of(std::int64_t count) {
  static std::map<std::int64_t, std::shared_ptr<const injector::World>> cache;
  auto& slot = cache[count];
  if (!slot) {
    std::string yaml;
    for (std::int64_t i = 0; i < count; ++i) {
      yaml += sidecarset_yaml(static_cast<int>(i), i == count / 2);
    }
    auto documents = injector::parse_documents(yaml, "bench.yaml");
    if (!documents) {
      die(documents.error().message);
    }
    auto built = injector::build_world(std::move(*documents), 1);
    if (!built) {
      die(built.error().front().to_string());
    }
    slot = built->world;
  }
  return *slot;
}

injector::InjectOptions options() {
  injector::InjectOptions o;
  o.now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2};
  return o;
}

injector::AdmissionRequest decoded_request() {
  auto request = injector::decode_review(review_body());
  if (!request) {
    die(request.error().message);
  }
  return std::move(*request);
}

void BM_Decode(benchmark::State& state) {
  const std::string& body = review_body();
  for (auto _ : state) {
    auto request = injector::decode_review(body);
    benchmark::DoNotOptimize(request);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_Decode);

// Selection as the engine does it (§2.2): index candidates, then namespace and pod selectors.
void BM_Match(benchmark::State& state) {
  const injector::World& world = world_of(state.range(0));
  const injector::AdmissionRequest request = decoded_request();
  const injector::Labels labels = injector::labels_of(request.object["metadata"]["labels"]);
  std::size_t matched = 0;
  for (auto _ : state) {
    matched = 0;
    const injector::Labels ns_labels = world.namespace_labels(request.namespace_name);
    for (const std::uint32_t idx : world.candidates(request.namespace_name, labels)) {
      const injector::SidecarSet& s = world.sidecarsets[idx];
      if (s.paused || !s.selector || s.selector->empty()) {
        continue;
      }
      if (s.namespace_selector &&
          !injector::selector_matches(*s.namespace_selector, ns_labels).value_or(false)) {
        continue;
      }
      if (injector::selector_matches(*s.selector, labels).value_or(false)) {
        ++matched;
      }
    }
    benchmark::DoNotOptimize(matched);
  }
  if (matched != 1) {
    die("expected exactly one matching SidecarSet, got " + std::to_string(matched));
  }
}
BENCHMARK(BM_Match)->Arg(1)->Arg(100)->Arg(10000);

void BM_PlanPatch(benchmark::State& state) {
  const injector::World& world = world_of(state.range(0));
  const injector::AdmissionRequest request = decoded_request();
  const injector::InjectOptions opts = options();
  std::size_t ops = 0;
  for (auto _ : state) {
    auto injection = injector::inject(world, request.object, request.namespace_name, opts);
    if (!injection) {
      die(injection.error().message);
    }
    ops = injection->patch.size();
    benchmark::DoNotOptimize(injection);
  }
  state.counters["ops"] = static_cast<double>(ops);
}
BENCHMARK(BM_PlanPatch)->Arg(1)->Arg(100)->Arg(10000);

void BM_Encode(benchmark::State& state) {
  const injector::World& world = world_of(1);
  const injector::AdmissionRequest request = decoded_request();
  auto injection = injector::inject(world, request.object, request.namespace_name, options());
  if (!injection || injection->patch.empty()) {
    die("the bench pod must be patched");
  }
  const injector::AdmissionResponse response = injector::patched(request.uid, injection->patch);
  for (auto _ : state) {
    std::string body = injector::encode_review(request.version, response);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_Encode);

void BM_Review(benchmark::State& state) {
  const injector::World& world = world_of(state.range(0));
  injector::HttpReviewRequest request;
  request.content_type = "application/json";
  request.body = review_body();
  const injector::InjectOptions opts = options();
  for (auto _ : state) {
    injector::ReviewOutcome out = injector::review(world, request, opts);
    if (out.log.outcome != "patched") {
      die("review did not patch: " + out.log.message);
    }
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Review)->Arg(1)->Arg(100)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
