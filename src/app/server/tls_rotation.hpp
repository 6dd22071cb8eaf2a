#pragma once
// The serving TLS material in use, and its rotation: the files are read again on every check
// and a changed, valid set becomes the context of new handshakes (connections keep the context
// they shook hands with). A bad set is refused once and the current material keeps serving.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "server/server.hpp"
#include "server/tls_context.hpp"
#include "shared_snapshot.hpp"

namespace injector {

class TlsRotation {
 public:
  explicit TlsRotation(TlsPaths paths) : paths_(std::move(paths)) {}

  /// The first load (at start): any error is the start error. An expired certificate loads
  /// (readiness reports it).
  Result<void> load();
  /// The material for a new handshake; null before load().
  std::shared_ptr<const TlsMaterial> current() const { return current_.load(); }
  /// Reads the files; when their bytes differ from the last set tried, builds them and swaps the
  /// result in, unless it fails or its certificate is expired at `now`. A refused set is
  /// reported once (kRejected), then kUnchanged until the files change again.
  TlsReload check_now(std::chrono::system_clock::time_point now);
  const TlsPaths& paths() const { return paths_; }

 private:
  TlsPaths paths_;
  std::mutex check_mu_;         // serialises check_now() and load()
  TlsFileContents last_tried_;  // guarded by check_mu_
  std::string last_error_;      // guarded by check_mu_: the refusal last reported
  bool read_failed_ = false;    // guarded by check_mu_: the last check could not read a file
  SharedSnapshot<TlsMaterial> current_;
};

}  // namespace injector
