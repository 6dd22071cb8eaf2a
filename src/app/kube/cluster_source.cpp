#include "kube/cluster_source.hpp"

#include <ctime>
#include <map>
#include <random>

#include "injector/model/cluster.hpp"
#include "injector/model/world.hpp"
#include "injector/wire/json_access.hpp"
#include "injector/wire/json_parse.hpp"
#include "metrics/metrics.hpp"
#include "server/log.hpp"

namespace injector::kube {
namespace {

constexpr std::string_view kGroup = "apps.kruise.io";

std::string describe_informer(const Informer& informer) {
  const InformerStatus s = informer.status();
  std::string out = "informer " + informer.describe() + ": ";
  out += s.synced ? "synced" : "not synced";
  out += s.watching ? ", watching" : ", not watching";
  out += ", resourceVersion " + (s.resource_version.empty() ? "-" : s.resource_version);
  out += ", objects " + std::to_string(informer.store().size());
  out += ", lists " + std::to_string(s.lists) + ", watches " + std::to_string(s.watches) +
         ", events " + std::to_string(s.events) + ", bookmarks " + std::to_string(s.bookmarks) +
         ", failures " + std::to_string(s.failures);
  if (s.last_sync) {
    out += ", last list " + rfc3339(*s.last_sync);
  }
  if (s.last_event) {
    out += ", last event " + rfc3339(*s.last_event);
  }
  if (!s.last_error.empty()) {
    out += ", last error: " + s.last_error;
  }
  return out;
}

void log_notice(const std::string& what, const InformerNotice& n) {
  switch (n.kind) {
    case InformerNotice::Kind::kListFailed:
      log_event(spdlog::level::warn, "list failed", {{"resource", what}, {"error", n.message}});
      break;
    case InformerNotice::Kind::kWatchFailed:
      log_event(spdlog::level::info, "watch ended", {{"resource", what}, {"error", n.message}});
      break;
    case InformerNotice::Kind::kWatchExpired:
      log_event(spdlog::level::info, "resourceVersion expired, listing again",
                {{"resource", what}, {"reason", n.message}});
      break;
    case InformerNotice::Kind::kBackoff:
      log_event(spdlog::level::debug, "backing off",
                {{"resource", what}, {"delay_ms", std::to_string(n.delay.count())}});
      break;
    case InformerNotice::Kind::kBadEvent:
      log_event(spdlog::level::warn, "undecodable watch event, resuming the watch",
                {{"resource", what}, {"error", n.message}});
      break;
  }
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ClusterSource::ClusterSource(Client& client, ClusterSourceOptions options, WorldHolder& holder)
    : client_(client),
      options_(std::move(options)),
      holder_(holder),
      discovery_backoff_(options_.backoff) {}

ClusterSource::~ClusterSource() { stop(); }

void ClusterSource::start() {
  builder_ = std::thread([this] { build_loop(); });
  client_.post([this] { discover(); });
}

void ClusterSource::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ && !builder_.joinable()) {
      return;
    }
    stopping_ = true;
  }
  wake_.notify_all();
  if (informers_ready_.load()) {
    for (auto& informer : informers_) {
      informer->stop();
    }
  }
  if (builder_.joinable()) {
    builder_.join();
  }
}

// GET /apis/apps.kruise.io: v1beta1 when served (OpenKruise >= 1.9 and our CRD), else v1alpha1.
void ClusterSource::discover() {
  HttpRequest request;
  request.target = "/apis/" + std::string(kGroup);
  client_.async_request(std::move(request), [this](ApiResult<HttpResponse> result) {
    std::string error;
    std::string chosen;
    if (!result) {
      error = result.error().status.code == 404
                  ? "the API server does not serve apps.kruise.io: install the SidecarSet CRD "
                    "(kubectl apply -k manifests/crd) or OpenKruise"
                  : result.error().message;
    } else if (auto group = parse_json(result->body); !group) {
      error = "GET /apis/apps.kruise.io: answer is not JSON";
    } else {
      bool beta = false;
      bool alpha = false;
      const Json& versions = member(*group, "versions");
      if (versions.is_array()) {
        for (const auto& v : versions) {
          beta = beta || member_string(v, "version") == "v1beta1";
          alpha = alpha || member_string(v, "version") == "v1alpha1";
        }
      }
      chosen = beta ? "v1beta1" : alpha ? "v1alpha1" : "";
      if (chosen.empty()) {
        error = "apps.kruise.io serves neither v1beta1 nor v1alpha1";
      }
    }
    {
      const std::lock_guard lock(mutex_);
      if (stopping_) {
        return;
      }
      discovery_error_ = error;
    }
    if (!chosen.empty()) {
      return start_informers(chosen);
    }
    log_event(spdlog::level::warn, "SidecarSet discovery failed", {{"error", error}});
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const auto delay = discovery_backoff_.next(std::chrono::steady_clock::now(),
                                               std::uniform_real_distribution<>(0, 1)(rng));
    client_.after(delay, [this] { discover(); });
  });
}

