#include "injector/wire/json_parse.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include "../../support/files.hpp"

using injector::Json;
using injector::parse_json;

TEST_CASE("parse_json builds exactly the document Json::parse builds") {
  const std::vector<std::string> inputs = {
      "{}",
      "[]",
      "null",
      "true",
      "0",
      "-0",
      "42",
      "-42",
      "18446744073709551615",
      "999999999999999999",  // the longest integer read without nlohmann's lexer
      "-999999999999999999",
      "1000000000000000000",
      "-1000000000000000000",
      "-9223372036854775807",
      "[7,-7,0,-0,{\"n\":-12}]",
      "-9223372036854775808",
      "184467440737095516150",
      "1.5",
      "1e3",
      "-2.5E-3",
      "0.1",
      "1.0",
      "0e-55",                         // RapidJSON's full-precision path read 1.77e-74
      "0.0000000000000000000000e-20",  // and 1.56e-61
      "-0e-7",
      "1e-400",
      "4.9406564584124654e-324",
      "1.7976931348623157e308",
      "123456789012345678901234567890e-10",
      R"("a\"b\\c\/d\b\f\n\r\t\u0001\u00e9\ud83d\ude00")",
      "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
      R"({"b":1,"a":2,"c":{"z":[1,2,{"y":null}],"x":"s"}})",
      R"({"k":1,"j":2,"k":3})",
      " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
      R"([[[[]]],{},[{}],"",0])",
  };
  for (const auto& text : inputs) {
    DYNAMIC_SECTION(text) {
      auto parsed = parse_json(text);
      REQUIRE(parsed.has_value());
      const Json expected = Json::parse(text);
      CHECK(*parsed == expected);
      CHECK(parsed->dump() == expected.dump());
      CHECK(parsed->type() == expected.type());
    }
  }
}

TEST_CASE("parse_json agrees with Json::parse on every review fixture") {
  for (const auto& e : std::filesystem::directory_iterator(std::string(INJECTOR_SOURCE_DIR) +
                                                           "/fixtures/reviews")) {
    DYNAMIC_SECTION(e.path().filename().string()) {
      const std::string text = test_support::read_file(e.path());
      auto parsed = parse_json(text);
      REQUIRE(parsed.has_value());
      CHECK(parsed->dump() == Json::parse(text).dump());
    }
  }
}

TEST_CASE("parse_json rejects what Json::parse rejects, at the same byte") {
  struct Case {
    std::string text;
    std::size_t byte;
  };
  const std::vector<Case> cases = {
      {"", 1},
      {"hello", 1},
      {"{", 2},
      {R"({"a":1,})", 8},
      {R"({"apiVersion":"admission.k8s.io/v1","req)", 41},
      {"[1,2", 5},
      {"{} {}", 4},
      {"01", 2},
      {"\"a\x01\"", 3},
      {std::string("\0{}", 3), 1},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.text) {
      auto parsed = parse_json(c.text);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().byte == c.byte);
      CHECK_THROWS_AS(Json::parse(c.text), Json::parse_error);
    }
  }
  SECTION(
      "a number too large for a double is refused at its first byte, as Json::parse refuses it") {
    auto parsed = parse_json(R"({"a": 1e400})");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().byte == 7);
    CHECK_THROWS_AS(Json::parse(R"({"a": 1e400})"), Json::out_of_range);
  }
  SECTION("a NUL byte after the value is refused at that byte, as Go's decoder refuses it") {
    // RapidJSON (and nlohmann's lexer) take a NUL for the end of the input: "{}\0x" would be {}.
    for (const auto& [text, byte] :
         std::vector<std::pair<std::string, std::size_t>>{{std::string("{}\0x", 4), 3},
                                                          {std::string("{\"a\":1}\0", 8), 8},
                                                          {std::string("[1] \0", 5), 5}}) {
      auto parsed = parse_json(text);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().byte == byte);
    }
  }
  SECTION("a lone low surrogate escape is refused at the byte Json::parse names") {
    for (const std::string text :
         {R"({"a":"x\udc00y"})", R"({"\udceA":1})",
          R"(["ok", "\ud83d\ude00", "\\udc00", "\udfff"])", R"({"k":"a\"b\\\udc01"})"}) {
      INFO(text);
      std::size_t want = 0;
      try {
        const Json ignored = Json::parse(text);
        CHECK(ignored.is_discarded());  // not reached: the text is refused
      } catch (const Json::parse_error& e) {
        want = e.byte;
      }
      REQUIRE(want != 0);
      auto parsed = parse_json(text);
      REQUIRE_FALSE(parsed.has_value());
      CHECK(parsed.error().byte == want);
    }
    // A pair, and an escaped backslash before "udc00", are fine.
    const std::string pair = R"(["\ud83d\ude00", "\\udc00"])";
    REQUIRE(parse_json(pair));
    CHECK(*parse_json(pair) == Json::parse(pair));
  }
  SECTION("invalid UTF-8 is a syntax error") {
    CHECK_FALSE(parse_json("\"\xff\"").has_value());
    CHECK_THROWS_AS(Json::parse("\"\xff\""), Json::parse_error);
  }
}

TEST_CASE(
    "parse_json keeps the first position and the last value of a repeated key in a large object") {
  std::string text = "{";
  for (int i = 0; i < 300; ++i) {
    text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  }
  text += R"("k7":"again","k299":[1],"new":true,"k0":{"x":{"k1":1,"k1":2}}})";
  auto parsed = parse_json(text);
  REQUIRE(parsed.has_value());
  const Json expected = Json::parse(text);
  CHECK(parsed->dump() == expected.dump());
  CHECK(parsed->size() == 301);
  CHECK((*parsed)["k7"] == "again");
  CHECK(parsed->begin().key() == "k0");
}

TEST_CASE("parse_json refuses nesting past max_depth at the bracket that goes too deep") {
  const auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  auto ok = parse_json(nested(1000), 1000);
  REQUIRE(ok);
  CHECK(ok->dump().size() == 2000);
  auto deep = parse_json(nested(1001), 1000);
  REQUIRE_FALSE(deep);
  CHECK(deep.error().too_deep);
  CHECK(deep.error().byte == 1001);  // the 1001st '[' (1-based)
  const std::string objects = R"({"a":{"a":{"a":1}}})";
  CHECK(parse_json(objects, 3));
  auto objects_deep = parse_json(objects, 2);
  REQUIRE_FALSE(objects_deep);
  CHECK(objects_deep.error().too_deep);
  CHECK(objects_deep.error().byte == 11);
  // Brackets inside strings are text; without a limit any depth parses (iteratively).
  CHECK(parse_json(R"(["[[[[[[", {"k": "{{{{{{"}])", 2));
  CHECK(parse_json(nested(100000)));
  // A syntax error before the limit is a syntax error.
  auto broken = parse_json("[[}" + nested(2000), 1000);
  REQUIRE_FALSE(broken);
  CHECK_FALSE(broken.error().too_deep);
  CHECK(broken.error().byte == 3);
}
