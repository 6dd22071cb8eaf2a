// Quantity parsing and printing against apimachinery's own expectations. The canonical table
// holds the inputs of k8s.io/apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse,
// TestQuantityString with its alternates, TestQuantityParseEmit) plus the cases the brief and
// spec name, each with the string Go's Quantity.String() prints for it (checked against the Go
// package), quirks included: canonical input is kept verbatim ("+100m"), DecimalSI has no
// suffix past E ("1000E" prints "1"), BinarySI is capped at 2^63-1.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "injector/kube/quantity.hpp"

using injector::QuantityFormat;

namespace {

injector::Quantity parsed(const std::string& text) {
  auto q = injector::parse_quantity(text);
  REQUIRE(q);
  return *q;
}

}  // namespace

TEST_CASE("canonical_quantity prints what Quantity.String() prints") {
  struct Case {
    std::string input;
    std::string canonical;
  };
  const Case cases[] = {
      {"0", "0"},
      {"0n", "0"},
      {"0u", "0"},
      {"0m", "0"},
      {"0Ki", "0"},
      {"0k", "0"},
      {"0Mi", "0"},
      {"0M", "0"},
      {"0Gi", "0"},
      {"0G", "0"},
      {"0Ti", "0"},
      {"0T", "0"},
      {"1", "1"},
      {"1Ki", "1Ki"},
      {"8Ki", "8Ki"},
      {"7Mi", "7Mi"},
      {"6Gi", "6Gi"},
      {"5Ti", "5Ti"},
      {"4Pi", "4Pi"},
      {"3Ei", "3Ei"},
      {"10Ti", "10Ti"},
      {"100Ti", "100Ti"},
      {"5n", "5n"},
      {"4u", "4u"},
      {"3m", "3m"},
      {"9", "9"},
      {"8k", "8k"},
      {"50k", "50k"},
      {"7M", "7M"},
      {"6G", "6G"},
      {"5T", "5T"},
      {"40T", "40T"},
      {"300T", "300T"},
      {"2P", "2P"},
      {"1E", "1E"},
      {"1E-3", "1E-3"},
      {"1e3", "1e3"},
      {"1E6", "1E6"},
      {"1e9", "1e9"},
      {"1E12", "1E12"},
      {"1e15", "1e15"},
      {"1E18", "1E18"},
      {"1e14", "100e12"},
      {"1e13", "10e12"},
      {"100.035k", "100.035k"},
      {"0.001", "1m"},
      {"0.0005k", "500m"},
      {"0.005", "5m"},
      {"0.05", "50m"},
      {"0.5", "500m"},
      {"0.00050k", "500m"},
      {"0.00500", "5m"},
      {"0.05000", "50m"},
      {"0.50000", "500m"},
      {"0.5e0", "500e-3"},
      {"0.5e-1", "50e-3"},
      {"0.5e-2", "5e-3"},
      {"10.035M", "10.035M"},
      {"1.2e3", "1200"},
      {"1.3E+6", "1300e3"},
      {"1.40e9", "1400e6"},
      {"1.53E12", "1530e9"},
      {"1.6e15", "1600e12"},
      {"1.7E18", "1700e15"},
      {"9.01", "9010m"},
      {"8.1k", "8100"},
      {"7.123456M", "7.123456M"},
      {"6.987654321G", "6.987654321G"},
      {"5.444T", "5.444T"},
      {"40.1T", "40100G"},
      {"300.2T", "300200G"},
      {"2.5P", "2500T"},
      {"1.01E", "1010P"},
      {"3.001n", "4n"},
      {"1.1E-9", "2e-9"},
      {"0.0000000001", "1n"},
      {"0.0000000005", "1n"},
      {"0.00000000050", "1n"},
      {"0.5e-9", "1e-9"},
      {"0.9n", "1n"},
      {"0.00000012345", "124n"},
      {"0.00000012354", "124n"},
      {"9Ei", "9223372036854775807"},
      {"9223372036854775807Ki", "9223372036854775807"},
      {"12E", "12E"},
      {"100.035Ki", "102435840m"},
      {"0.5Mi", "512Ki"},
      {"0.05Gi", "53687091200m"},
      {"0.025Ti", "27487790694400m"},
      {"0.000000000001Ki", "2n"},
      {".001", "1m"},
      {".0001k", "100m"},
      {"1.", "1."},
      {"1.G", "1.G"},
      {"1Gi", "1Gi"},
      {"1024Mi", "1Gi"},
      {"300Mi", "300Mi"},
      {"307200Ki", "300Mi"},
      {"6Ki", "6Ki"},
      {"1001Gi", "1001Gi"},
      {"1025024Mi", "1001Gi"},
      {"1Ti", "1Ti"},
      {"1024Gi", "1Ti"},
      {"5", "5"},
      {"5000m", "5"},
      {"500m", "500m"},
      {"1G", "1G"},
      {"1000M", "1G"},
      {"0.001T", "1G"},
      {"1m", "1m"},
      {"1000u", "1m"},
      {"80m", "80m"},
      {"1080m", "1080m"},
      {"1.08", "1080m"},
      {"1080000000n", "1080m"},
      {"300M", "300M"},
      {"1T", "1T"},
      {"1234567M", "1234567M"},
      {"1234567m", "1234567m"},
      {"3k", "3k"},
      {"1025", "1025"},
      {".001e12", "1e9"},
      {"1e-3", "1e-3"},
      {"0.001e0", "1e-3"},
      {"1e-9", "1e-9"},
      {"1000e-12", "1e-9"},
      {"80e-3", "80e-3"},
      {"300e6", "300e6"},
      {"1e12", "1e12"},
      {"3e3", "3e3"},
      {"00", "0"},
      {"1n", "1n"},
      {"80n", "80n"},
      {"1080n", "1080n"},
      {"1u", "1u"},
      {"80u", "80u"},
      {"1080u", "1080u"},
      {"1Mi", "1Mi"},
      {".001Ki", "1024m"},
      {".000001Ki", "1024u"},
      {".000000001Ki", "1024n"},
      {".000000000001Ki", "2n"},
      {"-.001Ki", "-1024m"},
      {"-1024Mi", "-1Gi"},
      {"0.0001", "100u"},
      {"1000m", "1"},
      {"1.5Gi", "1536Mi"},
      {"100M", "100M"},
      {"12e6", "12e6"},
      {"+1Ki", "+1Ki"},
      {"+100m", "+100m"},
      {"0100m", "0100m"},
      {"1.Ki", "1.Ki"},
      {"1.m", "1.m"},
      {".", "0"},
      {"-", "0"},
      {"+", "0"},
      {"1000E", "1"},
      {"1e21", "1e21"},
      {"-0", "0"},
      {"1e+3", "1e+3"},
      {"1E3", "1E3"},
      {"1e-10", "1e-9"},
      {"1.5e3", "1500"},
      {"9999999999999Ei", "9223372036854775807"},
      {"8Ei", "9223372036854775807"},
      {"12345678901234567890123", "12345678901234567890123"},
      {"-0.0000000001", "-1n"},
      {".5Ki", "512"},
      {"1.5Ki", "1536"},
      {"1023Ki", "1023Ki"},
      {"1e2147483647", "10e2147483646"},
      {"0.123456789012345678901", "123456790n"},
      {"1.000000000000000000001", "1000000001n"},
      {"e3", "0"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION("\"" << c.input << "\"") {
      auto got = injector::canonical_quantity(c.input);
      REQUIRE(got);
      CHECK(*got == c.canonical);
    }
  }
}

TEST_CASE("parse_quantity rejects what ParseQuantity rejects, naming the text") {
  struct Case {
    std::string input;
    std::string reason;  // apimachinery's error text
  };
  const Case cases[] = {
      {"1.1.M",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"1+1.0M",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"0.1mi", "unable to parse quantity's suffix"},
      {"0.1am",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"aoeu",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {".5i", "unable to parse quantity's suffix"},
      {"1i", "unable to parse quantity's suffix"},
      {"-3.01i", "unable to parse quantity's suffix"},
      {"-3.01e-", "unable to parse quantity's suffix"},
      {" 1",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"1 ",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"1e5m",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"1Ki ",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {".e-10", "unable to parse numeric part of quantity"},
      {"1e", "unable to parse quantity's suffix"},
      {"1K", "unable to parse quantity's suffix"},
      {"--1", "unable to parse quantity's suffix"},
      {"1e99999999999999999999", "unable to parse quantity's suffix"},
      {"1.5e-3m",
       "quantities must match the regular expression "
       "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION("\"" << c.input << "\"") {
      auto go = injector::parse_quantity_go(c.input);
      REQUIRE_FALSE(go);
      CHECK(go.error() == c.reason);
      auto q = injector::parse_quantity(c.input);
      REQUIRE_FALSE(q);
      CHECK(q.error().code == "invalid_quantity");
      CHECK(q.error().message == "quantity \"" + c.input + "\": " + c.reason);
      auto canonical = injector::canonical_quantity(c.input);
      REQUIRE_FALSE(canonical);
      CHECK(canonical.error().message == q.error().message);
    }
  }
}

TEST_CASE("parse_quantity keeps the format and an approximate value") {
  struct Case {
    std::string input;
    QuantityFormat format;
    long double value;
  };
  const Case cases[] = {
      {"1.5Gi", QuantityFormat::kBinarySI, 1610612736.0L},
      {".5Ki", QuantityFormat::kBinarySI, 512.0L},
      {"0.5", QuantityFormat::kDecimalSI, 0.5L},
      {"-250m", QuantityFormat::kDecimalSI, -0.25L},
      {"12e6", QuantityFormat::kDecimalExponent, 12e6L},
      // A BinarySI value below one is reformatted as DecimalSI ("avoids rounding").
      {".000001Ki", QuantityFormat::kDecimalSI, 0.001024L},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.input) {
      const auto q = parsed(c.input);
      CHECK(q.format == c.format);
      CHECK(q.value == Approx(c.value));
    }
  }
}

// Expected values below are what the Go methods return for the same calls.
TEST_CASE("add_quantity follows Quantity.Add, zero taking the other format") {
  struct Case {
    std::string a, b, sum;
    QuantityFormat format;
  };
  const Case cases[] = {
      {"0", "1Gi", "1Gi", QuantityFormat::kBinarySI},
      {"1Gi", "512Mi", "1536Mi", QuantityFormat::kBinarySI},
      {"100m", "1Ki", "1024100m", QuantityFormat::kDecimalSI},
      {"0", "1.5", "1500m", QuantityFormat::kDecimalSI},
      {"1Ki", "-1Ki", "0", QuantityFormat::kBinarySI},
      {"9223372036854775807", "1", "9223372036854775808", QuantityFormat::kDecimalSI},
      {"1n", "1", "1000000001n", QuantityFormat::kDecimalSI},
      {"12345678901234567890123", "1", "12345678901234567890124", QuantityFormat::kDecimalSI},
      {"1e3", "1", "1001", QuantityFormat::kDecimalExponent},
      {"1Gi", "0.5", "1073741824500m", QuantityFormat::kBinarySI},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.a << " + " << c.b) {
      auto q = parsed(c.a);
      REQUIRE(injector::add_quantity(q, parsed(c.b)));
      CHECK(injector::format_quantity(q) == c.sum);
      CHECK(q.format == c.format);
    }
  }
}

TEST_CASE("add_quantity refuses sums whose exponents are thousands of digits apart") {
  auto q = parsed("1e9999");
  const std::string before = injector::format_quantity(q);
  CHECK_FALSE(injector::add_quantity(q, parsed("1n")));
  CHECK(injector::format_quantity(q) == before);
}

TEST_CASE("milli_value rounds up and overflows as Quantity.MilliValue") {
  struct Case {
    std::string input;
    std::int64_t milli;
  };
  const Case cases[] = {
      {"1.5", 1500},
      {"1n", 1},
      {"0.5m", 1},
      {"-1n", -1},
      {"100m", 100},
      {"1Gi", 1073741824000},
      // Held as inf.Dec: math/big's Int64 keeps the low 64 bits.
      {"12345678901234567890123", -7484280360333952776},
      {"9223372036854775807", -1000},
      {"1e15", 1000000000000000000},
      // int64Amount overflow: ScaledValue ignores the flag and reads 0.
      {"1e16", 0},
      // scaledValue's fast path truncates and adds one, even for negatives.
      {"-0.0000000015", 1},
      {"1.0000000001", 1001},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.input) { CHECK(injector::milli_value(parsed(c.input)) == c.milli); }
  }
}

