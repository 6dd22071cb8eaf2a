#pragma once
// The `sidecarset-injector` command line: serve, review, inject, validate.

#include <iosfwd>
#include <string>
#include <vector>

namespace injector {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDenied = 1;   // inject, review: the webhook would deny the pod
inline constexpr int kExitUsage = 2;    // usage errors, invalid SidecarSets, startup failures
inline constexpr int kExitErrored = 3;  // review: the answer is an error (a malformed request)

/// Runs the CLI with `args` (argv without the program name) and returns the exit status. `in`
/// is what `-f -` reads; results go to `out`, diagnostics to `err`. `serve` blocks until SIGTERM
/// or SIGINT and logs through log.hpp (stderr).
int run_cli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
            std::ostream& err);

}  // namespace injector
