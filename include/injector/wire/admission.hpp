#pragma once
// AdmissionReview codec (admission.k8s.io v1 and v1beta1) and the response builders.

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"

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
  Json object;      // null when absent
  Json old_object;  // null when absent (CREATE sends null)
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
/// base64_encode(bytes) appended to `out`, written in place.
void base64_append(std::string& out, std::string_view bytes);

/// Standard base64 with padding back to bytes (line breaks ignored); nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

/// `value` as a JSON string literal, cut to 100 bytes (`"abc..."`), for messages that quote
/// untrusted input: one message can never grow to megabytes.
std::string quote_value(std::string_view value);

}  // namespace injector
