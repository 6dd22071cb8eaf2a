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
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "injector/patch/json_patch.hpp"

namespace {

using injector::Json;
constexpr std::string_view kTarget = "patch_fuzz";

// An RFC 6901 array index: "0" or digits without a leading zero, read when short enough.
std::optional<std::size_t> array_index(const std::string& token) {
  if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0') ||
      token.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(token);
}

// Whether every array index on `op`'s path exists in `doc` (the document the op applies to):
// an element for remove/replace and the steps to it, up to the size (or "-") for an add.
bool indices_in_range(const Json& doc, const Json& op) {
  auto pointer = injector::Pointer::parse(op.value("path", ""));
  if (!pointer) {
    return false;
  }
  const auto& tokens = pointer->tokens();
  const Json* at = &doc;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const bool last = i + 1 == tokens.size();
    if (at->is_object()) {
      const auto it = at->find(tokens[i]);
      if (it == at->end()) {
        return last;  // an added member; a missing parent is apply's error, not an index's
      }
      at = &*it;
      continue;
    }
    if (!at->is_array()) {
      return true;
    }
    if (last && tokens[i] == "-") {
      return op.value("op", "") == "add";
    }
    const auto index = array_index(tokens[i]);
    if (!index) {
      return false;
    }
    const bool may_append = last && op.value("op", "") == "add";
    if (*index > at->size() || (*index == at->size() && !may_append)) {
      return false;
    }
    if (last) {
      return true;
    }
    at = &(*at)[*index];
  }
  return true;
}

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
  Json step = a;  // the document each op applies to
  for (const auto& op : ops) {
    const std::string path = op.value("path", "");
    if (a.is_object() && b.is_object() && path.empty()) {
      fuzz::violated(kTarget, "a root op between two objects", input);
    }
    if (!indices_in_range(step, op)) {
      fuzz::violated(kTarget, "an array index that is malformed or out of range", ops.dump());
    }
    auto next = injector::apply_patch(step, Json::array({op}));
    if (!next) {
      fuzz::violated(kTarget, "an op of diff(A, B) does not apply in turn", ops.dump());
    }
    step = std::move(*next);
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
