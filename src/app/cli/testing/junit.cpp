#include "cli/testing/junit.hpp"

#include <cstdio>
#include <map>
#include <string_view>

namespace injector::cli {
namespace {

// XML 1.0 character data: & < > " escaped, control characters other than tab, newline and
// carriage return (which XML 1.0 cannot hold at all) replaced by '?'.
std::string escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

struct Totals {
  std::size_t tests = 0;
  std::size_t failures = 0;
  std::size_t errors = 0;
  double time = 0;
  void add(const CaseResult& r) {
    ++tests;
    failures += r.status == CaseResult::Status::kFailed ? 1 : 0;
    errors += r.status == CaseResult::Status::kError ? 1 : 0;
    time += r.seconds;
  }
};

std::string counts(const Totals& t) {
  return "tests=\"" + std::to_string(t.tests) + "\" failures=\"" + std::to_string(t.failures) +
         "\" errors=\"" + std::to_string(t.errors) + "\" time=\"" + seconds(t.time) + "\"";
}

}  // namespace

std::string junit_xml(const std::vector<CaseResult>& results) {
  // Suites in the order their first case came.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const CaseResult*>> suites;
  Totals all;
  for (const CaseResult& r : results) {
    if (!suites.contains(r.suite)) {
      order.push_back(r.suite);
    }
    suites[r.suite].push_back(&r);
    all.add(r);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"sidecarset-injector test\" " + counts(all) + ">\n";
  for (const std::string& suite : order) {
    Totals t;
    for (const CaseResult* r : suites[suite]) {
      t.add(*r);
    }
    out += "  <testsuite name=\"" + escape(suite) + "\" " + counts(t) + " skipped=\"0\">\n";
    for (const CaseResult* r : suites[suite]) {
      out += "    <testcase name=\"" + escape(r->name) + "\" classname=\"" + escape(suite) +
             "\" file=\"" + escape(r->file) + "\" time=\"" + seconds(r->seconds) + "\"";
      if (r->status == CaseResult::Status::kPassed) {
        out += "/>\n";
        continue;
      }
      out += ">\n";
      if (r->status == CaseResult::Status::kError) {
        const std::string first = r->error.substr(0, r->error.find('\n'));
        out += "      <error message=\"" + escape(first) + "\" type=\"invalid case\">" +
               escape(r->error) + "</error>\n";
      } else {
        std::string text;
        for (const std::string& f : r->failures) {
          text += f + "\n";
        }
        text += r->diff;
        out += "      <failure message=\"" + escape(r->failures.front()) +
               "\" type=\"assertion\">" + escape(text) + "</failure>\n";
      }
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace injector::cli
