// Manifest text -> JSON documents. yaml-cpp is driven through its event interface so that keys
// keep their order, scalars are typed by the YAML 1.2 core schema (quoted scalars stay strings)
// and an error can name the document it happened in.

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

bool all_digits(std::string_view s, std::string_view digits) {
  return !s.empty() && s.find_first_not_of(digits) == std::string_view::npos;
}

std::optional<Json> parse_integer(std::string_view text, std::string_view digits, int base) {
  if (!all_digits(digits, base == 16  ? "0123456789abcdefABCDEF"
                          : base == 8 ? "01234567"
                                      : "0123456789")) {
    return std::nullopt;
  }
  const bool negative = !text.empty() && text.front() == '-';
  std::uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec == std::errc() && ptr == digits.data() + digits.size()) {
    if (!negative) {
      if (magnitude <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Json(static_cast<std::int64_t>(magnitude));
      }
      return Json(magnitude);
    }
    if (magnitude <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1) {
      return Json(static_cast<std::int64_t>(0 - magnitude));
    }
  }
  // Out of 64-bit range: a float, as Go's YAML decoders do for huge integers.
  return Json(std::strtod(std::string(text).c_str(), nullptr));
}

// YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution) for plain scalars.
Json resolve_plain(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") {
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    return false;
  }
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return nullptr;
  }
  std::string_view v = s;
  std::string_view sign;
  if (v.front() == '-' || v.front() == '+') {
    sign = v.substr(0, 1);
    v.remove_prefix(1);
  }
  if (sign.empty() && v.size() > 2 && v[0] == '0' && v[1] == 'o') {
    if (auto n = parse_integer(s, v.substr(2), 8)) {
      return *n;
    }
  }
  if (sign.empty() && v.size() > 2 && v[0] == '0' && v[1] == 'x') {
    if (auto n = parse_integer(s, v.substr(2), 16)) {
      return *n;
    }
  }
  if (all_digits(v, "0123456789")) {
    if (auto n = parse_integer(s, v, 10)) {
      return *n;
    }
  }
  if (v == ".inf" || v == ".Inf" || v == ".INF") {
    // JSON cannot hold infinity; keep the text (Kubernetes objects never carry one).
    return s;
  }
  if (sign.empty() && (v == ".nan" || v == ".NaN" || v == ".NAN")) {
    return s;
  }
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  std::size_t i = 0;
  std::size_t int_digits = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
    ++i;
    ++int_digits;
  }
  std::size_t frac_digits = 0;
  bool dot = false;
  if (i < v.size() && v[i] == '.') {
    dot = true;
    ++i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
      ++i;
      ++frac_digits;
    }
  }
  bool mantissa_ok = int_digits > 0 || (dot && frac_digits > 0);
  if (mantissa_ok && i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '-' || v[i] == '+')) {
      ++i;
    }
    std::size_t exp_digits = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
      ++i;
      ++exp_digits;
    }
    mantissa_ok = exp_digits > 0;
  }
  if (mantissa_ok && i == v.size()) {
    const double d = std::strtod(s.c_str(), nullptr);
    if (std::isfinite(d)) {
      return d;
    }
  }
  return s;
}

class JsonBuilder : public YAML::EventHandler {
 public:
  std::optional<Json> take() { return std::exchange(root_, std::nullopt); }

  // The first problem of the current document. Recorded rather than thrown so that yaml-cpp can
  // still report its own syntax error (it emits odd events before noticing, e.g. for "[1,2").
  const std::optional<BuildError>& error() const { return error_; }

