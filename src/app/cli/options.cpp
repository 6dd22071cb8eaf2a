#include "cli/options.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <system_error>
#include <utility>

#include "injector/inject/annotations.hpp"
#include "injector/model/load.hpp"
#include "sources/sources.hpp"

namespace injector::cli {
namespace {

// cxxopts messages quote with typographic quotes; ours use ASCII ones.
std::string plain_message(std::string message) {
  for (std::string_view q : {"\u2018", "\u2019"}) {
    for (std::size_t at = message.find(q); at != std::string::npos; at = message.find(q)) {
      message.replace(at, q.size(), "'");
    }
  }
  if (!message.empty()) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  return message;
}

}  // namespace

// A usage error: the message, then a pointer to the command's help.
int usage_error(std::ostream& err, std::string_view command, std::string_view message) {
  std::string who(kProgram);
  if (!command.empty()) {
    who += ' ';
    who += command;
  }
  err << who << ": " << message << "\nRun '" << who << " --help' for usage.\n";
  return kExitUsage;
}

// Parses `args` (after the command name). Unknown options are reported by us rather than by
// cxxopts so that the message names the option exactly as typed.
// kubectl's habits that cxxopts does not have: `-f=x` (cxxopts would take "=x"), and several
// PATHs after one --sidecarsets (`--sidecarsets a.yaml b/`), which become repeated options.
std::vector<std::string> normalize(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  bool paths = false;
  for (const std::string& a : args) {
    if (a.size() > 3 && a[0] == '-' && a[1] != '-' && a[2] == '=') {
      out.push_back(a.substr(0, 2));
      out.push_back(a.substr(3));
      paths = false;
      continue;
    }
    if (a == "--sidecarsets") {
      out.push_back(a);
      paths = true;
      continue;
    }
    if (paths && out.back() != "--sidecarsets" && (a.empty() || a[0] != '-')) {
      out.push_back("--sidecarsets");
    } else if (!a.empty() && a[0] == '-') {
      paths = a.starts_with("--sidecarsets=");
    }
    out.push_back(a);
  }
  return out;
}

std::expected<Parsed, std::string> parse(cxxopts::Options& options,
                                         const std::vector<std::string>& raw_args) {
  options.allow_unrecognised_options();
  const std::vector<std::string> args = normalize(raw_args);
  std::vector<const char*> argv;
  argv.push_back(kProgram.data());
  for (const std::string& a : args) {
    argv.push_back(a.c_str());
  }
  try {
    Parsed parsed{options.parse(static_cast<int>(argv.size()), argv.data()), {}};
    for (const std::string& extra : parsed.result.unmatched()) {
      if (extra.size() > 1 && extra.front() == '-') {
        return std::unexpected("unknown option '" + extra + "'");
      }
      parsed.positional.push_back(extra);
    }
    return parsed;
  } catch (const cxxopts::exceptions::exception& e) {
    return std::unexpected(plain_message(e.what()));
  }
}

std::optional<std::string> string_option(const cxxopts::ParseResult& r, const std::string& name) {
  if (r.count(name) == 0) {
    return std::nullopt;
  }
  return r[name].as<std::string>();
}

std::vector<std::string> path_option(const cxxopts::ParseResult& r) {
  if (r.count("sidecarsets") == 0) {
    return {};
  }
  return r["sidecarsets"].as<std::vector<std::string>>();
}

std::expected<std::uint64_t, std::string> unsigned_option(const cxxopts::ParseResult& r,
                                                          const std::string& name,
                                                          std::uint64_t fallback) {
  auto text = string_option(r, name);
  if (!text) {
    return fallback;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size()) {
    return std::unexpected("--" + name + " \"" + *text + "\" is not a non-negative integer");
  }
  return value;
}

// Reads FILE, or `in` for "-". Errors name the file.
std::expected<std::string, std::string> read_input(const std::string& file, std::istream& in) {
  if (file == "-") {
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::error_code dir_ec;
  if (std::filesystem::is_directory(file, dir_ec)) {
    return std::unexpected(file + ": cannot read: is a directory");
  }
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    std::error_code ec(errno, std::generic_category());
    std::string reason = ec.message();
    if (!reason.empty()) {
      reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
    }
    return std::unexpected(file + ": cannot read: " + reason);
  }
  try {
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  } catch (const std::exception&) {
    return std::unexpected(file + ": cannot read: input/output error");
  }
}

// Loads the SidecarSets of an offline command; prints every problem on failure.
std::shared_ptr<const World> load_or_report(const std::vector<std::string>& paths,
                                            std::ostream& err, BuildOptions options,
                                            bool recursive) {
  auto loaded = load_world(paths, 1, options, recursive);
  if (!loaded) {
    for (const std::string& problem : loaded.error()) {
      err << problem << '\n';
    }
    return nullptr;
  }
  for (const std::string& warning : loaded->warnings) {
    err << "warning: " << warning << '\n';
  }
  return loaded->build.world;
}

std::uint64_t seed_or_random(std::optional<std::uint64_t> seed) {
  if (seed) {
    return *seed;
  }
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) | rd();
}

