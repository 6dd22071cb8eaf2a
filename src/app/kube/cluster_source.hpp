#pragma once
// Cluster mode's source of SidecarSets: informers for SidecarSets (apps.kruise.io v1beta1 when
// discovery shows it, else v1alpha1), Namespaces and the ControllerRevisions of the revision
// namespace, and a builder thread that turns their stores into a World and swaps it into the
// WorldHolder. Builds run off the request path and coalesce: events that arrive during a build
// make one more build, and the first build waits for every informer's first complete list (a
// list of 10,000 SidecarSets is one build). Reviews keep using the World they took.
//
// One bad SidecarSet is left out, not the set (build_cluster_world): it is logged once with its
// reasons and listed by `/readyz?verbose`. Deterministic: every replica that sees the same
// objects serves the same World, whatever it saw before (a SidecarSet is not kept at a last
// valid version, which a restarted replica could not know).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kube/client.hpp"
#include "kube/informer.hpp"
#include "metrics/registry.hpp"
#include "server/server.hpp"
#include "world_holder.hpp"

namespace injector::kube {

struct ClusterSourceOptions {
  std::string revision_namespace = "kruise-system";  // where OpenKruise keeps ControllerRevisions
  // Informer tuning (tests shorten these).
  std::size_t page_size = 500;
  std::chrono::seconds min_watch_timeout{300};
  BackoffPolicy backoff;
};

/// What the last build did, for logs and tests.
struct BuildReport {
  std::uint64_t generation = 0;
  std::size_t sidecarsets = 0;  // served
  std::size_t left_out = 0;     // objects left out
  std::size_t namespaces = 0;
  std::size_t revisions = 0;
  std::vector<std::string> problems;  // of the objects left out, file-style
  std::chrono::microseconds duration{0};
};

class ClusterSource {
 public:
  /// `client` must outlive this object and be stopped before it is destroyed (or never used).
  ClusterSource(Client& client, ClusterSourceOptions options, WorldHolder& holder);
  ~ClusterSource();
  ClusterSource(const ClusterSource&) = delete;
  ClusterSource& operator=(const ClusterSource&) = delete;

  /// Starts discovery, then the informers, and the builder thread.
  void start();
  /// Stops the informers and joins the builder thread (the client is stopped by its owner).
  void stop();

  /// /readyz: not ready until every informer has listed once and the first World is built;
  /// then ready for good (reconnects and API outages keep the last World serving). Reports the
  /// generation and when the last World was built; `verbose` adds each informer's state and the
  /// SidecarSets left out.
  Readiness readiness(bool verbose) const;

  /// The last build's report (generation 0 before the first).
  BuildReport last_build() const;
  /// Builds so far.
  std::uint64_t builds() const { return builds_.load(); }

 private:
  void discover();
  /// The informer families of a scrape (registered once the informers exist).
  void collect(metrics::Exposition& out) const;
  void start_informers(const std::string& sidecarset_version);
  void mark_dirty();
  void build_loop();
  void build_once();
  bool all_synced() const;

  Client& client_;
  ClusterSourceOptions options_;
  WorldHolder& holder_;
  Backoff discovery_backoff_;
  std::vector<std::unique_ptr<Informer>> informers_;  // set once on the I/O thread
  std::atomic<bool> informers_ready_{false};          // informers_ may be read
  std::atomic<std::uint64_t> builds_{0};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool dirty_ = false;
  bool stopping_ = false;
  std::string sidecarset_resource_;  // "sidecarsets.apps.kruise.io/v1beta1" once discovered
  std::string discovery_error_;
  BuildReport report_;
  std::optional<std::chrono::system_clock::time_point> built_at_;
  std::set<std::string> logged_problems_;
  std::thread builder_;
  // Last: destroyed first, so no scrape reads the members above while they go.
  metrics::Collectors::Handle collector_;
};

/// RFC 3339 UTC with seconds (`2025-03-01T12:00:00Z`).
std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace injector::kube
