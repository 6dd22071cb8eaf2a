#pragma once
// A list-then-watch informer for one resource (group/version/resource, optional namespace and
// selectors), as client-go's reflector runs it: LIST in pages (limit + continue), then WATCH from
// the list's resourceVersion with allowWatchBookmarks and a randomised timeoutSeconds; after a
// stream ends or drops, watch again from the last resourceVersion seen (bookmarks included);
// list again only when the server says 410 Gone. Errors back off exponentially with jitter
// (backoff.hpp); 429s honour Retry-After (in the client). Never polls, never resyncs.
//
// Everything runs on the client's I/O thread; handlers are called there and must be quick. The
// store and status() may be read from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "kube/backoff.hpp"
#include "kube/client.hpp"
#include "kube/resource.hpp"
#include "kube/store.hpp"
#include "kube/wire.hpp"

namespace injector::kube {

struct InformerOptions {
  Resource resource;
  std::string namespace_name;  // "" = all namespaces (or cluster-scoped)
  std::string label_selector;
  std::string field_selector;
  std::size_t page_size = 500;                  // client-go's pager default
  std::chrono::seconds min_watch_timeout{300};  // reflector: timeoutSeconds in [5, 10) min
  BackoffPolicy backoff;
  std::size_t max_event_bytes = 16u << 20;  // one watch event (objects are at most ~1.5 MiB)
  // The header of a list page or a watch must arrive within this; a watch stream then runs up
  // to its timeoutSeconds plus this grace.
  std::chrono::milliseconds request_timeout{60'000};
  std::function<double()> random;  // draws in [0, 1); default: a seeded mt19937_64
};

/// Something the informer did that a log should show.
struct InformerNotice {
  enum class Kind {
    kListFailed,    // a list page failed (message); a backoff follows
    kWatchFailed,   // a watch could not start or broke off (message)
    kWatchExpired,  // 410 Gone: the informer lists again
    kBackoff,       // waiting `delay` before the next attempt
    kBadEvent,      // an undecodable watch line (message); the stream is resumed
  };
  Kind kind;
  std::string message;
  std::chrono::milliseconds delay{0};
};

struct InformerHandlers {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const ObjectPtr&)> on_delete;
  std::function<void()> on_synced;  // after every complete list (the first, and after a 410)
  std::function<void(const InformerNotice&)> on_notice;
};

struct InformerStatus {
  bool synced = false;    // listed completely at least once
  bool watching = false;  // a watch stream is open
  std::string resource_version;
  std::uint64_t lists = 0;    // complete lists
  std::uint64_t watches = 0;  // watch requests made
  std::uint64_t events = 0;   // ADDED/MODIFIED/DELETED events applied
  std::uint64_t bookmarks = 0;
  std::uint64_t failures = 0;
  std::optional<std::chrono::system_clock::time_point> last_sync;   // last complete list
  std::optional<std::chrono::system_clock::time_point> last_event;  // last event or bookmark
  std::string last_error;  // "" once a list or watch succeeded again
};

class Informer {
 public:
  Informer(Client& client, InformerOptions options, InformerHandlers handlers);
  /// Destroy only after stop() and after the client's I/O thread stopped, or before start().
  ~Informer() = default;
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void start();
  /// Ends the watch and every pending retry (any thread; idempotent).
  void stop();

  const Store& store() const { return store_; }
  InformerStatus status() const;
  /// `sidecarsets.apps.kruise.io/v1beta1`, with namespace and selectors when set.
  std::string describe() const;

 private:
  void list(std::string continue_token, bool after_expired_continue);
  void on_page(ApiResult<HttpResponse> result, bool after_expired_continue);
  void watch();
  bool on_line(std::string_view line);
  void on_watch_end(const WatchEnd& end);
  void retry_later(std::function<void()> next);
  void note(InformerNotice notice);
  double draw();
  template <class F>
  void update_status(F&& f) {
    const std::lock_guard lock(status_mutex_);
    f(status_);
  }

  Client& client_;
  InformerOptions options_;
  InformerHandlers handlers_;
  Store store_;
  Backoff backoff_;
  std::mt19937_64 rng_;
  std::atomic<bool> stopped_{false};

  // I/O thread only.
  std::map<std::string, ObjectPtr> pending_;  // the list being read
  std::string resource_version_;
  std::shared_ptr<WatchHandle> watch_;
  std::optional<LineReader> lines_;
  std::chrono::steady_clock::time_point watch_started_;
  std::uint64_t watch_events_ = 0;
  bool watch_expired_ = false;
  std::string watch_error_;

  mutable std::mutex status_mutex_;
  InformerStatus status_;
};

}  // namespace injector::kube