InjectOptions inject_options(std::optional<std::uint64_t> seed,
                             std::optional<std::chrono::system_clock::time_point> now) {
  return InjectOptions{now.value_or(std::chrono::system_clock::now()), seed_or_random(seed)};
}

std::expected<std::optional<std::chrono::system_clock::time_point>, std::string> now_option(
    const cxxopts::ParseResult& r) {
  std::optional<std::string> text = string_option(r, "now");
  std::string source = "--now";
  if (!text) {
    if (const char* env = std::getenv(kNowVariable.data()); env != nullptr && *env != '\0') {
      text = env;
      source = std::string(kNowVariable);
    }
  }
  if (!text) {
    return std::nullopt;
  }
  auto t = parse_rfc3339(*text);
  if (!t) {
    return std::unexpected(source + " \"" + *text +
                           "\" is not an RFC 3339 time (e.g. 2024-01-02T03:04:05Z)");
  }
  return *t;
}

std::expected<std::optional<std::uint64_t>, std::string> seed_option(
    const cxxopts::ParseResult& r) {
  if (r.count("seed") == 0) {
    return std::nullopt;
  }
  auto seed = unsigned_option(r, "seed", 0);
  if (!seed) {
    return std::unexpected(seed.error());
  }
  return *seed;
}

std::expected<cxxopts::ParseResult, int> parse_command(cxxopts::Options& options,
                                                       const std::vector<std::string>& args,
                                                       std::string_view command,
                                                       std::string_view help, std::ostream& out,
                                                       std::ostream& err) {
  auto parsed = parse(options, args);
  if (!parsed) {
    return std::unexpected(usage_error(err, command, parsed.error()));
  }
  if (parsed->result.count("help") != 0) {
    out << help;
    return std::unexpected(kExitOk);
  }
  if (!parsed->positional.empty()) {
    return std::unexpected(
        usage_error(err, command, "unexpected argument '" + parsed->positional.front() + "'"));
  }
  return std::move(parsed->result);
}

std::expected<EngineCommand, int> parse_engine_command(cxxopts::Options& options,
                                                       const std::vector<std::string>& args,
                                                       std::string_view command,
                                                       std::string_view help, std::ostream& out,
                                                       std::ostream& err) {
  auto parsed = parse_command(options, args, command, help, out, err);
  if (!parsed) {
    return std::unexpected(parsed.error());
  }
  std::vector<std::string> paths = path_option(*parsed);
  if (paths.empty()) {
    return std::unexpected(usage_error(err, command, "--sidecarsets is required"));
  }
  return EngineCommand{std::move(*parsed), std::move(paths)};
}

std::expected<InjectOptions, int> engine_options(const cxxopts::ParseResult& r,
                                                 std::string_view command, std::ostream& err) {
  auto seed = seed_option(r);
  if (!seed) {
    return std::unexpected(usage_error(err, command, seed.error()));
  }
  auto now = now_option(r);
  if (!now) {
    return std::unexpected(usage_error(err, command, now.error()));
  }
  return inject_options(*seed, *now);
}

}  // namespace injector::cli
