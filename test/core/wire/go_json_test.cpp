#include "injector/wire/go_json.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace injector {
namespace {

// Expected values are what Go's json.Marshal(string) prints (encodeState.string with
// escapeHTML=true); all but the \b/\f row were cross-checked with a Go program.
TEST_CASE("go_quote escapes strings as Go's encoding/json does") {
  struct Case {
    std::string name;
    std::string input;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"plain", "plain", R"("plain")"},
      {"empty", "", R"("")"},
      {"quote and backslash", "q\"b\\", R"("q\"b\\")"},
      {"short escapes", "n\nr\rt\t", R"("n\nr\rt\t")"},
      // Go 1.22 release notes: Marshal now escapes '\b' and '\f' as \b and \f.
      {"backspace and form feed (Go >= 1.22)", "\b\f", R"("\b\f")"},
      {"other control characters", std::string("\x00\x01\x1f", 3), R"("\u0000\u0001\u001f")"},
      {"DEL is not escaped", "\x7f", "\"\x7f\""},
      {"HTML characters", "<a href='x'>&amp;</a>",
       R"("\u003ca href='x'\u003e\u0026amp;\u003c/a\u003e")"},
      {"line and paragraph separators", "a\u2028b\u2029", R"("a\u2028b\u2029")"},
      {"valid multi-byte UTF-8 passes through", "\xC3\xA9\xF0\x9F\x98\x80",
       "\"\xC3\xA9\xF0\x9F\x98\x80\""},
      {"invalid byte", "\xFF", R"("\ufffd")"},
      {"truncated sequence: one replacement per byte", "\xE2\x82", R"("\ufffd\ufffd")"},
      {"overlong encoding", "\xC0\xAF", R"("\ufffd\ufffd")"},
      {"UTF-16 surrogate", "\xED\xA0\x80", R"("\ufffd\ufffd\ufffd")"},
      {"beyond U+10FFFF", "\xF4\x90\x80\x80", R"("\ufffd\ufffd\ufffd\ufffd")"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(go_quote(c.input) == c.expected); }
  }
}

TEST_CASE("append_go_string appends to what is already there") {
  std::string out = "{\"k\":";
  append_go_string(out, "v&");
  out += '}';
  CHECK(out == R"({"k":"v\u0026"})");
}

}  // namespace
}  // namespace injector
