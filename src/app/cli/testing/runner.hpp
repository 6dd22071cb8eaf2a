#pragma once
// Runs one case of `sidecarset-injector test`: its SidecarSets and namespaces into a World, its
// manifests through the same injection as `inject`, then the golden file and the checks.

#include <string>
#include <vector>

#include "cli/testing/case_file.hpp"

namespace injector::cli {

struct CaseResult {
  enum class Status { kPassed, kFailed, kError };
  std::string name;
  std::string suite;
  std::string file;  // the case.yaml
  Status status = Status::kPassed;
  std::vector<std::string> failures;  // one line each, for people and for JUnit
  std::string diff;                   // the golden file against the output, when they differ
  std::string error;                  // kError: why the case could not run (names the file)
  std::size_t checks = 0;             // golden + expect entries run
  bool updated = false;               // --update rewrote the golden file
  double seconds = 0;
};

struct RunOptions {
  std::vector<std::string> sidecarsets;  // for cases without their own
  bool update = false;                   // rewrite golden files instead of comparing them
  bool strict = false;                   // unknown SidecarSet fields are errors
};

/// Runs a case; never throws for bad input (every problem is the result's error or failures).
CaseResult run_case(const TestCase& test_case, const RunOptions& options);

}  // namespace injector::cli
