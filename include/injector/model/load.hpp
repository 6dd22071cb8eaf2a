#pragma once
// From manifest text to a World: YAML/JSON documents, v1alpha1 conversion, defaulting (§1.3),
// hashing (§5.1) and validation (§6). Pure: the app shell reads the files and passes the text.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"
#include "injector/model/world.hpp"

namespace injector {

struct Document {
  Origin origin;  // document < 0: not from a file (an API object); messages omit it
  Json object;
  /// Fields a YAML document gives twice, as JSON paths (`spec.containers[0].name`); the last
  /// value is kept, as Kubernetes' YAML reader (go-yaml v2, not strict) keeps it.
  std::vector<std::string> duplicate_fields = {};
};

/// Splits YAML (multi-document, `---`) or JSON text into documents. Empty documents are dropped;
/// a JSON `List` (kind: List / items) is flattened. Plain YAML scalars, keys included, are typed
/// as kubectl and the API server type them (YAML 1.1 by go-yaml v2, see yaml11.hpp: `0400` is
/// 256, `on` is true); quoted ones are strings. A syntax error names the file, the document and
/// the line: `a.yaml: document 2: line 7: ...`.
Result<std::vector<Document>> parse_documents(std::string_view text, std::string_view file);

/// parse_documents for tools that print the stream back: each document as written, a List kept
/// whole (its items not flattened). Empty documents are dropped.
Result<std::vector<Document>> parse_stream(std::string_view text, std::string_view file);

/// One validation problem, for `validate` and load errors.
struct Problem {
  Origin origin;
  std::string object;  // SidecarSet name ("" when unknown)
  std::string field;   // e.g. spec.containers[0].image
  std::string message;
  /// "conflict" for a rule-14 conflict with another SidecarSet (§6), else "".
  std::string code = {};

  /// `file: document N: sidecarset "name": field: message`
  std::string to_string() const;
};

struct WorldBuild {
  std::shared_ptr<const World> world;
  std::vector<std::string> notes;  // skipped kinds etc., for the log
  /// What the API server would warn about and still admit: unknown and duplicate SidecarSet
  /// fields (`unknown field "spec.selectr"`, as with fieldValidation=Warn), hash annotations that
  /// do not match the spec.
  std::vector<Problem> warnings = {};
};

struct BuildOptions {
  /// Unknown and duplicate SidecarSet fields are problems, as with fieldValidation=Strict.
  bool strict_fields = false;
  /// The namespace of the SidecarSets' ControllerRevisions (World::revision_namespace).
  std::string revision_namespace = std::string(kKruiseNamespace);
  /// Threads (the caller's included) that convert, default, validate and hash the SidecarSets;
  /// the World and every problem are the same for any count.
  unsigned threads = 1;
};

/// Converts, defaults, hashes and validates every object. All problems are returned at once; no
/// partial World is ever produced. Problems besides validation's: an apps.kruise.io object of a
/// kind or version that is not served (`no matches for kind "sidecarset" in version
/// "apps.kruise.io/v1beta1"`), two Namespaces or two SidecarSets of one name.
std::expected<WorldBuild, std::vector<Problem>> build_world(std::vector<Document> documents,
                                                            std::uint64_t generation,
                                                            BuildOptions options = {});

/// A World built from whatever is valid, and why the rest was left out.
struct TolerantWorldBuild {
  WorldBuild build;               // build.world is never null
  std::vector<Problem> problems;  // every problem of every object left out
};

/// build_world for objects that stand alone (an API server's): each object with a problem is
/// left out and the others are built. Rule 14 runs in admission order (creationTimestamp, then
/// name) as validate_conflicts_in_order: of a conflicting pair the older SidecarSet stays and the
/// newer one is left out with the problem naming the older. Of duplicate names the first stays.
/// Same conversion, defaults, hashes and messages as build_world.
TolerantWorldBuild build_world_tolerant(std::vector<Document> documents, std::uint64_t generation,
                                        BuildOptions options = {});

/// OpenKruise SidecarSet defaulting (§1.3) of one v1beta1 SidecarSet object, in place
/// (without the hash annotations).
void default_sidecarset(Json& sidecarset);

/// v1alpha1 -> v1beta1 conversion (§1.2), in place; v1beta1 objects are left alone.
void convert_to_v1beta1(Json& sidecarset);

}  // namespace injector
