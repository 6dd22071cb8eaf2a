#pragma once
// The API server's wire formats the client reads: metav1.Status errors, list pages and the watch
// stream (newline-delimited JSON events). Pure: bytes in, values out, no sockets.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"

namespace injector::kube {

/// metav1.Status, the body of every API error and of a watch ERROR event.
struct ApiStatus {
  int code = 0;         // HTTP status code (410 for an expired resourceVersion)
  std::string reason;   // "Expired", "NotFound", "Forbidden", ...
  std::string message;  // the server's text
};

/// Reads a metav1.Status from an error body or an ERROR event object. When the body is not a
/// Status (a proxy's HTML page), `code` is `http_status` and `message` the body's first 200 bytes.
ApiStatus decode_status(std::string_view body, int http_status);
ApiStatus status_of(const Json& object, int http_status);

/// One page of a LIST answer.
struct ListPage {
  std::vector<std::shared_ptr<const Json>> items;
  std::string resource_version;  // metadata.resourceVersion of the list
  std::string continue_token;    // metadata.continue ("" on the last page)
};

/// Decodes a list body. Items get `kind` and `apiVersion` when they lack them (built-in lists
/// omit them): `item_kind` and `item_api_version` (the requested resource's; "" = the list's
/// own apiVersion). Errors name what is missing.
Result<ListPage> decode_list(std::string_view body, std::string_view item_kind,
                             std::string_view item_api_version = {});

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };

/// One watch event.
struct WatchEvent {
  EventType type = EventType::kAdded;
  std::shared_ptr<const Json> object;  // the object (a Status for ERROR)
  std::string resource_version;        // object.metadata.resourceVersion ("" for ERROR)
};

/// Decodes one line of a watch stream: `{"type": "ADDED", "object": {...}}`. Unknown types and
/// lines that are not such an object are errors naming the problem (the stream is then dropped
/// and resumed, as client-go's decoder does). Objects get `item_kind` and `api_version` when
/// they lack them.
Result<WatchEvent> decode_watch_event(std::string_view line, std::string_view item_kind,
                                      std::string_view api_version);

/// Splits a byte stream into lines with bounded memory: bytes of an incomplete line are kept
/// (up to `max_line` bytes), complete lines are handed out at once. A line longer than
/// `max_line` is an error and the reader must not be fed further.
class LineReader {
 public:
  explicit LineReader(std::size_t max_line) : max_line_(max_line) {}

  /// Appends `bytes`; calls `on_line` with every completed line (without "\n" or a trailing
  /// "\r"; empty lines skipped). Stops early, returning false, when `on_line` returns false.
  /// An over-long line is an error.
  Result<bool> feed(std::string_view bytes, const std::function<bool(std::string_view)>& on_line);

  /// Bytes held of the incomplete line.
  std::size_t pending() const { return partial_.size(); }

 private:
  std::size_t max_line_;
  std::string partial_;
};

}  // namespace injector::kube
