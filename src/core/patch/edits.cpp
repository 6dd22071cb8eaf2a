#include "injector/patch/edits.hpp"

#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "injector/patch/json_patch.hpp"

namespace injector {

// A member of the document: either assigned a whole value (a leaf) or reached on the way to
// deeper assignments (its children, in first-assignment order).
struct Edits::Node {
  bool leaf = false;
  Json value;
  bool spliced = false;  // a leaf given as set_array() elements instead of `value`
  std::vector<Element> elements;
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> children;

  Node* child(std::string_view key) const {
    for (const auto& [name, node] : children) {
      if (name == key) {
        return node.get();
      }
    }
    return nullptr;
  }
};

namespace {

using Node = Edits::Node;

// The array `node.elements` describe, made of `old`'s elements and the new ones.
Json spliced_array(Json old, const Node& node) {
  Json out = Json::array();
  for (const auto& e : node.elements) {
    if (e.from == Edits::npos || e.replaced) {
      out.push_back(e.value);
    } else {
      out.push_back(std::move(old.at(e.from)));
    }
  }
  return out;
}

// `target` with the assignments of `node` made in it, as operator[] makes them.
void apply_node(Json& target, const Node& node) {
  if (node.spliced) {
    target = spliced_array(std::move(target), node);
    return;
  }
  if (node.leaf) {
    target = node.value;
    return;
  }
  if (target.is_null()) {
    target = Json::object();
  }
  for (const auto& [key, child] : node.children) {
    apply_node(target[key], *child);
  }
}

// The name of an array element as diff() aligns arrays by it, or null when it has none.
const std::string* element_name(const Json& e) {
  if (!e.is_object()) {
    return nullptr;
  }
  const auto it = e.find("name");
  return it != e.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// The spliced array's element j.
const Json& spliced_value(const Json& from, const Node& node, std::size_t j) {
  const auto& e = node.elements[j];
  return e.from == Edits::npos || e.replaced ? e.value : from[e.from];
}

// diff_arrays' ops for an alignment by name: old element i is new element at[i] (increasing).
// The new elements no old one maps to are added in order, then the aligned pairs are diffed.
void emit_spliced(const Json& from, const Node& node, const Pointer& path,
                  const std::vector<std::size_t>& at, Json& ops) {
  const auto& elements = node.elements;
  std::vector<bool> kept(elements.size(), false);
  for (const std::size_t j : at) {
    kept[j] = true;
  }
  std::size_t size = from.size();
  for (std::size_t j = 0; j < elements.size(); ++j) {
    if (kept[j]) {
      continue;
    }
    Json op = Json::object();
    op["op"] = "add";
    op["path"] = (j == size ? path.append_end() : path.child(j)).str();
    op["value"] = spliced_value(from, node, j);
    ops.push_back(std::move(op));
    ++size;
  }
  for (std::size_t i = 0; i < from.size(); ++i) {
    const auto& e = elements[at[i]];
    if (e.from != i || e.replaced) {  // else the element is the document's own: no op
      diff_into(from[i], spliced_value(from, node, at[i]), path.child(at[i]), ops);
    }
  }
}

// Whether `elements` keep every element of `from` in order (from = 0, 1, ...; a replaced one
// under its old name) and insert uniquely named objects whose names no old element has, all old
// names being unique: the alignment by name is then `at[i]` = the position of old element i.
bool spliced_in_order(const Json& from, const std::vector<Edits::Element>& elements,
                      std::vector<std::size_t>& at) {
  std::unordered_set<std::string_view> names;
  names.reserve(elements.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    const std::string* name = element_name(from[i]);
    if (name == nullptr || !names.insert(*name).second) {
      return false;
    }
  }
  at.reserve(from.size());
  for (std::size_t j = 0; j < elements.size(); ++j) {
    const auto& e = elements[j];
    if (e.from == Edits::npos) {
      const std::string* name = element_name(e.value);
      if (name == nullptr || !names.insert(*name).second) {
        return false;
      }
      continue;
    }
    if (e.from != at.size()) {
      return false;
    }
    if (e.replaced) {
      const std::string* name = element_name(e.value);
      if (name == nullptr || *name != *element_name(from[e.from])) {
        return false;
      }
    }
    at.push_back(j);
  }
  return at.size() == from.size();
}

// diff()'s ops for an array given as set_array() elements, when both arrays are lists of
// uniquely named objects whose old names survive in order (diff_arrays' alignment by name);
// false, with nothing appended, when they are not.
bool diff_spliced_by_name(const Json& from, const Node& node, const Pointer& path, Json& ops) {
  const auto& elements = node.elements;
  const auto value_of = [&](std::size_t j) -> const Json& {
    const auto& e = elements[j];
    return e.from == Edits::npos || e.replaced ? e.value : from[e.from];
  };
  // The common splice keeps every old element in place, in order, and only inserts: one set of
  // names then shows both sides unique and the alignment is the elements' own `from`.
  if (std::vector<std::size_t> at; spliced_in_order(from, elements, at)) {
    emit_spliced(from, node, path, at, ops);
    return true;
  }
  std::unordered_map<std::string_view, std::size_t> old_names;
  old_names.reserve(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    const std::string* name = element_name(from[i]);
    if (name == nullptr || !old_names.emplace(*name, i).second) {
      return false;
    }
  }
  std::unordered_map<std::string_view, std::size_t> new_names;
  new_names.reserve(elements.size());
  for (std::size_t j = 0; j < elements.size(); ++j) {
    const std::string* name = element_name(value_of(j));
    if (name == nullptr || !new_names.emplace(*name, j).second) {
      return false;
    }
  }
  std::vector<std::size_t> at(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    const auto it = new_names.find(*element_name(from[i]));
    if (it == new_names.end() || (i > 0 && it->second <= at[i - 1])) {
      return false;
    }
    at[i] = it->second;
  }
  emit_spliced(from, node, path, at, ops);
  return true;
}

// The ops of diff(from, applied) for the member at `path`, walking only what `node` touches.
void diff_node(const Json& from, const Node& node, const Pointer& path, Json& ops) {
  if (node.spliced) {
    if (!from.is_array() || !diff_spliced_by_name(from, node, path, ops)) {
      diff_into(from, spliced_array(from, node), path, ops);
    }
    return;
  }
  if (node.leaf) {
    diff_into(from, node.value, path, ops);
    return;
  }
  if (!from.is_object()) {
    Json applied = from;
    apply_node(applied, node);
    diff_into(from, applied, path, ops);
    return;
  }
  // diff() visits the old members in order, then adds the new ones in the order they were added.
  for (const auto& [key, value] : from.items()) {
    if (const Node* child = node.child(key)) {
      diff_node(value, *child, path.child(key), ops);
    }
  }
  for (const auto& [key, child] : node.children) {
    if (from.find(key) == from.end()) {
      Json added;
      apply_node(added, *child);
      Json op = Json::object();
      op["op"] = "add";
      op["path"] = path.child(key).str();
      op["value"] = std::move(added);
      ops.push_back(std::move(op));
    }
  }
}

// Whether applying `node` to `from` changes it, by Json's own (member-order sensitive) equality.
bool changes_node(const Json& from, const Node& node) {
  if (node.spliced) {
    return from != spliced_array(from, node);
  }
  if (node.leaf) {
    return from != node.value;
  }
  if (!from.is_object()) {
    return true;  // null becomes an object
  }
  for (const auto& [key, child] : node.children) {
    const auto it = from.find(key);
    if (it == from.end() || changes_node(*it, *child)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool Edits::changes(const Json& doc) const { return !empty() && changes_node(doc, *root_); }

Edits::Edits() : root_(std::make_unique<Node>()) {}
Edits::~Edits() = default;
Edits::Edits(Edits&&) noexcept = default;
Edits& Edits::operator=(Edits&&) noexcept = default;

void Edits::set(std::initializer_list<std::string_view> path, Json value) {
  Node* node = root_.get();
  for (auto key = path.begin(); key != path.end(); ++key) {
    if (node->leaf) {
      // Inside a value assigned whole: assign into it.
      Json* target = &node->value;
      for (; key != path.end(); ++key) {
        target = &(*target)[std::string(*key)];
      }
      *target = std::move(value);
      return;
    }
    Node* next = node->child(*key);
    if (next == nullptr) {
      next = node->children.emplace_back(std::string(*key), std::make_unique<Node>()).second.get();
    }
    node = next;
  }
  node->leaf = true;
  node->value = std::move(value);
  node->spliced = false;
  node->elements.clear();
  node->children.clear();
}

void Edits::set_array(std::initializer_list<std::string_view> path, std::vector<Element> elements) {
  set(path, Json());
  Node* node = root_.get();
  for (const auto key : path) {
    node = node->child(key);
    if (node == nullptr) {
      throw std::logic_error("Edits::set_array: the path lies inside a value set whole");
    }
  }
  node->spliced = true;
  node->elements = std::move(elements);
}

bool Edits::empty() const { return root_->children.empty(); }

Json Edits::diff(const Json& doc) const {
  Json ops = Json::array();
  if (!empty()) {
    diff_node(doc, *root_, Pointer{}, ops);
  }
  return ops;
}

void Edits::apply(Json& doc) const {
  if (!empty()) {
    apply_node(doc, *root_);
  }
}

}  // namespace injector
