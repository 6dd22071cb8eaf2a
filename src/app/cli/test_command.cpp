// `sidecarset-injector test`: fixture-based admission tests for CI.

#include "cli/commands.hpp"

#include <fstream>
#include <iostream>
#include <string>

#include "cli/options.hpp"
#include "cli/testing/case_file.hpp"
#include "cli/testing/junit.hpp"
#include "cli/testing/runner.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kTestHelp = R"(Usage:
  sidecarset-injector test DIR... [--sidecarsets PATH] [--junit FILE] [--update] [--strict]

Runs fixture-based admission tests: every case folder found in each DIR (DIR itself when it
holds a case.yaml, else every folder below it that does). A case names its input manifests
(Pods or workloads), its SidecarSets (or uses --sidecarsets), namespaces and their labels, and
what must come out: a golden file (expected.yaml or expected.json, compared byte for byte) and
checks by container, env, annotation, JSON Pointer, denial or warning. The format, with
examples, is in docs/testing.md.

Prints `PASS`, `FAIL` or `ERROR` and the case for each, every failed check below a failing case
with a unified diff for a golden file that differs, then one summary line. A denial that no
check expects fails the case. A case folder that cannot be run (a bad case.yaml, missing
input, invalid SidecarSets) is an ERROR naming the file.

Options:
  --sidecarsets PATH     SidecarSets (file or directory, read recursively) for the cases that
                         name none of their own; takes one PATH (repeat or comma-separate)
  --junit FILE           also write JUnit XML (GitHub Actions, GitLab, Jenkins) to FILE
  --update               rewrite the golden files from the output instead of comparing them
                         (a case with no checks at all gets an expected.yaml); review the diff
  --strict               unknown and duplicate SidecarSet fields are errors, not warnings
  -h, --help             show this help

Exit status: 0 every case passed, 1 a case failed or could not run, 2 usage error (no DIR, a
DIR that is missing or holds no case, an unwritable --junit FILE).

Example:
  sidecarset-injector test examples/ci/cases --sidecarsets examples/ci/sidecarsets \
    --junit report.xml
)";

// --sidecarsets of `test` takes exactly one value, so that `--sidecarsets shared cases/` does
// not read cases/ as SidecarSets (the engine commands take several PATHs after one option).
std::vector<std::string> take_sidecarsets(const std::vector<std::string>& args,
                                          std::vector<std::string>& rest, bool& missing_value) {
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string value;
    if (args[i] == "--sidecarsets") {
      if (i + 1 == args.size()) {
        missing_value = true;
        break;
      }
      value = args[++i];
    } else if (args[i].starts_with("--sidecarsets=")) {
      value = args[i].substr(std::string_view("--sidecarsets=").size());
    } else {
      rest.push_back(args[i]);
      continue;
    }
    for (std::size_t start = 0; start <= value.size();) {
      const std::size_t comma = value.find(',', start);
      const std::string part =
          value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) {
        paths.push_back(part);
      }
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  return paths;
}

void print_result(const CaseResult& r, const std::string& dir, std::ostream& out) {
  constexpr std::string_view kIndent = "       ";
  switch (r.status) {
    case CaseResult::Status::kPassed:
      out << (r.updated ? "UPDATE " : "PASS   ") << dir << '\n';
      return;
    case CaseResult::Status::kFailed:
      out << "FAIL   " << dir << '\n';
      for (const std::string& f : r.failures) {
        out << kIndent << f << '\n';
      }
      if (!r.diff.empty()) {
        std::size_t start = 0;
        while (start < r.diff.size()) {
          const std::size_t nl = r.diff.find('\n', start);
          out << kIndent << r.diff.substr(start, nl - start) << '\n';
          start = nl == std::string::npos ? r.diff.size() : nl + 1;
        }
      }
      return;
    case CaseResult::Status::kError:
      out << "ERROR  " << dir << '\n';
      std::size_t start = 0;
      while (start < r.error.size()) {
        const std::size_t nl = r.error.find('\n', start);
        out << kIndent << r.error.substr(start, nl - start) << '\n';
        start = nl == std::string::npos ? r.error.size() : nl + 1;
      }
      return;
  }
}

}  // namespace

int run_test(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kCmd = "test";
  std::vector<std::string> rest;
  bool missing_value = false;
  RunOptions run_options;
  run_options.sidecarsets = take_sidecarsets(args, rest, missing_value);
  if (missing_value) {
    return usage_error(err, kCmd, "option 'sidecarsets' is missing an argument");
  }
  cxxopts::Options options("sidecarset-injector test");
  options.add_options()("junit", "", cxxopts::value<std::string>())("update", "")("strict", "")(
      "h,help", "");
  auto parsed = parse(options, rest);
  if (!parsed) {
    return usage_error(err, kCmd, parsed.error());
  }
  if (parsed->result.count("help") != 0) {
    out << kTestHelp;
    return kExitOk;
  }
  if (parsed->positional.empty()) {
    return usage_error(err, kCmd, "at least one DIR of cases is required");
  }
  run_options.update = parsed->result.count("update") != 0;
  run_options.strict = parsed->result.count("strict") != 0;
  const std::optional<std::string> junit = string_option(parsed->result, "junit");

  auto found = find_cases(parsed->positional);
  if (!found) {
    for (const std::string& e : found.error()) {
      err << e << '\n';
    }
    return kExitUsage;
  }
  std::vector<CaseResult> results;
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t errors = 0;
  std::size_t updated = 0;
  for (const FoundCase& f : *found) {
    CaseResult r;
    if (!f.parsed) {
      r.name = f.name;
      r.suite = f.suite;
      r.file = f.file;
      r.status = CaseResult::Status::kError;
      r.error = f.parsed.error();
    } else {
      r = run_case(*f.parsed, run_options);
    }
    const std::string dir = f.parsed ? f.parsed->dir : f.file.substr(0, f.file.rfind('/'));
    print_result(r, dir, out);
    passed += r.status == CaseResult::Status::kPassed ? 1 : 0;
    failed += r.status == CaseResult::Status::kFailed ? 1 : 0;
    errors += r.status == CaseResult::Status::kError ? 1 : 0;
    updated += r.updated ? 1 : 0;
    results.push_back(std::move(r));
  }
  out << results.size() << (results.size() == 1 ? " case: " : " cases: ") << passed << " passed, "
      << failed << " failed, " << errors << (errors == 1 ? " error" : " errors");
  if (run_options.update) {
    out << ", " << updated << " golden " << (updated == 1 ? "file" : "files") << " updated";
  }
  out << '\n';
  if (junit) {
    std::ofstream file(*junit, std::ios::binary | std::ios::trunc);
    file << junit_xml(results);
    file.close();
    if (!file) {
      err << kProgram << " test: --junit " << *junit << ": cannot write\n";
      return kExitUsage;
    }
  }
  return failed + errors == 0 ? kExitOk : kExitDenied;
}

}  // namespace injector::cli
