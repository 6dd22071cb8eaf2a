#pragma once
// A small kube-apiserver stand-in for the client and informer tests: HTTPS on a loopback
// ephemeral port (cpp-httplib), bearer tokens, discovery of apps.kruise.io, paginated lists with
// continue tokens, watches with resourceVersion replay, bookmarks, ERROR 410 after compaction,
// and faults (status answers with Retry-After, watches ended cleanly or cut after N events,
// garbage lines). It records every request. Header-only: only *_test.cpp files are built.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "../server/tls_fixture.hpp"

namespace injector::testing {

class FakeApiServer {
 public:
  using json = nlohmann::json;

  struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> query;
    std::string authorization;
    std::string user_agent;
    int status = 0;
    bool watch() const { return query.count("watch") != 0; }
  };

  explicit FakeApiServer(const TlsFiles& tls)
      : server_(tls.server_cert.c_str(), tls.server_key.c_str()) {
    server_.Get(".*",
                [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) {
      std::this_thread::yield();
    }
  }

  ~FakeApiServer() { shutdown(); }

  void shutdown() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    server_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  // ---- state ----

  /// Versions of apps.kruise.io in discovery ({} = group not served: 404).
  void set_kruise_versions(std::vector<std::string> versions) {
    const std::lock_guard lock(mutex_);
    kruise_versions_ = std::move(versions);
  }

  /// Creates or replaces `object` in `collection` (a list path such as /api/v1/namespaces);
  /// returns its new resourceVersion.
  std::uint64_t put(const std::string& collection, json object) {
    std::uint64_t rv;
    {
      const std::lock_guard lock(mutex_);
      rv = ++rv_;
      object["metadata"]["resourceVersion"] = std::to_string(rv);
      const std::string name = object["metadata"]["name"];
      auto& items = collections_[collection];
      const bool existed = items.count(name) != 0;
      items[name] = object;
      history_.push_back(Event{rv, collection, existed ? "MODIFIED" : "ADDED", object});
    }
    cv_.notify_all();
    return rv;
  }

  std::uint64_t remove(const std::string& collection, const std::string& name) {
    std::uint64_t rv;
    {
      const std::lock_guard lock(mutex_);
      auto& items = collections_[collection];
      json object = items.at(name);
      items.erase(name);
      rv = ++rv_;
      object["metadata"]["resourceVersion"] = std::to_string(rv);
      history_.push_back(Event{rv, collection, "DELETED", object});
    }
    cv_.notify_all();
    return rv;
  }

  /// Every resourceVersion so far expires: older watches get ERROR 410, continue tokens 410.
  void compact() {
    const std::lock_guard lock(mutex_);
    compacted_ = rv_;
  }

  std::uint64_t resource_version() const {
    const std::lock_guard lock(mutex_);
    return rv_;
  }

  // ---- authentication ----

  /// Accepted bearer tokens ({} = any request is accepted).
  void set_tokens(std::set<std::string> tokens) {
    const std::lock_guard lock(mutex_);
    tokens_ = std::move(tokens);
  }

  // ---- faults ----

  /// The next `count` requests whose target (path, then `?` and the query parameters in name
  /// order) contains `match`, and that are watches or not as `watch`, are answered `status` with
  /// a Status body and, when set, Retry-After.
  void fail_next(std::string match, bool watch, int status, int count,
                 std::string retry_after = "") {
    const std::lock_guard lock(mutex_);
    faults_.push_back(Fault{std::move(match), watch, status, count, std::move(retry_after)});
  }

  /// Each watch from now on ends after `events` events: cleanly (the final chunk) or cut
  /// (`abrupt`, no final chunk). 0 = no limit.
  void drop_watches_after(int events, bool abrupt) {
    const std::lock_guard lock(mutex_);
    drop_after_ = events;
    drop_abrupt_ = abrupt;
  }

  /// Forgets every fault not yet used up.
  void clear_faults() {
    const std::lock_guard lock(mutex_);
    faults_.clear();
  }

  /// Ends every open watch now, cleanly.
  void end_watches() {
    {
      const std::lock_guard lock(mutex_);
      ++end_seq_;
    }
    cv_.notify_all();
  }

  /// Sends a BOOKMARK at the current resourceVersion on every open watch that asked for them.
  void bookmark() {
    {
      const std::lock_guard lock(mutex_);
      ++bookmark_seq_;
    }
    cv_.notify_all();
  }

  /// Sends `line` (plus "\n") on every open watch of `collection`.
  void inject_line(const std::string& collection, std::string line) {
    {
      const std::lock_guard lock(mutex_);
      injected_.push_back({collection, std::move(line)});
    }
    cv_.notify_all();
  }

  // ---- observation ----

  std::vector<Request> requests() const {
    const std::lock_guard lock(mutex_);
    return log_;
  }

  /// Requests to `path` (exact), lists or watches.
  std::size_t count(const std::string& path, bool watch) const {
    const std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(log_.begin(), log_.end(), [&](const Request& r) {
      return r.path == path && r.watch() == watch;
    }));
  }

