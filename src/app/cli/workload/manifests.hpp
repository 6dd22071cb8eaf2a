#pragma once
// Manifests as people keep them in git, for the commands that inject them (inject, diff, test,
// explain): -f files, directories and stdin read as document streams, Lists kept whole; every
// Pod and pod template injected; everything else passed through.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "injector/inject/inject.hpp"
#include "injector/json.hpp"
#include "injector/model/world.hpp"

namespace injector::cli {

/// One document of an input stream.
struct InputDocument {
  std::string file;  // as named in messages: the -f PATH, joined entry, or <stdin>
  int index = 0;     // 0-based document index in its file
  Json object;
};

/// Every document of every -f PATH (a file, a directory of .yaml/.yml/.json, '-' for `in`), in
/// order. Read and syntax errors are printed to `err` (one line each, naming the file) and make
/// the result nullopt; so does a document that is not an object, and input without any document
/// (`no object in PATH`).
std::optional<std::vector<InputDocument>> read_manifests(const std::vector<std::string>& paths,
                                                         bool recursive, std::istream& in,
                                                         std::ostream& err);

/// What happened to one object that holds a pod (a List item counts as its own object).
struct ObjectReport {
  std::string where;  // `pods.yaml: document 2: Deployment "web"` (`items[1]: ` inside a List)
  std::string kind;   // "Pod" for a pod without kind
  std::string api_version;  // as typed (a List item's from its List), "v1" when absent
  std::string name;         // metadata.name, else generateName
  bool denied = false;
  std::string message;  // the denial's reason
  std::string ns;       // the namespace the pod was reviewed in
  Json original;        // the object as read
  Json object;          // the object as printed (null when denied)
  Json pod;             // the pod reviewed (built from the template for a workload), also when
                        // denied
  Injection injection;  // when not denied; injection.pod is the pod as admission leaves it
};

struct InjectedManifests {
  std::vector<Json> documents;  // one per input document, denied objects left out; untouched
                                // documents are the input's exactly
  std::vector<ObjectReport> objects;
  bool denied = false;
  /// A workload of another namespace than the requested one: the API server refuses it before
  /// any webhook runs. The message, already complete; nothing else is meaningful then.
  std::optional<std::string> refused;
};

/// Injects every Pod and pod template of `docs` in the request namespace: the object's own, else
/// `requested`, else "default".
InjectedManifests inject_manifests(const World& world, const std::vector<InputDocument>& docs,
                                   const std::string& requested, const InjectOptions& options);

/// The documents as `-o yaml` prints them: one YAML document each, separated by `---` (a
/// stream, as istioctl kube-inject prints one), or as `-o json`: one document as itself, several
/// as a v1 List (Lists among them contribute their items), pretty-printed.
std::string print_manifests(const std::vector<Json>& documents, const std::string& format);

}  // namespace injector::cli
