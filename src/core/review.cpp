// AdmissionReview codec and the review pipeline shared by the HTTPS server and the `review` CLI.
//
// Decoding follows what kube-apiserver sends and what its own (apimachinery, non-strict) decoder
// would accept: an absent or null field is its zero value, a field of the wrong JSON type fails
// the whole review. Every failure still gets an AdmissionReview back, as controller-runtime's
// `pkg/webhook/admission/http.go` does for empty bodies, wrong content types and oversize bodies.

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "injector/review.hpp"

#include "injector/json_parse.hpp"

namespace injector {

namespace {

constexpr std::string_view kApiVersionV1 = "admission.k8s.io/v1";
constexpr std::string_view kApiVersionV1beta1 = "admission.k8s.io/v1beta1";
constexpr std::string_view kReviewKind = "AdmissionReview";

// A real Pod nests fewer than 20 levels and Go's encoding/json stops at 10000. Every later walk of
// the object (copy, diff, dump) is recursive, so a body nesting deeper than this is refused before
// parsing, keeping those walks far inside a thread's stack whatever the body size limit is.
constexpr std::size_t kMaxNesting = 1000;

// User-supplied values quoted in messages are cut here so one message cannot grow to megabytes.
constexpr std::size_t kMaxQuoted = 100;

// Every dump of untrusted text goes through the replacing handler: a string holding invalid UTF-8
// (possible in SidecarSet text) must not make the encoder throw.
std::string dump_compact(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// `"value"` as a JSON string literal, cut to kMaxQuoted bytes.
std::string quote(std::string_view value) {
  if (value.size() > kMaxQuoted) {
    return dump_compact(Json(std::string(value.substr(0, kMaxQuoted)) + "..."));
  }
  return dump_compact(Json(std::string(value)));
}

std::string_view version_string(ReviewVersion version) {
  return version == ReviewVersion::kV1beta1 ? kApiVersionV1beta1 : kApiVersionV1;
}

// Depth of the deepest array/object in `body`, counting only brackets outside strings.
bool nests_too_deep(std::string_view body) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) {
        return true;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
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
  return std::nullopt;
}

// The body as a JSON object. Nothing can be read from a body that fails here: no uid, no version.
std::expected<Json, DecodeFailure> parse_object(std::string_view body) {
  if (body.empty()) {
    return std::unexpected(failure(400, "request body is empty"));
  }
  if (nests_too_deep(body)) {
    return std::unexpected(
        failure(400, "request body nests deeper than " + std::to_string(kMaxNesting) + " levels"));
  }
  auto parsed = parse_json(body);
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
    return "apiVersion " + quote(api_version->get_ref<const std::string&>()) + " is not supported" +
           std::string(kExpectedVersions);
  }
  const auto kind = doc.find("kind");
  if (kind == doc.end() || kind->is_null()) {
    return "kind is missing: expected AdmissionReview";
  }
  if (!kind->is_string()) {
    return "kind must be a string";
  }
  if (*kind != kReviewKind) {
    return "kind " + quote(kind->get_ref<const std::string&>()) +
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

// Content-Type `application/json`, parameters allowed (the API server sends none, but proxies and
// hand-written clients add `charset=utf-8`); a charset other than UTF-8 is refused because JSON
// text exchanged between systems must be UTF-8 (RFC 8259 §8.1).
bool is_json_content_type(std::string_view value) {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
      s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
      s.remove_suffix(1);
    }
    return s;
  };
  const auto iequals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
      };
      if (lower(a[i]) != lower(b[i])) {
        return false;
      }
    }
    return true;
  };
  std::size_t semicolon = value.find(';');
  if (!iequals(trim(value.substr(0, semicolon)), "application/json")) {
    return false;
  }
  while (semicolon != std::string_view::npos) {
    value.remove_prefix(semicolon + 1);
    semicolon = value.find(';');
    const std::string_view parameter = trim(value.substr(0, semicolon));
    const std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos ||
        !iequals(trim(parameter.substr(0, equals)), "charset")) {
      continue;
    }
    std::string_view charset = trim(parameter.substr(equals + 1));
    if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
      charset = charset.substr(1, charset.size() - 2);
    }
    if (!iequals(charset, "utf-8")) {
      return false;
    }
  }
  return true;
}

