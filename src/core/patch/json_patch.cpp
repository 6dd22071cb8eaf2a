#include "injector/patch/json_patch.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace injector {

// ---- RFC 6901 pointers ----

Pointer Pointer::child(std::string_view token) const {
  Pointer p = *this;
  p.tokens_.emplace_back(token);
  return p;
}

Pointer Pointer::child(std::size_t index) const { return child(std::to_string(index)); }

Pointer Pointer::append_end() const { return child("-"); }

std::string Pointer::str() const {
  std::string out;
  for (const auto& token : tokens_) {
    out += '/';
    // RFC 6901 §3: `~` is written `~0` and `/` is written `~1`.
    for (const char c : token) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out += c;
      }
    }
  }
  return out;
}

Result<Pointer> Pointer::parse(std::string_view text) {
  Pointer p;
  if (text.empty()) {
    return p;
  }
  if (text.front() != '/') {
    return fail("invalid_pointer", "invalid JSON pointer \"" + std::string(text) +
                                       "\": must be empty or start with \"/\"");
  }
  std::string token;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      p.tokens_.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (text[i] != '~') {
      token += text[i];
      continue;
    }
    // RFC 6901 §4: decode `~1` then `~0`; any other `~` sequence is an error.
    if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
      token += text[i + 1] == '0' ? '~' : '/';
      ++i;
      continue;
    }
    return fail("invalid_pointer", "invalid JSON pointer \"" + std::string(text) +
                                       "\": \"~\" must be followed by \"0\" or \"1\"");
  }
  return p;
}

namespace {

// Looks members of one object up by key. ordered_json's own find is a linear scan, so comparing
// or diffing two objects of n keys that way costs O(n^2) (a pod with 100,000 labels took
// seconds). Lookups made in the object's own order (both sides of a comparison usually come from
// the same document) hit the next member at once; any other lookup goes through a hash index of
// the keys, built on first need for objects large enough to pay for it.
class MemberIndex {
 public:
  explicit MemberIndex(const Json& object)
      : members_(static_cast<const Json::object_t::Container&>(
            object.get_ref<const Json::object_t&>())) {}

  const Json* find(std::string_view key) {
    if (next_ < members_.size() && members_[next_].first == key) {
      return &members_[next_++].second;
    }
    if (members_.size() < kIndexFrom) {
      for (std::size_t i = 0; i < members_.size(); ++i) {
        if (members_[i].first == key) {
          next_ = i + 1;
          return &members_[i].second;
        }
      }
      return nullptr;
    }
    if (index_.empty()) {
      index_.reserve(members_.size());
      for (std::size_t i = 0; i < members_.size(); ++i) {
        index_.emplace(members_[i].first, i);
      }
    }
    const auto it = index_.find(key);
    if (it == index_.end()) {
      return nullptr;
    }
    next_ = it->second + 1;
    return &members_[it->second].second;
  }

 private:
  static constexpr std::size_t kIndexFrom = 16;  // below this a scan is cheaper than hashing

  const Json::object_t::Container& members_;
  std::unordered_map<std::string_view, std::size_t> index_;
  std::size_t next_ = 0;
};

}  // namespace

bool json_equal(const Json& a, const Json& b) {
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) {
      return false;
    }
    MemberIndex in_b(b);
    for (const auto& [key, value] : a.items()) {
      const Json* other = in_b.find(key);
      if (other == nullptr || !json_equal(value, *other)) {
        return false;
      }
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), json_equal);
  }
  return a == b;  // scalars (numbers by value), or values of different kinds
}

