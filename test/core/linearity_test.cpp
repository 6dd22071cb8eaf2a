// The review of a pod costs O(n) in each of its dimensions: n labels, annotations, env vars,
// containers or volumes. Quadratic behaviour (an object member looked up by a linear scan per
// key) let a 1.5 MB pod with 100,000 labels stall a server thread for seconds. No absolute time
// is asserted: the CPU time of reviewing the 4n-item pod is compared with that of the n-item
// pod in the same process, each the fastest of a few runs, so load on the machine cancels out.
// Linear cost gives a ratio near 4, quadratic near 16; the bound sits between them.

#include <time.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "../support/wide_pod.hpp"
#include "injector/model/load.hpp"
#include "injector/review.hpp"

namespace {

using injector::testing::Dimension;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::shared_ptr<const injector::World> world() {
  auto documents = injector::parse_documents(injector::testing::kWidePodSidecarSet, "agent.yaml");
  REQUIRE(documents);
  auto built = injector::build_world(std::move(*documents), 1);
  REQUIRE(built);
  return built->world;
}

// The fastest of `runs` reviews of `body`, in CPU seconds; every review must patch the pod.
double review_cost(const injector::World& w, const std::string& body, int runs) {
  injector::HttpReviewRequest request;
  request.content_type = "application/json";
  request.body = body;
  injector::InjectOptions opts;
  opts.now = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2};
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    const double start = thread_cpu_seconds();
    const injector::ReviewOutcome out = injector::review(w, request, opts);
    best = std::min(best, thread_cpu_seconds() - start);
    REQUIRE(out.log.outcome == "patched");
  }
  return best;
}

}  // namespace

TEST_CASE("review cost grows linearly in every dimension of the pod") {
  const auto w = world();
  const auto [dimension, n] = GENERATE(table<Dimension, std::int64_t>({
      {Dimension::kLabels, 5'000},
      {Dimension::kAnnotations, 5'000},
      {Dimension::kEnv, 5'000},
      {Dimension::kVolumes, 5'000},
      {Dimension::kContainers, 150},
  }));
  INFO(injector::testing::dimension_name(dimension) << ": " << n << " and " << 4 * n);
  const std::string small = injector::testing::wide_review_body(INJECTOR_SOURCE_DIR, dimension, n);
  const std::string large =
      injector::testing::wide_review_body(INJECTOR_SOURCE_DIR, dimension, 4 * n);
  review_cost(*w, large, 1);  // warm the allocator up to the large size
  const double small_cost = review_cost(*w, small, 5);
  const double large_cost = review_cost(*w, large, 5);
  INFO("CPU seconds: " << small_cost << " and " << large_cost << ", ratio "
                       << large_cost / small_cost);
  CHECK(large_cost < 9.0 * small_cost);
}
