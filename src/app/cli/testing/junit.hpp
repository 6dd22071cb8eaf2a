#pragma once
// JUnit XML for the test tabs of CI systems (GitHub Actions' test reporters, GitLab's
// artifacts:reports:junit, Jenkins' junit step): the shape of Ant's JUnit task, which they read.

#include <string>
#include <vector>

#include "cli/testing/runner.hpp"

namespace injector::cli {

/// One <testsuites> document: a <testsuite> per DIR given, a <testcase> per case (classname the
/// DIR, name the case), <failure> with every failed check and the golden diff, <error> for a
/// case that could not run. Text is escaped for XML 1.0 (characters it cannot hold are replaced).
std::string junit_xml(const std::vector<CaseResult>& results);

}  // namespace injector::cli
