#include "sources/reloader.hpp"

#include <utility>

#include "metrics/metrics.hpp"

namespace injector {

Reloader::Reloader(std::vector<std::string> paths, WorldHolder& holder,
                   std::string baseline_fingerprint, std::string baseline_digest,
                   std::chrono::milliseconds interval, Report report, BuildOptions options)
    : paths_(std::move(paths)),
      holder_(holder),
      interval_(interval),
      report_(std::move(report)),
      options_(options),
      last_fingerprint_(std::move(baseline_fingerprint)),
      last_digest_(std::move(baseline_digest)) {}

Reloader::~Reloader() { stop(); }

ReloadResult Reloader::check_now() {
  std::lock_guard lock(check_mutex_);
  ReloadResult result;
  std::shared_ptr<const World> current = holder_.get();
  result.generation = current ? current->generation : 0;

  std::string now = fingerprint(paths_);
  bool changed = now != last_fingerprint_;
  if (!changed && !verify_next_) {
    return result;
  }
  // File timestamps tick coarsely (a jiffy), so a same-size in-place rewrite in the tick of a
  // check keeps the fingerprint; the content is therefore verified once more on the check after
  // a change (checks are seconds apart, far more than a tick).
  verify_next_ = changed;
  last_fingerprint_ = std::move(now);
  std::string digest = content_digest(paths_);
  if (digest == last_digest_) {
    return result;
  }
  // Remember the state before loading it: a write racing with the load changes the content
  // again, so a later check reloads once more instead of keeping a half-written view.
  last_digest_ = std::move(digest);

  const auto started = std::chrono::steady_clock::now();
  auto loaded = load_world(paths_, result.generation + 1, options_);
  if (!loaded) {
    result.outcome = ReloadResult::Outcome::kRejected;
    result.problems = std::move(loaded.error());
    metrics::global().reloads_rejected.inc();
  } else {
    result.outcome = ReloadResult::Outcome::kReloaded;
    result.generation = loaded->build.world->generation;
    result.counts = loaded->counts;
    result.notes = std::move(loaded->build.notes);
    result.warnings = std::move(loaded->warnings);
    last_digest_ = std::move(loaded->digest);  // what was loaded, should it differ from the check
    metrics::global().reloads_applied.inc();
    metrics::record_world(
        metrics::global(), result.generation, loaded->build.world->sidecarsets.size(), 0, 0,
        std::chrono::steady_clock::now() - started, std::chrono::system_clock::now());
    holder_.set(std::move(loaded->build.world));
  }
  if (report_) {
    report_(result);
  }
  return result;
}

void Reloader::start() {
  std::lock_guard lock(stop_mutex_);
  if (thread_.joinable() || interval_.count() <= 0) {
    return;
  }
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Reloader::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Reloader::loop() {
  std::unique_lock lock(stop_mutex_);
  while (!stop_cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    check_now();
    lock.lock();
  }
}

}  // namespace injector
