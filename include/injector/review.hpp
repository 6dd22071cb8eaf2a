#pragma once
// AdmissionReview codec (admission.k8s.io v1 and v1beta1) and the one review pipeline that both
// the HTTPS server and the `review` CLI call: bytes in, bytes out.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "injector/inject.hpp"
#include "injector/json.hpp"
#include "injector/world.hpp"

namespace injector {

enum class ReviewVersion { kV1, kV1beta1 };

struct AdmissionRequest {
  ReviewVersion version = ReviewVersion::kV1;
  std::string uid;
  Json kind = Json::object();      // {group, version, kind}
  Json resource = Json::object();  // {group, version, resource}
  std::string sub_resource;
  std::string name;
  std::string namespace_name;
  std::string operation;  // CREATE, UPDATE, DELETE, CONNECT
  bool dry_run = false;
  Json object;  // null when absent
};

struct AdmissionResponse {
  std::string uid;
  bool allowed = true;
  Json patch = Json::array();  // RFC 6902 ops; patchType/patch are sent only when non-empty
  int code = 0;                // status.code, 0 = no status
  std::string message;         // status.message
  std::vector<std::string> warnings;
  std::map<std::string, std::string> audit_annotations;
};

// Response builders, named after controller-runtime's; no response is assembled elsewhere.
AdmissionResponse allowed(std::string uid, std::string message = {});
AdmissionResponse patched(std::string uid, Json patch);
AdmissionResponse denied(std::string uid, std::string message, int code = 403);
AdmissionResponse errored(std::string uid, int code, std::string message);

/// What could be read of a body that failed to decode, so the error still gets a review.
struct DecodeFailure {
  int code = 400;  // 400 malformed, 415 media type, 413 size
  std::string message;
  std::optional<ReviewVersion> version;  // when apiVersion was readable and known
  std::string uid;                       // "" when no uid could be read
};

/// Decodes an AdmissionReview request body.
std::expected<AdmissionRequest, DecodeFailure> decode_review(std::string_view body);

/// Encodes a response AdmissionReview in `version` (compact JSON).
std::string encode_review(ReviewVersion version, const AdmissionResponse& response);

/// Standard base64 with padding (what the API server expects for `response.patch`).
std::string base64_encode(std::string_view bytes);

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
  std::string pod_name;  // name, or generateName when the pod has no name yet
  std::string operation;
  std::vector<std::string> matched;
  std::size_t ops = 0;
  std::string outcome;  // patched | allowed | skipped | denied | error
  std::string message;
};

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

}  // namespace injector
