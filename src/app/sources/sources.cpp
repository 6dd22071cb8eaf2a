#include "sources/sources.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <thread>
#include <utility>

#include "release_memory.hpp"

namespace injector {
namespace {

namespace fs = std::filesystem;

bool has_manifest_extension(const std::string& name) {
  for (std::string_view ext : {".yaml", ".yml", ".json"}) {
    if (name.size() > ext.size() && name.ends_with(ext)) {
      return true;
    }
  }
  return false;
}

std::string lowercase_reason(const std::error_code& ec) {
  std::string reason = ec.message();
  if (!reason.empty()) {
    reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  }
  return reason;
}

// The entries of a directory PATH worth reading, sorted by name. Names starting with '.' are
// skipped: a ConfigMap volume holds `..data` (a symlink to the current `..<timestamp>` directory)
// and the data keys as symlinks through it, so reading the visible names through their symlinks
// sees exactly one consistent version (the kubelet swaps `..data` atomically).
void list_directory(const std::string& dir, std::vector<SourceFile>& files,
                    std::vector<std::string>& errors, bool recursive) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    errors.push_back(dir + ": cannot list directory: " + lowercase_reason(ec));
    return;
  }
  std::vector<std::string> names;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::error_code dir_ec;
    const bool subdirectory = recursive && it->is_directory(dir_ec);
    if (name.starts_with('.') || (!subdirectory && !has_manifest_extension(name))) {
      continue;
    }
    names.push_back(std::move(name));
  }
  if (ec) {
    errors.push_back(dir + ": cannot list directory: " + lowercase_reason(ec));
    return;
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    fs::path full = fs::path(dir) / name;
    std::error_code st_ec;
    fs::file_status st = fs::status(full, st_ec);  // follows symlinks
    if (fs::is_directory(st)) {
      if (recursive) {
        list_directory(full.string(), files, errors, true);  // -R: in name order, as kubectl walks
      }
      continue;  // non-recursive: a subdirectory named `x.yaml` is not a manifest
    }
    if (!fs::is_regular_file(st)) {
      errors.push_back(full.string() + ": " +
                       (st_ec ? lowercase_reason(st_ec) : std::string("not a regular file")));
      continue;
    }
    files.push_back(SourceFile{full.string(), full.string()});
  }
}

std::expected<std::string, std::string> read_file(const SourceFile& file) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(file.path.c_str(), "rb"),
                                                    &std::fclose);
  if (!f) {
    return std::unexpected(file.display + ": cannot read: " +
                           lowercase_reason(std::error_code(errno, std::generic_category())));
  }
  std::string text;
  char buf[65536];
  while (true) {
    std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
    text.append(buf, n);
    if (n < sizeof buf) {
      break;
    }
  }
  if (std::ferror(f.get())) {
    return std::unexpected(file.display + ": cannot read: " +
                           lowercase_reason(std::error_code(EIO, std::generic_category())));
  }
  return text;
}

// SHA-256 of a sequence of length-prefixed parts (so no two sequences share a byte stream).
class Digest {
 public:
  Digest() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  }
  void add(std::string_view part) {
    std::string size = std::to_string(part.size()) + ':';
    EVP_DigestUpdate(ctx_.get(), size.data(), size.size());
    EVP_DigestUpdate(ctx_.get(), part.data(), part.size());
  }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &n);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 0xF];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