void ClusterSource::start_informers(const std::string& sidecarset_version) {
  struct Spec {
    Resource resource;
    std::string ns;
    std::string selector;
  };
  const Spec specs[] = {
      {sidecarsets(sidecarset_version), "", ""},
      {namespaces(), "", ""},
      // OpenKruise labels every SidecarSet revision with its owner's name.
      {controller_revisions(), options_.revision_namespace, std::string(kRevisionOwnerLabel)},
  };
  for (const auto& spec : specs) {
    InformerOptions o;
    o.resource = spec.resource;
    o.namespace_name = spec.ns;
    o.label_selector = spec.selector;
    o.page_size = options_.page_size;
    o.min_watch_timeout = options_.min_watch_timeout;
    o.backoff = options_.backoff;
    InformerHandlers h;
    h.on_add = [this](const ObjectPtr&) { mark_dirty(); };
    h.on_update = [this](const ObjectPtr&, const ObjectPtr&) { mark_dirty(); };
    h.on_delete = [this](const ObjectPtr&) { mark_dirty(); };
    h.on_synced = [this] { mark_dirty(); };
    const std::string what = spec.resource.describe() + (spec.ns.empty() ? "" : " in " + spec.ns);
    h.on_notice = [what](const InformerNotice& n) { log_notice(what, n); };
    informers_.push_back(std::make_unique<Informer>(client_, std::move(o), std::move(h)));
  }
  {
    const std::lock_guard lock(mutex_);
    sidecarset_resource_ = specs[0].resource.describe();
    if (stopping_) {
      return;
    }
  }
  informers_ready_.store(true);
  collector_ = metrics::global().collectors.add([this](metrics::Exposition& out) { collect(out); });
  log_event(
      spdlog::level::info, "reading the cluster",
      {{"sidecarsets", sidecarset_resource_}, {"revision_namespace", options_.revision_namespace}});
  for (auto& informer : informers_) {
    informer->start();
  }
}

bool ClusterSource::all_synced() const {
  if (!informers_ready_.load()) {
    return false;
  }
  for (const auto& informer : informers_) {
    if (!informer->status().synced) {
      return false;
    }
  }
  return true;
}

void ClusterSource::mark_dirty() {
  {
    const std::lock_guard lock(mutex_);
    dirty_ = true;
  }
  wake_.notify_one();
}

void ClusterSource::build_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || (dirty_ && all_synced()); });
    if (stopping_) {
      return;
    }
    // Everything that changes from here on makes the next build.
    dirty_ = false;
    lock.unlock();
    build_once();
    lock.lock();
  }
}

void ClusterSource::build_once() {
  const auto started = std::chrono::steady_clock::now();
  ClusterObjects objects;
  objects.sidecarsets = informers_[0]->store().list();
  objects.namespaces = informers_[1]->store().list();
  objects.revisions = informers_[2]->store().list();
  const auto previous = holder_.get();
  const std::uint64_t generation = (previous ? previous->generation : 0) + 1;
  TolerantWorldBuild built = build_cluster_world(objects, generation, options_.revision_namespace);

  BuildReport report;
  report.generation = generation;
  report.sidecarsets = built.build.world->sidecarsets.size();
  report.namespaces = objects.namespaces.size();
  report.revisions = objects.revisions.size();
  std::set<std::string> current;
  for (const auto& p : built.problems) {
    report.problems.push_back(p.to_string());
    current.insert(report.problems.back());
  }
  report.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  // Each problem is logged once, when it appears; a fixed object is announced when it is back.
  std::set<std::string> left_out;
  for (const auto& p : built.problems) {
    left_out.insert(p.origin.file + "\x1f" + p.object);
  }
  report.left_out = left_out.size();
  // A SidecarSet left out only for rule 14 (it collides with an older one) is in conflict; any
  // other problem makes it invalid.
  std::map<std::string, bool> only_conflicts;
  for (const auto& p : built.problems) {
    const bool conflict = p.message.find(" is in conflict with sidecarset ") != std::string::npos ||
                          p.message.find(" already exist in ") != std::string::npos;
    auto [it, fresh] = only_conflicts.emplace(p.origin.file + "\x1f" + p.object, conflict);
    if (!fresh) {
      it->second = it->second && conflict;
    }
  }
  std::size_t conflicts = 0;
  for (const auto& [key, conflict] : only_conflicts) {
    conflicts += conflict ? 1 : 0;
  }
  for (const auto& p : report.problems) {
    if (!logged_problems_.contains(p)) {
      log_event(spdlog::level::err, "sidecarset left out", {{"problem", p}});
    }
  }
  for (const auto& old : logged_problems_) {
    if (!current.contains(old)) {
      log_event(spdlog::level::info, "sidecarset problem resolved", {{"problem", old}});
    }
  }
  logged_problems_ = std::move(current);
  const BuildReport logged = report;
  {
    // The report and the World change together: /readyz never describes another generation.
    const std::lock_guard lock(mutex_);
    report_ = std::move(report);
    built_at_ = std::chrono::system_clock::now();
    holder_.set(built.build.world);
    ++builds_;
  }
  metrics::record_world(
      metrics::global(), generation, logged.sidecarsets, logged.left_out - conflicts, conflicts,
      std::chrono::steady_clock::now() - started, std::chrono::system_clock::now());
  log_event(spdlog::level::info, "sidecarsets updated from the cluster",
            {{"generation", std::to_string(generation)},
             {"sidecarsets", std::to_string(logged.sidecarsets)},
             {"left_out", std::to_string(logged.left_out)},
             {"namespaces", std::to_string(logged.namespaces)},
             {"revisions", std::to_string(logged.revisions)},
             {"build_ms", std::to_string(logged.duration.count() / 1000)}});
}

