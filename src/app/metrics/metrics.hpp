#pragma once
// The process's metrics: one family per thing an operator alerts on or graphs, named as
// Prometheus' conventions say (sidecarset_injector_ prefix, base units, `_total` counters).
// The app edges record into them; the pure core knows nothing of them. Label values come from
// closed sets (paths, outcomes, versions, resources) or from SidecarSet names (bounded by
// CounterMap's capacity), never from pods.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "injector/review.hpp"
#include "metrics/registry.hpp"

namespace injector::metrics {

/// The webhook paths reviews are counted by.
inline constexpr std::array<std::string_view, 5> kReviewPaths = {
    "/mutate-pod", "/mutate-apps-kruise-io-v1alpha1-sidecarset",
    "/mutate-apps-kruise-io-v1beta1-sidecarset", "/mutate-apps-kruise-io-sidecarset",
    "/validate-apps-kruise-io-sidecarset"};
inline constexpr std::array<std::string_view, 5> kOutcomes = {"patched", "allowed", "skipped",
                                                              "denied", "error"};
inline constexpr std::array<std::string_view, 3> kVersions = {"v1", "v1beta1", "unknown"};
/// HTTP statuses of requests refused before (or instead of) a review.
inline constexpr std::array<int, 4> kRefusedCodes = {400, 413, 415, 431};

/// The informer families ClusterSource renders at scrape time (cluster mode only).
inline constexpr std::string_view kInformerLastSync =
    "sidecarset_injector_informer_last_sync_timestamp_seconds";
inline constexpr std::string_view kInformerRelists = "sidecarset_injector_informer_relists_total";
inline constexpr std::string_view kInformerWatchRestarts =
    "sidecarset_injector_informer_watch_restarts_total";

/// Review latency buckets, in seconds: tens of microseconds (a review) to seconds (a stall).
std::vector<double> review_buckets();

struct Metrics {
  Metrics();

  std::array<Counter, kReviewPaths.size() * kOutcomes.size() * kVersions.size()> reviews;
  std::array<std::unique_ptr<Histogram>, kReviewPaths.size()> review_seconds;
  std::array<Gauge, kReviewPaths.size()> in_flight;
  CounterMap injections;  // per SidecarSet, each patched pod
  Gauge sidecarsets_loaded, sidecarsets_invalid, sidecarsets_conflict;
  Gauge world_generation;
  RealGauge world_build_seconds, world_built_timestamp;
  Counter reloads_applied, reloads_rejected;        // file mode
  Counter cert_rotations, cert_rotations_rejected;  // serving certificate
  Counter tls_handshake_failures;
  std::array<Counter, kRefusedCodes.size()> refused;
  Collectors collectors;  // certificate expiry, open connections, informers
};

/// The process's metrics (the app shells record into it; tests read it).
Metrics& global();

/// Index into kReviewPaths, or nullopt for another path.
std::optional<std::size_t> review_path_index(std::string_view path);

/// Counts one finished review on `path` (an index into kReviewPaths): outcome and version, its
/// latency, the SidecarSets of a patched pod, a refused request.
void record_review(Metrics& m, std::size_t path, const ReviewLog& log,
                   std::chrono::nanoseconds latency);

/// Counts a request refused with `code` (400, 413, 415, 431; others are ignored).
void record_refused(Metrics& m, int code);

/// A World went into service: its generation, SidecarSets and the build's duration.
void record_world(Metrics& m, std::uint64_t generation, std::size_t loaded, std::size_t invalid,
                  std::size_t conflict, std::chrono::nanoseconds build,
                  std::chrono::system_clock::time_point at);

/// Every family, in the text format (Content-Type text/plain; version=0.0.4).
std::string render(const Metrics& m);

/// RAII: one review in flight on `path` while it lives.
class InFlight {
 public:
  InFlight(Metrics& m, std::size_t path) : gauge_(m.in_flight[path]) { gauge_.add(1); }
  ~InFlight() { gauge_.add(-1); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  Gauge& gauge_;
};

}  // namespace injector::metrics
