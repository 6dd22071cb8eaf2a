// evanphx/json-patch v5.6.0 merge.go (MergePatch, mergeDocs, merge, pruneNulls) over patch.go's
// lazyNode: a value stays raw JSON until the merge has to look inside it.
#include "injector/patch/merge_patch.hpp"

#include <map>
#include <memory>
#include <vector>

#include "injector/wire/go_decode.hpp"
#include "injector/wire/go_json.hpp"

namespace injector {
namespace {

constexpr std::string_view kBadDoc = "Invalid JSON Document";  // ErrBadJSONDoc
constexpr std::string_view kBadPatch = "Invalid JSON Patch";   // ErrBadJSONPatch

struct Lazy;
using Node = std::unique_ptr<Lazy>;  // *lazyNode; nullptr is JSON null

struct Lazy {
  enum class Which { kRaw, kDoc, kAry };
  const GoValue* raw;
  Which which = Which::kRaw;
  std::map<std::string, Node> doc;  // partialDoc: Go marshals a map with its keys sorted
  std::vector<Node> ary;            // partialArray
};

Node lazy(const GoValue& v) {
  if (v.kind == GoValue::Kind::kNull) {
    return nullptr;  // encoding/json sets a *lazyNode to nil for null
  }
  auto n = std::make_unique<Lazy>();
  n->raw = &v;
  return n;
}

// intoDoc: json.Unmarshal of the raw text into a partialDoc (a repeated key: the last one wins).
bool into_doc(Lazy& n) {
  if (n.which == Lazy::Which::kDoc) {
    return true;
  }
  if (n.which != Lazy::Which::kRaw || n.raw->kind != GoValue::Kind::kObject) {
    return false;
  }
  for (const auto& [key, value] : n.raw->members) {
    n.doc[key] = lazy(value);
  }
  n.which = Lazy::Which::kDoc;
  return true;
}

bool into_ary(Lazy& n) {
  if (n.which == Lazy::Which::kAry) {
    return true;
  }
  if (n.which != Lazy::Which::kRaw || n.raw->kind != GoValue::Kind::kArray) {
    return false;
  }
  for (const auto& item : n.raw->items) {
    n.ary.push_back(lazy(item));
  }
  n.which = Lazy::Which::kAry;
  return true;
}

void prune_nulls(Lazy& n);

void prune_doc_nulls(std::map<std::string, Node>& doc) {
  std::erase_if(doc, [](const auto& member) { return member.second == nullptr; });
  for (auto& [key, value] : doc) {
    prune_nulls(*value);
  }
}

// v5.6.0 keeps bare null items (v5.2.0 dropped them); objects inside still lose their nulls.
void prune_ary_nulls(std::vector<Node>& ary) {
  for (auto& item : ary) {
    if (item != nullptr) {
      prune_nulls(*item);
    }
  }
}

void prune_nulls(Lazy& n) {
  if (into_doc(n)) {
    prune_doc_nulls(n.doc);
  } else if (into_ary(n)) {
    prune_ary_nulls(n.ary);
  }
}

void merge_docs(std::map<std::string, Node>& doc, std::map<std::string, Node>& patch);

Node merge(Node cur, Node patch) {
  if (!into_doc(*cur)) {
    prune_nulls(*patch);
    return patch;
  }
  if (!into_doc(*patch)) {
    return patch;  // not pruned: the library returns a non-object patch value as it is
  }
  merge_docs(cur->doc, patch->doc);
  return cur;
}

void merge_docs(std::map<std::string, Node>& doc, std::map<std::string, Node>& patch) {
  for (auto& [key, value] : patch) {
    if (value == nullptr) {
      doc.erase(key);
      continue;
    }
    auto it = doc.find(key);
    if (it == doc.end() || it->second == nullptr) {
      prune_nulls(*value);
      doc[key] = std::move(value);
    } else {
      it->second = merge(std::move(it->second), std::move(value));
    }
  }
}

void marshal(std::string& out, const Lazy* n) {
  if (n == nullptr) {
    out += "null";
    return;
  }
  switch (n->which) {
    case Lazy::Which::kRaw:
      append_go_compact(out, *n->raw);
      return;
    case Lazy::Which::kDoc: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : n->doc) {
        if (!first) {
          out += ',';
        }
        first = false;
        append_go_string(out, key);
        out += ':';
        marshal(out, value.get());
      }
      out += '}';
      return;
    }
    case Lazy::Which::kAry:
      out += '[';
      for (std::size_t i = 0; i < n->ary.size(); ++i) {
        if (i > 0) {
          out += ',';
        }
        marshal(out, n->ary[i].get());
      }
      out += ']';
      return;
  }
}

}  // namespace

std::expected<std::string, std::string> go_merge_patch(std::string_view doc_text,
                                                       std::string_view patch_text) {
  // doMergePatch: both are unmarshalled into a partialDoc first; syntax errors come first, then
  // a `null` document or patch (a nil map), then the non-object fallbacks.
  const auto doc = go_parse(doc_text);
  const auto patch = go_parse(patch_text);
  if (!doc) {
    return std::unexpected(std::string(kBadDoc));
  }
  if (!patch) {
    return std::unexpected(std::string(kBadPatch));
  }
  if (doc->kind == GoValue::Kind::kNull) {
    return std::unexpected(std::string(kBadDoc));
  }
  if (patch->kind == GoValue::Kind::kNull) {
    return std::unexpected(std::string(kBadPatch));
  }
  Node patch_node = lazy(*patch);
  std::string out;
  if (patch->kind != GoValue::Kind::kObject) {
    // Not a doc: an array patch is the result (pruned), whatever the document; a scalar fails.
    if (!into_ary(*patch_node)) {
      return std::unexpected(std::string(kBadPatch));
    }
    prune_ary_nulls(patch_node->ary);
    marshal(out, patch_node.get());
    return out;
  }
  into_doc(*patch_node);
  if (doc->kind != GoValue::Kind::kObject) {
    prune_doc_nulls(patch_node->doc);  // the document is replaced by the patch
    marshal(out, patch_node.get());
    return out;
  }
  Node doc_node = lazy(*doc);
  into_doc(*doc_node);
  merge_docs(doc_node->doc, patch_node->doc);
  marshal(out, doc_node.get());
  return out;
}

}  // namespace injector
