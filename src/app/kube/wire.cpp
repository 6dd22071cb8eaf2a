#include "kube/wire.hpp"

#include <algorithm>

#include "injector/wire/json_access.hpp"
#include "injector/wire/json_parse.hpp"

namespace injector::kube {
namespace {

std::shared_ptr<const Json> typed(Json object, std::string_view kind,
                                  std::string_view api_version) {
  if (object.is_object()) {
    if (!object.contains("kind") && !kind.empty()) {
      object["kind"] = kind;
    }
    if (!object.contains("apiVersion") && !api_version.empty()) {
      object["apiVersion"] = api_version;
    }
  }
  return std::make_shared<const Json>(std::move(object));
}

std::string resource_version_of(const Json& object) {
  return member_string(member(object, "metadata"), "resourceVersion");
}

}  // namespace

ApiStatus status_of(const Json& object, int http_status) {
  ApiStatus s;
  const Json& code = member(object, "code");
  s.code = code.is_number_integer() ? code.get<int>() : http_status;
  s.reason = member_string(object, "reason");
  s.message = member_string(object, "message");
  return s;
}

ApiStatus decode_status(std::string_view body, int http_status) {
  auto parsed = parse_json(body);
  if (parsed && member_string(*parsed, "kind") == "Status") {
    return status_of(*parsed, http_status);
  }
  ApiStatus s;
  s.code = http_status;
  s.message = std::string(body.substr(0, 200));
  return s;
}

Result<ListPage> decode_list(std::string_view body, std::string_view item_kind,
                             std::string_view item_api_version) {
  auto parsed = parse_json(body);
  if (!parsed) {
    return fail("list",
                "list answer is not JSON (byte " + std::to_string(parsed.error().byte) + ")");
  }
  Json& list = *parsed;
  const Json& items = member(list, "items");
  if (!list.is_object() || !(items.is_array() || items.is_null())) {
    return fail("list", "list answer has no items array");
  }
  ListPage page;
  const Json& meta = member(list, "metadata");
  page.resource_version = member_string(meta, "resourceVersion");
  page.continue_token = member_string(meta, "continue");
  if (page.resource_version.empty()) {
    return fail("list", "list answer has no metadata.resourceVersion");
  }
  const std::string api_version =
      item_api_version.empty() ? member_string(list, "apiVersion") : std::string(item_api_version);
  if (items.is_array()) {
    page.items.reserve(items.size());
    for (auto& item : list["items"]) {
      page.items.push_back(typed(std::move(item), item_kind, api_version));
    }
  }
  return page;
}

Result<WatchEvent> decode_watch_event(std::string_view line, std::string_view item_kind,
                                      std::string_view api_version) {
  auto parsed = parse_json(line);
  if (!parsed) {
    return fail("watch",
                "watch event is not JSON (byte " + std::to_string(parsed.error().byte) + ")");
  }
  const std::string type = member_string(*parsed, "type");
  const Json& object = member(*parsed, "object");
  if (!object.is_object()) {
    return fail("watch", "watch event without an object (type \"" + type + "\")");
  }
  WatchEvent event;
  if (type == "ADDED") {
    event.type = EventType::kAdded;
  } else if (type == "MODIFIED") {
    event.type = EventType::kModified;
  } else if (type == "DELETED") {
    event.type = EventType::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = EventType::kBookmark;
  } else if (type == "ERROR") {
    event.type = EventType::kError;
  } else {
    return fail("watch", "unknown watch event type \"" + type + "\"");
  }
  Json owned = std::move((*parsed)["object"]);
  if (event.type == EventType::kError) {
    event.object = std::make_shared<const Json>(std::move(owned));
    return event;
  }
  event.resource_version = resource_version_of(owned);
  if (event.resource_version.empty()) {
    return fail("watch", "watch event " + type + " without metadata.resourceVersion");
  }
  event.object = typed(std::move(owned), item_kind, api_version);
  return event;
}

Result<bool> LineReader::feed(std::string_view bytes,
                              const std::function<bool(std::string_view)>& on_line) {
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + bytes.size() > max_line_) {
        return fail("watch", "watch event longer than " + std::to_string(max_line_) + " bytes");
      }
      partial_.append(bytes);
      return true;
    }
    std::string_view piece = bytes.substr(0, nl);
    bytes.remove_prefix(nl + 1);
    std::string_view line = piece;
    if (!partial_.empty()) {
      if (partial_.size() + piece.size() > max_line_) {
        return fail("watch", "watch event longer than " + std::to_string(max_line_) + " bytes");
      }
      partial_.append(piece);
      line = partial_;
    } else if (piece.size() > max_line_) {
      return fail("watch", "watch event longer than " + std::to_string(max_line_) + " bytes");
    }
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    bool more = true;
    if (!line.empty()) {
      more = on_line(line);
    }
    partial_.clear();
    if (!more) {
      return false;
    }
  }
  return true;
}

}  // namespace injector::kube
