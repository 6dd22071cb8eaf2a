#pragma once
// The case format of `sidecarset-injector test`: one folder per case with a `case.yaml` (see
// docs/testing.md). Reading it is strict: an unknown key or a value of the wrong type is an
// error naming the file and the key, so a typo never turns into a check that silently passes.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "injector/json.hpp"

namespace injector::cli {

/// One entry of `expect:`. `kind` is the check; the other members are its parameters.
struct Assertion {
  enum class Kind { kContainer, kEnv, kAnnotation, kPointer, kDenied, kInjected, kWarning };
  Kind kind = Kind::kContainer;
  std::string label;      // `expect[2] (container "log-agent")`, for messages
  std::string object;     // `Kind/name` it applies to; "" = every object that holds a pod
  std::string name;       // container / env / annotation name, pointer text, denied/warning text
  std::string container;  // env: the container holding it
  bool init = false;      // container, env: in initContainers
  std::optional<std::int64_t> index;  // container: its position
  std::optional<std::string> image;   // container: its image
  bool absent = false;
  std::optional<Json> equals;  // env, annotation: string; pointer: any JSON
  std::optional<std::string> contains;
  std::vector<std::string> injected;  // injected: the SidecarSets, in order
};

struct TestCase {
  std::string dir;    // the case folder, as found
  std::string file;   // its case.yaml
  std::string name;   // the folder's path relative to the DIR it was found in (the DIR itself
                      // when the case is that folder)
  std::string suite;  // the DIR it was found in
  std::string description;
  std::vector<std::string> inputs;       // manifest files or folders, resolved against dir
  std::vector<std::string> sidecarsets;  // resolved; empty = the runner's --sidecarsets
  Json namespaces = Json::object();      // name -> labels
  std::string ns;                        // request namespace ("" = each object's own)
  std::uint64_t seed = 0;
  std::string now = "2024-01-02T03:04:05Z";
  std::string golden;  // resolved path of the expected output ("" = none)
  std::string golden_format = "yaml";
  std::vector<Assertion> expect;
};

/// Reads and checks `dir/case.yaml` (name and suite are for messages). Errors read
/// `FILE: MESSAGE`, e.g. `cases/a/case.yaml: expect[1]: unknown key "contianer"`.
std::expected<TestCase, std::string> read_case(const std::string& dir, const std::string& name,
                                               const std::string& suite);

/// A case folder found, read or not: a bad case.yaml is that case's error, not the run's.
struct FoundCase {
  std::string name;
  std::string suite;
  std::string file;
  std::expected<TestCase, std::string> parsed;
};

/// The case folders under each DIR, sorted: DIR itself when it holds a case.yaml, else every
/// folder below it that does (names starting with '.' skipped). A DIR that is missing or holds
/// no case is an error naming it (every such DIR, one line each).
std::expected<std::vector<FoundCase>, std::vector<std::string>> find_cases(
    const std::vector<std::string>& dirs);

}  // namespace injector::cli
