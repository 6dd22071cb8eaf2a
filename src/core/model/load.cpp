// Manifest text -> JSON documents. yaml-cpp is driven through its event interface so that keys
// keep their order, scalars are typed as Kubernetes types them (YAML 1.1, yaml11.hpp; quoted
// scalars stay strings) and an error can name the document it happened in.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "injector/model/load.hpp"
#include "injector/model/yaml11.hpp"

namespace injector {
namespace {

// Thrown inside the event handler only; caught in parse_yaml, never crosses the core API.
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

class JsonBuilder : public YAML::EventHandler {
 public:
  std::optional<Json> take() { return std::exchange(root_, std::nullopt); }
  /// Paths of the keys the current document gives twice (`spec.containers[0].name`).
  std::vector<std::string> take_duplicates() { return std::exchange(duplicates_, {}); }

  // The first problem of the current document. Recorded rather than thrown so that yaml-cpp can
  // still report its own syntax error (it emits odd events before noticing, e.g. for "[1,2").
  const std::optional<BuildError>& error() const { return error_; }

  /// Where the current document starts (byte offset and line, 0-based).
  int start_pos() const { return start_.pos; }
  int start_line() const { return start_.line; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    start_ = mark;
    root_.reset();
    stack_.clear();
    anchors_.clear();
    duplicates_.clear();
    error_.reset();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    guarded([&] { add(mark, Json(nullptr), anchor); });
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    guarded([&] {
      auto it = anchors_.find(anchor);
      if (it == anchors_.end()) {
        throw BuildError{mark.line, "unknown alias"};
      }
      add(mark, it->second, 0);
    });
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    guarded([&] {
      if (!valid_utf8(value)) {
        // Go's YAML decoder rejects it too; nlohmann could not print it later.
        throw BuildError{mark.line, "invalid UTF-8"};
      }
      Json v;
      if (tag == "?") {
        v = resolve_plain_scalar(value);
        plain_merge_key_ = value == "<<";
      } else if (auto tagged = resolve_tagged_scalar(tag, value)) {
        v = std::move(*tagged);  // "!" (a quoted scalar) and unknown tags keep the text
      } else {
        throw BuildError{mark.line, tagged.error()};
      }
      add(mark, std::move(v), anchor);
    });
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    guarded([&] { open(mark, Json::array(), anchor); });
  }
  void OnSequenceEnd() override {
    guarded([&] { close(); });
  }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    guarded([&] { open(mark, Json::object(), anchor); });
  }
  void OnMapEnd() override {
    guarded([&] { close(); });
  }

 private:
  YAML::Mark start_;
  struct Frame {
    Json value;
    YAML::anchor_t anchor = 0;
    int line = 0;
    std::optional<std::string> key;  // pending key of a map
    bool merge_key = false;          // the pending key is a plain `<<`
    std::set<std::string> merged;    // keys holding a `<<` merge's value; explicit keys override
  };

  void open(const YAML::Mark& mark, Json empty, YAML::anchor_t anchor) {
    if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().key) {
      throw BuildError{mark.line, "mapping keys must be scalars"};
    }
    stack_.push_back(Frame{std::move(empty), anchor, mark.line, std::nullopt, false, {}});
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    YAML::Mark m;
    m.line = f.line;
    add(m, std::move(f.value), f.anchor);
  }

  void add(const YAML::Mark& mark, Json v, YAML::anchor_t anchor) {
    if (anchor != 0) {
      anchors_[anchor] = v;  // as resolved: an aliased scalar may become a key or a value
    }
    const bool merge_key = std::exchange(plain_merge_key_, false);
    if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().key) {
      set_key(mark, stack_.back(), v, merge_key);
      return;
    }
    auto value = json_scalar_value(v);
    if (!value) {
      throw BuildError{mark.line, value.error()};
    }
    if (stack_.empty()) {
      root_ = std::move(*value);
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(*value));
      return;
    }
    if (top.merge_key) {
      merge(mark, top, *value);
    } else {
      if (top.value.contains(*top.key) && top.merged.erase(*top.key) == 0) {
        // go-yaml v2 (not strict) keeps the last value; the duplicate is reported by the caller.
        duplicates_.push_back(path() + *top.key);
      }
      top.value[*top.key] = std::move(*value);
    }
    top.key.reset();
  }

  void set_key(const YAML::Mark& mark, Frame& top, const Json& v, bool merge_key) {
    if (v.is_structured()) {
      throw BuildError{mark.line, "mapping keys must be scalars"};
    }
    auto key = json_object_key(v);
    if (!key) {
      throw BuildError{mark.line, "mapping key " + (v.is_null() ? std::string("null") : v.dump()) +
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
      if (parent.value.is_array()) {
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
  static void merge(const YAML::Mark& mark, Frame& top, const Json& v) {
    const bool maps =
        v.is_object() ||
        (v.is_array() && std::all_of(v.begin(), v.end(), [](auto& m) { return m.is_object(); }));
    if (!maps) {
      throw BuildError{mark.line, "map merge requires map or sequence of maps as the value"};
    }
    // Applied first to last, skipping what an earlier map of the same merge set: the same
    // result, with keys in the order they are written.
    std::set<std::string> taken;
    for (const Json& m : v.is_object() ? Json::array({v}) : v) {
      for (const auto& [k, val] : m.items()) {
        if (taken.insert(k).second) {
          top.value[k] = val;
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
  std::unordered_map<YAML::anchor_t, Json> anchors_;
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
  std::istringstream in{std::string(text)};
  int index = 0;
  try {
    YAML::Parser parser(in);
    JsonBuilder builder;
    int previous_start = -1;
    while (true) {
      if (!parser.HandleNextDocument(builder)) {
        break;
      }
      // yaml-cpp 0.7 leaves a token it cannot start a node with (a ',' outside a flow
      // collection) unconsumed and reports an empty document at the same place for ever
      // (jbeder/yaml-cpp#1040). Two documents cannot start at one offset.
      // yaml-cpp's documents then no longer match the file's, so only the line is named.
      if (builder.start_pos() == previous_start) {
        return fail("parse_error", std::string(file) + ": line " +
                                       std::to_string(builder.start_line() + 1) +
                                       ": did not find expected node content");
      }
      previous_start = builder.start_pos();
      if (const auto& e = builder.error()) {
        return fail("parse_error", where(file, index, e->line) + ": " + e->message);
      }
      if (auto doc = builder.take()) {
        add_document(out, std::move(*doc), file, index, flatten, builder.take_duplicates());
      }
      ++index;
    }
  } catch (const YAML::Exception& e) {
    return fail("parse_error",
                where(file, index, e.mark.is_null() ? -1 : e.mark.line) + ": " + e.msg);
  } catch (const std::exception& e) {
    // Nothing else is expected from yaml-cpp; still, no exception crosses the core API.
    return fail("parse_error", where(file, index, -1) + ": " + e.what());
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
