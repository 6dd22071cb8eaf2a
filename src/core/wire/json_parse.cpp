#include "injector/wire/json_parse.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace injector {
namespace {

// An object being filled. ordered_json's own insertion looks each key up by a linear scan, which
// makes an object of n keys cost O(n^2) to build (a pod with 100,000 labels took seconds); keys
// are appended directly instead, and duplicates are found by a scan while the object is small
// and by a hash index of key positions once it is not.
struct OpenNode {
  Json* node;
  std::unique_ptr<std::unordered_map<std::string, std::size_t>> index;
};

constexpr std::size_t kIndexFrom = 16;  // below this a scan is cheaper than hashing

// SAX handler building a Json document. `open_` holds the containers being filled; a pointer to
// an element stays valid while it is open because its parent only grows after it is closed.
class Builder {
 public:
  bool Null() { return put(Json(nullptr)); }
  bool Bool(bool b) { return put(Json(b)); }
  // Numbers arrive as their text (kParseNumbersAsStringsFlag) and are read by nlohmann's own
  // lexer, so they get exactly the type and value Json::parse gives: RapidJSON 1.1.0's
  // full-precision strtod reads a zero significand with a negative exponent ("0e-55") as a tiny
  // non-zero double (DiyFp::Normalize of 0). A number too large for a double is an error, as in
  // Json::parse.
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    Json number = Json::parse(std::string_view(s, n), nullptr, false);
    return !number.is_discarded() && put(std::move(number));
  }
  // Not called with kParseNumbersAsStringsFlag; required by the handler concept.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool String(const char* s, rapidjson::SizeType n, bool) { return put(Json(std::string(s, n))); }
  bool StartObject() { return open(Json::object()); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    key_.assign(s, n);
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(Json::array()); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  Json take() { return std::move(root_); }

 private:
  Json* place(Json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    OpenNode& top = open_.back();
    Json& parent = *top.node;
    if (parent.is_object()) {
      return &member(top, std::move(v));
    }
    parent.push_back(std::move(v));
    return &parent.back();
  }
  // The slot of key_ in the open object: a repeated key keeps its place, the last value wins.
  Json& member(OpenNode& top, Json&& v) {
    auto& members = static_cast<Json::object_t::Container&>(*top.node->get_ptr<Json::object_t*>());
    if (members.size() >= kIndexFrom && !top.index) {
      top.index = std::make_unique<std::unordered_map<std::string, std::size_t>>();
      top.index->reserve(members.size() * 2);
      for (std::size_t i = 0; i < members.size(); ++i) {
        top.index->emplace(members[i].first, i);
      }
    }
    if (top.index) {
      const auto [it, added] = top.index->try_emplace(key_, members.size());
      if (!added) {
        return members[it->second].second = std::move(v);
      }
    } else {
      for (auto& [key, value] : members) {
        if (key == key_) {
          return value = std::move(v);
        }
      }
    }
    return members.emplace_back(key_, std::move(v)).second;
  }
  bool put(Json&& v) {
    place(std::move(v));
    return true;
  }
  bool open(Json&& v) {
    Json* node = place(std::move(v));
    open_.push_back(OpenNode{node, nullptr});
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }

  Json root_;
  std::vector<OpenNode> open_;
  std::string key_;
};

}  // namespace

std::expected<Json, JsonSyntaxError> parse_json(std::string_view text) {
  constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseIterativeFlag;
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  Builder builder;
  const rapidjson::ParseResult ok = reader.Parse<kFlags>(stream, builder);
  if (ok.IsError()) {
    return std::unexpected(JsonSyntaxError{ok.Offset() + 1});
  }
  return builder.take();
}

}  // namespace injector
