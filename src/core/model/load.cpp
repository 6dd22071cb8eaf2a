// Manifest text -> JSON documents. libyaml (the C library go-yaml is a port of, so it tokenises
// and fails as kubectl's reader does) is driven through its event interface so that keys keep
// their order, scalars are typed as Kubernetes types them (YAML 1.1, yaml11.hpp; quoted scalars
// stay strings) and an error can name the document it happened in.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <yaml.h>

#include "injector/model/load.hpp"
#include "injector/model/yaml11.hpp"

namespace injector {
namespace {

// Thrown inside the event handler only; caught in parse, never crosses the core API.
struct BuildError {
  int line;  // 0-based
  std::string message;
};

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80           ? 1
                    : (b >> 5) == 0x6  ? 2
                    : (b >> 4) == 0xE  ? 3
                    : (b >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && b < 0xC2)) {
      return false;
    }
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += n;
  }
  return true;
}

// Nested collections a document may hold, as go-yaml limits them.
constexpr std::size_t kMaxDepth = 10000;

// A mapping being read: members in order, found by key through an index once there are more than
// a few (a scan per key would make a mapping of 100,000 labels quadratic). It becomes a Json
// object at its end in one allocation: nlohmann's ordered_map copies every member's subtree each
// time its vector grows (its keys are const, so they cannot be moved).
class Members {
 public:
  Json* find(const std::string& key) {
    if (items_.size() <= kScanUpTo) {
      for (auto& [k, v] : items_) {
        if (k == key) {
          return &v;
        }
      }
      return nullptr;
    }
    if (index_.empty()) {
      for (std::size_t i = 0; i < items_.size(); ++i) {
        index_.emplace(items_[i].first, i);
      }
    }
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }

  /// Sets `key`, in place when present.
  void set(std::string key, Json value) {
    if (Json* v = find(key)) {
      *v = std::move(value);
      return;
    }
    if (!index_.empty()) {
      index_.emplace(key, items_.size());
    }
    items_.emplace_back(std::move(key), std::move(value));
  }

  std::size_t size() const { return items_.size(); }

  Json take() {
    Json object = Json::object();
    auto& members = static_cast<Json::object_t::Container&>(*object.get_ptr<Json::object_t*>());
    members.reserve(items_.size());
    for (auto& [k, v] : items_) {
      members.emplace_back(std::move(k), std::move(v));
    }
    items_.clear();
    index_.clear();
    return object;
  }

 private:
  static constexpr std::size_t kScanUpTo = 8;
  std::vector<std::pair<std::string, Json>> items_;
  std::unordered_map<std::string, std::size_t> index_;  // built past kScanUpTo members
};

// Builds one document's JSON from libyaml's events.
class JsonBuilder {
 public:
  std::optional<Json> take() { return std::exchange(root_, std::nullopt); }
  /// Paths of the keys the current document gives twice (`spec.containers[0].name`).
  std::vector<std::string> take_duplicates() { return std::exchange(duplicates_, {}); }

  // The first problem of the current document. Recorded rather than thrown so that libyaml can
  // still report its own syntax error, which comes later in the stream than what it led to.
  const std::optional<BuildError>& error() const { return error_; }

  void document_start() {
    root_.reset();
    stack_.clear();
    anchors_.clear();
    decoded_ = 0;
    aliased_ = 0;
    duplicates_.clear();
    error_.reset();
  }

  void event(const yaml_event_t& e) {
    const int line = static_cast<int>(e.start_mark.line);
    switch (e.type) {
      case YAML_ALIAS_EVENT:
        guarded([&] {
          auto it = anchors_.find(text(e.data.alias.anchor));
          if (it == anchors_.end()) {
            throw BuildError{line, "unknown anchor '" + text(e.data.alias.anchor) + "' referenced"};
          }
          count_alias(line, it->second.nodes);
          add(line, it->second.value, {}, it->second.nodes);
        });
        break;
      case YAML_SCALAR_EVENT:
        guarded([&] { scalar(line, e); });
        break;
      case YAML_SEQUENCE_START_EVENT:
        guarded([&] { open(line, false, text(e.data.sequence_start.anchor)); });
        break;
      case YAML_MAPPING_START_EVENT:
        guarded([&] { open(line, true, text(e.data.mapping_start.anchor)); });
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        guarded([&] { close(); });
        break;
      default:
        break;
    }
  }