TEST_CASE("set_milli keeps the format; constructors match NewQuantity/NewMilliQuantity") {
  struct Case {
    std::string input, at_1500, at_1024000;
  };
  const Case cases[] = {
      {"1Gi", "1500m", "1Ki"},
      {"100m", "1500m", "1024"},
      {"2e3", "1500e-3", "1024"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.input) {
      auto q = parsed(c.input);
      injector::set_milli(q, 1500);
      CHECK(injector::format_quantity(q) == c.at_1500);
      injector::set_milli(q, 1024000);
      CHECK(injector::format_quantity(q) == c.at_1024000);
    }
  }
  CHECK(injector::format_quantity(
            injector::quantity_from_milli(1500, QuantityFormat::kDecimalSI)) == "1500m");
  CHECK(injector::format_quantity(injector::quantity_from_milli(2000, QuantityFormat::kBinarySI)) ==
        "2");
  CHECK(injector::format_quantity(injector::quantity_from_int(2048, QuantityFormat::kBinarySI)) ==
        "2Ki");
  CHECK(injector::format_quantity(injector::quantity_from_int(1000, QuantityFormat::kDecimalSI)) ==
        "1k");
}

TEST_CASE("compare_quantities, quantity_sign and negate_quantity") {
  struct Cmp {
    std::string a, b;
    int want;
  };
  const Cmp cmps[] = {
      {"1Gi", "1024Mi", 0}, {"100m", "0.1", 0}, {"1", "999m", 1},
      {"-1", "1n", -1},     {"1e3", "1k", 0},   {"-2", "-1", -1},
  };
  for (const auto& c : cmps) {
    DYNAMIC_SECTION(c.a << " vs " << c.b) {
      CHECK(injector::compare_quantities(parsed(c.a), parsed(c.b)) == c.want);
      CHECK(injector::compare_quantities(parsed(c.b), parsed(c.a)) == -c.want);
    }
  }
  struct Neg {
    std::string input, negated;
    int sign;
  };
  const Neg negs[] = {
      {"1Gi", "-1Gi", 1}, {"+100m", "-100m", 1}, {"0", "0", 0}, {"1.5", "-1500m", 1}};
  for (const auto& n : negs) {
    DYNAMIC_SECTION("-(" << n.input << ")") {
      auto q = parsed(n.input);
      CHECK(injector::quantity_sign(q) == n.sign);
      injector::negate_quantity(q);
      CHECK(injector::format_quantity(q) == n.negated);
      CHECK(injector::quantity_sign(q) == -n.sign);
    }
  }
}

