#include "injector/wire/json_parse.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace injector {
namespace {

constexpr std::size_t kIndexFrom = 16;  // below this a scan is cheaper than hashing

// An integer of at most 18 digits (so it cannot overflow), read as Json::parse reads it: unsigned
// when not negative, signed otherwise ("-0" included). Anything else (fractions, exponents,
// longer numbers) is left to nlohmann's lexer.
std::optional<Json> small_integer(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits.size() > 18) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (negative) {
    return Json(-static_cast<std::int64_t>(value));
  }
  return Json(value);
}

// RapidJSON decodes a lone low-surrogate escape (\uDC00-\uDFFF with no high one before it) into
// the UTF-8 bytes of that surrogate, which nlohmann refuses. Such bytes (ED A0-BF ..) cannot come
// from validated UTF-8 input, so they mark the escape.
bool has_encoded_surrogate(std::string_view s) {
  // Every string of every review passes here: memchr finds the rare 0xED lead byte.
  for (auto i = s.find('\xED'); i != std::string_view::npos && i + 1 < s.size();
       i = s.find('\xED', i + 1)) {
    if (static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
      return true;
    }
  }
  return false;
}

// The 1-based byte where nlohmann stops on the lone low surrogate of the string that ends
// before `end` in `text`: the last character of its \uXXXX escape. `from` is where the token
// before it ended, so the string's opening quote is the first '"' after it.
std::size_t lone_surrogate_byte(std::string_view text, std::size_t from, std::size_t end) {
  std::size_t i = text.find('"', from);
  bool after_high = false;
  for (++i; i < end; ++i) {
    if (text[i] != '\\') {
      after_high = false;
      continue;
    }
    if (i + 1 < end && text[i + 1] == 'u' && i + 5 < end) {
      const unsigned value =
          static_cast<unsigned>(std::stoul(std::string(text.substr(i + 2, 4)), nullptr, 16));
      if (value >= 0xDC00 && value <= 0xDFFF && !after_high) {
        return i + 6;
      }
      after_high = value >= 0xD800 && value <= 0xDBFF;
      i += 5;
      continue;
    }
    after_high = false;
    ++i;  // the escaped character
  }
  return end;
}

