#include "cli/testing/case_file.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "injector/model/load.hpp"
#include "injector/patch/json_patch.hpp"

namespace injector::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCaseFile = "case.yaml";

// The assertion kinds by key, in the order they are recognised: `env` first, since an env
// assertion names its container with a `container` key.
constexpr std::array<std::pair<std::string_view, Assertion::Kind>, 7> kKinds = {{
    {"env", Assertion::Kind::kEnv},
    {"container", Assertion::Kind::kContainer},
    {"annotation", Assertion::Kind::kAnnotation},
    {"pointer", Assertion::Kind::kPointer},
    {"denied", Assertion::Kind::kDenied},
    {"injected", Assertion::Kind::kInjected},
    {"warning", Assertion::Kind::kWarning},
}};

// What each kind accepts besides its own key.
std::set<std::string_view> modifiers(Assertion::Kind kind) {
  switch (kind) {
    case Assertion::Kind::kContainer:
      return {"object", "index", "init", "image", "absent"};
    case Assertion::Kind::kEnv:
      return {"object", "container", "init", "equals", "contains", "absent"};
    case Assertion::Kind::kAnnotation:
    case Assertion::Kind::kPointer:
      return {"object", "equals", "contains", "absent"};
    case Assertion::Kind::kDenied:
    case Assertion::Kind::kInjected:
    case Assertion::Kind::kWarning:
      return {"object"};
  }
  return {};
}

struct Reader {
  std::string file;

  std::unexpected<std::string> error(const std::string& where, const std::string& message) const {
    return std::unexpected(file + ": " + (where.empty() ? "" : where + ": ") + message);
  }

  std::expected<std::string, std::string> string(const Json& v, const std::string& where) const {
    if (!v.is_string()) {
      return error(where, std::string("must be a string, found ") + v.type_name());
    }
    return v.get<std::string>();
  }

  // A string or a list of strings.
  std::expected<std::vector<std::string>, std::string> strings(const Json& v,
                                                               const std::string& where) const {
    if (v.is_string()) {
      return std::vector<std::string>{v.get<std::string>()};
    }
    if (!v.is_array()) {
      return error(where,
                   std::string("must be a string or a list of strings, found ") + v.type_name());
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      auto s = string(v[i], where + "[" + std::to_string(i) + "]");
      if (!s) {
        return std::unexpected(s.error());
      }
      out.push_back(std::move(*s));
    }
    return out;
  }