Readiness ClusterSource::readiness(bool verbose) const {
  Readiness r;
  std::string details;
  if (verbose && informers_ready_.load()) {
    for (const auto& informer : informers_) {
      details += describe_informer(*informer) + "\n";
    }
  }
  const std::lock_guard lock(mutex_);
  if (verbose) {
    for (const auto& p : report_.problems) {
      details += "left out: " + p + "\n";
    }
  }
  if (!built_at_) {
    std::string why;
    if (sidecarset_resource_.empty()) {
      why = "discovering SidecarSets" +
            (discovery_error_.empty() ? std::string() : ": " + discovery_error_);
    } else {
      why = "waiting for the first list of";
      for (const auto& informer : informers_) {
        if (!informer->status().synced) {
          why += " " + informer->describe() + ",";
        }
      }
      if (why.back() == ',') {
        why.pop_back();
      } else {
        why = "building the first World";
      }
    }
    r.text = "not ready: " + why + "\n" + details;
    return r;
  }
  r.ready = true;
  r.text = "ready generation=" + std::to_string(report_.generation) +
           " last-sync=" + rfc3339(*built_at_) +
           " sidecarsets=" + std::to_string(report_.sidecarsets) +
           " left-out=" + std::to_string(report_.left_out) + "\n" + details;
  return r;
}

BuildReport ClusterSource::last_build() const {
  const std::lock_guard lock(mutex_);
  return report_;
}

}  // namespace injector::kube

namespace injector::kube {

void ClusterSource::collect(metrics::Exposition& out) const {
  constexpr std::string_view kSync = metrics::kInformerLastSync;
  constexpr std::string_view kRelists = metrics::kInformerRelists;
  constexpr std::string_view kRestarts = metrics::kInformerWatchRestarts;
  std::vector<std::pair<std::string, InformerStatus>> statuses;
  for (const auto& informer : informers_) {
    statuses.emplace_back(informer->describe(), informer->status());
  }
  out.family(kSync, "gauge",
             "When each informer last completed a list or received a watch event or bookmark "
             "(Unix time; 0 before its first list).");
  for (const auto& [resource, s] : statuses) {
    const auto last =
        s.last_event && (!s.last_sync || *s.last_event > *s.last_sync) ? s.last_event : s.last_sync;
    out.sample(kSync, {{"resource", resource}},
               last ? std::chrono::duration<double>(last->time_since_epoch()).count() : 0.0);
  }
  // The first list and the first watch are not restarts (client-go's reflector relists after a
  // 410 Gone and rewatches after every watch timeout or drop).
  out.family(kRelists, "counter", "Complete lists after the first, per informer.");
  for (const auto& [resource, s] : statuses) {
    out.sample(kRelists, {{"resource", resource}}, s.lists > 0 ? s.lists - 1 : 0);
  }
  out.family(kRestarts, "counter", "Watch requests after the first, per informer.");
  for (const auto& [resource, s] : statuses) {
    out.sample(kRestarts, {{"resource", resource}}, s.watches > 0 ? s.watches - 1 : 0);
  }
}

}  // namespace injector::kube
