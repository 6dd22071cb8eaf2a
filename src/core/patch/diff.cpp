// Equality of JSON values in linear time, and the minimal RFC 6902 diff between two of them.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "injector/patch/json_patch.hpp"

namespace injector {

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

}  // namespace

Json diff(const Json& from, const Json& to) {
  Json ops = Json::array();
  diff_value(from, to, Pointer{}, ops);
  return ops;
}

void diff_into(const Json& from, const Json& to, const Pointer& path, Json& ops) {
  diff_value(from, to, path, ops);
}

}  // namespace injector