  void OnDocumentStart(const YAML::Mark&) override {
    root_.reset();
    stack_.clear();
    anchors_.clear();
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
        v = resolve_plain(value);
      } else if (tag == "!" || tag == "tag:yaml.org,2002:str") {
        v = value;
      } else if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
                 tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
        v = resolve_plain(value);
      } else {
        v = value;  // unknown local tags: keep the text
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
  struct Frame {
    Json value;
    YAML::anchor_t anchor = 0;
    int line = 0;
    std::optional<std::string> key;  // pending key of a map
    std::set<std::string> merged;    // keys taken from a `<<` merge; explicit keys override them
  };

  void open(const YAML::Mark& mark, Json empty, YAML::anchor_t anchor) {
    if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().key) {
      throw BuildError{mark.line, "mapping keys must be scalars"};
    }
    stack_.push_back(Frame{std::move(empty), anchor, mark.line, std::nullopt, {}});
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
      anchors_[anchor] = v;
    }
    if (stack_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(v));
      return;
    }
    if (!top.key) {
      if (v.is_string()) {
        top.key = v.get<std::string>();
      } else if (v.is_null()) {
        top.key = "null";
      } else if (v.is_primitive()) {
        top.key = v.dump();
      } else {
        throw BuildError{mark.line, "mapping keys must be scalars"};
      }
      if (top.value.contains(*top.key) && top.merged.erase(*top.key) == 0) {
        throw BuildError{mark.line, "duplicate key \"" + *top.key + "\""};
      }
      return;
    }
    if (*top.key == "<<" && is_merge_source(v)) {
      merge(top, v);
    } else {
      top.value[*top.key] = std::move(v);
    }
    top.key.reset();
  }

  static bool is_merge_source(const Json& v) {
    return v.is_object() ||
           (v.is_array() && !v.empty() &&
            std::all_of(v.begin(), v.end(), [](const Json& m) { return m.is_object(); }));
  }

  // YAML merge key (https://yaml.org/type/merge.html), which Kubernetes' YAML decoder honours:
  // keys already present win, and among several merged maps the first one wins.
  static void merge(Frame& top, const Json& v) {
    auto merge_one = [&](const Json& m) {
      for (const auto& [k, val] : m.items()) {
        if (!top.value.contains(k)) {
          top.value[k] = val;
          top.merged.insert(k);
        }
      }
    };
    if (v.is_object()) {
      merge_one(v);
    } else {
      for (const auto& m : v) {
        merge_one(m);
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
};

std::string where(std::string_view file, int document, int line) {
  std::string out(file);
  out += ": document " + std::to_string(document + 1);
  if (line >= 0) {
    out += ": line " + std::to_string(line + 1);
  }
  return out;
}

void add_document(std::vector<Document>& out, Json object, std::string_view file, int index) {
  if (object.is_null()) {
    return;  // empty document
  }
  // A `kind: List` (what `kubectl get -o yaml` prints) is flattened into its items; so is a typed
  // list such as `SidecarSetList` (the API server's answer), whose items carry no kind or
  // apiVersion of their own: they take the list's.
  const std::string kind = object.is_object() && object.value("kind", Json()).is_string()
                               ? object["kind"].get<std::string>()
                               : "";
  if (kind.ends_with("List") && object.contains("items") && object["items"].is_array()) {
    const std::string item_kind = kind.substr(0, kind.size() - 4);
    for (auto& item : object["items"]) {
      if (item.is_null()) {
        continue;
      }
      if (!item_kind.empty() && item.is_object()) {
        if (!item.contains("kind")) {
          item["kind"] = item_kind;
        }
        if (!item.contains("apiVersion") && object.contains("apiVersion")) {
          item["apiVersion"] = object["apiVersion"];
        }
      }
      out.push_back(Document{Origin{std::string(file), index}, std::move(item)});
    }
    return;
  }
  out.push_back(Document{Origin{std::string(file), index}, std::move(object)});
}

}  // namespace

Result<std::vector<Document>> parse_documents(std::string_view text, std::string_view file) {
  std::vector<Document> out;
  // A JSON document is parsed as JSON first: exact numbers and escapes, without YAML's quirks.
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    Json j = Json::parse(text, nullptr, false);
    if (!j.is_discarded()) {
      add_document(out, std::move(j), file, 0);
      return out;
    }
  }
  std::istringstream in{std::string(text)};
  int index = 0;
  try {
    YAML::Parser parser(in);
    JsonBuilder builder;
    while (true) {
      if (!parser.HandleNextDocument(builder)) {
        break;
      }
      if (const auto& e = builder.error()) {
        return fail("parse_error", where(file, index, e->line) + ": " + e->message);
      }
      if (auto doc = builder.take()) {
        add_document(out, std::move(*doc), file, index);
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
