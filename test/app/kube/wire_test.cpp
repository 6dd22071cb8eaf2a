// The API server's wire formats: Status errors, list pages, watch events, and the line reader
// that splits a watch stream with bounded memory.

#include "kube/wire.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using injector::Json;
using injector::kube::EventType;
using injector::kube::LineReader;

TEST_CASE("metav1.Status bodies, and bodies that are not one") {
  struct Case {
    const char* what;
    std::string body;
    int http;
    int code;
    std::string reason, message;
  };
  const std::vector<Case> cases = {
      {"forbidden",
       R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces is forbidden","reason":"Forbidden","code":403})",
       403, 403, "Forbidden", "namespaces is forbidden"},
      {"code missing: the HTTP status", R"({"kind":"Status","reason":"Expired"})", 410, 410,
       "Expired", ""},
      {"HTML from a proxy", "<html>bad gateway</html>", 502, 502, "", "<html>bad gateway</html>"},
      {"long text is cut to 200 bytes", std::string(300, 'x'), 500, 500, "", std::string(200, 'x')},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      const auto s = injector::kube::decode_status(c.body, c.http);
      CHECK(s.code == c.code);
      CHECK(s.reason == c.reason);
      CHECK(s.message == c.message);
    }
  }
}

TEST_CASE("list pages: items typed, resourceVersion and continue read") {
  auto page = injector::kube::decode_list(
      R"({"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"tok"},
          "items":[{"metadata":{"name":"a"}},{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"b"}}]})",
      "Namespace");
  REQUIRE(page.has_value());
  CHECK(page->resource_version == "42");
  CHECK(page->continue_token == "tok");
  REQUIRE(page->items.size() == 2);
  CHECK(*page->items[0] ==
        Json::parse(R"({"metadata":{"name":"a"},"kind":"Namespace","apiVersion":"v1"})"));
  CHECK((*page->items[1])["metadata"]["name"] == "b");

  auto empty = injector::kube::decode_list(
      R"({"kind":"SidecarSetList","apiVersion":"apps.kruise.io/v1beta1","metadata":{"resourceVersion":"9"},"items":null})",
      "SidecarSet");
  REQUIRE(empty.has_value());
  CHECK(empty->items.empty());
  CHECK(empty->continue_token.empty());
}

TEST_CASE("list pages that cannot be used are errors that say why") {
  struct Case {
    const char* body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"{", "list answer is not JSON (byte 2)"},
      {R"({"items":{}})", "list answer has no items array"},
      {R"([1])", "list answer has no items array"},
      {R"({"items":[]})", "list answer has no metadata.resourceVersion"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.body) {
      auto page = injector::kube::decode_list(c.body, "Pod");
      REQUIRE_FALSE(page.has_value());
      CHECK(page.error().message == c.message);
    }
  }
}

TEST_CASE("watch events of every type") {
  struct Case {
    const char* line;
    EventType type;
    std::string resource_version;
  };
  const std::vector<Case> cases = {
      {R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}})",
       EventType::kAdded, "5"},
      {R"({"type":"MODIFIED","object":{"kind":"Namespace","metadata":{"name":"a","resourceVersion":"6"}}})",
       EventType::kModified, "6"},
      {R"({"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"7"}}})",
       EventType::kDeleted, "7"},
      {R"({"type":"BOOKMARK","object":{"kind":"Namespace","apiVersion":"v1","metadata":{"resourceVersion":"8"}}})",
       EventType::kBookmark, "8"},
      {R"J({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 1 (9)"}})J",
       EventType::kError, ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.line) {
      auto event = injector::kube::decode_watch_event(c.line, "Namespace", "v1");
      REQUIRE(event.has_value());
      CHECK(event->type == c.type);
      CHECK(event->resource_version == c.resource_version);
      if (c.type != EventType::kError) {
        CHECK((*event->object)["kind"] == "Namespace");
        CHECK((*event->object)["apiVersion"] == "v1");
      } else {
        const auto status = injector::kube::status_of(*event->object, 0);
        CHECK(status.code == 410);
        CHECK(status.message == "too old resource version: 1 (9)");
      }
    }
  }
}

TEST_CASE("undecodable watch lines are errors that say why") {
  struct Case {
    const char* line;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"not json", "watch event is not JSON (byte 2)"},
      {R"({"type":"ADDED"})", "watch event without an object (type \"ADDED\")"},
      {R"({"type":"ADDED","object":[]})", "watch event without an object (type \"ADDED\")"},
      {R"({"type":"RESYNC","object":{}})", "unknown watch event type \"RESYNC\""},
      {R"({"type":"MODIFIED","object":{"metadata":{"name":"a"}}})",
       "watch event MODIFIED without metadata.resourceVersion"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.line) {
      auto event = injector::kube::decode_watch_event(c.line, "Pod", "v1");
      REQUIRE_FALSE(event.has_value());
      CHECK(event.error().message == c.message);
    }
  }
}

namespace {

std::vector<std::string> feed_all(LineReader& reader, const std::vector<std::string>& pieces) {
  std::vector<std::string> lines;
  for (const auto& p : pieces) {
    auto ok = reader.feed(p, [&](std::string_view line) {
      lines.emplace_back(line);
      return true;
    });
    REQUIRE(ok.has_value());
    REQUIRE(*ok);
  }
  return lines;
}

}  // namespace

TEST_CASE("line reader: lines split anywhere come out whole, in order") {
  const std::string stream = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";
  // Every way of cutting the stream in two, and byte by byte.
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    DYNAMIC_SECTION("cut at " << cut) {
      LineReader reader(64);
      CHECK(feed_all(reader, {stream.substr(0, cut), stream.substr(cut)}) ==
            std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"});
      CHECK(reader.pending() == 0);
    }
  }
  LineReader bytewise(64);
  std::vector<std::string> pieces;
  for (char c : stream) {
    pieces.emplace_back(1, c);
  }
  CHECK(feed_all(bytewise, pieces).size() == 3);
}

TEST_CASE("line reader: an incomplete line is held until its newline") {
  LineReader reader(64);
  CHECK(feed_all(reader, {"{\"a\":", "1"}).empty());
  CHECK(reader.pending() == 6);
  CHECK(feed_all(reader, {"}\n"}) == std::vector<std::string>{"{\"a\":1}"});
}

TEST_CASE("line reader: lines over the limit are refused, whole or in pieces") {
  const auto too_long = [](LineReader& reader, const std::vector<std::string>& pieces) {
    for (const auto& p : pieces) {
      auto ok = reader.feed(p, [](std::string_view) { return true; });
      if (!ok) {
        return ok.error().message;
      }
    }
    return std::string();
  };
  LineReader a(8);
  CHECK(too_long(a, {"123456789\n"}) == "watch event longer than 8 bytes");
  LineReader b(8);
  CHECK(too_long(b, {"12345", "6789"}) == "watch event longer than 8 bytes");
  LineReader c(8);
  CHECK(too_long(c, {"12345", "6789\n"}) == "watch event longer than 8 bytes");
  LineReader d(8);
  CHECK(too_long(d, {"12345678\n"}).empty());  // exactly the limit is fine
}

TEST_CASE("line reader: a handler returning false stops the feed") {
  LineReader reader(64);
  std::vector<std::string> seen;
  auto ok = reader.feed("one\ntwo\nthree\n", [&](std::string_view line) {
    seen.emplace_back(line);
    return line != "two";
  });
  REQUIRE(ok.has_value());
  CHECK_FALSE(*ok);
  CHECK(seen == std::vector<std::string>{"one", "two"});
}
