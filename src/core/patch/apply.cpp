// Applying RFC 6902 patches, all or nothing.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "injector/patch/json_patch.hpp"

namespace injector {
namespace {

// One op's failure; the caller adds which op it was.
struct OpError {
  std::string code;
  std::string reason;
};

using OpResult = std::expected<void, OpError>;

std::unexpected<OpError> op_fail(std::string code, std::string reason) {
  return std::unexpected<OpError>(OpError{std::move(code), std::move(reason)});
}

// RFC 6901 §4: an array index is "0" or digits without a leading zero.
std::optional<std::size_t> parse_index(const std::string& token) {
  if (token.empty() || token.size() > 15 || (token.size() > 1 && token[0] == '0')) {
    return std::nullopt;
  }
  std::size_t value = 0;
  for (const char c : token) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

Pointer prefix(const Pointer& p, std::size_t n) {
  Pointer out;
  for (std::size_t i = 0; i < n; ++i) {
    out = out.child(p.tokens()[i]);
  }
  return out;
}

// The value `p` names, or why it does not exist.
std::expected<Json*, OpError> resolve(Json& doc, const Pointer& p, std::size_t depth) {
  Json* cur = &doc;
  for (std::size_t i = 0; i < depth; ++i) {
    const std::string& token = p.tokens()[i];
    if (cur->is_object()) {
      const auto it = cur->find(token);
      if (it == cur->end()) {
        return op_fail("patch_failed", "\"" + prefix(p, i + 1).str() + "\" does not exist");
      }
      cur = &*it;
    } else if (cur->is_array()) {
      const auto index = parse_index(token);
      if (!index) {
        return op_fail("patch_failed", "invalid array index \"" + token + "\" in \"" +
                                           prefix(p, i + 1).str() + "\"");
      }
      if (*index >= cur->size()) {
        return op_fail("patch_failed", "array index " + token + " out of range in \"" +
                                           prefix(p, i + 1).str() + "\" (size " +
                                           std::to_string(cur->size()) + ")");
      }
      cur = &(*cur)[*index];
    } else {
      return op_fail("patch_failed", "\"" + prefix(p, i).str() + "\" is a " + cur->type_name() +
                                         ", not an object or array");
    }
  }
  return cur;
}

std::expected<Json*, OpError> resolve(Json& doc, const Pointer& p) {
  return resolve(doc, p, p.tokens().size());
}

OpResult add(Json& doc, const Pointer& path, Json value) {
  if (path.tokens().empty()) {
    doc = std::move(value);  // RFC 6902 §4.1: adding at the root replaces the document
    return {};
  }
  auto parent = resolve(doc, path, path.tokens().size() - 1);
  if (!parent) {
    return std::unexpected(parent.error());
  }
  Json& target = **parent;
  const std::string& token = path.tokens().back();
  if (target.is_object()) {
    target[token] = std::move(value);
    return {};
  }
  if (!target.is_array()) {
    return op_fail("patch_failed", "\"" + prefix(path, path.tokens().size() - 1).str() +
                                       "\" is a " + target.type_name() +
                                       ", not an object or array");
  }
  if (token == "-") {
    target.push_back(std::move(value));
    return {};
  }
  const auto index = parse_index(token);
  if (!index) {
    return op_fail("patch_failed", "invalid array index \"" + token + "\"");
  }
  if (*index > target.size()) {
    return op_fail("patch_failed", "array index " + token + " out of range (size " +
                                       std::to_string(target.size()) + ")");
  }
  target.insert(target.begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
  return {};
}

OpResult remove(Json& doc, const Pointer& path) {
  if (path.tokens().empty()) {
    return op_fail("patch_failed", "cannot remove the whole document");
  }
  auto found = resolve(doc, path);  // the target must exist (RFC 6902 §4.2)
  if (!found) {
    return std::unexpected(found.error());
  }
  Json& parent = **resolve(doc, path, path.tokens().size() - 1);
  if (parent.is_object()) {
    parent.erase(path.tokens().back());
  } else {
    parent.erase(*parse_index(path.tokens().back()));
  }
  return {};
}

Result<Pointer> member_pointer(const Json& op, std::string_view member) {
  const auto it = op.find(member);
  if (it == op.end() || !it->is_string()) {
    return fail("invalid_patch", "\"" + std::string(member) + "\" is missing or not a string");
  }
  return Pointer::parse(it->get<std::string>());
}

// Applies one op whose "op" member has been checked to name one of the six operations.
OpResult apply_op(Json& doc, const Json& op, const std::string& name) {
  auto path = member_pointer(op, "path");
  if (!path) {
    return op_fail(path.error().code, path.error().message);
  }
  const auto value_it = op.find("value");
  const bool needs_value = name == "add" || name == "replace" || name == "test";
  if (needs_value && value_it == op.end()) {
    return op_fail("invalid_patch", "\"value\" is missing");
  }
  if (name == "add") {
    return add(doc, *path, *value_it);
  }
  if (name == "remove") {
    return remove(doc, *path);
  }
  if (name == "replace") {
    auto target = resolve(doc, *path);  // RFC 6902 §4.3: the target must exist
    if (!target) {
      return std::unexpected(target.error());
    }
    **target = *value_it;
    return {};
  }
  if (name == "test") {
    auto target = resolve(doc, *path);
    if (!target) {
      return std::unexpected(target.error());
    }
    if (!json_equal(**target, *value_it)) {
      return op_fail("patch_failed", "test failed: the value differs");
    }
    return {};
  }
  // move and copy
  auto from = member_pointer(op, "from");
  if (!from) {
    return op_fail(from.error().code, from.error().message);
  }
  auto source = resolve(doc, *from);
  if (!source) {
    return std::unexpected(source.error());
  }
  Json value = **source;
  if (name == "move") {
    const auto& f = from->tokens();
    const auto& t = path->tokens();
    if (f == t) {
      return {};
    }
    // RFC 6902 §4.4: "from" must not be a proper prefix of "path".
    if (f.size() < t.size() && std::equal(f.begin(), f.end(), t.begin())) {
      return op_fail("invalid_patch", "cannot move \"" + from->str() + "\" into its own child");
    }
    if (auto removed = remove(doc, *from); !removed) {
      return removed;
    }
  }
  return add(doc, *path, std::move(value));
}

}  // namespace

Result<Json> apply_patch(const Json& doc, const Json& patch) {
  if (!patch.is_array()) {
    return fail("invalid_patch",
                std::string("a JSON patch must be an array, got ") + patch.type_name());
  }
  Json result = doc;
  for (std::size_t i = 0; i < patch.size(); ++i) {
    const Json& op = patch[i];
    std::string label = "patch op " + std::to_string(i);
    if (!op.is_object()) {
      return fail("invalid_patch", label + ": must be an object, got " + op.type_name());
    }
    const auto op_it = op.find("op");
    if (op_it == op.end() || !op_it->is_string()) {
      return fail("invalid_patch", label + ": \"op\" is missing or not a string");
    }
    const std::string name = op_it->get<std::string>();
    if (name != "add" && name != "remove" && name != "replace" && name != "move" &&
        name != "copy" && name != "test") {
      return fail("invalid_patch", label + ": unknown op \"" + name + "\"");
    }
    // Errors name the op by index, operation and path, e.g. `patch op 2 (remove "/a/b"): ...`.
    label += " (" + name;
    if (const auto path_it = op.find("path"); path_it != op.end() && path_it->is_string()) {
      label += " \"" + path_it->get<std::string>() + "\"";
    }
    label += ")";
    if (auto applied = apply_op(result, op, name); !applied) {
      return fail(applied.error().code, label + ": " + applied.error().reason);
    }
  }
  return result;
}

}  // namespace injector
