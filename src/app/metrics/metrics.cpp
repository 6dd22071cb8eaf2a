#include "metrics/metrics.hpp"

#include "version.hpp"

namespace injector::metrics {
namespace {

std::size_t index_of(std::string_view value, const auto& names, std::size_t fallback) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == value) {
      return i;
    }
  }
  return fallback;
}

std::size_t review_slot(std::size_t path, std::size_t outcome, std::size_t version) {
  return (path * kOutcomes.size() + outcome) * kVersions.size() + version;
}

}  // namespace

std::vector<double> review_buckets() {
  return {25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3,
          25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1.0,  2.5,    5.0,  10.0};
}

Metrics::Metrics() {
  for (auto& h : review_seconds) {
    h = std::make_unique<Histogram>(review_buckets());
  }
}

Metrics& global() {
  static Metrics instance;
  return instance;
}

std::optional<std::size_t> review_path_index(std::string_view path) {
  const std::size_t i = index_of(path, kReviewPaths, kReviewPaths.size());
  if (i == kReviewPaths.size()) {
    return std::nullopt;
  }
  return i;
}

void record_refused(Metrics& m, int code) {
  for (std::size_t i = 0; i < kRefusedCodes.size(); ++i) {
    if (kRefusedCodes[i] == code) {
      m.refused[i].inc();
    }
  }
}

void record_review(Metrics& m, std::size_t path, const ReviewLog& log,
                   std::chrono::nanoseconds latency) {
  const std::size_t outcome = index_of(log.outcome, kOutcomes, kOutcomes.size() - 1);
  const std::size_t version =
      index_of(log.version.empty() ? "unknown" : log.version, kVersions, kVersions.size() - 1);
  m.reviews[review_slot(path, outcome, version)].inc();
  m.review_seconds[path]->observe_ns(static_cast<std::uint64_t>(latency.count()));
  if (log.outcome == "patched" && log.sidecarset.empty()) {
    for (const auto& name : log.matched) {
      m.injections.inc(name);
    }
  }
  if (log.refused_code != 0) {
    record_refused(m, log.refused_code);
  }
}

void record_world(Metrics& m, std::uint64_t generation, std::size_t loaded, std::size_t invalid,
                  std::size_t conflict, std::chrono::nanoseconds build,
                  std::chrono::system_clock::time_point at) {
  m.world_generation.set(static_cast<std::int64_t>(generation));
  m.sidecarsets_loaded.set(static_cast<std::int64_t>(loaded));
  m.sidecarsets_invalid.set(static_cast<std::int64_t>(invalid));
  m.sidecarsets_conflict.set(static_cast<std::int64_t>(conflict));
  m.world_build_seconds.set(std::chrono::duration<double>(build).count());
  m.world_built_timestamp.set(std::chrono::duration<double>(at.time_since_epoch()).count());
}

std::string render(const Metrics& m) {
  constexpr std::string_view p = "sidecarset_injector_";
  const auto name = [&](std::string_view suffix) { return std::string(p) + std::string(suffix); };
  Exposition out;

  out.family(name("admission_reviews_total"), "counter",
             "Admission reviews answered, by webhook path, outcome and AdmissionReview version.");
  for (std::size_t path = 0; path < kReviewPaths.size(); ++path) {
    for (std::size_t o = 0; o < kOutcomes.size(); ++o) {
      for (std::size_t v = 0; v < kVersions.size(); ++v) {
        out.sample(name("admission_reviews_total"),
                   {{"path", std::string(kReviewPaths[path])},
                    {"outcome", std::string(kOutcomes[o])},
                    {"version", std::string(kVersions[v])}},
                   m.reviews[review_slot(path, o, v)].value());
      }
    }
  }
  out.family(name("admission_review_duration_seconds"), "histogram",
             "Time from a complete request to its answer, by webhook path.");
  for (std::size_t path = 0; path < kReviewPaths.size(); ++path) {
    out.histogram(name("admission_review_duration_seconds"),
                  {{"path", std::string(kReviewPaths[path])}}, *m.review_seconds[path]);
  }
  out.family(name("admission_reviews_in_flight"), "gauge",
             "Admission reviews being answered now, by webhook path.");
  for (std::size_t path = 0; path < kReviewPaths.size(); ++path) {
    out.sample(name("admission_reviews_in_flight"), {{"path", std::string(kReviewPaths[path])}},
               m.in_flight[path].value());
  }
  out.family(name("injections_total"), "counter", "Pods patched with a SidecarSet, by SidecarSet.");
  for (const auto& [sidecarset, count] : m.injections.values()) {
    out.sample(name("injections_total"), {{"sidecarset", sidecarset}}, count);
  }
  out.family(name("sidecarsets"), "gauge",
             "SidecarSets of the World in use (loaded), and left out as invalid or in conflict "
             "with an older one.");
  out.sample(name("sidecarsets"), {{"state", "loaded"}}, m.sidecarsets_loaded.value());
  out.sample(name("sidecarsets"), {{"state", "invalid"}}, m.sidecarsets_invalid.value());
  out.sample(name("sidecarsets"), {{"state", "conflict"}}, m.sidecarsets_conflict.value());
  out.family(name("world_generation"), "gauge", "Generation of the World in use.");
  out.sample(name("world_generation"), {}, m.world_generation.value());
  out.family(name("world_build_duration_seconds"), "gauge",
             "How long building the World in use took.");
  out.sample(name("world_build_duration_seconds"), {}, m.world_build_seconds.value());
  out.family(name("world_last_build_timestamp_seconds"), "gauge",
             "When the World in use went into service (Unix time).");
  out.sample(name("world_last_build_timestamp_seconds"), {}, m.world_built_timestamp.value());
  out.family(name("source_reloads_total"), "counter",
             "Reloads of changed SidecarSet files: applied, or rejected (the last good set "
             "keeps serving).");
  out.sample(name("source_reloads_total"), {{"result", "applied"}}, m.reloads_applied.value());
  out.sample(name("source_reloads_total"), {{"result", "rejected"}}, m.reloads_rejected.value());
  out.family(name("tls_certificate_reloads_total"), "counter",
             "Changes of the serving certificate files: rotated, or rejected (the current one "
             "keeps serving).");
  out.sample(name("tls_certificate_reloads_total"), {{"result", "rotated"}},
             m.cert_rotations.value());
  out.sample(name("tls_certificate_reloads_total"), {{"result", "rejected"}},
             m.cert_rotations_rejected.value());
  out.family(name("tls_handshake_failures_total"), "counter",
             "TLS handshakes that failed (wrong CA, protocol, or a client that went away).");
  out.sample(name("tls_handshake_failures_total"), {}, m.tls_handshake_failures.value());
  out.family(name("http_requests_refused_total"), "counter",
             "Requests refused as unreadable, by HTTP status: 400 malformed, 413 too large, "
             "415 not JSON, 431 headers too large.");
  for (std::size_t i = 0; i < kRefusedCodes.size(); ++i) {
    out.sample(name("http_requests_refused_total"), {{"code", std::to_string(kRefusedCodes[i])}},
               m.refused[i].value());
  }
  out.family(name("build_info"), "gauge", "Always 1; the version of this binary.");
  out.sample(name("build_info"), {{"version", std::string(version())}}, std::int64_t{1});
  m.collectors.collect(out);
  return out.take();
}

}  // namespace injector::metrics
