#include "injector/model/yaml11.hpp"

#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

using injector::Json;

TEST_CASE("format_float32_g prints as Go's strconv.FormatFloat(f, 'g', -1, 32)") {
  struct Case {
    double value;
    const char* text;
  };
  const Case cases[] = {
      {1.5, "1.5"},
      {1000, "1000"},
      {123456789.0, "1.2345679e+08"},
      {0.1, "0.1"},
      {1e-7, "1e-07"},
      {1e6, "1e+06"},
      {100000, "100000"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {-2.5, "-2.5"},
      {0.0, "0"},
      {-0.0, "-0"},
      {1e20, "1e+20"},
      {3.4e38, "3.4e+38"},
      {1e39, "+Inf"},
      {-1e39, "-Inf"},
      {16777217.0, "1.6777216e+07"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.text) { CHECK(injector::format_float32_g(c.value) == c.text); }
  }
}

TEST_CASE("json_scalar_value: integral doubles read back as the integer encoding/json writes") {
  struct Case {
    double value;
    Json want;
  };
  const Case cases[] = {
      {8.0, 8},
      {1e3, 1000},
      {-0.0, 0},
      {1.5, 1.5},
      // encoding/json writes 2^63 with its shortest digits, 9223372036854776000.
      {9223372036854775808.0, 9223372036854776000ULL},
      {-9223372036854775808.0, -9223372036854775808.0},  // -9223372036854776000: past int64
      {1e20, 1e20},  // 100000000000000000000 does not fit 64 bits: a double, as JSON reads it
      {1e21, 1e21},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.want.dump()) {
      auto got = injector::json_scalar_value(Json(c.value));
      REQUIRE(got.has_value());
      CHECK(*got == c.want);
      CHECK(got->type() == c.want.type());
    }
  }
  CHECK(injector::json_scalar_value(Json(std::numeric_limits<double>::quiet_NaN())).error() ==
        "json: unsupported value: NaN");
  CHECK(injector::json_scalar_value(Json(-std::numeric_limits<double>::infinity())).error() ==
        "json: unsupported value: -Inf");
}

TEST_CASE("json_object_key: bools, integers and doubles become text; null and uint64 fail") {
  CHECK(injector::json_object_key(Json(true)).value() == "true");
  CHECK(injector::json_object_key(Json(256)).value() == "256");
  CHECK(injector::json_object_key(Json(-7)).value() == "-7");
  CHECK(injector::json_object_key(Json(1e3)).value() == "1000");
  CHECK(injector::json_object_key(Json(std::numeric_limits<double>::quiet_NaN())).value() ==
        ".nan");
  CHECK(injector::json_object_key(Json(-std::numeric_limits<double>::infinity())).value() ==
        "-.inf");
  CHECK(injector::json_object_key(Json(nullptr)).error() == "unsupported map key of type: nil");
  CHECK(injector::json_object_key(Json(18446744073709551615ULL)).error() ==
        "unsupported map key of type: uint64, key: 0xffffffffffffffff");
}

TEST_CASE("resolve_tagged_scalar follows go-yaml's explicit core tags") {
  CHECK(injector::resolve_tagged_scalar("tag:yaml.org,2002:int", "0400").value() == 256);
  CHECK(injector::resolve_tagged_scalar("tag:yaml.org,2002:str", "0400").value() == "0400");
  CHECK(injector::resolve_tagged_scalar("tag:yaml.org,2002:bool", "on").value() == true);
  CHECK(injector::resolve_tagged_scalar("tag:yaml.org,2002:null", "~").value() == nullptr);
  auto f = injector::resolve_tagged_scalar("tag:yaml.org,2002:float", "3");
  REQUIRE(f.has_value());
  CHECK(f->is_number_float());
  CHECK(injector::resolve_tagged_scalar("tag:yaml.org,2002:timestamp", "2001-12-14").value() ==
        "2001-12-14");
  CHECK(injector::resolve_tagged_scalar("!", "on").value() == "on");
  CHECK(injector::resolve_tagged_scalar("!local", "on").value() == "on");
  CHECK(injector::resolve_tagged_scalar("tag:yaml.org,2002:int", "1.5").error() ==
        "cannot decode !!float `1.5` as a !!int");
  CHECK(injector::resolve_tagged_scalar("tag:yaml.org,2002:null", "0").error() ==
        "cannot decode !!int `0` as a !!null");
}
