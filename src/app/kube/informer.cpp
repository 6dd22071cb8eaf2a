#include "kube/informer.hpp"

#include <utility>

namespace injector::kube {
namespace {

// A watch that delivered nothing and ended this fast counts as a failure (client-go: "very
// short watch"), so a server that closes every watch at once is not hammered.
constexpr std::chrono::seconds kShortWatch{1};

}  // namespace

Informer::Informer(Client& client, InformerOptions options, InformerHandlers handlers)
    : client_(client),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      backoff_(options_.backoff),
      rng_(std::random_device{}()) {}

void Informer::start() {
  client_.post([this] { list("", false); });
}

void Informer::stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  client_.post([this] {
    if (watch_) {
      watch_->cancel();
    }
  });
}

InformerStatus Informer::status() const {
  const std::lock_guard lock(status_mutex_);
  return status_;
}

std::string Informer::describe() const {
  std::string out = options_.resource.describe();
  if (!options_.namespace_name.empty()) {
    out += " in " + options_.namespace_name;
  }
  if (!options_.label_selector.empty()) {
    out += " (" + options_.label_selector + ")";
  }
  if (!options_.field_selector.empty()) {
    out += " (" + options_.field_selector + ")";
  }
  return out;
}

double Informer::draw() {
  if (options_.random) {
    return options_.random();
  }
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void Informer::note(InformerNotice notice) {
  if (handlers_.on_notice) {
    handlers_.on_notice(notice);
  }
}

void Informer::retry_later(std::function<void()> next) {
  const auto delay = backoff_.next(std::chrono::steady_clock::now(), draw());
  note({InformerNotice::Kind::kBackoff, "", delay});
  client_.after(delay, [this, next = std::move(next)] {
    if (!stopped_.load()) {
      next();
    }
  });
}

void Informer::list(std::string continue_token, bool after_expired_continue) {
  if (stopped_.load()) {
    return;
  }
  if (continue_token.empty()) {
    pending_.clear();
  }
  ListOptions o;
  o.label_selector = options_.label_selector;
  o.field_selector = options_.field_selector;
  o.limit = options_.page_size;
  o.continue_token = std::move(continue_token);
  // No resourceVersion: a consistent read of the latest state, served in pages.
  HttpRequest request;
  request.target = resource_path(options_.resource, options_.namespace_name) + query_string(o);
  request.timeout = options_.request_timeout;
  client_.async_request(std::move(request),
                        [this, after_expired_continue](ApiResult<HttpResponse> result) {
                          on_page(std::move(result), after_expired_continue);
                        });
}

void Informer::on_page(ApiResult<HttpResponse> result, bool after_expired_continue) {
  if (stopped_.load()) {
    return;
  }
  const bool continuing = !pending_.empty();
  if (!result) {
    const ApiError& e = result.error();
    // An expired continue token: the list starts over at once (client-go's pager falls back to a
    // full list the same way), once; a second failure backs off.
    if (e.status.code == 410 && continuing && !after_expired_continue) {
      note({InformerNotice::Kind::kWatchExpired, e.message, {}});
      return list("", true);
    }
    update_status([&](InformerStatus& s) {
      s.last_error = e.message;
      ++s.failures;
    });
    note({InformerNotice::Kind::kListFailed, e.message, {}});
    return retry_later([this] { list("", false); });
  }
  auto page = decode_list(result->body, options_.resource.kind, options_.resource.api_version());
  if (!page) {
    const std::string message = "GET " + resource_path(options_.resource, options_.namespace_name) +
                                ": " + page.error().message;
    update_status([&](InformerStatus& s) {
      s.last_error = message;
      ++s.failures;
    });
    note({InformerNotice::Kind::kListFailed, message, {}});
    return retry_later([this] { list("", false); });
  }
  for (auto& item : page->items) {
    std::string key = Store::key_of(*item);
    pending_.insert_or_assign(std::move(key), std::move(item));
  }
  if (!page->continue_token.empty()) {
    return list(page->continue_token, after_expired_continue);
  }
  // The whole list: swap it in, tell the handlers what changed, then watch from its version.
  resource_version_ = page->resource_version;
  Store::Delta delta = store_.replace(std::exchange(pending_, {}));
  update_status([&](InformerStatus& s) {
    s.synced = true;
    ++s.lists;
    s.resource_version = resource_version_;
    s.last_sync = std::chrono::system_clock::now();
    s.last_error.clear();
  });
  for (const auto& o : delta.added) {
    if (handlers_.on_add) {
      handlers_.on_add(o);
    }
  }
  for (const auto& [old_object, new_object] : delta.updated) {
    if (handlers_.on_update) {
      handlers_.on_update(old_object, new_object);
    }
  }
  for (const auto& o : delta.deleted) {
    if (handlers_.on_delete) {
      handlers_.on_delete(o);
    }
  }
  if (handlers_.on_synced) {
    handlers_.on_synced();
  }
  watch();
}

void Informer::watch() {
  if (stopped_.load()) {
    return;
  }
  ListOptions o;
  o.label_selector = options_.label_selector;
  o.field_selector = options_.field_selector;
  o.watch = true;
  o.resource_version = resource_version_;
  o.allow_watch_bookmarks = true;
  const auto timeout = watch_timeout(options_.min_watch_timeout, draw());
  o.timeout = timeout;
  HttpRequest request;
  request.target = resource_path(options_.resource, options_.namespace_name) + query_string(o);
  request.timeout = options_.request_timeout;
  request.stream_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(timeout) + options_.request_timeout;
  lines_.emplace(options_.max_event_bytes);
  watch_started_ = std::chrono::steady_clock::now();
  watch_events_ = 0;
  watch_expired_ = false;
  watch_error_.clear();
  update_status([](InformerStatus& s) {
    ++s.watches;
    s.watching = true;
  });
  watch_ = client_.watch(
      std::move(request),
      [this](std::string_view bytes) {
        if (stopped_.load()) {
          return false;
        }
        auto fed = lines_->feed(bytes, [this](std::string_view line) { return on_line(line); });
        if (!fed) {
          watch_error_ = fed.error().message;
          note({InformerNotice::Kind::kBadEvent, watch_error_, {}});
          return false;
        }
        return *fed;
      },
      [this](const WatchEnd& end) { on_watch_end(end); });
}

bool Informer::on_line(std::string_view line) {
  auto event = decode_watch_event(line, options_.resource.kind, options_.resource.api_version());
  if (!event) {
    watch_error_ = event.error().message;
    note({InformerNotice::Kind::kBadEvent, watch_error_, {}});
    return false;  // resume from the last good resourceVersion
  }
  if (event->type == EventType::kError) {
    const ApiStatus status = status_of(*event->object, 0);
    if (status.code == 410) {
      watch_expired_ = true;
    }
    watch_error_ = "watch ERROR event: " + std::to_string(status.code) + " " + status.reason +
                   ": " + status.message;
    return false;
  }
  ++watch_events_;
  resource_version_ = event->resource_version;
  const auto now = std::chrono::system_clock::now();
  if (event->type == EventType::kBookmark) {
    update_status([&](InformerStatus& s) {
      ++s.bookmarks;
      s.resource_version = resource_version_;
      s.last_event = now;
    });
    return true;
  }
  ObjectPtr previous;
  if (event->type == EventType::kDeleted) {
    previous = store_.erase(Store::key_of(*event->object));
  } else {
    previous = store_.put(event->object);
  }
  update_status([&](InformerStatus& s) {
    ++s.events;
    s.resource_version = resource_version_;
    s.last_event = now;
    s.last_error.clear();
  });
  if (event->type == EventType::kDeleted) {
    if (handlers_.on_delete) {
      handlers_.on_delete(previous ? previous : event->object);
    }
  } else if (previous) {
    if (handlers_.on_update) {
      handlers_.on_update(previous, event->object);
    }
  } else if (handlers_.on_add) {
    handlers_.on_add(event->object);
  }
  return true;
}

void Informer::on_watch_end(const WatchEnd& end) {
  watch_.reset();
  lines_.reset();
  update_status([](InformerStatus& s) { s.watching = false; });
  // A cancellation is stop(), or our data handler ending the stream (then watch_error_ says why).
  if (stopped_.load()) {
    return;
  }
  if (watch_expired_ || (end.kind == WatchEnd::Kind::kStatus && end.status.code == 410)) {
    // The resourceVersion is older than the server keeps: only a new list can catch up.
    update_status([](InformerStatus& s) { ++s.failures; });
    note({InformerNotice::Kind::kWatchExpired,
          watch_error_.empty() ? end.message : watch_error_,
          {}});
    return list("", false);
  }
  const bool progressed =
      watch_events_ > 0 || std::chrono::steady_clock::now() - watch_started_ >= kShortWatch;
  const bool error_event = !watch_error_.empty();  // an ERROR event or an undecodable line
  if (end.kind == WatchEnd::Kind::kClosed && progressed && !error_event) {
    return watch();  // timeoutSeconds ran out, or the server closed: resume at once
  }
  std::string message = !watch_error_.empty()  ? watch_error_
                        : !end.message.empty() ? end.message
                                               : "watch closed at once";
  update_status([&](InformerStatus& s) {
    s.last_error = message;
    ++s.failures;
  });
  note({InformerNotice::Kind::kWatchFailed, message, {}});
  if (progressed && end.kind == WatchEnd::Kind::kFailed) {
    return watch();  // a stream that worked and broke off: resume from where it was
  }
  retry_later([this] { watch(); });
}

}  // namespace injector::kube