 private:
  struct Frame {
    bool is_map = false;
    Json value;       // a sequence's items
    Members members;  // a mapping's
    std::string anchor;
    std::size_t nodes = 1;  // itself and what it holds so far
    int line = 0;
    std::optional<std::string> key;  // pending key of a map
    bool merge_key = false;          // the pending key is a plain `<<`
    std::set<std::string> merged;    // keys holding a `<<` merge's value; explicit keys override
  };

  static_assert(std::is_nothrow_move_constructible_v<Frame>, "the stack grows without copies");

  static std::string text(const yaml_char_t* s) {
    return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
  }

  void scalar(int line, const yaml_event_t& e) {
    const auto& sc = e.data.scalar;
    const std::string_view value(reinterpret_cast<const char*>(sc.value), sc.length);
    if (!valid_utf8(value)) {
      // Go's YAML decoder rejects it too; nlohmann could not print it later.
      throw BuildError{line, "invalid UTF-8"};
    }
    Json v;
    if (sc.tag == nullptr && sc.plain_implicit != 0) {
      v = resolve_plain_scalar(value);  // plain and untagged: YAML 1.1 resolution
      plain_merge_key_ = value == "<<";
    } else if (sc.tag == nullptr) {
      v = std::string(value);  // quoted or block: always a string
    } else if (auto tagged = resolve_tagged_scalar(text(sc.tag), value)) {
      v = std::move(*tagged);  // "!" and unknown tags keep the text
    } else {
      throw BuildError{line, tagged.error()};
    }
    ++decoded_;
    add(line, std::move(v), text(sc.anchor), 1);
  }

  // go-yaml v2's defence against alias bombs ("billion laughs"), with its numbers: past 1,000
  // nodes and 100 copied ones, the share of nodes that are alias copies may not exceed 99 % up
  // to 400,000 nodes, falling linearly to 10 % at 4,000,000.
  void count_alias(int line, std::size_t nodes) {
    decoded_ += nodes;
    aliased_ += nodes;
    constexpr double kLow = 400'000;
    constexpr double kHigh = 4'000'000;
    const auto decoded = static_cast<double>(decoded_);
    const double allowed = decoded <= kLow    ? 0.99
                           : decoded >= kHigh ? 0.10
                                              : 0.99 - 0.89 * (decoded - kLow) / (kHigh - kLow);
    if (aliased_ > 100 && decoded_ > 1000 && static_cast<double>(aliased_) / decoded > allowed) {
      throw BuildError{line, "document contains excessive aliasing"};
    }
  }

  void open(int line, bool map, std::string anchor) {
    if (stack_.size() >= kMaxDepth) {
      throw BuildError{line, "exceeded max depth of " + std::to_string(kMaxDepth)};
    }
    if (!stack_.empty() && stack_.back().is_map && !stack_.back().key) {
      throw BuildError{line, "mapping keys must be scalars"};
    }
    ++decoded_;
    Frame& f = stack_.emplace_back();
    f.is_map = map;
    if (!map) {
      f.value = Json::array();
    }
    f.anchor = std::move(anchor);
    f.line = line;
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    add(f.line, f.is_map ? f.members.take() : std::move(f.value), f.anchor, f.nodes);
  }

