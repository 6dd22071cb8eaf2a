#include "cli/diff/unified_diff.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace injector::cli {
namespace {

// Lines with their '\n' (the last may lack it), so "a" and "a\n" differ as GNU diff sees them.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

enum class Op { kKeep, kDelete, kInsert };

struct Edit {
  Op op;
  std::size_t a;  // line index in `from` (keep, delete)
  std::size_t b;  // line index in `to` (keep, insert)
};

// Myers 1986, "An O(ND) Difference Algorithm and Its Variations": the furthest-reaching D-paths,
// the diagonals -D..D of V kept per D (O(D^2) memory) to walk the shortest edit script back.
std::vector<Edit> edit_script(const std::vector<std::string_view>& a,
                              const std::vector<std::string_view>& b) {
  const auto n = static_cast<std::ptrdiff_t>(a.size());
  const auto m = static_cast<std::ptrdiff_t>(b.size());
  const std::ptrdiff_t max = n + m;
  const std::ptrdiff_t offset = max + 1;
  std::vector<std::ptrdiff_t> v(static_cast<std::size_t>(2 * max + 3), 0);
  std::vector<std::vector<std::ptrdiff_t>> trace;
  const auto at = [&](std::vector<std::ptrdiff_t>& vec, std::ptrdiff_t k) -> std::ptrdiff_t& {
    return vec[static_cast<std::size_t>(k + offset)];
  };
  std::ptrdiff_t found = -1;
  for (std::ptrdiff_t d = 0; d <= max && found < 0; ++d) {
    trace.emplace_back(v.begin() + (offset - d), v.begin() + (offset + d + 1));
    for (std::ptrdiff_t k = -d; k <= d; k += 2) {
      std::ptrdiff_t x =
          (k == -d || (k != d && at(v, k - 1) < at(v, k + 1))) ? at(v, k + 1) : at(v, k - 1) + 1;
      std::ptrdiff_t y = x - k;
      while (x < n && y < m && a[static_cast<std::size_t>(x)] == b[static_cast<std::size_t>(y)]) {
        ++x;
        ++y;
      }
      at(v, k) = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  std::vector<Edit> edits;
  std::ptrdiff_t x = n;
  std::ptrdiff_t y = m;
  for (std::ptrdiff_t d = found; d >= 0; --d) {
    const std::vector<std::ptrdiff_t>& prev = trace[static_cast<std::size_t>(d)];
    const auto before = [&](std::ptrdiff_t k) { return prev[static_cast<std::size_t>(k + d)]; };
    const std::ptrdiff_t k = x - y;
    std::ptrdiff_t prev_k = 0;
    if (d > 0) {
      prev_k = (k == -d || (k != d && before(k - 1) < before(k + 1))) ? k + 1 : k - 1;
    }
    const std::ptrdiff_t prev_x = d == 0 ? 0 : before(prev_k);
    const std::ptrdiff_t prev_y = prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x;
      --y;
      edits.push_back({Op::kKeep, static_cast<std::size_t>(x), static_cast<std::size_t>(y)});
    }
    if (d > 0) {
      if (x == prev_x) {
        --y;
        edits.push_back({Op::kInsert, static_cast<std::size_t>(x), static_cast<std::size_t>(y)});
      } else {
        --x;
        edits.push_back({Op::kDelete, static_cast<std::size_t>(x), static_cast<std::size_t>(y)});
      }
    }
  }
  std::reverse(edits.begin(), edits.end());
  return edits;
}

void append_line(std::string& out, char mark, std::string_view line) {
  out += mark;
  out += line;
  if (line.empty() || line.back() != '\n') {
    out += "\n\\ No newline at end of file\n";
  }
}

// GNU's range: "start,count", "start" when count is 1, the line before when count is 0.
std::string range(std::size_t start, std::size_t count) {
  if (count == 1) {
    return std::to_string(start + 1);
  }
  return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

}  // namespace

std::string unified_diff(std::string_view from, std::string_view to, std::string_view from_name,
                         std::string_view to_name, int context) {
  if (from == to) {
    return "";
  }
  const auto a = split_lines(from);
  const auto b = split_lines(to);
  const std::vector<Edit> edits = edit_script(a, b);
  const auto ctx = static_cast<std::size_t>(std::max(context, 0));
  std::string out;
  out += "--- ";
  out += from_name;
  out += "\n+++ ";
  out += to_name;
  out += '\n';
  std::size_t i = 0;
  while (i < edits.size()) {
    if (edits[i].op == Op::kKeep) {
      ++i;
      continue;
    }
    // A hunk: from `ctx` kept lines before this change to `ctx` after the last change that is
    // within 2*ctx kept lines of the previous one.
    const std::size_t begin = i >= ctx ? i - ctx : 0;
    std::size_t end = i;
    std::size_t kept = 0;
    for (std::size_t j = i; j < edits.size(); ++j) {
      if (edits[j].op == Op::kKeep) {
        if (++kept > 2 * ctx) {
          break;
        }
      } else {
        kept = 0;
        end = j + 1;
      }
    }
    const std::size_t stop = std::min(edits.size(), end + ctx);
    std::size_t a_start = edits[begin].a;
    std::size_t b_start = edits[begin].b;
    std::size_t a_count = 0;
    std::size_t b_count = 0;
    for (std::size_t j = begin; j < stop; ++j) {
      a_count += edits[j].op != Op::kInsert ? 1 : 0;
      b_count += edits[j].op != Op::kDelete ? 1 : 0;
    }
    out += "@@ -" + range(a_start, a_count) + " +" + range(b_start, b_count) + " @@\n";
    for (std::size_t j = begin; j < stop; ++j) {
      const Edit& e = edits[j];
      if (e.op == Op::kKeep) {
        append_line(out, ' ', a[e.a]);
      } else if (e.op == Op::kDelete) {
        append_line(out, '-', a[e.a]);
      } else {
        append_line(out, '+', b[e.b]);
      }
    }
    i = stop;
  }
  return out;
}

}  // namespace injector::cli
