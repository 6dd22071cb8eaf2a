#pragma once
// Process-wide structured logging for the app shells (the core never logs, STYLE.md). One line
// per event on stderr, as logfmt-style text or as one JSON object per line.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "injector/json.hpp"
#include "injector/review.hpp"

namespace injector {

enum class LogFormat { kText, kJson };

/// Parses `--log-format` (`text` or `json`); the error names the value and the choices.
Result<LogFormat> parse_log_format(std::string_view text);

/// Parses `--log-level` (trace, debug, info, warn, error, critical, off); the error names the
/// value and the choices.
Result<spdlog::level::level_enum> parse_log_level(std::string_view text);

/// Installs the stderr logger with `format` and `level`. An unknown level means `info` (validate
/// with parse_log_level first). May be called again (tests); the last call wins.
void init_logging(LogFormat format, std::string_view level);

/// One event. `fields` print as key=value (text; values with spaces, quotes or `=` are quoted)
/// or as JSON members after ts, level and msg (json).
void log_event(spdlog::level::level_enum level, std::string_view msg,
               const std::vector<std::pair<std::string, std::string>>& fields = {});

/// The one line per admission review: uid, namespace, pod, operation, matched SidecarSets, op
/// count, latency in µs, outcome (and the message and the warnings when there are any). Level
/// info, or warn for `error` outcomes.
void log_review(const ReviewLog& log, std::chrono::microseconds latency);

/// The fields of log_review's line, in order.
std::vector<std::pair<std::string, Json>> review_log_fields(const ReviewLog& log,
                                                            std::chrono::microseconds latency);

/// The line log_event/log_review would print (without the newline), for tests.
std::string format_log_line(LogFormat format, std::chrono::system_clock::time_point ts,
                            spdlog::level::level_enum level, std::string_view msg,
                            const std::vector<std::pair<std::string, Json>>& fields);

}  // namespace injector
