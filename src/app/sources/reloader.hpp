#pragma once
// Watches the SidecarSet sources of `serve` and swaps in a new World when they change. A cheap
// poll (stat of every file, no reads) rather than inotify: it sees ConfigMap volume updates (an
// atomic `..data` symlink swap that inotify on the files themselves misses) and edits alike.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sources/sources.hpp"
#include "world_holder.hpp"

namespace injector {

/// What one check of the sources did.
struct ReloadResult {
  enum class Outcome { kUnchanged, kReloaded, kRejected };
  Outcome outcome = Outcome::kUnchanged;
  std::uint64_t generation = 0;       // reloaded: the new World's; otherwise the one kept serving
  WorldCounts counts;                 // reloaded: what the new World holds
  std::vector<std::string> problems;  // rejected: every problem, one per line
  std::vector<std::string> notes;     // reloaded: load notes (skipped kinds, ...)
  std::vector<std::string> warnings;  // reloaded: LoadedWorld::warnings
};

/// Reloads `holder` from `paths`. check_now() is the whole behaviour (and what tests call);
/// start() runs it every `interval` on a thread until stop() or destruction.
class Reloader {
 public:
  using Report = std::function<void(const ReloadResult&)>;

  /// `baseline_fingerprint` is the fingerprint() taken before the World in `holder` was loaded
  /// and `baseline_digest` the LoadedWorld::digest of that load, so a change made while it
  /// loaded is still seen. `report` is called for every reload and rejection (never for
  /// kUnchanged), on the thread that checked.
  Reloader(std::vector<std::string> paths, WorldHolder& holder, std::string baseline_fingerprint,
           std::string baseline_digest, std::chrono::milliseconds interval, Report report,
           BuildOptions options = {});
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  /// Compares the sources' fingerprint with the last one seen. On a change (and on the check
  /// after one, for writes within the same timestamp tick), compares their content digest; when
  /// that changed too, loads them with the held generation + 1 and either swaps the new World in
  /// or keeps the old one. A touched but unchanged file reloads nothing; a rejected state is not
  /// retried until the content changes again.
  ReloadResult check_now();

  /// Starts the polling thread (no-op when already started or `interval` is zero).
  void start();
  /// Stops and joins the polling thread; idempotent.
  void stop();

 private:
  void loop();

  std::vector<std::string> paths_;
  WorldHolder& holder_;
  std::chrono::milliseconds interval_;
  Report report_;
  BuildOptions options_;

  std::mutex check_mutex_;  // serialises check_now() between the thread and direct callers
  std::string last_fingerprint_;
  std::string last_digest_;
  bool verify_next_ = true;  // the baseline may have raced with a write

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace injector