  std::expected<Assertion, std::string> assertion(const Json& v, std::size_t i) const {
    const std::string where = "expect[" + std::to_string(i) + "]";
    if (!v.is_object()) {
      return error(where, std::string("must be a mapping, found ") + v.type_name());
    }
    Assertion a;
    const std::pair<std::string_view, Assertion::Kind>* found = nullptr;
    for (const auto& k : kKinds) {
      if (v.contains(std::string(k.first))) {
        found = &k;
        break;
      }
    }
    if (found == nullptr) {
      return error(where,
                   "needs one of container, env, annotation, pointer, denied, injected, warning");
    }
    a.kind = found->second;
    const std::string key(found->first);
    const auto allowed = modifiers(a.kind);
    for (const auto& [k, value] : v.items()) {
      if (k != key && !allowed.contains(k)) {
        const bool other_kind = std::any_of(kKinds.begin(), kKinds.end(),
                                            [&](const auto& kind) { return kind.first == k; });
        return error(where, other_kind ? "\"" + key + "\" and \"" + k +
                                             "\" are two checks: write them as two entries"
                                       : "unknown key \"" + k + "\" for a " + key + " check");
      }
    }
    const Json& value = v[key];
    if (a.kind == Assertion::Kind::kInjected) {
      auto names = strings(value, where + ".injected");
      if (!names) {
        return std::unexpected(names.error());
      }
      a.injected = std::move(*names);
      a.label = where + " (injected)";
    } else if (a.kind == Assertion::Kind::kDenied && value.is_boolean()) {
      if (!value.get<bool>()) {
        return error(where + ".denied", "write true or a text the message contains");
      }
    } else {
      auto name = string(value, where + "." + key);
      if (!name) {
        return std::unexpected(name.error());
      }
      a.name = std::move(*name);
    }
    if (a.kind == Assertion::Kind::kPointer) {
      if (auto p = Pointer::parse(a.name); !p) {
        return error(where + ".pointer", p.error().message);
      }
    }
    if (a.label.empty()) {
      a.label = where + " (" + key + (a.name.empty() ? "" : " \"" + a.name + "\"") + ")";
    }
    for (const auto& [k, m] : v.items()) {
      const std::string at = where + "." + k;
      if (k == "object" || k == "container" || k == "image" || k == "contains") {
        if (k == "container" && a.kind == Assertion::Kind::kContainer) {
          continue;
        }
        auto s = string(m, at);
        if (!s) {
          return std::unexpected(s.error());
        }
        if (k == "object") {
          if (s->find('/') == std::string::npos) {
            return error(at, "must be Kind/name, e.g. Deployment/web");
          }
          a.object = *s;
        } else if (k == "container") {
          a.container = *s;
        } else if (k == "image") {
          a.image = *s;
        } else {
          a.contains = *s;
        }
      } else if (k == "init" || k == "absent") {
        if (!m.is_boolean()) {
          return error(at, std::string("must be true or false, found ") + m.type_name());
        }
        (k == "init" ? a.init : a.absent) = m.get<bool>();
      } else if (k == "index") {
        if (!m.is_number_integer() || m.get<std::int64_t>() < 0) {
          return error(at, "must be a non-negative integer");
        }
        a.index = m.get<std::int64_t>();
      } else if (k == "equals") {
        if (a.kind != Assertion::Kind::kPointer && !m.is_string()) {
          return error(at, std::string("must be a string (quote it), found ") + m.type_name());
        }
        a.equals = m;
      }
    }
    if (a.kind == Assertion::Kind::kEnv && a.container.empty()) {
      return error(where, "an env check needs `container:` (the container that holds it)");
    }
    const int conditions =
        (a.absent ? 1 : 0) + (a.equals ? 1 : 0) + (a.contains ? 1 : 0) + (a.index ? 1 : 0);
    if (a.absent && conditions > 1) {
      return error(where, "absent: true cannot be combined with equals, contains or index");
    }
    if (a.equals && a.contains) {
      return error(where, "equals and contains: choose one");
    }
    return a;
  }
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool present(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

}  // namespace

std::expected<TestCase, std::string> read_case(const std::string& dir, const std::string& name,
                                               const std::string& suite) {
  const fs::path base(dir);
  TestCase c;
  c.dir = dir;
  c.file = (base / kCaseFile).string();
  c.name = name;
  c.suite = suite;
  Reader r{c.file};
  std::ifstream probe(c.file, std::ios::binary);
  if (!probe) {
    return r.error("", "cannot read");
  }
  auto docs = parse_documents(read_text(c.file), c.file);
  if (!docs) {
    return std::unexpected(docs.error().message);
  }
  if (docs->size() > 1) {
    return r.error("", "holds " + std::to_string(docs->size()) + " documents: one case a file");
  }
  const Json spec = docs->empty() ? Json::object() : docs->front().object;
  if (!spec.is_object()) {
    return r.error("", std::string("must be a mapping, found ") + spec.type_name());
  }
  static const std::set<std::string_view> kKeys = {"description", "input",      "sidecarsets",
                                                   "namespace",   "namespaces", "seed",
                                                   "now",         "golden",     "expect"};
  for (const auto& [k, v] : spec.items()) {
    if (!kKeys.contains(k)) {
      return r.error("", "unknown key \"" + k +
                             "\" (known: description, input, sidecarsets, namespace, namespaces, "
                             "seed, now, golden, expect)");
    }
  }
  const auto resolve = [&](const std::string& p) { return (base / p).lexically_normal().string(); };
  if (spec.contains("description")) {
    auto d = r.string(spec["description"], "description");
    if (!d) {
      return std::unexpected(d.error());
    }
    c.description = *d;
  }
  if (spec.contains("input")) {
    auto inputs = r.strings(spec["input"], "input");
    if (!inputs) {
      return std::unexpected(inputs.error());
    }
    for (const std::string& in : *inputs) {
      if (!present(base / in)) {
        return r.error("input", resolve(in) + ": no such file or directory");
      }
      c.inputs.push_back(resolve(in));
    }
  } else if (present(base / "input.yaml")) {
    c.inputs.push_back(resolve("input.yaml"));
  } else {
    return r.error("", "no input: add `input:` (a manifest file or folder) or an input.yaml");
  }
  if (spec.contains("sidecarsets")) {
    auto paths = r.strings(spec["sidecarsets"], "sidecarsets");
    if (!paths) {
      return std::unexpected(paths.error());
    }
    for (const std::string& p : *paths) {
      if (!present(base / p)) {
        return r.error("sidecarsets", resolve(p) + ": no such file or directory");
      }
      c.sidecarsets.push_back(resolve(p));
    }
  } else if (present(base / "sidecarsets.yaml")) {
    c.sidecarsets.push_back(resolve("sidecarsets.yaml"));
  } else if (present(base / "sidecarsets")) {
    c.sidecarsets.push_back(resolve("sidecarsets"));
  }
  if (spec.contains("namespace")) {
    auto ns = r.string(spec["namespace"], "namespace");
    if (!ns) {
      return std::unexpected(ns.error());
    }
    c.ns = *ns;
  }
  if (spec.contains("namespaces")) {
    const Json& nss = spec["namespaces"];
    if (!nss.is_object()) {
      return r.error("namespaces",
                     std::string("must map names to labels, found ") + nss.type_name());
    }
    for (const auto& [ns, labels] : nss.items()) {
      const std::string at = "namespaces." + ns;
      if (!labels.is_object() && !labels.is_null()) {
        return r.error(at, std::string("must be a mapping of labels, found ") + labels.type_name());
      }
      Json out = Json::object();
      if (labels.is_object()) {
        for (const auto& [k, v] : labels.items()) {
          if (!v.is_string()) {
            return r.error(
                at + "." + k,
                std::string("a label value must be a string (quote it), found ") + v.type_name());
          }
          out[k] = v;
        }
      }
      c.namespaces[ns] = std::move(out);
    }
  }
  if (spec.contains("seed")) {
    const Json& s = spec["seed"];
    if (!s.is_number_integer() || s.get<std::int64_t>() < 0) {
      return r.error("seed", "must be a non-negative integer");
    }
    c.seed = s.get<std::uint64_t>();
  }
  if (spec.contains("now")) {
    auto now = r.string(spec["now"], "now");
    if (!now) {
      return std::unexpected(now.error());
    }
    c.now = *now;
  }
  std::string golden;
  if (spec.contains("golden")) {
    auto g = r.string(spec["golden"], "golden");
    if (!g) {
      return std::unexpected(g.error());
    }
    golden = *g;
  } else if (present(base / "expected.yaml")) {
    golden = "expected.yaml";
  } else if (present(base / "expected.json")) {
    golden = "expected.json";
  }
  if (!golden.empty()) {
    c.golden = resolve(golden);
    c.golden_format = golden.ends_with(".json") ? "json" : "yaml";
  }
  if (spec.contains("expect")) {
    const Json& e = spec["expect"];
    if (!e.is_array()) {
      return r.error("expect", std::string("must be a list of checks, found ") + e.type_name());
    }
    for (std::size_t i = 0; i < e.size(); ++i) {
      auto a = r.assertion(e[i], i);
      if (!a) {
        return std::unexpected(a.error());
      }
      c.expect.push_back(std::move(*a));
    }
  }
  return c;
}

std::expected<std::vector<FoundCase>, std::vector<std::string>> find_cases(
    const std::vector<std::string>& dirs) {
  std::vector<FoundCase> found;
  std::vector<std::string> errors;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      errors.push_back(dir + (fs::exists(dir, ec) ? ": not a directory (give the folder of a case "
                                                    "or a folder of cases)"
                                                  : ": no such file or directory"));
      continue;
    }
    std::vector<std::string> cases;
    if (present(fs::path(dir) / kCaseFile)) {
      cases.push_back(dir);
    } else {
      fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string leaf = it->path().filename().string();
        if (leaf.starts_with('.')) {
          if (it->is_directory(ec)) {
            it.disable_recursion_pending();
          }
          continue;
        }
        if (leaf == kCaseFile && it->is_regular_file(ec)) {
          cases.push_back(it->path().parent_path().string());
        }
      }
      std::sort(cases.begin(), cases.end());
    }
    if (cases.empty()) {
      errors.push_back(dir + ": no case found (a case is a folder with a case.yaml)");
      continue;
    }
    for (const std::string& c : cases) {
      std::string name = fs::path(c).lexically_relative(dir).string();
      if (name == ".") {
        name = fs::path(dir).lexically_normal().string();
      }
      found.push_back(
          FoundCase{name, dir, (fs::path(c) / kCaseFile).string(), read_case(c, name, dir)});
    }
  }
  if (!errors.empty()) {
    return std::unexpected(errors);
  }
  return found;
}

}  // namespace injector::cli
