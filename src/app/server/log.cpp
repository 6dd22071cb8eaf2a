#include "server/log.hpp"

#include <atomic>
#include <ctime>
#include <memory>

#include <spdlog/sinks/stdout_sinks.h>

namespace injector {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};

// Our own logger, not spdlog's registry default (which writes to stdout with its own pattern):
// stdout belongs to the CLI's output (`review`, `inject` print documents there).
spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto made = std::make_shared<spdlog::logger>("injector",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
    made->set_pattern("%v");  // we format the whole line ourselves
    made->set_level(spdlog::level::info);
    return made;
  }();
  return *instance;
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// RFC 3339, UTC, millisecond precision: 2026-11-22T00:12:34.567Z.
std::string format_timestamp(std::chrono::system_clock::time_point ts) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(ts.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  const auto n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  const auto millis = static_cast<int>(ms.count() % 1000);
  std::string out(buffer, n);
  out += '.';
  out += static_cast<char>('0' + millis / 100);
  out += static_cast<char>('0' + millis / 10 % 10);
  out += static_cast<char>('0' + millis % 10);
  out += 'Z';
  return out;
}

// Values come from untrusted requests (uids, pod names): invalid UTF-8 is replaced rather than
// thrown on, and anything that could break the one-line-per-event shape is quoted and escaped.
std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool needs_quotes(std::string_view text) {
  if (text.empty()) {
    return true;
  }
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '=' || c == '\\') {
      return true;
    }
  }
  return false;
}

std::string text_value(const Json& value) {
  std::string raw;
  if (value.is_string()) {
    raw = value.get_ref<const std::string&>();
  } else if (value.is_array()) {
    for (const auto& item : value) {
      if (!raw.empty()) {
        raw += ',';
      }
      raw += item.is_string() ? item.get<std::string>() : dump(item);
    }
    if (value.empty()) {
      return "\"\"";
    }
  } else {
    return dump(value);
  }
  return needs_quotes(raw) ? dump(Json(raw)) : raw;
}

void emit(spdlog::level::level_enum level, std::string_view msg,
          const std::vector<std::pair<std::string, Json>>& fields) {
  auto& sink = logger();
  if (!sink.should_log(level)) {
    return;
  }
  const auto line = format_log_line(g_format.load(std::memory_order_relaxed),
                                    std::chrono::system_clock::now(), level, msg, fields);
  sink.log(level, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace

Result<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") {
    return LogFormat::kText;
  }
  if (text == "json") {
    return LogFormat::kJson;
  }
  return fail("log_format", "unknown log format \"" + std::string(text) + "\" (want text or json)");
}

Result<spdlog::level::level_enum> parse_log_level(std::string_view text) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  for (const auto& [name, level] : kLevels) {
    if (text == name) {
      return level;
    }
  }
  return fail("log_level", "unknown log level \"" + std::string(text) +
                               "\" (want trace, debug, info, warn, error, critical or off)");
}

void init_logging(LogFormat format, std::string_view level) {
  g_format.store(format, std::memory_order_relaxed);
  logger().set_level(parse_log_level(level).value_or(spdlog::level::info));
}

std::string format_log_line(LogFormat format, std::chrono::system_clock::time_point ts,
                            spdlog::level::level_enum level, std::string_view msg,
                            const std::vector<std::pair<std::string, Json>>& fields) {
  if (format == LogFormat::kJson) {
    Json line = Json::object();
    line["ts"] = format_timestamp(ts);
    line["level"] = level_name(level);
    line["msg"] = msg;
    for (const auto& [key, value] : fields) {
      // A field never overwrites the envelope.
      line[line.contains(key) ? "field." + key : key] = value;
    }
    return dump(line);
  }
  std::string line = format_timestamp(ts);
  line += ' ';
  line += level_name(level);
  line += ' ';
  line += needs_quotes(msg) ? dump(Json(msg)) : std::string(msg);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    line += text_value(value);
  }
  return line;
}

void log_event(spdlog::level::level_enum level, std::string_view msg,
               const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<std::pair<std::string, Json>> values;
  values.reserve(fields.size());
  for (const auto& [key, value] : fields) {
    values.emplace_back(key, Json(value));
  }
  emit(level, msg, values);
}

std::vector<std::pair<std::string, Json>> review_log_fields(const ReviewLog& log,
                                                            std::chrono::microseconds latency) {
  std::vector<std::pair<std::string, Json>> fields = {
      {"uid", log.uid},
      {"namespace", log.namespace_name},
      {"pod", log.pod_name},
      {"operation", log.operation},
      {"matched", log.matched},
      {"ops", log.ops},
      {"latency_us", latency.count()},
      {"outcome", log.outcome},
  };
  if (!log.sidecarset.empty()) {
    fields.emplace_back("sidecarset", log.sidecarset);
  }
  if (!log.message.empty()) {
    fields.emplace_back("message", log.message);
  }
  if (!log.warnings.empty()) {
    fields.emplace_back("warnings", log.warnings);
  }
  return fields;
}

void log_review(const ReviewLog& log, std::chrono::microseconds latency) {
  const auto level = log.outcome == "error" ? spdlog::level::warn : spdlog::level::info;
  if (logger().should_log(level)) {  // the fields cost allocations on every review
    emit(level, "review", review_log_fields(log, latency));
  }
}

}  // namespace injector
