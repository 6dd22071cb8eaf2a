// AdmissionReview codec (admission.k8s.io v1 and v1beta1) and the response builders.
//
// Decoding follows what kube-apiserver sends and what its own (apimachinery, non-strict) decoder
// would accept: an absent or null field is its zero value, a field of the wrong JSON type fails
// the whole review.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "injector/wire/admission.hpp"

#include "injector/wire/json_parse.hpp"
#include "injector/wire/json_write.hpp"

namespace injector {

namespace {

constexpr std::string_view kApiVersionV1 = "admission.k8s.io/v1";
constexpr std::string_view kApiVersionV1beta1 = "admission.k8s.io/v1beta1";
constexpr std::string_view kReviewKind = "AdmissionReview";

// A real Pod nests fewer than 20 levels and Go's encoding/json stops at 10000. Every later walk of
// the object (copy, diff, dump) is recursive, so a body nesting deeper than this is refused while
// it is parsed, keeping those walks far inside a thread's stack whatever the body size limit is.
constexpr std::size_t kMaxNesting = 1000;

// Every dump of untrusted text goes through the replacing handler: a string holding invalid UTF-8
// (possible in SidecarSet text) must not make the encoder throw.
std::string dump_compact(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}
std::string_view version_string(ReviewVersion version) {
  return version == ReviewVersion::kV1beta1 ? kApiVersionV1beta1 : kApiVersionV1;
}

DecodeFailure failure(int code, std::string message) {
  DecodeFailure f;
  f.code = code;
  f.message = std::move(message);
  return f;
}

// Reads the string member `key` of `parent` into `out`: absent or null leaves "", another JSON
// type is an error `<field>.<key> must be a string`.
std::optional<std::string> read_string(const Json& parent, const char* key, std::string_view field,
                                       std::string& out) {
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) {
    out.clear();
    return std::nullopt;
  }
  if (!it->is_string()) {
    return std::string(field) + "." + key + " must be a string";
  }
  out = it->get<std::string>();
  return std::nullopt;
}

// Reads a GroupVersionKind / GroupVersionResource object into {group, version, <last>}, each a
// string ("" when absent), so later code compares plain strings.
std::optional<std::string> read_group_version(const Json& request, const char* key,
                                              const char* last, Json& out) {
  const std::string field = std::string("request.") + key;
  out = Json::object();
  const auto it = request.find(key);
  if (it != request.end() && !it->is_null() && !it->is_object()) {
    return field + " must be an object";
  }
  const Json empty = Json::object();
  const Json& source = (it == request.end() || it->is_null()) ? empty : *it;
  for (const char* member : {"group", "version", last}) {
    std::string value;
    if (auto error = read_string(source, member, field, value)) {
      return error;
    }
    out[member] = std::move(value);
  }
  return std::nullopt;
}

std::optional<std::string> read_request_fields(Json& request, AdmissionRequest& out) {
  if (auto error = read_group_version(request, "kind", "kind", out.kind)) {
    return error;
  }
  if (auto error = read_group_version(request, "resource", "resource", out.resource)) {
    return error;
  }
  if (auto error = read_string(request, "subResource", "request", out.sub_resource)) {
    return error;
  }
  if (auto error = read_string(request, "name", "request", out.name)) {
    return error;
  }
  if (auto error = read_string(request, "namespace", "request", out.namespace_name)) {
    return error;
  }
  if (auto error = read_string(request, "operation", "request", out.operation)) {
    return error;
  }
  if (const auto it = request.find("dryRun"); it != request.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return std::string("request.dryRun must be a boolean");
    }
    out.dry_run = it->get<bool>();
  }
  // runtime.RawExtension takes any JSON value; whether it is a Pod is checked where it is used.
  if (const auto it = request.find("object"); it != request.end()) {
    out.object = std::move(*it);
  }
  if (const auto it = request.find("oldObject"); it != request.end()) {
    out.old_object = std::move(*it);
  }
  return std::nullopt;
}

// The body as a JSON object. Nothing can be read from a body that fails here: no uid, no version.
std::expected<Json, DecodeFailure> parse_object(std::string_view body) {
  if (body.empty()) {
    return std::unexpected(failure(400, "request body is empty"));
  }
  auto parsed = parse_json(body, kMaxNesting);  // refused while parsing, before any walk
  if (!parsed && parsed.error().too_deep) {
    return std::unexpected(
        failure(400, "request body nests deeper than " + std::to_string(kMaxNesting) + " levels"));
  }
  if (!parsed) {
    return std::unexpected(failure(400, "request body is not valid JSON (syntax error at byte " +
                                            std::to_string(parsed.error().byte) + ")"));
  }
  Json doc = std::move(*parsed);
  if (!doc.is_object()) {
    return std::unexpected(failure(400, "request body is not a JSON object"));
  }
  return doc;
}

// The AdmissionReview envelope: apiVersion, kind, request and request.uid, in that order. `read`
// holds the version and uid already read from `doc`. Returns "" when all is well.
std::string check_envelope(const Json& doc, const DecodeFailure& read) {
  constexpr std::string_view kExpectedVersions =
      ": expected admission.k8s.io/v1 or admission.k8s.io/v1beta1";
  const auto api_version = doc.find("apiVersion");
  if (api_version == doc.end() || api_version->is_null()) {
    return "apiVersion is missing" + std::string(kExpectedVersions);
  }
  if (!api_version->is_string()) {
    return "apiVersion must be a string";
  }
  if (!read.version) {
    return "apiVersion " + quote_value(api_version->get_ref<const std::string&>()) +
           " is not supported" + std::string(kExpectedVersions);
  }
  const auto kind = doc.find("kind");
  if (kind == doc.end() || kind->is_null()) {
    return "kind is missing: expected AdmissionReview";
  }
  if (!kind->is_string()) {
    return "kind must be a string";
  }
  if (*kind != kReviewKind) {
    return "kind " + quote_value(kind->get_ref<const std::string&>()) +
           " is not supported: expected AdmissionReview";
  }
  const auto request = doc.find("request");
  if (request == doc.end() || request->is_null()) {
    return "request is missing";
  }
  if (!request->is_object()) {
    return "request must be an object";
  }
  if (const auto uid = request->find("uid");
      uid != request->end() && !uid->is_null() && !uid->is_string()) {
    return "request.uid must be a string";
  }
  if (read.uid.empty()) {
    return "request.uid is missing";
  }
  return {};
}

}  // namespace

