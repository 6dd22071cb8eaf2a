// Cost of a whole review() as one dimension of the pod grows: N labels, N annotations, N env vars
// in the first container, N containers or N volumes, up to the API server's 3 MiB request limit.
// Each runs at N and 4N, ..., so the report shows whether the cost is linear (the time ratio of
// 4N to N stays near 4) or grows with the square of N, which would let anyone who can create a
// pod stall a server thread for seconds. The pod is fixtures/reviews/create-v1.json with the
// dimension widened; one SidecarSet matches it, so every review is patched.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "../test/support/wide_pod.hpp"
#include "injector/model/load.hpp"
#include "injector/review.hpp"

namespace {

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "dimension_bench: %s\n", message.c_str());
  std::exit(1);
}

using injector::testing::Dimension;

const injector::World& world() {
  static const std::shared_ptr<const injector::World> built = [] {
    auto documents = injector::parse_documents(injector::testing::kWidePodSidecarSet, "bench.yaml");
    if (!documents) {
      die(documents.error().message);
    }
    auto w = injector::build_world(std::move(*documents), 1);
    if (!w) {
      die(w.error().front().to_string());
    }
    return w->world;
  }();
  return *built;
}

// Reviews `body` for as long as the benchmark runs; every review must patch the pod.
void run_reviews(benchmark::State& state, const std::string& body) {
  injector::HttpReviewRequest request;
  request.content_type = "application/json";
  request.body = body;
  injector::InjectOptions opts;
  opts.now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2};
  for (auto _ : state) {
    injector::ReviewOutcome out = injector::review(world(), request, opts);
    if (out.log.outcome != "patched") {
      die("review did not patch: " + out.log.message);
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_ReviewWide(benchmark::State& state) {
  const auto dimension = static_cast<Dimension>(state.range(0));
  run_reviews(state,
              injector::testing::wide_review_body(INJECTOR_SOURCE_DIR, dimension, state.range(1)));
}

// N and 4N up to about 3 MiB of body for each dimension (a container is ~700 bytes, the other
// items 25-35 bytes).
void dimensions(benchmark::internal::Benchmark* b) {
  b->ArgNames({"dim", "n"});
  for (const auto dim :
       {Dimension::kLabels, Dimension::kAnnotations, Dimension::kEnv, Dimension::kVolumes}) {
    for (const std::int64_t n : {1'500, 6'000, 24'000, 96'000}) {
      b->Args({static_cast<std::int64_t>(dim), n});
    }
  }
  for (const std::int64_t n : {64, 256, 1'024, 4'096}) {
    b->Args({static_cast<std::int64_t>(Dimension::kContainers), n});
  }
}
BENCHMARK(BM_ReviewWide)->Apply(dimensions)->Unit(benchmark::kMillisecond);

// The pods the performance goals name: 100,000 short labels (1.4 MB), the same count of the
// wide benchmark's longer labels (3.2 MB), and 1,500 env vars with values of 680 bytes (1 MiB).
void goals(benchmark::internal::Benchmark* b) {
  b->ArgNames({"dim", "n", "value_bytes", "short"});
  b->Args({static_cast<std::int64_t>(Dimension::kLabels), 100'000, 0, 1});
  b->Args({static_cast<std::int64_t>(Dimension::kLabels), 100'000, 0, 0});
  b->Args({static_cast<std::int64_t>(Dimension::kEnv), 1'500, 680, 0});
}
void BM_ReviewGoal(benchmark::State& state) {
  const auto dimension = static_cast<Dimension>(state.range(0));
  run_reviews(state, injector::testing::wide_review_body(
                         INJECTOR_SOURCE_DIR, dimension, state.range(1),
                         static_cast<std::size_t>(state.range(2)), state.range(3) != 0));
}
BENCHMARK(BM_ReviewGoal)->Apply(goals)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