namespace {

// ---- diff ----

Json make_op(std::string_view op, const Pointer& path) {
  Json o = Json::object();
  o["op"] = op;
  o["path"] = path.str();
  return o;
}

Json make_op(std::string_view op, const Pointer& path, const Json& value) {
  Json o = make_op(op, path);
  o["value"] = value;
  return o;
}

void diff_value(const Json& from, const Json& to, const Pointer& path, Json& ops);

// Where each old element sits in the new array, or nullopt when some old element does not
// survive in order (then the array is replaced).
using Alignment = std::optional<std::vector<std::size_t>>;

// For arrays of objects that all carry a unique string "name" (containers, env, volumes,
// volumeMounts ...): old elements are matched to new ones by name, so a changed container is
// patched in place instead of replacing the whole list. nullopt in the outer optional means the
// arrays are not both such lists.
std::optional<Alignment> align_by_name(const Json& from, const Json& to) {
  auto names = [](const Json& arr) -> std::optional<std::unordered_map<std::string, std::size_t>> {
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const Json& e = arr[i];
      if (!e.is_object()) {
        return std::nullopt;
      }
      const auto it = e.find("name");
      if (it == e.end() || !it->is_string()) {
        return std::nullopt;
      }
      if (!index.emplace(it->get<std::string>(), i).second) {
        return std::nullopt;  // duplicate names: alignment by name would be ambiguous
      }
    }
    return index;
  };
  const auto old_names = names(from);
  const auto new_names = names(to);
  if (!old_names || !new_names) {
    return std::nullopt;
  }
  std::vector<std::size_t> at(from.size());
  std::optional<std::size_t> last;
  for (std::size_t i = 0; i < from.size(); ++i) {
    const auto it = new_names->find(from[i]["name"].get<std::string>());
    if (it == new_names->end() || (last && it->second <= *last)) {
      return Alignment{};  // a name was dropped or reordered
    }
    at[i] = it->second;
    last = it->second;
  }
  return Alignment{std::move(at)};
}

// Greedy in-order subsequence match by equality: each old element takes the first equal new
// element after the previous match.
Alignment align_by_equality(const Json& from, const Json& to) {
  std::vector<std::size_t> at(from.size());
  std::size_t j = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    while (j < to.size() && !json_equal(to[j], from[i])) {
      ++j;
    }
    if (j == to.size()) {
      return std::nullopt;
    }
    at[i] = j++;
  }
  return at;
}

void diff_arrays(const Json& from, const Json& to, const Pointer& path, Json& ops) {
  auto named = align_by_name(from, to);
  const Alignment alignment = named ? std::move(*named) : align_by_equality(from, to);
  if (!alignment) {
    ops.push_back(make_op("replace", path, to));
    return;
  }
  std::vector<bool> kept(to.size(), false);
  for (const std::size_t j : *alignment) {
    kept[j] = true;
  }
  // Inserting at final indices in ascending order leaves every earlier slot final, so each index
  // is valid when its op is applied; an insert at the current end is written as an append.
  std::size_t size = from.size();
  for (std::size_t j = 0; j < to.size(); ++j) {
    if (kept[j]) {
      continue;
    }
    ops.push_back(make_op("add", j == size ? path.append_end() : path.child(j), to[j]));
    ++size;
  }
  for (std::size_t i = 0; i < from.size(); ++i) {
    const std::size_t j = (*alignment)[i];
    diff_value(from[i], to[j], path.child(j), ops);
  }
}

void diff_objects(const Json& from, const Json& to, const Pointer& path, Json& ops) {
  MemberIndex in_to(to);
  for (const auto& [key, value] : from.items()) {
    const Json* target = in_to.find(key);
    if (target == nullptr) {
      ops.push_back(make_op("remove", path.child(key)));
    } else {
      diff_value(value, *target, path.child(key), ops);
    }
  }
  MemberIndex in_from(from);
  for (const auto& [key, value] : to.items()) {
    if (in_from.find(key) == nullptr) {
      // A whole new sub-object (e.g. /metadata/annotations) is one `add`.
      ops.push_back(make_op("add", path.child(key), value));
    }
  }
}

void diff_value(const Json& from, const Json& to, const Pointer& path, Json& ops) {
  if (json_equal(from, to)) {
    return;
  }
  if (from.is_object() && to.is_object()) {
    diff_objects(from, to, path, ops);
  } else if (from.is_array() && to.is_array()) {
    diff_arrays(from, to, path, ops);
  } else {
    ops.push_back(make_op("replace", path, to));
  }
}

// ---- apply ----

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

Json diff(const Json& from, const Json& to) {
  Json ops = Json::array();
  diff_value(from, to, Pointer{}, ops);
  return ops;
}

void diff_into(const Json& from, const Json& to, const Pointer& path, Json& ops) {
  diff_value(from, to, path, ops);
}

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
