#pragma once
// SidecarSet sources on disk: files and directories (ConfigMap mounts included) -> documents ->
// World. The only place that reads manifest files; parsing and validation are the core's.

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "injector/model/load.hpp"

namespace injector {

/// A manifest file to read: `path` opens it, `display` names it in messages (the PATH as given,
/// joined with the entry name for directories).
struct SourceFile {
  std::string path;
  std::string display;
};

/// Expands PATHs into the files to read, in order. A file PATH is taken whatever its extension; a
/// directory PATH contributes its `.yaml`, `.yml` and `.json` entries sorted by name,
/// non-recursively, skipping names that start with '.' (a ConfigMap mount's `..data` and
/// `..2024_...` entries) and following symlinks (the mount's files are symlinks into `..data`).
/// Errors name the PATH: `examples/missing.yaml: no such file or directory`. `recursive` (kubectl's
/// -R) descends into subdirectories too, in name order, skipping those starting with '.'.
std::expected<std::vector<SourceFile>, std::vector<std::string>> list_sources(
    const std::vector<std::string>& paths, bool recursive = false);

/// Every document of every file, with every read and syntax error (one message each, naming the
/// file) when any file fails. `documents` holds what could be read either way. A directory PATH
/// without manifests is a warning (`dir: no .yaml, .yml or .json files`).
struct SourceDocuments {
  std::vector<SourceFile> files;
  std::vector<Document> documents;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  std::string digest;  // content_digest() of exactly the bytes read
};
SourceDocuments read_sources(const std::vector<std::string>& paths, bool recursive = false);

/// What a loaded set of sources holds, for summaries and reload logs.
struct WorldCounts {
  std::size_t files = 0;
  std::size_t sidecarsets = 0;
  std::size_t namespaces = 0;
  std::size_t revisions = 0;
};

struct LoadedWorld {
  WorldBuild build;
  WorldCounts counts;
  std::string digest;                 // content_digest() of what was loaded
  std::vector<std::string> warnings;  // the sources' and build.warnings, one line each
};

/// Threads a load builds its World with: the machine's cores, at most 4.
unsigned build_threads();

/// read_sources + build_world (with build_threads()). On failure, every problem as one line (read
/// and syntax errors as above; validation problems as Problem::to_string): a partial World is
/// never returned.
std::expected<LoadedWorld, std::vector<std::string>> load_world(
    const std::vector<std::string>& paths, std::uint64_t generation, BuildOptions options = {},
    bool recursive = false);

/// A cheap fingerprint of the sources' current state: the expanded file list and, for each file,
/// the device, inode, size and modification time of what its path resolves to. Equal
/// fingerprints mean nothing changed, except for a same-size rewrite within the file system's
/// timestamp granularity (a few ms), which content_digest() catches. Never fails (a missing PATH is
/// part of the state).
std::string fingerprint(const std::vector<std::string>& paths);

/// Hex SHA-256 over the expanded file list, every file's bytes and every read error: equal
/// digests mean the sources would load the same World. Reads but does not parse.
std::string content_digest(const std::vector<std::string>& paths);

/// `3 SidecarSets, 1 Namespace, 0 ControllerRevisions from 2 files`.
std::string describe(const WorldCounts& counts);

}  // namespace injector
