// Fuzz target: the watch stream reader (LineReader + decode_watch_event, and the Status and list
// decoders that read the same bytes). The first input byte sets the chunk sizes in which the
// rest is fed, as TCP may cut it anywhere. Properties:
// 1. the lines (and an over-long line's error) are the same whatever the chunking, and no line
//    or pending remainder exceeds the limit;
// 2. every line decodes to an event or to an error with a message, never an exception; an event
//    has an object; a non-ERROR event's object carries kind, apiVersion and the resourceVersion
//    the event reports;
// 3. decode_status() and decode_list() never throw; a non-Status body is cut to 200 bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "kube/wire.hpp"

namespace {

using injector::Json;
constexpr std::string_view kTarget = "watch_fuzz";
constexpr std::size_t kMaxLine = 512;

struct Read {
  std::vector<std::string> lines;
  bool failed = false;
};

Read read_all(std::string_view stream, std::size_t chunk) {
  injector::kube::LineReader reader(kMaxLine);
  Read out;
  while (!stream.empty() && !out.failed) {
    const std::size_t n = std::min(chunk, stream.size());
    auto r = reader.feed(stream.substr(0, n), [&](std::string_view line) {
      out.lines.emplace_back(line);
      return true;
    });
    stream.remove_prefix(n);
    if (!r) {
      if (r.error().message.empty()) {
        fuzz::violated(kTarget, "a reader error without a message", stream);
      }
      out.failed = true;
    } else if (reader.pending() > kMaxLine) {
      fuzz::violated(kTarget, "the reader holds more than a line", stream);
    }
  }
  return out;
}

void decode(std::string_view line) {
  auto event = injector::kube::decode_watch_event(line, "SidecarSet", "apps.kruise.io/v1beta1");
  if (!event) {
    if (event.error().message.empty()) {
      fuzz::violated(kTarget, "a decode error without a message", line);
    }
  } else if (!event->object) {
    fuzz::violated(kTarget, "an event without an object", line);
  } else if (event->type != injector::kube::EventType::kError) {
    const Json& o = *event->object;
    if (!o.is_object() || !fuzz::field(o, "kind").is_string() ||
        !fuzz::field(o, "apiVersion").is_string() || event->resource_version.empty() ||
        fuzz::string_field(fuzz::field(o, "metadata"), "resourceVersion") !=
            event->resource_version) {
      fuzz::violated(kTarget, "an event object without its type or resourceVersion", line);
    }
  }
  const auto status = injector::kube::decode_status(line, 500);
  if (status.message.size() > 200 && status.code == 500 && status.reason.empty() &&
      line.find("Status") == std::string_view::npos) {
    fuzz::violated(kTarget, "a non-Status body kept whole", line);
  }
  (void)injector::kube::decode_list(line, "Namespace", "v1");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const Read whole = read_all(stream, stream.size() + 1);
    const Read cut = read_all(stream, chunk);
    if (whole.lines != cut.lines || whole.failed != cut.failed) {
      fuzz::violated(kTarget, "the lines depend on how the stream is cut", stream);
    }
    for (const auto& line : whole.lines) {
      if (line.size() > kMaxLine || line.find('\n') != std::string::npos) {
        fuzz::violated(kTarget, "a line over the limit or with a newline", line);
      }
      decode(line);
    }
  } catch (...) {
    fuzz::violated(kTarget, "the watch reader threw", stream);
  }
  return 0;
}
