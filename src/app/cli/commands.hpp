#pragma once
// One function per command: argv after the command name in, exit status out.

#include <iosfwd>
#include <string>
#include <vector>

namespace injector::cli {

int run_inject(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err);
int run_explain(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err);
int run_diff(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
             std::ostream& err);
int run_review(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err);
int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_test(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_audit(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int run_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace injector::cli
