#include "injector/patch/edits.hpp"

#include "injector/patch/json_patch.hpp"

namespace injector {

// A member of the document: either assigned a whole value (a leaf) or reached on the way to
// deeper assignments (its children, in first-assignment order).
struct Edits::Node {
  bool leaf = false;
  Json value;
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

// `target` with the assignments of `node` made in it, as operator[] makes them.
void apply_node(Json& target, const Node& node) {
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

// The ops of diff(from, applied) for the member at `path`, walking only what `node` touches.
void diff_node(const Json& from, const Node& node, const Pointer& path, Json& ops) {
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
  node->children.clear();
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
