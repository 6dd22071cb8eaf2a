#include "injector/wire/warnings.hpp"

#include <set>

namespace injector {
namespace {

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not a valid one (RFC 3629:
// no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) {
    return 1;
  }
  std::size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (i + n > text.size() || byte(i + 1) < lo || byte(i + 1) > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
      return 0;
    }
  }
  return n;
}

// One warning, printable and at most kMaxWarningRunes runes; "" when nothing is left.
std::string clean(std::string_view text) {
  constexpr std::string_view kEllipsis = "...";
  std::string out;
  std::size_t runes = 0;
  std::size_t cut = std::string::npos;  // where the ellipsis goes if the text is too long
  for (std::size_t i = 0; i < text.size();) {
    if (runes == kMaxWarningRunes - kEllipsis.size()) {
      cut = out.size();
    }
    if (runes == kMaxWarningRunes) {
      out.resize(cut);
      out += kEllipsis;
      return out;
    }
    const std::size_t n = sequence_length(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD, as Go's strings.ToValidUTF8 would
      ++i;
    } else if (n == 1 && (c < 0x20 || c == 0x7F)) {
      out += ' ';
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
    ++runes;
  }
  const auto last = out.find_last_not_of(' ');
  out.resize(last == std::string::npos ? 0 : last + 1);
  return out;
}

}  // namespace

std::vector<std::string> bound_warnings(const std::vector<std::string>& warnings) {
  std::vector<std::string> unique;
  std::set<std::string> seen;
  std::size_t bytes = 0;
  for (const auto& w : warnings) {
    std::string text = clean(w);
    if (!text.empty() && seen.insert(text).second) {
      bytes += text.size();
      unique.push_back(std::move(text));
    }
  }
  if (unique.size() <= kMaxWarnings && bytes <= kMaxWarningBytes) {
    return unique;
  }
  // Keep what fits beside the summary line (at most 40 bytes), in order.
  constexpr std::size_t kSummary = 40;
  std::vector<std::string> out;
  bytes = 0;
  for (auto& text : unique) {
    if (out.size() + 1 == kMaxWarnings || bytes + text.size() + kSummary > kMaxWarningBytes) {
      break;
    }
    bytes += text.size();
    out.push_back(std::move(text));
  }
  const std::size_t omitted = unique.size() - out.size();
  out.push_back(std::to_string(omitted) + (omitted == 1 ? " more warning" : " more warnings") +
                " not shown");
  return out;
}

bool is_audit_annotation_key(std::string_view key) {
  if (key.empty() || key.size() > 63) {
    return false;
  }
  const auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(key.front()) || !alnum(key.back())) {
    return false;
  }
  for (const char c : key) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace injector