// Reads every file of `paths`, feeding the digest, and calls `on_text` for each file read.
template <class OnText>
void read_all(const std::vector<std::string>& paths, SourceDocuments& out, OnText on_text,
              bool recursive = false) {
  Digest digest;
  auto files = list_sources(paths, recursive);
  if (!files) {
    out.errors = std::move(files.error());
    for (const std::string& e : out.errors) {
      digest.add(e);
    }
  } else {
    out.files = std::move(*files);
  }
  for (const SourceFile& file : out.files) {
    digest.add(file.display);
    auto text = read_file(file);
    if (!text) {
      digest.add("error");
      digest.add(text.error());
      out.errors.push_back(std::move(text.error()));
      continue;
    }
    digest.add("text");
    digest.add(*text);
    on_text(file, *text);
  }
  out.digest = digest.hex();
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

std::expected<std::vector<SourceFile>, std::vector<std::string>> list_sources(
    const std::vector<std::string>& paths, bool recursive) {
  std::vector<SourceFile> files;
  std::vector<std::string> errors;
  for (const std::string& path : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (fs::is_directory(st)) {
      list_directory(path, files, errors, recursive);
    } else if (fs::is_regular_file(st)) {
      files.push_back(SourceFile{path, path});
    } else if (!fs::exists(st)) {
      errors.push_back(path + ": no such file or directory");
    } else {
      errors.push_back(path + ": not a regular file or directory");
    }
  }
  if (!errors.empty()) {
    return std::unexpected(std::move(errors));
  }
  return files;
}

SourceDocuments read_sources(const std::vector<std::string>& paths, bool recursive) {
  SourceDocuments out;
  // Reading nothing from a directory is almost always a wrong PATH or an unmounted volume.
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(fs::status(path, ec))) {
      if (auto files = list_sources({path}, recursive); files && files->empty()) {
        out.warnings.push_back(path + ": no .yaml, .yml or .json files");
      }
    }
  }
  read_all(
      paths, out,
      [&out](const SourceFile& file, const std::string& text) {
        auto docs = parse_documents(text, file.display);
        if (!docs) {
          out.errors.push_back(std::move(docs.error().message));
          return;
        }
        for (Document& doc : *docs) {
          out.documents.push_back(std::move(doc));
        }
      },
      recursive);
  return out;
}

std::string content_digest(const std::vector<std::string>& paths) {
  SourceDocuments out;
  read_all(paths, out, [](const SourceFile&, const std::string&) {});
  return out.digest;
}

unsigned build_threads() { return std::clamp(std::thread::hardware_concurrency(), 1U, 4U); }

namespace {

std::expected<LoadedWorld, std::vector<std::string>> load(const std::vector<std::string>& paths,
                                                          std::uint64_t generation,
                                                          BuildOptions options, bool recursive) {
  SourceDocuments sources = read_sources(paths, recursive);
  std::vector<std::string> errors = std::move(sources.errors);
  // Validate what could be read even when a file failed, so one run reports every problem.
  options.threads = build_threads();
  auto build = build_world(std::move(sources.documents), generation, options);
  if (!build) {
    for (const Problem& p : build.error()) {
      errors.push_back(p.to_string());
    }
  }
  if (!errors.empty()) {
    return std::unexpected(std::move(errors));
  }
  LoadedWorld loaded;
  loaded.warnings = std::move(sources.warnings);
  for (const Problem& w : build->warnings) {
    loaded.warnings.push_back(w.to_string());
  }
  loaded.digest = std::move(sources.digest);
  loaded.counts.files = sources.files.size();
  loaded.counts.sidecarsets = build->world->sidecarsets.size();
  loaded.counts.namespaces = build->world->namespaces.size();
  loaded.counts.revisions = build->world->revisions.size();
  loaded.build = std::move(*build);
  return loaded;
}

}  // namespace

std::expected<LoadedWorld, std::vector<std::string>> load_world(
    const std::vector<std::string>& paths, std::uint64_t generation, BuildOptions options,
    bool recursive) {
  auto loaded = load(paths, generation, options, recursive);
  release_free_memory();  // the documents and validation's indexes are gone by now
  return loaded;
}

std::string fingerprint(const std::vector<std::string>& paths) {
  std::string out;
  auto add_file = [&out](const std::string& path) {
    struct stat st {};
    out += path;
    if (::stat(path.c_str(), &st) != 0) {  // follows symlinks, as reading does
      out += " missing\n";
      return;
    }
    out += ' ' + std::to_string(st.st_dev) + ':' + std::to_string(st.st_ino) + ':' +
           std::to_string(st.st_size) + ':' + std::to_string(st.st_mtim.tv_sec) + '.' +
           std::to_string(st.st_mtim.tv_nsec) + '\n';
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(fs::status(path, ec))) {
      std::vector<SourceFile> files;
      std::vector<std::string> errors;
      list_directory(path, files, errors, false);
      out += path + " dir\n";
      for (const SourceFile& f : files) {
        add_file(f.path);
      }
      for (const std::string& e : errors) {
        out += e + '\n';
      }
    } else {
      add_file(path);
    }
  }
  return out;
}

std::string describe(const WorldCounts& counts) {
  return plural(counts.sidecarsets, "SidecarSet", "SidecarSets") + ", " +
         plural(counts.namespaces, "Namespace", "Namespaces") + ", " +
         plural(counts.revisions, "ControllerRevision", "ControllerRevisions") + " from " +
         plural(counts.files, "file", "files");
}

}  // namespace injector