// SAX handler building a Json document. Values (and the keys of open objects) wait on stacks
// until their container closes; the container is then made at its final size, in one allocation,
// and the values are moved into it. ordered_json's own insertion looks each key up by a linear
// scan, which made an object of n keys cost O(n^2) (a pod with 100,000 labels took seconds);
// here a repeated key is found by a scan while the object is small and by a hash index once it
// is not.
class Builder {
 public:
  bool Null() { return put(Json(nullptr)); }
  bool Bool(bool b) { return put(Json(b)); }
  // Numbers arrive as their text (kParseNumbersAsStringsFlag). Short integers are read here;
  // the rest by nlohmann's own lexer, so they get exactly the type and value Json::parse gives:
  // RapidJSON 1.1.0's full-precision strtod reads a zero significand with a negative exponent
  // ("0e-55") as a tiny non-zero double (DiyFp::Normalize of 0). A number too large for a double
  // is an error, as in Json::parse.
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    if (auto integer = small_integer(std::string_view(s, n))) {
      return put(std::move(*integer));
    }
    Json number = Json::parse(std::string_view(s, n), nullptr, false);
    return !number.is_discarded() && put(std::move(number));
  }
  // Not called with kParseNumbersAsStringsFlag; required by the handler concept.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return checked(std::string_view(s, n)) && put(Json(std::string(s, n)));
  }
  Builder(std::string_view text, const rapidjson::MemoryStream& stream, std::size_t max_depth)
      : text_(text), stream_(stream), max_depth_(max_depth) {}

  bool StartObject() { return enter(); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (!checked(std::string_view(s, n))) {
      return false;
    }
    keys_.emplace_back(s, n);
    return true;
  }
  bool EndObject(rapidjson::SizeType count) {
    --depth_;
    Json object(Json::value_t::object);
    auto& members = static_cast<Json::object_t::Container&>(*object.get_ptr<Json::object_t*>());
    members.reserve(count);
    const std::size_t first_value = values_.size() - count;
    const std::size_t first_key = keys_.size() - count;
    // Positions of the members by key: open addressing over the members' own keys, in a table
    // reused from object to object (slot value = position + 1, 0 = empty).
    const bool indexed = count >= kIndexFrom;
    std::size_t mask = 0;
    if (indexed) {
      std::size_t size = 32;
      while (size < 2 * static_cast<std::size_t>(count)) {
        size *= 2;
      }
      slots_.assign(size, 0);
      mask = size - 1;
    }
    for (std::size_t i = 0; i < count; ++i) {
      std::string& key = keys_[first_key + i];
      Json& value = values_[first_value + i];
      // A repeated key keeps its first position and takes the last value.
      std::size_t at = members.size();
      std::size_t slot = 0;
      if (indexed) {
        slot = std::hash<std::string_view>{}(key)&mask;
        while (slots_[slot] != 0) {
          if (members[slots_[slot] - 1].first == key) {
            at = slots_[slot] - 1;
            break;
          }
          slot = (slot + 1) & mask;
        }
      } else {
        for (std::size_t m = 0; m < members.size(); ++m) {
          if (members[m].first == key) {
            at = m;
            break;
          }
        }
      }
      if (at == members.size()) {
        members.emplace_back(std::move(key), std::move(value));
        if (indexed) {
          slots_[slot] = static_cast<std::uint32_t>(at + 1);
        }
      } else {
        members[at].second = std::move(value);
      }
    }
    values_.resize(first_value);
    keys_.resize(first_key);
    return put(std::move(object));
  }
  bool StartArray() { return enter(); }
  bool EndArray(rapidjson::SizeType count) {
    --depth_;
    Json array(Json::value_t::array);
    auto& elements = *array.get_ptr<Json::array_t*>();
    const auto first = values_.end() - static_cast<std::ptrdiff_t>(count);
    elements.assign(std::make_move_iterator(first), std::make_move_iterator(values_.end()));
    values_.erase(first, values_.end());
    return put(std::move(array));
  }

  Json take() { return std::move(values_.back()); }
  bool too_deep() const { return too_deep_; }
  std::optional<std::size_t> bad_string_byte() const { return bad_string_byte_; }

 private:
  // A string (value or key) nlohmann would refuse stops the parse; every token moves `token_end_`.
  bool checked(std::string_view decoded) {
    const std::size_t end = stream_.Tell();
    if (has_encoded_surrogate(decoded)) {
      bad_string_byte_ = lone_surrogate_byte(text_, token_end_, end);
      return false;
    }
    token_end_ = end;
    return true;
  }

  // Counts an opened object or array; stops the parse past max_depth_ (0: no limit).
  bool enter() {
    if (++depth_ > max_depth_ && max_depth_ != 0) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  bool put(Json&& v) {
    values_.push_back(std::move(v));
    return true;
  }

  std::vector<Json> values_;
  std::vector<std::string> keys_;
  std::vector<std::uint32_t> slots_;
  std::string_view text_;
  const rapidjson::MemoryStream& stream_;
  std::size_t token_end_ = 0;  // where the last string ended (a string's quote comes after it)
  std::optional<std::size_t> bad_string_byte_;
  std::size_t max_depth_ = 0;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
};

}  // namespace

std::expected<Json, JsonSyntaxError> parse_json(std::string_view text, std::size_t max_depth) {
  constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseIterativeFlag;
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  Builder builder(text, stream, max_depth);
  const rapidjson::ParseResult ok = reader.Parse<kFlags>(stream, builder);
  if (const auto byte = builder.bad_string_byte()) {
    return std::unexpected(JsonSyntaxError{*byte, false});
  }
  if (ok.IsError()) {
    return std::unexpected(JsonSyntaxError{ok.Offset() + 1, builder.too_deep()});
  }
  // RapidJSON takes a NUL byte for the end of its input: "{}\0x" would parse as {}.
  if (stream.Tell() != text.size()) {
    return std::unexpected(JsonSyntaxError{stream.Tell() + 1, false});
  }
  return builder.take();
}

}  // namespace injector