// "" for a core-group resource, else ".group", as Kubernetes prints `deployments.apps`.
std::string resource_name(const AdmissionRequest& request) {
  std::string name = request.resource.value("resource", "");
  const std::string group = request.resource.value("group", "");
  if (!group.empty()) {
    name += "." + group;
  }
  return name;
}

// Why a request is not mutated, or "" for a Pod CREATE. OpenKruise's pod handler skips
// subresources and non-pods (pkg/webhook/pod/mutating/sidecarset.go); we also skip every operation
// but CREATE, the only one the webhook registers for.
std::string skip_reason(const AdmissionRequest& request) {
  constexpr std::string_view kOnly = "only CREATE of pods is mutated: ";
  if (request.resource.value("group", "") != "" ||
      request.resource.value("resource", "") != "pods") {
    return std::string(kOnly) + "resource " + quote(resource_name(request));
  }
  if (!request.sub_resource.empty()) {
    return std::string(kOnly) + "subresource " + quote(request.sub_resource);
  }
  if (request.operation != "CREATE") {
    return std::string(kOnly) + "operation " + quote(request.operation);
  }
  return {};
}

// The pod's name, or its generateName (most pods are created by controllers and are named only
// after admission), or the request's name.
std::string pod_name_of(const AdmissionRequest& request) {
  if (request.object.is_object()) {
    const auto metadata = request.object.find("metadata");
    if (metadata != request.object.end() && metadata->is_object()) {
      for (const char* key : {"name", "generateName"}) {
        const auto it = metadata->find(key);
        if (it != metadata->end() && it->is_string() &&
            !it->get_ref<const std::string&>().empty()) {
          return it->get<std::string>();
        }
      }
    }
  }
  return request.name;
}

ReviewOutcome answer(ReviewVersion version, const AdmissionResponse& response, ReviewLog log) {
  ReviewOutcome out;
  out.http_status = 200;
  out.body = encode_review(version, response);
  out.log = std::move(log);
  return out;
}

// A transport or decode failure. When both the uid and the version are known the API server can
// take a review, so it gets HTTP 200 with allowed:false and the user sees our message ("admission
// webhook ... denied the request: <message>"). Without them any review would fail the API
// server's checks anyway (uid echo, apiVersion), so the HTTP status says what went wrong and the
// body still carries a v1 (or the request's version) review with uid "" for humans and tools.
ReviewOutcome transport_failure(const DecodeFailure& f) {
  ReviewLog log;
  log.uid = f.uid;
  log.outcome = "error";
  log.message = f.message;
  const ReviewVersion version = f.version.value_or(ReviewVersion::kV1);
  ReviewOutcome out = answer(version, errored(f.uid, f.code, f.message), std::move(log));
  if (!f.version || f.uid.empty()) {
    out.http_status = f.code;
  }
  return out;
}

