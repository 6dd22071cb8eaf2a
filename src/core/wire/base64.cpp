// Standard base64 (RFC 4648 §4: alphabet `A-Z a-z 0-9 + /`, `=` padding). The API server decodes
// `response.patch` as a Go []byte field, i.e. with base64.StdEncoding: the URL-safe alphabet or a
// missing pad is a decode error there, so this is the only variant we ever produce.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "injector/review.hpp"

namespace injector {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

void base64_append(std::string& out, std::string_view bytes) {
  const std::size_t at = out.size();
  out.resize(at + (bytes.size() + 2) / 3 * 4);
  char* o = out.data() + at;
  const auto byte = [&](std::size_t k) {
    return std::uint32_t{static_cast<unsigned char>(bytes[k])};
  };
  std::size_t i = 0;
  // Whole 3-byte groups become 4 characters of 6 bits each.
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    o[0] = kAlphabet[(group >> 18) & 0x3F];
    o[1] = kAlphabet[(group >> 12) & 0x3F];
    o[2] = kAlphabet[(group >> 6) & 0x3F];
    o[3] = kAlphabet[group & 0x3F];
    o += 4;
  }
  // A tail of 1 or 2 bytes is zero-filled and padded to a full quantum (RFC 4648 §4 cases 2, 3).
  const std::size_t rest = bytes.size() - i;
  if (rest != 0) {
    const std::uint32_t group = (byte(i) << 16) | (rest == 2 ? byte(i + 1) << 8 : 0);
    o[0] = kAlphabet[(group >> 18) & 0x3F];
    o[1] = kAlphabet[(group >> 12) & 0x3F];
    o[2] = rest == 2 ? kAlphabet[(group >> 6) & 0x3F] : '=';
    o[3] = '=';
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_append(out, bytes);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // Go's base64.StdEncoding (what a kubeconfig's *-data fields and Secret data use), tolerating
  // line breaks as its decoder does.
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t symbols = 0;
  std::size_t pads = 0;
  for (const char c : text) {
    if (c == '\n' || c == '\r') {
      continue;
    }
    if (c == '=') {
      ++pads;
      ++symbols;
      continue;
    }
    const auto pos = kAlphabet.find(c);
    if (pos == std::string_view::npos || pads > 0) {
      return std::nullopt;  // a foreign character, or data after padding
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (symbols % 4 != 0 || pads > 2) {
    return std::nullopt;
  }
  return out;
}

}  // namespace injector
