// The review pipeline shared by the HTTPS server and the `review` CLI.
//
// Every failure still gets an AdmissionReview back, as controller-runtime's
// `pkg/webhook/admission/http.go` does for empty bodies, wrong content types and oversize bodies.

#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "injector/review.hpp"

#include "injector/admission/sidecarset.hpp"
#include "injector/wire/warnings.hpp"

namespace injector {

namespace {

DecodeFailure failure(int code, std::string message) {
  DecodeFailure f;
  f.code = code;
  f.message = std::move(message);
  return f;
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
    return std::string(kOnly) + "resource " + quote_value(resource_name(request));
  }
  if (!request.sub_resource.empty()) {
    return std::string(kOnly) + "subresource " + quote_value(request.sub_resource);
  }
  if (request.operation != "CREATE") {
    return std::string(kOnly) + "operation " + quote_value(request.operation);
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

std::string version_name(ReviewVersion version) {
  return version == ReviewVersion::kV1 ? "v1" : "v1beta1";
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
  log.version = f.version ? version_name(*f.version) : "";
  log.refused_code = f.code;
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
  log.version = version_name(request.version);

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
  response.warnings = bound_warnings(injection->warnings);
  log.warnings = response.warnings;
  if (!response.patch.empty() && !log.matched.empty()) {
    // Only with a patch: a reinvoked review changes nothing, and the API server refuses to set
    // an audit annotation again to another value.
    std::string names;
    for (const auto& name : log.matched) {
      names += (names.empty() ? "" : ",") + name;
    }
    response.audit_annotations.emplace(kInjectedAuditKey, std::move(names));
  }
  log.outcome = response.patch.empty() ? "allowed" : "patched";
  return answer(request.version, response, std::move(log));
}

// The envelope every webhook shares: size limit, media type, decoding, and a review for every
// failure. `respond` answers a decoded request.
template <class Respond>
ReviewOutcome serve(const HttpReviewRequest& request, Respond&& respond) {
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
                      : "Content-Type " + quote_value(request.content_type) +
                            " is not supported: expected application/json";
      return transport_failure(f);
    }
    if (!decoded) {
      return transport_failure(decoded.error());
    }
    try {
      return respond(*decoded);
    } catch (const std::exception& e) {
      // A bug below must still answer this uid, so the API server reports our message.
      ReviewLog log;
      log.uid = decoded->uid;
      log.namespace_name = decoded->namespace_name;
      log.operation = decoded->operation;
      log.version = version_name(decoded->version);
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

ReviewOutcome respond_sidecarset(SidecarSetWebhook webhook, const World* world,
                                 const AdmissionRequest& request) {
  static const World kEmpty;
  SidecarSetDecision decision =
      webhook == SidecarSetWebhook::kMutate
          ? mutate_sidecarset(request)
          : validate_sidecarset_admission(world != nullptr ? *world : kEmpty, request);
  ReviewLog log;
  log.uid = request.uid;
  log.sidecarset = std::move(decision.name);
  log.operation = request.operation;
  log.version = version_name(request.version);
  log.ops = decision.ops;
  log.outcome = std::move(decision.outcome);
  log.message = std::move(decision.message);
  return answer(request.version, decision.response, std::move(log));
}

}  // namespace

ReviewOutcome review(const World& world, const HttpReviewRequest& request,
                     const InjectOptions& options) {
  return serve(request,
               [&](const AdmissionRequest& decoded) { return respond(world, decoded, options); });
}

ReviewOutcome review_sidecarset(SidecarSetWebhook webhook, const World* world,
                                const HttpReviewRequest& request) {
  return serve(request, [&](const AdmissionRequest& decoded) {
    return respond_sidecarset(webhook, world, decoded);
  });
}

}  // namespace injector
