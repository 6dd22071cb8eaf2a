// bound_warnings: what the API server would drop or cut never reaches it (control characters,
// invalid UTF-8, duplicates, length, count, total size); is_audit_annotation_key: the qualified
// name rule the API server applies to `<webhook name>/<key>`.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "injector/review.hpp"
#include "injector/wire/warnings.hpp"

namespace {

using injector::bound_warnings;
using Lines = std::vector<std::string>;

std::string numbered(std::size_t n, std::size_t width) {
  std::string text = "w" + std::to_string(n) + " ";
  text.resize(width, 'x');
  return text;
}

}  // namespace

TEST_CASE("bound_warnings keeps what the API server forwards") {
  struct Case {
    std::string name;
    Lines input;
    Lines expected;
  };
  const std::string long_ascii(300, 'a');
  std::string long_utf8;
  for (int i = 0; i < 300; ++i) {
    long_utf8 += "\xC3\xA9";  // é, two bytes, one rune
  }
  Lines eleven;
  for (std::size_t i = 0; i < 11; ++i) {
    eleven.push_back("warning " + std::to_string(i));
  }
  Lines nine_and_more(eleven.begin(), eleven.begin() + 9);
  nine_and_more.push_back("2 more warnings not shown");
  // Nine warnings of 256 two-byte runes (506 bytes once cut): over 4 KiB below the count limit.
  Lines big;
  Lines big_kept;
  for (std::size_t i = 0; i < 9; ++i) {
    big.push_back("w" + std::to_string(i) + " " + long_utf8);
    if (i < 8) {  // 8 x 506 + the summary line fit in 4096 bytes, a ninth does not
      big_kept.push_back("w" + std::to_string(i) + " " + long_utf8.substr(0, 250 * 2) + "...");
    }
  }
  big_kept.push_back("1 more warning not shown");
  Lines ten(eleven.begin(), eleven.begin() + 10);
  const std::vector<Case> cases = {
      {"nothing", {}, {}},
      {"plain ones pass in order", {"b", "a"}, {"b", "a"}},
      {"duplicates once", {"a", "b", "a"}, {"a", "b"}},
      {"empty ones dropped", {"", "a", "   "}, {"a"}},
      {"control characters become spaces", {"line one\nline two\t!\x7f"}, {"line one line two !"}},
      {"a duplicate after cleaning", {"a\n", "a"}, {"a"}},
      {"invalid UTF-8 becomes U+FFFD",
       {"bad \xff byte \xC0\xAF"},
       {"bad \xEF\xBF\xBD byte \xEF\xBF\xBD\xEF\xBF\xBD"}},
      {"256 runes pass", {std::string(256, 'a')}, {std::string(256, 'a')}},
      {"longer is cut to 256 runes with an ellipsis",
       {long_ascii},
       {std::string(253, 'a') + "..."}},
      {"cut at a character boundary", {long_utf8}, {long_utf8.substr(0, 253 * 2) + "..."}},
      {"ten pass", ten, ten},
      {"past ten: nine and a summary", eleven, nine_and_more},
      {"past 4 KiB: what fits and a summary", big, big_kept},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(bound_warnings(c.input) == c.expected); }
  }
}

TEST_CASE("bound_warnings: the total stays within 4 KiB and ten warnings") {
  Lines many;
  for (std::size_t i = 0; i < 100; ++i) {
    many.push_back(numbered(i, 1000));
  }
  const Lines out = bound_warnings(many);
  std::size_t bytes = 0;
  for (const auto& w : out) {
    bytes += w.size();
    CHECK(w.size() <= 256);
  }
  CHECK(bytes <= injector::kMaxWarningBytes);
  CHECK(out.size() <= injector::kMaxWarnings);
  CHECK(out.back() == std::to_string(100 - (out.size() - 1)) + " more warnings not shown");
}

TEST_CASE("is_audit_annotation_key follows the API server's qualified name rule") {
  struct Case {
    std::string key;
    bool valid;
  };
  const std::vector<Case> cases = {
      {std::string(injector::kInjectedAuditKey), true},
      {"a", true},
      {"A.b_c-9", true},
      {std::string(63, 'k'), true},
      {std::string(64, 'k'), false},
      {"", false},
      {"example.com/key", false},  // the API server adds the one `/` itself
      {"-leading", false},
      {"trailing.", false},
      {"with space", false},
      {"colon:key", false},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION("\"" << c.key << "\"") {
      CHECK(injector::is_audit_annotation_key(c.key) == c.valid);
    }
  }
}