  // `nodes`: how many nodes v is (itself and everything in it).
  void add(int line, Json v, const std::string& anchor, std::size_t nodes) {
    if (!anchor.empty()) {
      anchors_[anchor] = Anchored{v, nodes};  // as resolved: an aliased scalar may become a key
    }
    if (!stack_.empty()) {
      stack_.back().nodes += nodes;
    }
    const bool merge_key = std::exchange(plain_merge_key_, false);
    if (!stack_.empty() && stack_.back().is_map && !stack_.back().key) {
      set_key(line, stack_.back(), v, merge_key);
      return;
    }
    // Only a double can read back differently; anything else moves on as it is (a collection
    // must not be copied on its way up, or the document costs its size times its depth).
    Json value = std::move(v);
    if (value.is_number_float()) {
      auto converted = json_scalar_value(value);
      if (!converted) {
        throw BuildError{line, converted.error()};
      }
      value = std::move(*converted);
    }
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& top = stack_.back();
    if (!top.is_map) {
      top.value.push_back(std::move(value));
      return;
    }
    if (top.merge_key) {
      merge(line, top, value);
    } else {
      if (top.members.find(*top.key) != nullptr && top.merged.erase(*top.key) == 0) {
        // go-yaml v2 (not strict) keeps the last value; the duplicate is reported by the caller.
        duplicates_.push_back(path() + *top.key);
      }
      top.members.set(std::move(*top.key), std::move(value));
    }
    top.key.reset();
  }

  void set_key(int line, Frame& top, const Json& v, bool merge_key) {
    if (v.is_structured()) {
      throw BuildError{line, "mapping keys must be scalars"};
    }
    auto key = json_object_key(v);
    if (!key) {
      throw BuildError{line, "mapping key " + (v.is_null() ? std::string("null") : v.dump()) +
                                 ": " + key.error()};
    }
    top.key = std::move(*key);
    top.merge_key = merge_key;
  }

  // The JSON path of the map on top of the stack, with a trailing '.' when not the root:
  // `spec.containers[0].`, as the API server names fields in its warnings.
  std::string path() const {
    std::string out;
    for (std::size_t i = 1; i < stack_.size(); ++i) {
      const Frame& parent = stack_[i - 1];
      if (!parent.is_map) {
        out += "[" + std::to_string(parent.value.size()) + "]";
      } else {
        if (!out.empty()) {
          out += '.';
        }
        out += parent.key.value_or("");
      }
    }
    if (!out.empty()) {
      out += '.';
    }
    return out;
  }

  // YAML merge key (https://yaml.org/type/merge.html) as go-yaml v2 applies it: in place, each
  // merged key overwriting what is already there and later keys overwriting it; of several maps
  // the first wins (they are applied last to first).
  static void merge(int line, Frame& top, const Json& v) {
    const bool maps =
        v.is_object() ||
        (v.is_array() && std::all_of(v.begin(), v.end(), [](auto& m) { return m.is_object(); }));
    if (!maps) {
      throw BuildError{line, "map merge requires map or sequence of maps as the value"};
    }
    // Applied first to last, skipping what an earlier map of the same merge set: the same
    // result, with keys in the order they are written.
    std::set<std::string> taken;
    for (const Json& m : v.is_object() ? Json::array({v}) : v) {
      for (const auto& [k, val] : m.items()) {
        if (taken.insert(k).second) {
          top.members.set(k, val);
          top.merged.insert(k);
        }
      }
    }
  }

  template <class F>
  void guarded(F&& f) {
    if (error_) {
      return;
    }
    try {
      f();
    } catch (BuildError& e) {
      error_ = std::move(e);
    }
  }

  std::optional<BuildError> error_;
  std::optional<Json> root_;
  std::vector<Frame> stack_;
  struct Anchored {
    Json value;
    std::size_t nodes = 0;
  };
  std::unordered_map<std::string, Anchored> anchors_;
  std::size_t decoded_ = 0;  // nodes of the document, aliases' copies included
  std::size_t aliased_ = 0;  // of which copies made for aliases
  std::vector<std::string> duplicates_;
  bool plain_merge_key_ = false;  // the scalar being added is a plain `<<`
};

std::string where(std::string_view file, int document, int line) {
  std::string out(file);
  out += ": document " + std::to_string(document + 1);
  if (line >= 0) {
    out += ": line " + std::to_string(line + 1);
  }
  return out;
}

