// Expectations printed by Go's encoding/json (json.Unmarshal errors, decoded strings, json.Marshal
// of json.RawMessage values) for the same inputs.
#include "injector/wire/go_decode.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace injector {
namespace {

TEST_CASE("go_parse reports Go's SyntaxError texts") {
  struct Case {
    std::string in;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", "unexpected end of JSON input"},
      {"{", "unexpected end of JSON input"},
      {"[", "unexpected end of JSON input"},
      {"[1,", "unexpected end of JSON input"},
      {R"({"a")", "unexpected end of JSON input"},
      {R"({"a":)", "unexpected end of JSON input"},
      {R"("abc)", "unexpected end of JSON input"},
      {" ", "unexpected end of JSON input"},
      {"x", "invalid character 'x' looking for beginning of value"},
      {"{1}", "invalid character '1' looking for beginning of object key string"},
      {R"({"a" 1})", "invalid character '1' after object key"},
      {R"({"a":1 2})", "invalid character '2' after object key:value pair"},
      {"[1 2]", "invalid character '2' after array element"},
      {"1 2", "invalid character '2' after top-level value"},
      {"01", "invalid character '1' after top-level value"},
      {"[1]x", "invalid character 'x' after top-level value"},
      {"-", "invalid character ' ' in numeric literal"},
      {"-x", "invalid character 'x' in numeric literal"},
      {"[-]", "invalid character ']' in numeric literal"},
      {"1.", "invalid character ' ' after decimal point in numeric literal"},
      {"1.e5", "invalid character 'e' after decimal point in numeric literal"},
      {"1e", "invalid character ' ' in exponent of numeric literal"},
      {"1e+x", "invalid character 'x' in exponent of numeric literal"},
      {"tru", "invalid character ' ' in literal true (expecting 'e')"},
      {R"({"a":tx})", "invalid character 'x' in literal true (expecting 'r')"},
      {"nul", "invalid character ' ' in literal null (expecting 'l')"},
      {"nulx", "invalid character 'x' in literal null (expecting 'l')"},
      {"fals", "invalid character ' ' in literal false (expecting 'e')"},
      {R"("a\x")", "invalid character 'x' in string escape code"},
      {R"("\)", "invalid character ' ' in string escape code"},
      {R"("\u12g4")", "invalid character 'g' in \\u hexadecimal character escape"},
      {R"("\u12)", "invalid character ' ' in \\u hexadecimal character escape"},
      {"\"a\tb\"", "invalid character '\\t' in string literal"},
      {"[1,]", "invalid character ']' looking for beginning of value"},
      {R"({"a":1,})", "invalid character '}' looking for beginning of object key string"},
      {"'x'", "invalid character '\\'' looking for beginning of value"},
      {"\x01", "invalid character '\\x01' looking for beginning of value"},
      {"\x7f", "invalid character '\\x7f' looking for beginning of value"},
      {"\xc3\xa9", "invalid character '\xc3\x83' looking for beginning of value"},
      {"\xa0", "invalid character '\\u00a0' looking for beginning of value"},
      {"\x85", "invalid character '\\u0085' looking for beginning of value"},
      {"\\", "invalid character '\\\\' looking for beginning of value"},
      {std::string(10001, '['), "invalid character '[' exceeded max depth"},
      {std::string(10000, '['), "unexpected end of JSON input"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.in.substr(0, 20)) {
      auto v = go_parse(c.in);
      REQUIRE_FALSE(v.has_value());
      CHECK(v.error() == c.error);
    }
  }
}

TEST_CASE("go_parse keeps raw text, member order and repeated keys") {
  const std::string text = R"( {"b" : [1.50, null, "\u00e9"], "a":{}, "b":true} )";
  auto v = go_parse(text);
  REQUIRE(v.has_value());
  CHECK(v->kind == GoValue::Kind::kObject);
  CHECK(v->raw == R"({"b" : [1.50, null, "\u00e9"], "a":{}, "b":true})");
  REQUIRE(v->members.size() == 3);
  CHECK(v->members[0].first == "b");
  CHECK(v->members[0].second.raw == R"([1.50, null, "\u00e9"])");
  REQUIRE(v->members[0].second.items.size() == 3);
  CHECK(v->members[0].second.items[0].raw == "1.50");
  CHECK(v->members[0].second.items[1].kind == GoValue::Kind::kNull);
  CHECK(go_unquote(v->members[0].second.items[2]) == "\xc3\xa9");
  CHECK(v->members[1].second.raw == "{}");
  CHECK(v->members[2].second.kind == GoValue::Kind::kBool);
  CHECK(go_type_name(*v) == "object");
  CHECK(go_type_name(v->members[0].second.items[0]) == "number");
}

TEST_CASE("go_unquote replaces as Go does") {
  // \ud800 alone, \udc00 alone and \ud800\ud800 each give U+FFFD; so does every invalid byte.
  auto v =
      go_parse("\"\\u00e9\\ud83d\\ude00\\ud800x\\udc00\\ud800\\ud800\xff\xe2\x82 \\/\\b\\\"\\\\\"");
  REQUIRE(v.has_value());
  const std::string fffd = "\xef\xbf\xbd";
  CHECK(go_unquote(*v) == "\xc3\xa9\xf0\x9f\x98\x80" + fffd + "x" + fffd + fffd + fffd + fffd +
                              fffd + fffd + " /\b\"\\");
}

TEST_CASE("append_go_compact prints a RawMessage as json.Marshal does") {
  const std::string text =
      " { \"a\" : \"<&>\xe2\x80\xa8\xe2\x80\xa9\" , \"b\" : [ 1.50 , \"\\u00e9\\\"\" , true, null "
      "] } ";
  auto v = go_parse(text);
  REQUIRE(v.has_value());
  std::string out;
  append_go_compact(out, *v);
  CHECK(out == R"({"a":"\u003c\u0026\u003e\u2028\u2029","b":[1.50,"\u00e9\"",true,null]})");
}

}  // namespace
}  // namespace injector
