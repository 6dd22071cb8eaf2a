#pragma once
// The one review pipeline that both the HTTPS server and the `review` CLI call: bytes in, bytes
// out.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "injector/inject/inject.hpp"
#include "injector/json.hpp"
#include "injector/model/world.hpp"
#include "injector/wire/admission.hpp"

namespace injector {

/// The HTTP request as the edge saw it.
struct HttpReviewRequest {
  std::string_view content_type;  // header value, may carry parameters (charset)
  std::string_view body;
  bool body_too_large = false;  // the edge stopped reading at its limit
};

/// One structured log record per review (the edge prints it; the core never logs).
struct ReviewLog {
  std::string uid;
  std::string namespace_name;
  std::string pod_name;    // name, or generateName when the pod has no name yet
  std::string sidecarset;  // the SidecarSet reviewed by a SidecarSet webhook, "" for pods
  std::string operation;
  std::string version;  // v1 | v1beta1 | "" when the request's version could not be read
  std::vector<std::string> matched;
  std::size_t ops = 0;
  std::string outcome;  // patched | allowed | skipped | denied | error
  std::string message;
  std::vector<std::string> warnings;  // as sent in the response (bounded)
  int refused_code = 0;               // 400, 413 or 415 when the request could not be read, else 0
};

/// The audit annotation of a patched pod: the SidecarSets injected, comma-separated. The API
/// server records it as `<webhook name>/injected-sidecarsets`.
inline constexpr std::string_view kInjectedAuditKey = "injected-sidecarsets";

struct ReviewOutcome {
  int http_status = 200;
  std::string content_type = "application/json";
  std::string body;
  ReviewLog log;
};

/// The whole pipeline: decode, skip what is not a Pod CREATE (§2.1), inject, encode. Never throws;
/// every input, however broken, gets a well-formed answer.
ReviewOutcome review(const World& world, const HttpReviewRequest& request,
                     const InjectOptions& options);

/// The SidecarSet webhooks OpenKruise serves for its own objects.
enum class SidecarSetWebhook {
  kMutate,    // msidecarset: defaults and hash annotations as a JSONPatch
  kValidate,  // vsidecarset: §6, against the SidecarSets and ControllerRevisions of the World
};

/// The same pipeline for a SidecarSet review: decode, mutate_sidecarset or
/// validate_sidecarset_admission, encode; transport failures answered exactly as review() does.
/// `world` may be null (no World yet): mutation needs none, validation then holds no other
/// SidecarSets or ControllerRevisions.
ReviewOutcome review_sidecarset(SidecarSetWebhook webhook, const World* world,
                                const HttpReviewRequest& request);

}  // namespace injector
