#pragma once
// Line diffs as `diff -u` prints them, for `diff` and the failures of `test`.

#include <string>
#include <string_view>

namespace injector::cli {

/// The unified diff (GNU `diff -u` format, `context` lines around each change) that turns
/// `from` into `to`, headed `--- from_name` / `+++ to_name`; "" when the texts are equal. A last
/// line without a newline is marked `\ No newline at end of file`. Myers' O(ND) algorithm, so
/// small changes to large texts stay cheap.
std::string unified_diff(std::string_view from, std::string_view to, std::string_view from_name,
                         std::string_view to_name, int context = 3);

}  // namespace injector::cli