  std::size_t open_watches() const {
    const std::lock_guard lock(mutex_);
    return open_watches_;
  }

 private:
  struct Event {
    std::uint64_t rv;
    std::string collection;
    std::string type;
    json object;
  };
  struct Fault {
    std::string match;
    bool watch;
    int status;
    int count;
    std::string retry_after;
  };

  static json status_body(int code, const std::string& reason, const std::string& message) {
    return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason},
            {"code", code}};
  }

  static bool selected(const json& object, const std::string& selector) {
    if (selector.empty()) {
      return true;
    }
    const auto eq = selector.find('=');
    const json& labels = object["metadata"].value("labels", json::object());
    if (eq == std::string::npos) {
      return labels.contains(selector);
    }
    const std::string key = selector.substr(0, eq);
    return labels.contains(key) && labels[key] == selector.substr(eq + 1);
  }

  void answer(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    std::unique_lock lock(mutex_);
    Request r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) {
      r.query[k] = v;
    }
    r.authorization = req.get_header_value("Authorization");
    r.user_agent = req.get_header_value("User-Agent");
    const std::size_t index = log_.size();
    log_.push_back(r);
    auto finish = [&](int status) { log_[index].status = status; };

    if (!tokens_.empty() && (r.authorization.rfind("Bearer ", 0) != 0 ||
                             tokens_.count(r.authorization.substr(7)) == 0)) {
      finish(401);
      return answer(res, 401, status_body(401, "Unauthorized", "Unauthorized"));
    }
    std::string target = r.path + "?";
    for (const auto& [k, v] : r.query) {
      target += k + "=" + v + "&";
    }
    for (auto& f : faults_) {
      if (f.count > 0 && f.watch == r.watch() && target.find(f.match) != std::string::npos) {
        --f.count;
        if (!f.retry_after.empty()) {
          res.set_header("Retry-After", f.retry_after);
        }
        finish(f.status);
        return answer(res, f.status,
                      status_body(f.status, f.status == 429 ? "TooManyRequests" : "InternalError",
                                  "injected fault " + std::to_string(f.status)));
      }
    }
    if (r.path == "/apis/apps.kruise.io") {
      if (kruise_versions_.empty()) {
        finish(404);
        return answer(
            res, 404,
            status_body(404, "NotFound", "the server could not find the requested resource"));
      }
      json versions = json::array();
      for (const auto& v : kruise_versions_) {
        versions.push_back({{"groupVersion", "apps.kruise.io/" + v}, {"version", v}});
      }
      finish(200);
      return answer(res, 200,
                    {{"kind", "APIGroup"},
                     {"apiVersion", "v1"},
                     {"name", "apps.kruise.io"},
                     {"versions", versions},
                     {"preferredVersion", versions[0]}});
    }
    if (r.watch()) {
      finish(200);
      return watch(r, res, lock);
    }
    if (collections_.count(r.path) == 0) {
      // GET of one object: its collection's entry, or 404.
      const auto slash = r.path.rfind('/');
      const std::string parent = r.path.substr(0, slash);
      const std::string name = r.path.substr(slash + 1);
      const auto it = collections_.find(parent);
      if (it != collections_.end()) {
        if (it->second.count(name) == 0) {
          finish(404);
          return answer(res, 404, status_body(404, "NotFound", "\"" + name + "\" not found"));
        }
        finish(200);
        return answer(res, 200, it->second.at(name));
      }
    }
    finish(200);
    list(r, res);
  }

  void list(const Request& r, httplib::Response& res) {
    const auto& items = collections_[r.path];
    const std::string selector = r.query.count("labelSelector") ? r.query.at("labelSelector") : "";
    std::size_t limit = r.query.count("limit") ? std::stoul(r.query.at("limit")) : 0;
    std::uint64_t snapshot = rv_;
    std::size_t offset = 0;
    if (r.query.count("continue")) {
      const std::string token = r.query.at("continue");
      const auto colon = token.find(':');
      snapshot = std::stoull(token.substr(0, colon));
      offset = std::stoul(token.substr(colon + 1));
      if (snapshot <= compacted_) {
        return answer(res, 410,
                      status_body(410, "Expired",
                                  "The provided continue parameter is too old to display "
                                  "a consistent list result."));
      }
    }
    std::vector<json> matching;
    for (const auto& [name, object] : items) {
      if (selected(object, selector)) {
        matching.push_back(object);
      }
    }
    // A group's list says its group/version (/apis/G/V/...); a CRD's items keep kind and
    // apiVersion, built-in lists (/api/v1, /apis/apps/v1) omit them.
    const bool core = r.path.rfind("/api/", 0) == 0;
    std::string api_version = "v1";
    if (!core) {
      const auto parts = r.path.substr(6);  // after "/apis/"
      const auto first = parts.find('/');
      const auto second = parts.find('/', first + 1);
      api_version = parts.substr(0, second);
    }
    const bool builtin = core || api_version == "apps/v1";
    json body = {{"kind", "List"},
                 {"apiVersion", api_version},
                 {"metadata", {{"resourceVersion", std::to_string(snapshot)}}},
                 {"items", json::array()}};
    std::size_t end = limit == 0 ? matching.size() : std::min(matching.size(), offset + limit);
    for (std::size_t i = offset; i < end; ++i) {
      json item = matching[i];
      if (builtin) {
        item.erase("kind");
        item.erase("apiVersion");
      }
      body["items"].push_back(std::move(item));
    }
    if (end < matching.size()) {
      body["metadata"]["continue"] = std::to_string(snapshot) + ":" + std::to_string(end);
    }
    answer(res, 200, body);
  }

  struct Cursor {
    std::string collection;
    std::string selector;
    std::uint64_t rv = 0;
    std::size_t next = 0;  // index into history_
    bool bookmarks = false;
    std::uint64_t bookmark_seq = 0;
    std::size_t injected = 0;
    int sent = 0;
    bool expired = false;
    std::chrono::steady_clock::time_point deadline;
    bool counted = false;
    std::uint64_t end_seq = 0;
  };

  void watch(const Request& r, httplib::Response& res, std::unique_lock<std::mutex>& lock) {
    auto cursor = std::make_shared<Cursor>();
    cursor->collection = r.path;
    cursor->selector = r.query.count("labelSelector") ? r.query.at("labelSelector") : "";
    cursor->rv = r.query.count("resourceVersion") ? std::stoull(r.query.at("resourceVersion")) : 0;
    cursor->bookmarks = r.query.count("allowWatchBookmarks") != 0;
    cursor->bookmark_seq = bookmark_seq_;
    cursor->injected = injected_.size();
    cursor->end_seq = end_seq_;
    cursor->expired = cursor->rv < compacted_;
    const long timeout =
        r.query.count("timeoutSeconds") ? std::stol(r.query.at("timeoutSeconds")) : 60;
    cursor->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
    while (cursor->next < history_.size() && history_[cursor->next].rv <= cursor->rv) {
      ++cursor->next;
    }
    ++open_watches_;
    cursor->counted = true;
    lock.unlock();
    res.set_chunked_content_provider(
        "application/json",
        [this, cursor](std::size_t, httplib::DataSink& sink) { return pump(*cursor, sink); },
        [this, cursor](bool) {
          const std::lock_guard l(mutex_);
          if (cursor->counted) {
            --open_watches_;
            cursor->counted = false;
          }
        });
  }

  // One step of a watch stream: send what is due, or wait a little for it.
  bool pump(Cursor& c, httplib::DataSink& sink) {
    std::unique_lock lock(mutex_);
    const auto write = [&](const json& line) {
      const std::string text = line.dump() + "\n";
      return sink.write(text.data(), text.size());
    };
    if (c.expired) {
      write({{"type", "ERROR"},
             {"object", status_body(410, "Expired",
                                    "too old resource version: " + std::to_string(c.rv) + " (" +
                                        std::to_string(compacted_) + ")")}});
      sink.done();
      return true;
    }
    while (true) {
      if (stopping_ || !sink.is_writable()) {
        return false;
      }
      if (c.end_seq != end_seq_) {
        sink.done();
        return true;
      }
      if (drop_after_ > 0 && c.sent >= drop_after_) {
        if (drop_abrupt_) {
          return false;  // no final chunk: a cut stream
        }
        sink.done();
        return true;
      }
      bool wrote = false;
      while (c.next < history_.size() && !(drop_after_ > 0 && c.sent >= drop_after_)) {
        const Event& e = history_[c.next++];
        if (e.collection != c.collection || !selected(e.object, c.selector)) {
          continue;
        }
        if (!write({{"type", e.type}, {"object", e.object}})) {
          return false;
        }
        c.rv = e.rv;
        ++c.sent;
        wrote = true;
      }
      while (c.injected < injected_.size()) {
        const auto& [collection, line] = injected_[c.injected++];
        if (collection == c.collection) {
          const std::string text = line + "\n";
          sink.write(text.data(), text.size());
          wrote = true;
        }
      }
      if (c.bookmarks && c.bookmark_seq != bookmark_seq_) {
        c.bookmark_seq = bookmark_seq_;
        c.rv = rv_;
        write({{"type", "BOOKMARK"},
               {"object",
                {{"kind", "Bookmark"}, {"metadata", {{"resourceVersion", std::to_string(rv_)}}}}}});
        wrote = true;
      }
      if (wrote) {
        return true;
      }
      if (std::chrono::steady_clock::now() >= c.deadline) {
        sink.done();  // timeoutSeconds: a clean end
        return true;
      }
      cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }

  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::string> kruise_versions_ = {"v1beta1", "v1alpha1"};
  std::map<std::string, std::map<std::string, json>> collections_;
  std::vector<Event> history_;
  std::uint64_t rv_ = 100;
  std::uint64_t compacted_ = 0;
  std::set<std::string> tokens_;
  std::vector<Fault> faults_;
  int drop_after_ = 0;
  bool drop_abrupt_ = false;
  std::uint64_t bookmark_seq_ = 0;
  std::uint64_t end_seq_ = 0;
  std::vector<std::pair<std::string, std::string>> injected_;
  std::vector<Request> log_;
  std::size_t open_watches_ = 0;
};

/// Waits until `condition` holds, checking every few milliseconds, for at most `limit`.
/// Returns whether it held (a bounded wait on a condition, never a sleep used as an assertion).
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) {
      return condition();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace injector::testing