void add_document(std::vector<Document>& out, Json object, std::string_view file, int index,
                  bool flatten, std::vector<std::string> duplicates = {}) {
  if (object.is_null()) {
    return;  // empty document
  }
  if (!flatten) {
    out.push_back(
        Document{Origin{std::string(file), index}, std::move(object), std::move(duplicates)});
    return;
  }
  // A `kind: List` (what `kubectl get -o yaml` prints) is flattened into its items; so is a typed
  // list such as `SidecarSetList` (the API server's answer), whose items carry no kind or
  // apiVersion of their own: they take the list's.
  const std::string kind = object.is_object() && object.value("kind", Json()).is_string()
                               ? object["kind"].get<std::string>()
                               : "";
  if (kind.ends_with("List") && object.contains("items") && object["items"].is_array()) {
    const std::string item_kind = kind.substr(0, kind.size() - 4);
    for (std::size_t i = 0; i < object["items"].size(); ++i) {
      Json& item = object["items"][i];
      if (item.is_null()) {
        continue;
      }
      // The item's own duplicates, named from the item as for a document of its own.
      const std::string prefix = "items[" + std::to_string(i) + "].";
      std::vector<std::string> own;
      for (const std::string& d : duplicates) {
        if (d.starts_with(prefix)) {
          own.push_back(d.substr(prefix.size()));
        }
      }
      if (!item_kind.empty() && item.is_object()) {
        if (!item.contains("kind")) {
          item["kind"] = item_kind;
        }
        if (!item.contains("apiVersion") && object.contains("apiVersion")) {
          item["apiVersion"] = object["apiVersion"];
        }
      }
      out.push_back(Document{Origin{std::string(file), index}, std::move(item), std::move(own)});
    }
    return;
  }
  out.push_back(
      Document{Origin{std::string(file), index}, std::move(object), std::move(duplicates)});
}

Result<std::vector<Document>> parse(std::string_view text, std::string_view file, bool flatten) {
  std::vector<Document> out;
  // A JSON document is parsed as JSON first: exact numbers and escapes, without YAML's quirks.
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    Json j = Json::parse(text, nullptr, false);
    if (!j.is_discarded()) {
      add_document(out, std::move(j), file, 0, flatten);
      return out;
    }
  }
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  const struct ParserGuard {
    yaml_parser_t* p;
    ~ParserGuard() { yaml_parser_delete(p); }
  } parser_guard{&parser};
  yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  JsonBuilder builder;
  int index = -1;  // of the current document
  while (true) {
    yaml_event_t event;
    if (yaml_parser_parse(&parser, &event) == 0) {
      // As go-yaml words it (the problem), with the line of the problem.
      const std::string problem =
          parser.problem != nullptr ? parser.problem : "unknown problem parsing YAML content";
      if (parser.error == YAML_READER_ERROR) {
        // Found while decoding ahead of the parser, maybe in a later document: only the line.
        const auto offset = std::min(parser.problem_offset, text.size());
        const auto lines = std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n');
        return fail("parse_error",
                    std::string(file) + ": line " + std::to_string(lines + 1) + ": " + problem);
      }
      return fail("parse_error",
                  where(file, std::max(index, 0), static_cast<int>(parser.problem_mark.line)) +
                      ": " + problem);
    }
    const struct EventGuard {
      yaml_event_t* e;
      ~EventGuard() { yaml_event_delete(e); }
    } event_guard{&event};
    if (event.type == YAML_STREAM_END_EVENT) {
      break;
    }
    if (event.type == YAML_DOCUMENT_START_EVENT) {
      ++index;
      builder.document_start();
    } else if (event.type == YAML_DOCUMENT_END_EVENT) {
      if (const auto& e = builder.error()) {
        return fail("parse_error", where(file, index, e->line) + ": " + e->message);
      }
      if (auto doc = builder.take()) {
        add_document(out, std::move(*doc), file, index, flatten, builder.take_duplicates());
      }
    } else {
      builder.event(event);
    }
  }
  return out;
}

}  // namespace

Result<std::vector<Document>> parse_documents(std::string_view text, std::string_view file) {
  return parse(text, file, true);
}

Result<std::vector<Document>> parse_stream(std::string_view text, std::string_view file) {
  return parse(text, file, false);
}

std::string Problem::to_string() const {
  std::string out = origin.file;
  if (origin.document >= 0) {
    out += ": document " + std::to_string(origin.document + 1);
  }
  out += ": ";
  if (!object.empty()) {
    out += "sidecarset \"" + object + "\": ";
  }
  if (!field.empty()) {
    out += field + ": ";
  }
  out += message;
  return out;
}

}  // namespace injector