// Decoded request → response, for a request whose uid and version are known.
ReviewOutcome respond(const World& world, const AdmissionRequest& request,
                      const InjectOptions& options) {
  ReviewLog log;
  log.uid = request.uid;
  log.namespace_name = request.namespace_name;
  log.pod_name = pod_name_of(request);
  log.operation = request.operation;

  // dryRun needs no branch: the webhook has no side effects, so a dry run is answered exactly like
  // the real request (OpenKruise does the same; the webhook registers sideEffects: None).
  if (std::string reason = skip_reason(request); !reason.empty()) {
    log.outcome = "skipped";
    log.message = std::move(reason);
    return answer(request.version, allowed(request.uid), std::move(log));
  }

  // OpenKruise decodes the object into a Pod first and answers admission.Errored(400) when that
  // fails.
  std::string bad_object;
  if (request.object.is_null()) {
    bad_object = "request.object is missing";
  } else if (!request.object.is_object()) {
    bad_object = "request.object must be a JSON object";
  }
  if (!bad_object.empty()) {
    log.outcome = "error";
    log.message = bad_object;
    return answer(request.version, errored(request.uid, 400, bad_object), std::move(log));
  }

  InjectOptions without_pod = options;
  without_pod.with_pod = false;  // only the patch goes on the wire
  Result<Injection> injection = inject(world, request.object, request.namespace_name, without_pod);
  if (!injection) {
    // Any error of the SidecarSet step rejects the pod: admission.Errored(500, err) upstream.
    log.outcome = "error";
    log.message = injection.error().message;
    return answer(request.version, errored(request.uid, 500, injection.error().message),
                  std::move(log));
  }
  log.matched = injection->matched;
  log.ops = injection->patch.size();
  AdmissionResponse response = injection->patch.empty()
                                   ? allowed(request.uid)
                                   : patched(request.uid, std::move(injection->patch));
  response.warnings = std::move(injection->warnings);
  log.outcome = response.patch.empty() ? "allowed" : "patched";
  return answer(request.version, response, std::move(log));
}

}  // namespace

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
  // warnings, auditAnnotations}) so that answers are byte-for-byte reproducible.
  Json body = Json::object();
  body["uid"] = response.uid;
  body["allowed"] = response.allowed;
  if (response.code != 0 || !response.message.empty()) {
    Json status = Json::object();
    if (response.code != 0) {
      status["code"] = response.code;
    }
    if (!response.message.empty()) {
      status["message"] = response.message;
    }
    body["status"] = std::move(status);
  }
  // patchType is sent iff there is a patch: the v1 API server rejects either one alone.
  if (!response.patch.empty()) {
    body["patch"] = base64_encode(dump_compact(response.patch));
    body["patchType"] = "JSONPatch";
  }
  if (!response.warnings.empty()) {
    body["warnings"] = response.warnings;
  }
  if (!response.audit_annotations.empty()) {
    Json annotations = Json::object();
    for (const auto& [key, value] : response.audit_annotations) {
      annotations[key] = value;
    }
    body["auditAnnotations"] = std::move(annotations);
  }
  Json review = Json::object();
  review["apiVersion"] = version_string(version);
  review["kind"] = kReviewKind;
  review["response"] = std::move(body);
  return dump_compact(review);
}

ReviewOutcome review(const World& world, const HttpReviewRequest& request,
                     const InjectOptions& options) {
  try {
    if (request.body_too_large) {
      // The body was cut at the edge's limit, so nothing in it can be trusted or read.
      return transport_failure(failure(413, "request body is larger than the server's limit"));
    }
    auto decoded = decode_review(request.body);
    if (!is_json_content_type(request.content_type)) {
      // Checked after decoding only to learn the uid and version for a well-formed answer; the
      // body is never used when the media type is wrong.
      DecodeFailure f = decoded ? failure(415, "") : decoded.error();
      if (decoded) {
        f.version = decoded->version;
        f.uid = decoded->uid;
      }
      f.code = 415;
      f.message = request.content_type.empty()
                      ? std::string("Content-Type is missing: expected application/json")
                      : "Content-Type " + quote(request.content_type) +
                            " is not supported: expected application/json";
      return transport_failure(f);
    }
    if (!decoded) {
      return transport_failure(decoded.error());
    }
    try {
      return respond(world, *decoded, options);
    } catch (const std::exception& e) {
      // A bug below must still answer this uid, so the API server reports our message.
      ReviewLog log;
      log.uid = decoded->uid;
      log.namespace_name = decoded->namespace_name;
      log.operation = decoded->operation;
      log.outcome = "error";
      log.message = std::string("internal error: ") + e.what();
      return answer(decoded->version, errored(decoded->uid, 500, log.message), std::move(log));
    }
  } catch (...) {
    // Out of memory or a failure while building the answer: a fixed body needs no allocation
    // beyond the copy.
    ReviewOutcome out;
    out.http_status = 500;
    out.body =
        R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"",)"
        R"("allowed":false,"status":{"code":500,"message":"internal error"}}})";
    out.log.outcome = "error";
    out.log.message = "internal error";
    return out;
  }
}

}  // namespace injector
