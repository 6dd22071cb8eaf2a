#pragma once
// JSON merge patch exactly as github.com/evanphx/json-patch v5.6.0 MergePatch computes it, the
// library OpenKruise's MergePatchJson annotation policy calls (mergePatchJsonPodMetadata).

#include <expected>
#include <string>
#include <string_view>

namespace injector {

/// jsonpatch.MergePatch(doc, patch), byte for byte: members the merge does not touch keep their
/// raw text (lazyNode: key order, number spelling and escapes as written; only compacted and
/// HTML-escaped, as json.Marshal prints a RawMessage); objects the merge opens are printed with
/// sorted keys; `null` members of patch objects are dropped, also inside arrays, while bare `null`
/// array items stay (pruneNulls, pruneAryNulls). A doc that is valid JSON but no object yields
/// the pruned patch; an array patch yields itself, pruned. Fails with the library's error text:
/// "Invalid JSON Document" (doc not JSON, or `null`), "Invalid JSON Patch" (patch not JSON,
/// `null`, or a scalar).
std::expected<std::string, std::string> go_merge_patch(std::string_view doc,
                                                       std::string_view patch);

}  // namespace injector
