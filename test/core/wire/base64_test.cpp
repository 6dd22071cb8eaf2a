// base64_encode: RFC 4648 §10 test vectors, both padding shapes, the two alphabet characters that
// differ from the URL-safe variant, and agreement with OpenSSL's independent encoder.

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "injector/review.hpp"

namespace {

struct Case {
  std::string name;
  std::string input;
  std::string expected;
};

// OpenSSL's EVP_EncodeBlock writes standard padded base64 (RFC 4648 §4) without newlines.
std::string openssl_base64(const std::string& bytes) {
  std::vector<unsigned char> out(4 * ((bytes.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("base64_encode matches RFC 4648 and the standard alphabet") {
  const std::vector<Case> cases = {
      // RFC 4648 §10.
      {"rfc4648 empty", "", ""},
      {"rfc4648 f", "f", "Zg=="},
      {"rfc4648 fo", "fo", "Zm8="},
      {"rfc4648 foo", "foo", "Zm9v"},
      {"rfc4648 foob", "foob", "Zm9vYg=="},
      {"rfc4648 fooba", "fooba", "Zm9vYmE="},
      {"rfc4648 foobar", "foobar", "Zm9vYmFy"},
      // '+' and '/' (URL-safe base64 would write '-' and '_', which the API server rejects).
      {"plus and slash", std::string("\xfb\xff\xbf", 3), "+/+/"},
      {"all ones", std::string("\xff\xff\xff", 3), "////"},
      {"zero bytes are data", std::string("\0\0", 2), "AAA="},
      {"one zero byte", std::string("\0", 1), "AA=="},
      {"patch array", R"([{"op":"add","path":"/metadata/labels/sidecar","value":"on"}])",
       "W3sib3AiOiJhZGQiLCJwYXRoIjoiL21ldGFkYXRhL2xhYmVscy9zaWRlY2FyIiwidmFsdWUiOiJvbiJ9XQ=="},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(injector::base64_encode(c.input) == c.expected); }
  }
}

TEST_CASE("base64_encode agrees with OpenSSL for every length and byte value") {
  // Lengths 0..299 cover every tail shape many times; the bytes cycle through all 256 values.
  std::string bytes;
  for (std::size_t length = 0; length < 300; ++length) {
    DYNAMIC_SECTION("length " << length) {
      CHECK(injector::base64_encode(bytes) == openssl_base64(bytes));
      // Appended in place after what the buffer holds, as the response encoder writes it.
      std::string out = "{\"patch\":\"";
      injector::base64_append(out, bytes);
      CHECK(out == "{\"patch\":\"" + openssl_base64(bytes));
    }
    bytes.push_back(static_cast<char>((length * 37 + 11) % 256));
  }
}

TEST_CASE("base64_decode reverses base64_encode and refuses what Go's StdEncoding refuses") {
  for (std::size_t n = 0; n < 300; ++n) {
    std::string bytes;
    for (std::size_t i = 0; i < n; ++i) {
      bytes.push_back(static_cast<char>((i * 37 + n) & 0xFF));
    }
    const auto decoded = injector::base64_decode(injector::base64_encode(bytes));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
  }
  struct Bad {
    const char* text;
    std::optional<std::string> expected;
  };
  const std::vector<Bad> cases = {
      {"Zm9vYmFy", "foobar"},
      {"Zm9v\nYmFy\n", "foobar"},
      {"Zg==", "f"},
      {"Zm8=", "fo"},
      {"Zg", std::nullopt},
      {"Zm9v!mFy", std::nullopt},
      {"Zg==Zg==", std::nullopt},
      {"Z===", std::nullopt},
      {"Zm9-", std::nullopt},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.text) { CHECK(injector::base64_decode(c.text) == c.expected); }
  }
}