// User-supplied values quoted in messages are cut here so one message cannot grow to megabytes.
constexpr std::size_t kMaxQuoted = 100;

std::string quote_value(std::string_view value) {
  if (value.size() > kMaxQuoted) {
    return dump_compact(Json(std::string(value.substr(0, kMaxQuoted)) + "..."));
  }
  return dump_compact(Json(std::string(value)));
}

AdmissionResponse allowed(std::string uid, std::string message) {
  AdmissionResponse r;
  r.uid = std::move(uid);
  r.allowed = true;
  // controller-runtime's Allowed(msg) carries status {code: 200, message}; without a message we
  // send no status at all (the API server ignores status on allowed responses).
  if (!message.empty()) {
    r.code = 200;
    r.message = std::move(message);
  }
  return r;
}

AdmissionResponse patched(std::string uid, Json patch) {
  AdmissionResponse r;
  r.uid = std::move(uid);
  r.allowed = true;
  r.patch = std::move(patch);
  return r;
}

AdmissionResponse denied(std::string uid, std::string message, int code) {
  AdmissionResponse r;
  r.uid = std::move(uid);
  r.allowed = false;
  r.code = code;
  r.message = std::move(message);
  return r;
}

AdmissionResponse errored(std::string uid, int code, std::string message) {
  AdmissionResponse r;
  r.uid = std::move(uid);
  r.allowed = false;
  r.code = code;
  r.message = std::move(message);
  return r;
}

std::expected<AdmissionRequest, DecodeFailure> decode_review(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed) {
    return std::unexpected(std::move(parsed.error()));
  }
  Json& doc = *parsed;

  // Read what identifies the call before judging anything else, so that every later failure can
  // still be answered with a review the API server accepts (uid echo, same version).
  DecodeFailure f = failure(400, "");
  if (const auto it = doc.find("apiVersion"); it != doc.end() && it->is_string()) {
    if (*it == kApiVersionV1) {
      f.version = ReviewVersion::kV1;
    } else if (*it == kApiVersionV1beta1) {
      f.version = ReviewVersion::kV1beta1;
    }
  }
  const auto request = doc.find("request");
  if (request != doc.end() && request->is_object()) {
    if (const auto uid = request->find("uid"); uid != request->end() && uid->is_string()) {
      f.uid = uid->get<std::string>();
    }
  }

  f.message = check_envelope(doc, f);
  if (f.message.empty()) {
    AdmissionRequest out;
    out.version = *f.version;
    out.uid = f.uid;
    if (auto error = read_request_fields(*request, out); !error) {
      return out;
    } else {
      f.message = std::move(*error);
    }
  }
  return std::unexpected(std::move(f));
}

std::string encode_review(ReviewVersion version, const AdmissionResponse& response) {
  // Field order is fixed (apiVersion, kind, response{uid, allowed, status, patch, patchType,
  // warnings, auditAnnotations}) so that answers are byte-for-byte reproducible. Written straight
  // into one buffer: the same bytes as building the review as a Json and dumping it.
  std::string patch;
  if (!response.patch.empty()) {
    append_json(patch, response.patch);
  }
  std::string out;
  out.reserve(160 + response.uid.size() + response.message.size() + (patch.size() + 2) / 3 * 4);
  out += "{\"apiVersion\":";
  append_json_string(out, version_string(version));
  out += ",\"kind\":";
  append_json_string(out, kReviewKind);
  out += ",\"response\":{\"uid\":";
  append_json_string(out, response.uid);
  out += response.allowed ? ",\"allowed\":true" : ",\"allowed\":false";
  if (response.code != 0 || !response.message.empty()) {
    out += ",\"status\":{";
    if (response.code != 0) {
      out += "\"code\":" + std::to_string(response.code);
    }
    if (!response.message.empty()) {
      out += response.code != 0 ? ",\"message\":" : "\"message\":";
      append_json_string(out, response.message);
    }
    out += '}';
  }
  // patchType is sent iff there is a patch: the v1 API server rejects either one alone.
  if (!patch.empty()) {
    out += ",\"patch\":\"";
    base64_append(out, patch);  // the base64 alphabet needs no escaping
    out += "\",\"patchType\":\"JSONPatch\"";
  }
  if (!response.warnings.empty()) {
    out += ",\"warnings\":[";
    for (std::size_t i = 0; i < response.warnings.size(); ++i) {
      if (i != 0) {
        out += ',';
      }
      append_json_string(out, response.warnings[i]);
    }
    out += ']';
  }
  if (!response.audit_annotations.empty()) {
    out += ",\"auditAnnotations\":{";
    bool first = true;
    for (const auto& [key, value] : response.audit_annotations) {
      if (!first) {
        out += ',';
      }
      first = false;
      append_json_string(out, key);
      out += ':';
      append_json_string(out, value);
    }
    out += '}';
  }
  out += "}}";
  return out;
}

}  // namespace injector
