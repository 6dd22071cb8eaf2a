// Counting audited pods into a bounded report, and the report as JSON.

#include "injector/audit/audit.hpp"

#include "injector/wire/json_access.hpp"

namespace injector {
namespace {

void add_requests(Requests& total, const Requests& r) {
  // A sum too large for a quantity keeps the total it had; it cannot happen with real requests.
  (void)add_quantity(total.cpu, r.cpu);
  (void)add_quantity(total.memory, r.memory);
}

void count(AuditCounts& c, const SidecarSetVerdict& v) {
  ++c.selected;
  if (v.status == SidecarStatus::kMissing) {
    ++c.missing;
  } else if (v.status == SidecarStatus::kOutdated) {
    ++c.outdated;
    c.outdated_image_only += v.image_only ? 1 : 0;
  }
  if (v.requests_error.empty()) {
    add_requests(c.requests, v.requests);
  } else {
    ++c.requests_unknown;
  }
}

void keep(std::vector<std::string>& names, const std::string& name, std::size_t limit) {
  if (names.size() < limit) {
    names.push_back(name);
  }
}

Json counts_json(const AuditCounts& c) {
  Json j = {{"selected", c.selected},
            {"missing", c.missing},
            {"outdated", c.outdated},
            {"outdatedImageOnly", c.outdated_image_only},
            {"requests", requests_json(c.requests)}};
  if (c.requests_unknown != 0) {
    j["requestsUnknown"] = c.requests_unknown;
  }
  return j;
}

}  // namespace

bool AuditReport::clean() const {
  if (errors != 0) {
    return false;
  }
  for (const auto& [name, s] : sidecarsets) {
    if (s.counts.missing != 0 || s.counts.outdated != 0) {
      return false;
    }
  }
  return true;
}

AuditReport start_report(const World& world, std::size_t max_listed) {
  AuditReport report;
  report.max_listed = max_listed;
  for (const auto& s : world.sidecarsets) {
    report.sidecarsets[s.name] = SidecarSetAudit{s.name, s.hash, {}, {}};
  }
  return report;
}

void add_pod(AuditReport& report, const World& world, const Json& pod) {
  ++report.pods;
  auto verdict = audit_pod(world, pod);
  if (!verdict) {
    ++report.errors;
    const Json& metadata = member(pod, "metadata");
    keep(report.error_messages,
         "pod " + member_string(metadata, "namespace") + "/" + member_string(metadata, "name") +
             ": " + verdict.error().message,
         report.max_listed);
    return;
  }
  if (!verdict->active) {
    ++report.pods_inactive;
    return;
  }
  if (verdict->sidecarsets.empty()) {
    return;
  }
  ++report.pods_selected;
  bool affected = false;
  for (const auto& v : verdict->sidecarsets) {
    auto& s = report.sidecarsets[v.sidecarset];
    if (s.name.empty()) {
      s.name = v.sidecarset;
      if (const SidecarSet* live = world.find(v.sidecarset); live != nullptr) {
        s.hash = live->hash;
      }
    }
    AuditGroup& group = s.namespaces[verdict->namespace_name];
    count(s.counts, v);
    count(group.counts, v);
    if (v.status == SidecarStatus::kMissing) {
      keep(group.missing_pods, verdict->name, report.max_listed);
    } else if (v.status == SidecarStatus::kOutdated) {
      keep(group.outdated_pods, verdict->name, report.max_listed);
    }
    affected = affected || v.status != SidecarStatus::kOk;
    if (v.requests_error.empty()) {
      add_requests(report.requests, v.requests);
    }
  }
  report.pods_affected += affected ? 1 : 0;
}

Json requests_json(const Requests& r) {
  return {{"cpu", format_quantity(r.cpu)}, {"memory", format_quantity(r.memory)}};
}

Json report_json(const AuditReport& report) {
  Json sidecarsets = Json::array();
  std::size_t missing = 0;
  std::size_t outdated = 0;
  for (const auto& [name, s] : report.sidecarsets) {
    missing += s.counts.missing;
    outdated += s.counts.outdated;
    Json namespaces = Json::array();
    for (const auto& [ns, g] : s.namespaces) {
      Json j = counts_json(g.counts);
      j["name"] = ns;
      j["missingPods"] = g.missing_pods;
      j["outdatedPods"] = g.outdated_pods;
      namespaces.push_back(std::move(j));
    }
    Json j = {{"name", name}, {"hash", s.hash}};
    j.update(counts_json(s.counts));
    j["namespaces"] = std::move(namespaces);
    sidecarsets.push_back(std::move(j));
  }
  return {{"kind", "SidecarAudit"},
          {"sidecarsets", std::move(sidecarsets)},
          {"totals",
           {{"pods", report.pods},
            {"podsInactive", report.pods_inactive},
            {"podsSelected", report.pods_selected},
            {"podsAffected", report.pods_affected},
            {"missing", missing},
            {"outdated", outdated},
            {"requests", requests_json(report.requests)},
            {"errors", report.errors}}},
          {"maxListed", report.max_listed},
          {"errors", report.error_messages}};
}

}  // namespace injector
