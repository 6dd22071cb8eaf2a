#include "cli/testing/runner.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "cli/diff/unified_diff.hpp"
#include "cli/workload/manifests.hpp"
#include "injector/inject/annotations.hpp"
#include "injector/model/load.hpp"
#include "injector/patch/json_patch.hpp"
#include "injector/wire/json_access.hpp"
#include "sources/sources.hpp"

namespace injector::cli {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string read_text(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Kind/name as `object:` names it.
std::string object_id(const ObjectReport& o) { return o.kind + "/" + o.name; }

// `Deployment "web"`.
std::string object_label(const ObjectReport& o) { return o.kind + " " + quoted(o.name); }

std::string names_of(const Json& list) {
  std::string out;
  for (std::size_t i = 0; list.is_array() && i < list.size(); ++i) {
    out += (out.empty() ? "" : ", ") + member_string(list[i], "name");
  }
  return out.empty() ? "none" : out;
}

struct Checker {
  const Assertion& a;
  std::vector<std::string>& failures;

  void fail(const ObjectReport& o, const std::string& message) {
    failures.push_back(a.label + ": " + object_label(o) + ": " + message);
  }

  // Shared shape of equals / contains / absent / present on an optional string value.
  void compare(const ObjectReport& o, const std::string& what, const Json* value) {
    if (a.absent) {
      if (value != nullptr) {
        fail(o, what + " is present (" + value->dump() + "), expected it absent");
      }
      return;
    }
    if (value == nullptr) {
      fail(o, what + " is absent");
      return;
    }
    if (a.equals && !json_equal(*value, *a.equals)) {
      fail(o, what + " is " + value->dump() + ", expected " + a.equals->dump());
    }
    if (a.contains) {
      const std::string text = value->is_string() ? value->get<std::string>() : value->dump();
      if (text.find(*a.contains) == std::string::npos) {
        fail(o, what + " is " + value->dump() + ", expected it to contain " + quoted(*a.contains));
      }
    }
  }

  void container(const ObjectReport& o, const Json& pod) {
    const char* list_name = a.init ? "initContainers" : "containers";
    const Json& list = member(member(pod, "spec"), list_name);
    const std::string what =
        std::string(a.init ? "init container " : "container ") + quoted(a.name);
    std::optional<std::size_t> at;
    for (std::size_t i = 0; list.is_array() && i < list.size(); ++i) {
      if (member_string(list[i], "name") == a.name) {
        at = i;
        break;
      }
    }
    const std::string have = " (" + std::string(list_name) + ": " + names_of(list) + ")";
    if (a.absent) {
      if (at) {
        fail(o,
             what + " is present at index " + std::to_string(*at) + ", expected it absent" + have);
      }
      return;
    }
    if (!at) {
      fail(o, what + " is absent" + have);
      return;
    }
    if (a.index && static_cast<std::size_t>(*a.index) != *at) {
      fail(o, what + " is at index " + std::to_string(*at) + ", expected " +
                  std::to_string(*a.index) + have);
    }
    if (a.image && member_string(list[*at], "image") != *a.image) {
      fail(o, what + " has image " + quoted(member_string(list[*at], "image")) + ", expected " +
                  quoted(*a.image));
    }
  }

  void env(const ObjectReport& o, const Json& pod) {
    const Json& list = member(member(pod, "spec"), a.init ? "initContainers" : "containers");
    const Json* c = nullptr;
    for (std::size_t i = 0; list.is_array() && i < list.size(); ++i) {
      if (member_string(list[i], "name") == a.container) {
        c = &list[i];
      }
    }
    if (c == nullptr) {
      fail(o, "container " + quoted(a.container) + " is absent (" + names_of(list) + ")");
      return;
    }
    const Json* value = nullptr;
    const Json& envs = member(*c, "env");
    for (std::size_t i = 0; envs.is_array() && i < envs.size(); ++i) {
      const Json& e = envs[i];
      if (member_string(e, "name") == a.name) {
        value = e.contains("value") ? &e["value"] : e.contains("valueFrom") ? &e["valueFrom"] : &e;
      }
    }
    compare(o, "env " + quoted(a.name) + " of container " + quoted(a.container), value);
  }

  void annotation(const ObjectReport& o, const Json& pod) {
    const Json& anns = member(member(pod, "metadata"), "annotations");
    const Json& v = member(anns, a.name);
    compare(o, "annotation " + quoted(a.name), v.is_null() ? nullptr : &v);
  }

  void pointer(const ObjectReport& o) {
    const Json* cur = &o.object;
    const auto path = Pointer::parse(a.name);  // checked when the case was read
    for (const std::string& token : path->tokens()) {
      if (cur->is_object() && cur->contains(token)) {
        cur = &(*cur)[token];
      } else if (cur->is_array() && !token.empty() &&
                 token.find_first_not_of("0123456789") == std::string::npos &&
                 std::stoull(token) < cur->size()) {
        cur = &(*cur)[std::stoull(token)];
      } else {
        cur = nullptr;
        break;
      }
    }
    compare(o, a.name, cur);
  }

  void run(const ObjectReport& o) {
    using K = Assertion::Kind;
    if (a.kind == K::kDenied) {
      if (!o.denied) {
        fail(o, "was admitted, expected a denial" +
                    (a.name.empty() ? std::string() : " containing " + quoted(a.name)));
      } else if (o.message.find(a.name) == std::string::npos) {
        fail(o, "was denied with " + quoted(o.message) + ", expected a message containing " +
                    quoted(a.name));
      }
      return;
    }
    if (o.denied) {
      fail(o, "was denied: " + o.message);
      return;
    }
    const Json& pod = o.injection.pod;
    switch (a.kind) {
      case K::kContainer:
        container(o, pod);
        break;
      case K::kEnv:
        env(o, pod);
        break;
      case K::kAnnotation:
        annotation(o, pod);
        break;
      case K::kPointer:
        pointer(o);
        break;
      case K::kInjected:
        if (o.injection.matched != a.injected) {
          std::string got;
          for (const std::string& m : o.injection.matched) {
            got += (got.empty() ? "" : ", ") + m;
          }
          std::string want;
          for (const std::string& m : a.injected) {
            want += (want.empty() ? "" : ", ") + m;
          }
          fail(o, "injected [" + got + "], expected [" + want + "]");
        }
        break;
      case K::kWarning: {
        const auto& ws = o.injection.warnings;
        if (std::none_of(ws.begin(), ws.end(), [&](const std::string& w) {
              return w.find(a.name) != std::string::npos;
            })) {
          fail(o, "no warning contains " + quoted(a.name) +
                      (ws.empty() ? " (no warnings)" : " (warnings: " + ws.front() + ")"));
        }
        break;
      }
      case K::kDenied:
        break;
    }
  }
};

// The World of a case: its SidecarSets (or the shared ones) and its namespaces.
std::expected<std::shared_ptr<const World>, std::string> case_world(const TestCase& c,
                                                                    const RunOptions& options) {
  const std::vector<std::string>& paths =
      c.sidecarsets.empty() ? options.sidecarsets : c.sidecarsets;
  if (paths.empty()) {
    return std::unexpected(c.file +
                           ": no SidecarSets: add `sidecarsets:` or pass --sidecarsets DIR");
  }
  SourceDocuments sources = read_sources(paths, true);
  std::string errors;
  for (const std::string& e : sources.errors) {
    errors += (errors.empty() ? "" : "\n") + e;
  }
  int index = 0;
  for (const auto& [name, labels] : c.namespaces.items()) {
    Json ns = {{"apiVersion", "v1"},
               {"kind", "Namespace"},
               {"metadata", {{"name", name}, {"labels", labels}}}};
    sources.documents.push_back(Document{Origin{c.file + ": namespaces", index++}, std::move(ns)});
  }
  auto built = build_world(std::move(sources.documents), 1, BuildOptions{options.strict});
  if (!built) {
    for (const Problem& p : built.error()) {
      errors += (errors.empty() ? "" : "\n") + p.to_string();
    }
  }
  if (!errors.empty()) {
    return std::unexpected(errors);
  }
  return built->world;
}

CaseResult run(const TestCase& c, const RunOptions& options, CaseResult result) {
  auto world = case_world(c, options);
  if (!world) {
    result.status = CaseResult::Status::kError;
    result.error = world.error();
    return result;
  }
  const auto now = parse_rfc3339(c.now);
  if (!now) {
    result.status = CaseResult::Status::kError;
    result.error = c.file + ": now: " + quoted(c.now) + " is not an RFC 3339 time";
    return result;
  }
  std::istringstream no_stdin;
  std::ostringstream read_errors;
  auto docs = read_manifests(c.inputs, true, no_stdin, read_errors);
  if (!docs) {
    result.status = CaseResult::Status::kError;
    result.error = read_errors.str();
    while (!result.error.empty() && result.error.back() == '\n') {
      result.error.pop_back();
    }
    return result;
  }
  InjectOptions inject_options;
  inject_options.now = *now;
  inject_options.seed = c.seed;
  const InjectedManifests injected = inject_manifests(**world, *docs, c.ns, inject_options);
  if (injected.refused) {
    result.status = CaseResult::Status::kError;
    result.error = *injected.refused;
    return result;
  }
  const std::string output = print_manifests(injected.documents, c.golden_format);

  std::string golden = c.golden;
  if (golden.empty() && c.expect.empty()) {
    if (!options.update) {
      result.status = CaseResult::Status::kError;
      result.error = c.file +
                     ": nothing to check: add `expect:` or an expected.yaml (--update "
                     "writes one from the output)";
      return result;
    }
    golden = (std::filesystem::path(c.dir) / "expected.yaml").string();
  }
  if (!golden.empty()) {
    ++result.checks;
    bool readable = false;
    const std::string expected = read_text(golden, readable);
    if (options.update) {
      if (!readable || expected != output) {
        std::ofstream(golden, std::ios::binary | std::ios::trunc) << output;
        result.updated = true;
      }
    } else if (!readable) {
      result.failures.push_back(golden + ": cannot read the golden file (--update writes it)");
    } else if (expected != output) {
      result.failures.push_back("output differs from " + golden);
      result.diff = unified_diff(expected, output, golden, "output");
    }
  }

  // A denial no check expects is a failure of its own.
  for (const ObjectReport& o : injected.objects) {
    const bool expected = std::any_of(c.expect.begin(), c.expect.end(), [&](const Assertion& a) {
      return a.kind == Assertion::Kind::kDenied && (a.object.empty() || a.object == object_id(o));
    });
    if (o.denied && !expected) {
      result.failures.push_back(o.where + ": denied: " + o.message);
    }
  }
  for (const Assertion& a : c.expect) {
    ++result.checks;
    Checker checker{a, result.failures};
    std::size_t targets = 0;
    for (const ObjectReport& o : injected.objects) {
      if (a.object.empty() || a.object == object_id(o)) {
        ++targets;
        checker.run(o);
      }
    }
    if (targets == 0) {
      std::string have;
      for (const ObjectReport& o : injected.objects) {
        have += (have.empty() ? "" : ", ") + object_id(o);
      }
      result.failures.push_back(
          a.label + ": " +
          (a.object.empty() ? std::string("no object holds a pod") : "no object " + a.object) +
          " in the input (objects with pods: " + (have.empty() ? "none" : have) + ")");
    }
  }
  result.status =
      result.failures.empty() ? CaseResult::Status::kPassed : CaseResult::Status::kFailed;
  return result;
}

}  // namespace

CaseResult run_case(const TestCase& test_case, const RunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  CaseResult result;
  result.name = test_case.name;
  result.suite = test_case.suite;
  result.file = test_case.file;
  try {
    result = run(test_case, options, std::move(result));
  } catch (const std::exception& e) {
    result.status = CaseResult::Status::kError;
    result.error = test_case.file + ": internal error: " + e.what();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace injector::cli
