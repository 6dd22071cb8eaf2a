// Fuzz target: the review pipeline end to end (Content-Type check, decode, skip rules, engine,
// encode) on arbitrary bytes. Property: review() never throws and always answers a body that is
// a JSON AdmissionReview with a string response.uid; a uid is echoed only when the request's
// own uid could be read. nlohmann/json's fuzzer-parse_json.cpp is the model: state the property,
// abort when it fails.
//
// The first input byte picks the request's framing so the fuzzer also explores the transport
// paths: bit 0 = wrong Content-Type, bit 1 = body cut at the edge's size limit.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "injector/review.hpp"

namespace {

[[noreturn]] void violated(const char* property, std::string_view body) {
  std::fprintf(stderr, "decode_fuzz: %s\nbody: %.*s\n", property, static_cast<int>(body.size()),
               body.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const injector::World kEmptyWorld;
  injector::HttpReviewRequest request;
  request.content_type = "application/json";
  if (size > 0) {
    const std::uint8_t framing = data[0];
    ++data;
    --size;
    if ((framing & 1U) != 0) {
      request.content_type = "text/plain";
    }
    request.body_too_large = (framing & 2U) != 0;
  }
  request.body = std::string_view(reinterpret_cast<const char*>(data), size);

  injector::ReviewOutcome out;
  try {
    out = injector::review(kEmptyWorld, request, injector::InjectOptions{});
  } catch (...) {
    violated("review() threw", request.body);
  }
  injector::Json body;
  try {
    body = injector::Json::parse(out.body);
  } catch (...) {
    violated("the answer is not JSON", out.body);
  }
  const auto response = body.find("response");
  if (response == body.end() || !response->is_object() || !response->contains("uid") ||
      !(*response)["uid"].is_string()) {
    violated("the answer has no response.uid", out.body);
  }
  if (!body.contains("apiVersion") || !body.contains("kind") || body["kind"] != "AdmissionReview") {
    violated("the answer is not an AdmissionReview", out.body);
  }
  // A uid is only ever echoed, never invented: it must be the request's own request.uid.
  if (const auto& uid = (*response)["uid"].get_ref<const std::string&>(); !uid.empty()) {
    injector::Json sent;
    try {
      sent = injector::Json::parse(request.body);
    } catch (...) {
      violated("a uid was answered for a body that is not JSON", out.body);
    }
    if (!sent.is_object() || !sent.contains("request") || !sent["request"].is_object() ||
        sent["request"].value("uid", injector::Json()) != uid) {
      violated("the answered uid is not the request's uid", out.body);
    }
  }
  if (out.http_status != 200 && (*response)["allowed"] != false) {
    violated("a non-200 answer allows the request", out.body);
  }
  return 0;
}
