#include "injector/wire/json_write.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include "../../support/files.hpp"

using injector::Json;
using injector::write_json;

namespace {

std::string nlohmann_dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("write_json writes the bytes Json::dump writes") {
  const std::vector<Json> values = {
      Json(),
      Json(true),
      Json(false),
      Json(0),
      Json(-0),
      Json(std::int64_t{-9223372036854775807} - 1),
      Json(std::uint64_t{18446744073709551615u}),
      Json(1.5),
      Json(1.0),
      Json(-2.5e-3),
      Json(1e300),
      Json(0.1),
      Json(""),
      Json("plain text with spaces / and slashes"),
      Json("quote \" backslash \\ controls \b\f\n\r\t \x01\x1f del \x7f"),
      Json(std::string("nul \0 inside", 12)),
      Json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 multibyte"),
      Json("broken \xc3 tail"),
      Json("overlong \xc0\xaf and surrogate \xed\xa0\x80 and \xf4\x90\x80\x80 too high"),
      Json("truncated at the end \xe2\x82"),
      Json("\xff\xfe"),
      Json::object(),
      Json::array(),
      Json::parse(R"({"b":1,"a":[1,-2,3.25,null,true,{"k\n":"v\u00e9"}],"":{}})"),
  };
  for (const auto& v : values) {
    DYNAMIC_SECTION(nlohmann_dump(v)) { CHECK(write_json(v) == nlohmann_dump(v)); }
  }
}

TEST_CASE("append_json_string appends after what the buffer holds") {
  std::string out = "prefix:";
  injector::append_json_string(out, "a\"b");
  injector::append_json_string(out, "bad \xc3");
  CHECK(out == "prefix:" + nlohmann_dump(Json("a\"b")) + nlohmann_dump(Json("bad \xc3")));
}

TEST_CASE("write_json agrees with Json::dump on every JSON fixture") {
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           std::string(INJECTOR_SOURCE_DIR) + "/fixtures")) {
    if (e.path().extension() != ".json") {
      continue;
    }
    const Json doc = Json::parse(test_support::read_file(e.path()), nullptr, false);
    if (doc.is_discarded()) {
      continue;  // fixtures of malformed bodies
    }
    ++files;
    INFO(e.path().string());
    CHECK(write_json(doc) == nlohmann_dump(doc));
  }
  CHECK(files > 50);
}
