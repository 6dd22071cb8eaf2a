// Fuzz target: RFC 6902 diff and apply. The input is two JSON texts one after the other ("A B");
// properties:
// 1. diff(A, B) applied to A gives B (json_equal), with our apply_patch and with nlohmann's own
//    JSON Patch; diff(A, A) is empty;
// 2. diff never emits a negative or out-of-range index, and never replaces the root when both
//    roots are objects (a pod is always patched member by member);
// 3. apply_patch(A, B), B read as a patch (usually malformed), never throws: it gives a document
//    or an error with a message.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "injector/patch/json_patch.hpp"

namespace {

using injector::Json;
constexpr std::string_view kTarget = "patch_fuzz";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Json a;
  Json b;
  try {
    std::istringstream in{std::string(input)};
    in >> a >> b;
  } catch (...) {
    return 0;  // not two JSON texts
  }
  Json ops;
  try {
    if (!injector::diff(a, a).empty()) {
      fuzz::violated(kTarget, "a document differs from itself", input);
    }
    ops = injector::diff(a, b);
  } catch (...) {
    fuzz::violated(kTarget, "diff() threw", input);
  }
  for (const auto& op : ops) {
    const std::string path = op.value("path", "");
    if (a.is_object() && b.is_object() && path.empty()) {
      fuzz::violated(kTarget, "a root op between two objects", input);
    }
    if (path.find("/-1") != std::string::npos && op.value("op", "") != "add") {
      fuzz::violated(kTarget, "a negative index", input);
    }
  }
  auto ours = injector::apply_patch(a, ops);
  if (!ours || !injector::json_equal(*ours, b)) {
    fuzz::violated(kTarget, "diff(A, B) applied to A is not B", ops.dump());
  }
  try {
    if (!injector::json_equal(a.patch(ops), b)) {
      fuzz::violated(kTarget, "nlohmann's patch of diff(A, B) is not B", ops.dump());
    }
  } catch (...) {
    fuzz::violated(kTarget, "nlohmann rejects diff(A, B)", ops.dump());
  }
  try {
    auto applied = injector::apply_patch(a, b);
    if (!applied && applied.error().message.empty()) {
      fuzz::violated(kTarget, "a patch error without a message", input);
    }
  } catch (...) {
    fuzz::violated(kTarget, "apply_patch() threw", input);
  }
  return 0;
}
