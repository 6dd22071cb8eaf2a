#pragma once
// What every command shares: option parsing with our own messages, input files, loading
// SidecarSets for the offline commands, and the --seed of the engine commands.

#include <chrono>
#include <cstdint>
#include <expected>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <cxxopts.hpp>

#include "cli/cli.hpp"
#include "injector/inject/inject.hpp"
#include "injector/model/load.hpp"
#include "injector/model/world.hpp"

namespace injector::cli {

inline constexpr std::string_view kProgram = "sidecarset-injector";

/// Prints `sidecarset-injector COMMAND: MESSAGE` and a pointer to the command's help; returns
/// kExitUsage.
int usage_error(std::ostream& err, std::string_view command, std::string_view message);

struct Parsed {
  cxxopts::ParseResult result;
  std::vector<std::string> positional;
};

/// Parses `args` (after the command name). Unknown options are reported by us rather than by
/// cxxopts so that the message names the option exactly as typed.
std::expected<Parsed, std::string> parse(cxxopts::Options& options,
                                         const std::vector<std::string>& args);

std::optional<std::string> string_option(const cxxopts::ParseResult& r, const std::string& name);

/// The --sidecarsets PATHs ([] when absent).
std::vector<std::string> path_option(const cxxopts::ParseResult& r);

/// --NAME as a non-negative integer, `fallback` when absent; the error names the option.
std::expected<std::uint64_t, std::string> unsigned_option(const cxxopts::ParseResult& r,
                                                          const std::string& name,
                                                          std::uint64_t fallback);

/// Reads FILE, or `in` for "-". Errors name the file.
std::expected<std::string, std::string> read_input(const std::string& file, std::istream& in);

/// Loads the SidecarSets of an offline command; prints every warning (`warning: ...`) and, on
/// failure, every problem (nullptr).
std::shared_ptr<const World> load_or_report(const std::vector<std::string>& paths,
                                            std::ostream& err, BuildOptions options = {},
                                            bool recursive = false);

/// The environment variable that fixes the clock like --now (for reproducible golden files).
inline constexpr std::string_view kNowVariable = "SIDECARSET_INJECTOR_NOW";

/// The clock and seed of one engine run: `now` or the clock, and --seed or a random one.
InjectOptions inject_options(std::optional<std::uint64_t> seed,
                             std::optional<std::chrono::system_clock::time_point> now = {});

/// --now, else $SIDECARSET_INJECTOR_NOW, as RFC 3339; nullopt when neither is set.
std::expected<std::optional<std::chrono::system_clock::time_point>, std::string> now_option(
    const cxxopts::ParseResult& r);

/// --seed, when given.
std::expected<std::optional<std::uint64_t>, std::string> seed_option(const cxxopts::ParseResult& r);

/// --seed and --now (else $SIDECARSET_INJECTOR_NOW) as the options of one engine run; a bad value
/// is printed as a usage error and its exit code returned.
std::expected<InjectOptions, int> engine_options(const cxxopts::ParseResult& r,
                                                 std::string_view command, std::ostream& err);

/// Parses `args`, prints `help` for --help, refuses positional arguments. On error or --help the
/// command is done: the exit code is returned.
std::expected<cxxopts::ParseResult, int> parse_command(cxxopts::Options& options,
                                                       const std::vector<std::string>& args,
                                                       std::string_view command,
                                                       std::string_view help, std::ostream& out,
                                                       std::ostream& err);

/// parse_command, then the --sidecarsets the engine commands require. On error or --help the
/// command is done: the exit code is returned.
struct EngineCommand {
  cxxopts::ParseResult result;
  std::vector<std::string> paths;
};
std::expected<EngineCommand, int> parse_engine_command(cxxopts::Options& options,
                                                       const std::vector<std::string>& args,
                                                       std::string_view command,
                                                       std::string_view help, std::ostream& out,
                                                       std::ostream& err);

}  // namespace injector::cli