TEST_CASE("round_up_quantity follows Quantity.RoundUp (TestQuantityRoundUp), int64 and inf.Dec") {
  // apimachinery quantity_test.go TestQuantityRoundUp: input, scale, expected value, exact. The
  // table runs twice there, the second time after AsDec(); `big` is our AsDec.
  struct Case {
    std::string input;
    std::int32_t scale;
    std::string expect;
    bool exact;
  };
  const Case cases[] = {
      {"9.01", -3, "9.01", true},   {"9.01", -2, "9.01", true},   {"9.01", -1, "9.1", false},
      {"9.01", 0, "10", false},     {"9.01", 1, "10", false},     {"9.01", 2, "100", false},
      {"-9.01", -3, "-9.01", true}, {"-9.01", -2, "-9.01", true}, {"-9.01", -1, "-9.1", false},
      {"-9.01", 0, "-10", false},   {"-9.01", 1, "-10", false},   {"-9.01", 2, "-100", false},
  };
  for (const bool as_dec : {false, true}) {
    for (const auto& c : cases) {
      DYNAMIC_SECTION(c.input << " RoundUp(" << c.scale << ")" << (as_dec ? " as Dec" : "")) {
        auto q = parsed(c.input);
        q.big = as_dec;
        CHECK(injector::round_up_quantity(q, c.scale) == c.exact);
        CHECK(injector::compare_quantities(q, parsed(c.expect)) == 0);
      }
    }
  }
}

