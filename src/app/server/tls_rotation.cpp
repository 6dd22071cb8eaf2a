#include "server/tls_rotation.hpp"

#include <ctime>

#include "metrics/metrics.hpp"

namespace injector {
namespace {

std::string utc(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  return std::string(text, std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm));
}

}  // namespace

Result<void> TlsRotation::load() {
  const std::lock_guard lock(check_mu_);
  auto contents = read_tls_files(paths_);
  if (!contents) {
    return std::unexpected(contents.error());
  }
  auto material = build_tls_material(paths_, *contents);
  if (!material) {
    return std::unexpected(material.error());
  }
  last_tried_ = std::move(*contents);
  current_.store(std::make_shared<const TlsMaterial>(std::move(*material)));
  return {};
}

TlsReload TlsRotation::check_now(std::chrono::system_clock::time_point now) {
  const std::lock_guard lock(check_mu_);
  const auto refuse = [&](std::string why) {
    if (why == last_error_) {
      return TlsReload{};
    }
    last_error_ = why;
    metrics::global().cert_rotations_rejected.inc();
    return TlsReload{TlsReload::Outcome::kRejected, std::move(why), "", {}};
  };
  auto contents = read_tls_files(paths_);
  if (!contents) {
    read_failed_ = true;
    return refuse(contents.error().message);
  }
  if (read_failed_) {  // readable again: a later failure to read is news
    read_failed_ = false;
    last_error_.clear();
  }
  if (*contents == last_tried_) {
    return {};
  }
  last_tried_ = *contents;
  auto material = build_tls_material(paths_, *contents);
  if (!material) {
    return refuse(material.error().message);
  }
  if (now >= material->not_after) {
    return refuse("TLS certificate \"" + paths_.cert_file + "\" expired at " +
                  utc(material->not_after));
  }
  last_error_.clear();
  TlsReload rotated{TlsReload::Outcome::kRotated, "", material->serial, material->not_after};
  current_.store(std::make_shared<const TlsMaterial>(std::move(*material)));
  metrics::global().cert_rotations.inc();
  return rotated;
}

}  // namespace injector
