#include "cli/diff/unified_diff.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace injector::cli {
namespace {

TEST_CASE("unified_diff prints what diff -u prints") {
  struct Case {
    std::string name;
    std::string from;
    std::string to;
    std::string diff;
  };
  const std::vector<Case> cases = {
      {"equal", "a\nb\n", "a\nb\n", ""},
      {"one line changed", "a\nb\nc\n", "a\nB\nc\n",
       "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"},
      {"insert at the start", "b\n", "a\nb\n", "--- old\n+++ new\n@@ -1 +1,2 @@\n+a\n b\n"},
      {"from empty", "", "a\n", "--- old\n+++ new\n@@ -0,0 +1 @@\n+a\n"},
      {"to empty", "a\nb\n", "", "--- old\n+++ new\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
      {"no newline at end", "a\n", "a",
       "--- old\n+++ new\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n"},
      {"two hunks far apart", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
       "1\nx\n3\n4\n5\n6\n7\n8\n9\n10\ny\n12\n",
       "--- old\n+++ new\n@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n"
       "@@ -8,5 +8,5 @@\n 8\n 9\n 10\n-11\n+y\n 12\n"},
      {"close changes share a hunk", "1\n2\n3\n4\n5\n6\n7\n", "x\n2\n3\n4\n5\n6\ny\n",
       "--- old\n+++ new\n@@ -1,7 +1,7 @@\n-1\n+x\n 2\n 3\n 4\n 5\n 6\n-7\n+y\n"},
      {"inserted block in the middle", "a\nb\nc\nd\n", "a\nb\nx\ny\nc\nd\n",
       "--- old\n+++ new\n@@ -1,4 +1,6 @@\n a\n b\n+x\n+y\n c\n d\n"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) { CHECK(unified_diff(c.from, c.to, "old", "new") == c.diff); }
  }
}

TEST_CASE("unified_diff stays cheap for a small change in a large text") {
  std::string from;
  for (int i = 0; i < 20000; ++i) {
    from += "line " + std::to_string(i) + "\n";
  }
  std::string to = from;
  to.replace(to.find("line 10000\n"), 11, "changed\n");
  const std::string d = unified_diff(from, to, "a", "b");
  CHECK(d ==
        "--- a\n+++ b\n@@ -9998,7 +9998,7 @@\n line 9997\n line 9998\n line 9999\n-line 10000\n"
        "+changed\n line 10001\n line 10002\n line 10003\n");
}

}  // namespace
}  // namespace injector::cli