TEST_CASE("marshal_quantity: SetDefaults_ResourceList's RoundUp(-3), then Quantity.String()") {
  // Rounding as TestQuantityRoundUp above (away from zero), printing as the canonical table at
  // the top of this file; a cached canonical text survives when nothing needs rounding (RoundUp
  // keeps q.s for an int64Amount whose scale is already >= -3), an inf.Dec is always reprinted.
  struct Case {
    std::string input;
    std::string rounded;    // round_to_milli
    std::string canonical;  // no rounding (divisor, sizeLimit)
  };
  const Case cases[] = {
      {"0.0001", "1m", "100u"},
      {"1500u", "2m", "1500u"},
      {"-1500u", "-2m", "-1500u"},
      {"1000m", "1", "1"},
      {"1.5Gi", "1536Mi", "1536Mi"},
      {"+100m", "+100m", "+100m"},
      {"100m", "100m", "100m"},
      {"0.5", "500m", "500m"},
      {"0.0000000001", "1m", "1n"},  // inf.Dec path (scale below nano)
      {"3.001n", "1m", "4n"},
      {"1e-4", "1e-3", "100e-6"},
      {"1Ki", "1Ki", "1Ki"},
      {"0", "0", "0"},
      {" 2 ", "2", "2"},  // UnmarshalJSON trims white space
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.input) {
      CHECK(injector::marshal_quantity(c.input, true) == c.rounded);
      CHECK(injector::marshal_quantity(c.input, false) == c.canonical);
    }
  }
  CHECK(injector::marshal_quantity("1x", true) == std::nullopt);
  CHECK(injector::marshal_quantity("", false) == std::nullopt);
}
