#include "cli.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include <cxxopts.hpp>

#include "injector/inject.hpp"
#include "injector/load.hpp"
#include "injector/review.hpp"
#include "log.hpp"
#include "reloader.hpp"
#include "server.hpp"
#include "sources.hpp"
#include "version.hpp"
#include "world_holder.hpp"
#include "yaml_out.hpp"

namespace injector {
namespace {

constexpr std::string_view kProgram = "sidecarset-injector";

constexpr std::string_view kMainHelp =
    R"(sidecarset-injector - OpenKruise SidecarSet injection as a Kubernetes admission webhook

Usage:
  sidecarset-injector <command> [options]
  sidecarset-injector --help | --version

Commands:
  serve      Run the HTTPS mutating admission webhook (POST /mutate-pod, /healthz, /readyz)
  review     Answer one AdmissionReview request offline, byte for byte as the server would
  inject     Print a Pod as the webhook would mutate it on CREATE
  validate   Check SidecarSet manifests and report every problem

SidecarSet sources (PATH): a file, or a directory whose .yaml, .yml and .json files are read in
name order (not recursively; names starting with '.' are skipped, so a mounted ConfigMap works).
A file may hold several documents: SidecarSets (apps.kruise.io/v1alpha1 or v1beta1), Namespaces
(their labels feed namespaceSelector) and ControllerRevisions (for injectionStrategy.revision).

Exit status: 0 success, 1 the pod would be denied (inject), 2 usage error, invalid SidecarSets or
startup failure.

Run 'sidecarset-injector <command> --help' for the options of a command.
)";

constexpr std::string_view kServeHelp = R"(Usage:
  sidecarset-injector serve --sidecarsets PATH... --tls-cert FILE --tls-key FILE [options]

Runs the mutating admission webhook over HTTPS (TLS 1.2+): POST /mutate-pod answers
AdmissionReview requests (admission.k8s.io/v1 and v1beta1), GET /healthz reports the process
alive, GET /readyz reports the SidecarSets generation in use. The sources are polled and reloaded
on change; an invalid change is logged and the last good SidecarSets keep serving. SIGTERM or
SIGINT stops accepting, finishes in-flight reviews and exits 0. Bad SidecarSets or TLS material
at startup exit 2.

Options:
  --sidecarsets PATH     SidecarSet file or directory (repeat, or separate with commas); required
  --tls-cert FILE        PEM serving certificate (chain); required
  --tls-key FILE         PEM private key of the certificate; required
  --listen HOST:PORT     address to listen on (default 0.0.0.0:8443; [::]:8443 for IPv6)
  --threads N            I/O threads (default 0 = one per core)
  --max-connections N    open connections before the oldest idle ones are closed (default 10000)
  --reload-interval S    seconds between checks of the sources (default 2; 0 disables reload)
  --log-format FORMAT    text or json (default text)
  --log-level LEVEL      trace, debug, info, warn, error, critical or off (default info)
  -h, --help             show this help

Example:
  sidecarset-injector serve --sidecarsets /etc/sidecarsets --tls-cert certs/tls.crt \
      --tls-key certs/tls.key --listen 127.0.0.1:8443
)";

constexpr std::string_view kReviewHelp = R"(Usage:
  sidecarset-injector review --sidecarsets PATH... [-f FILE|-] [--seed N]

Reads one AdmissionReview request (JSON, as the API server posts it) and prints the
AdmissionReview response exactly as 'serve' would send it: the same decoding, skips, injection,
JSONPatch and error answers, byte for byte (no trailing newline). Every request gets a review,
however broken (an unreadable one is answered allowed: false with status 400, as the server
does), so the exit status is 0 unless the options or the SidecarSets are wrong (2).

Options:
  --sidecarsets PATH     SidecarSet file or directory (repeat, or separate with commas); required
  -f, --file FILE        the AdmissionReview request; '-' reads stdin (default -)
  --seed N               seed for injectionStrategy.revision Partial rollouts (default: random)
  -h, --help             show this help

Example:
  sidecarset-injector review --sidecarsets examples/sidecarsets -f fixtures/reviews/create-v1.json
)";

constexpr std::string_view kInjectHelp = R"(Usage:
  sidecarset-injector inject --sidecarsets PATH... -f FILE|- [--namespace NS] [-o json|yaml]

Reads a Pod (YAML or JSON) and prints it as the webhook would mutate it on CREATE: matching
SidecarSets in name order, their containers, volumes, env and annotations injected. A pod that
nothing applies to is printed unchanged. Warnings go to stderr.

Exit status: 0 printed, 1 the webhook would deny the pod (reason on stderr), 2 usage error or
invalid SidecarSets (every problem on stderr, naming file, document, SidecarSet and field).

Options:
  --sidecarsets PATH     SidecarSet file or directory (repeat, or separate with commas); required
  -f, --file FILE        the Pod; '-' reads stdin; required
  --namespace NS         namespace of the request (default: the pod's own, else "default")
  -o, --output FORMAT    json (pretty, 2-space indent) or yaml (default json)
  --seed N               seed for injectionStrategy.revision Partial rollouts (default: random)
  -h, --help             show this help

Example:
  sidecarset-injector inject --sidecarsets examples/sidecarsets -f pod.yaml -o yaml
)";

constexpr std::string_view kValidateHelp = R"(Usage:
  sidecarset-injector validate PATH...

Checks SidecarSet manifests as OpenKruise's admission would (after its defaulting): selectors,
containers, volumes, patchPodMetadata, resourcesPolicy, name conflicts between SidecarSets, and
the files' syntax. Prints every problem on its own line,
  FILE: document N: sidecarset "NAME": FIELD: MESSAGE
(documents counted from 1), and exits 2 when there is any; otherwise prints a one-line summary
and exits 0. A directory PATH without manifests is a problem too.

Options:
  -h, --help             show this help

Example:
  sidecarset-injector validate examples/sidecarsets/ examples/hot-upgrade/sidecarset.yaml
)";

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

struct Parsed {
  cxxopts::ParseResult result;
  std::vector<std::string> positional;
};

// Parses `args` (after the command name). Unknown options are reported by us rather than by
// cxxopts so that the message names the option exactly as typed.
std::expected<Parsed, std::string> parse(cxxopts::Options& options,
                                         const std::vector<std::string>& args) {
  options.allow_unrecognised_options();
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
  std::ifstream f(file, std::ios::binary);
  if (!f) {
    std::error_code ec(errno, std::generic_category());
    std::string reason = ec.message();
    if (!reason.empty()) {
      reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
    }
    return std::unexpected(file + ": cannot read: " + reason);
  }
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Loads the SidecarSets of an offline command; prints every problem on failure.
std::shared_ptr<const World> load_or_report(const std::vector<std::string>& paths,
                                            std::ostream& err) {
  auto loaded = load_world(paths, 1);
  if (!loaded) {
    for (const std::string& problem : loaded.error()) {
      err << problem << '\n';
    }
    return nullptr;
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

InjectOptions inject_options(std::optional<std::uint64_t> seed) {
  return InjectOptions{std::chrono::system_clock::now(), seed_or_random(seed)};
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

// The first steps `inject` and `review` share: parse, --help, no positional arguments, and the
// required --sidecarsets. On error or --help the command is done: the exit code is returned.
struct EngineCommand {
  cxxopts::ParseResult result;
  std::vector<std::string> paths;
};

std::expected<EngineCommand, int> parse_engine_command(cxxopts::Options& options,
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
  std::vector<std::string> paths = path_option(parsed->result);
  if (paths.empty()) {
    return std::unexpected(usage_error(err, command, "--sidecarsets is required"));
  }
  return EngineCommand{std::move(parsed->result), std::move(paths)};
}

// ---- inject ----

int run_inject(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err) {
  constexpr std::string_view kCmd = "inject";
  cxxopts::Options options("sidecarset-injector inject");
  options.add_options()("sidecarsets", "", cxxopts::value<std::vector<std::string>>())(
      "f,file", "", cxxopts::value<std::string>())("namespace", "", cxxopts::value<std::string>())(
      "o,output", "", cxxopts::value<std::string>())("seed", "", cxxopts::value<std::string>())(
      "h,help", "");
  auto command = parse_engine_command(options, args, kCmd, kInjectHelp, out, err);
  if (!command) {
    return command.error();
  }
  const cxxopts::ParseResult& r = command->result;
  const std::vector<std::string>& paths = command->paths;
  auto file = string_option(r, "file");
  if (!file) {
    return usage_error(err, kCmd, "-f/--file is required (use '-' for stdin)");
  }
  std::string output = string_option(r, "output").value_or("json");
  if (output != "json" && output != "yaml") {
    return usage_error(err, kCmd, "--output \"" + output + "\" is not supported (json or yaml)");
  }
  auto seed = seed_option(r);
  if (!seed) {
    return usage_error(err, kCmd, seed.error());
  }

  std::shared_ptr<const World> world = load_or_report(paths, err);
  if (!world) {
    return kExitUsage;
  }
  auto text = read_input(*file, in);
  if (!text) {
    err << text.error() << '\n';
    return kExitUsage;
  }
  std::string display = *file == "-" ? "<stdin>" : *file;
  auto docs = parse_documents(*text, display);
  if (!docs) {
    err << docs.error().message << '\n';
    return kExitUsage;
  }
  if (docs->size() != 1) {
    err << display << ": expected one Pod, found " << docs->size() << " documents\n";
    return kExitUsage;
  }
  const Json& pod = docs->front().object;
  if (!pod.is_object()) {
    err << display << ": expected a Pod object, found " << pod.type_name() << '\n';
    return kExitUsage;
  }
  if (pod.contains("kind") && pod["kind"] != "Pod") {
    err << display << ": expected a Pod, found kind " << pod["kind"].dump() << '\n';
    return kExitUsage;
  }

  std::string ns = string_option(r, "namespace").value_or("");
  if (ns.empty()) {
    const Json* own = nullptr;
    if (auto m = pod.find("metadata"); m != pod.end() && m->is_object()) {
      if (auto n = m->find("namespace"); n != m->end() && n->is_string()) {
        own = &*n;
      }
    }
    ns = own != nullptr && !own->get_ref<const std::string&>().empty() ? own->get<std::string>()
                                                                       : std::string("default");
  }

  auto injection = inject(*world, pod, ns, inject_options(*seed));
  if (!injection) {
    err << "denied: " << injection.error().message << '\n';
    return kExitDenied;
  }
  for (const std::string& w : injection->warnings) {
    err << "warning: " << w << '\n';
  }
  if (output == "yaml") {
    out << to_yaml(injection->pod);
  } else {
    out << injection->pod.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
  }
  return kExitOk;
}

// ---- review ----

int run_review(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err) {
  constexpr std::string_view kCmd = "review";
  cxxopts::Options options("sidecarset-injector review");
  options.add_options()("sidecarsets", "", cxxopts::value<std::vector<std::string>>())(
      "f,file", "", cxxopts::value<std::string>())("seed", "", cxxopts::value<std::string>())(
      "h,help", "");
  auto command = parse_engine_command(options, args, kCmd, kReviewHelp, out, err);
  if (!command) {
    return command.error();
  }
  const cxxopts::ParseResult& r = command->result;
  const std::vector<std::string>& paths = command->paths;
  auto seed = seed_option(r);
  if (!seed) {
    return usage_error(err, kCmd, seed.error());
  }
  std::shared_ptr<const World> world = load_or_report(paths, err);
  if (!world) {
    return kExitUsage;
  }
  auto body = read_input(string_option(r, "file").value_or("-"), in);
  if (!body) {
    err << body.error() << '\n';
    return kExitUsage;
  }
  // The server stops reading at its body limit and answers 413; do the same.
  const std::size_t limit = ServerOptions{}.body_limit;
  HttpReviewRequest request{"application/json", *body, body->size() > limit};
  if (request.body_too_large) {
    request.body = std::string_view(*body).substr(0, limit);
  }
  ReviewOutcome outcome = review(*world, request, inject_options(*seed));
  out << outcome.body;
  return kExitOk;
}

// ---- validate ----

int run_validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kCmd = "validate";
  cxxopts::Options options("sidecarset-injector validate");
  options.add_options()("h,help", "");
  auto parsed = parse(options, args);
  if (!parsed) {
    return usage_error(err, kCmd, parsed.error());
  }
  if (parsed->result.count("help") != 0) {
    out << kValidateHelp;
    return kExitOk;
  }
  if (parsed->positional.empty()) {
    return usage_error(err, kCmd, "at least one PATH is required");
  }
  SourceDocuments sources = read_sources(parsed->positional);
  std::vector<std::string> problems = std::move(sources.errors);
  // Validating nothing is almost always a wrong PATH; say so rather than report "ok".
  for (const std::string& path : parsed->positional) {
    auto files = list_sources({path});
    if (files && files->empty()) {
      problems.push_back(path + ": no .yaml, .yml or .json files");
    }
  }
  std::size_t files = sources.files.size();
  auto build = build_world(std::move(sources.documents), 1);
  if (!build) {
    for (const Problem& p : build.error()) {
      problems.push_back(p.to_string());
    }
  }
  if (!problems.empty()) {
    for (const std::string& p : problems) {
      out << p << '\n';
    }
    err << kProgram << " validate: " << problems.size()
        << (problems.size() == 1 ? " problem" : " problems") << '\n';
    return kExitUsage;
  }
  for (const std::string& note : build->notes) {
    out << "note: " << note << '\n';
  }
  WorldCounts counts{files, build->world->sidecarsets.size(), build->world->namespaces.size(),
                     build->world->revisions.size()};
  out << describe(counts) << ": ok\n";
  return kExitOk;
}

// ---- serve ----

std::vector<std::pair<std::string, std::string>> count_fields(std::uint64_t generation,
                                                              const WorldCounts& counts) {
  return {{"generation", std::to_string(generation)},
          {"sidecarsets", std::to_string(counts.sidecarsets)},
          {"namespaces", std::to_string(counts.namespaces)},
          {"revisions", std::to_string(counts.revisions)},
          {"files", std::to_string(counts.files)}};
}

void log_reload(const ReloadResult& result) {
  if (result.outcome == ReloadResult::Outcome::kReloaded) {
    for (const std::string& note : result.notes) {
      log_event(spdlog::level::info, "sidecarset source note", {{"note", note}});
    }
    log_event(spdlog::level::info, "sidecarsets reloaded",
              count_fields(result.generation, result.counts));
  } else if (result.outcome == ReloadResult::Outcome::kRejected) {
    for (const std::string& problem : result.problems) {
      log_event(spdlog::level::err, "sidecarset problem", {{"problem", problem}});
    }
    log_event(spdlog::level::err, "sidecarsets reload rejected, keeping the last good ones",
              {{"generation", std::to_string(result.generation)},
               {"problems", std::to_string(result.problems.size())}});
  }
}

int run_serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kCmd = "serve";
  cxxopts::Options options("sidecarset-injector serve");
  options.add_options()("sidecarsets", "", cxxopts::value<std::vector<std::string>>())(
      "tls-cert", "", cxxopts::value<std::string>())("tls-key", "", cxxopts::value<std::string>())(
      "listen", "", cxxopts::value<std::string>())("threads", "", cxxopts::value<std::string>())(
      "max-connections", "", cxxopts::value<std::string>())("reload-interval", "",
                                                            cxxopts::value<std::string>())(
      "log-format", "", cxxopts::value<std::string>())("log-level", "",
                                                       cxxopts::value<std::string>())("h,help", "");
  auto parsed = parse(options, args);
  if (!parsed) {
    return usage_error(err, kCmd, parsed.error());
  }
  const cxxopts::ParseResult& r = parsed->result;
  if (r.count("help") != 0) {
    out << kServeHelp;
    return kExitOk;
  }
  if (!parsed->positional.empty()) {
    return usage_error(err, kCmd, "unexpected argument '" + parsed->positional.front() + "'");
  }
  std::vector<std::string> paths = path_option(r);
  if (paths.empty()) {
    return usage_error(err, kCmd, "--sidecarsets is required");
  }
  ServerOptions server_options;
  auto cert = string_option(r, "tls-cert");
  auto key = string_option(r, "tls-key");
  if (!cert || !key) {
    return usage_error(err, kCmd, "--tls-cert and --tls-key are required");
  }
  server_options.cert_file = *cert;
  server_options.key_file = *key;
  server_options.listen = string_option(r, "listen").value_or(server_options.listen);
  auto threads = unsigned_option(r, "threads", 0);
  auto max_connections = unsigned_option(r, "max-connections", server_options.max_connections);
  auto interval = unsigned_option(r, "reload-interval", 2);
  for (const auto* v : {&threads, &max_connections, &interval}) {
    if (!*v) {
      return usage_error(err, kCmd, v->error());
    }
  }
  if (*threads > 1024) {
    return usage_error(err, kCmd, "--threads " + std::to_string(*threads) + " is above 1024");
  }
  if (*max_connections == 0) {
    return usage_error(err, kCmd, "--max-connections must be at least 1");
  }
  server_options.threads = static_cast<unsigned>(*threads);
  server_options.max_connections = static_cast<std::size_t>(*max_connections);
  if (auto listen = parse_listen_address(server_options.listen); !listen) {
    return usage_error(err, kCmd, listen.error().message);
  }
  auto format = parse_log_format(string_option(r, "log-format").value_or("text"));
  if (!format) {
    return usage_error(err, kCmd, format.error().message);
  }
  std::string level = string_option(r, "log-level").value_or("info");
  if (auto known = parse_log_level(level); !known) {
    return usage_error(err, kCmd, known.error().message);
  }

  init_logging(*format, level);
  // The baseline is taken before reading, so a change made while loading is reloaded later.
  std::string baseline = fingerprint(paths);
  auto loaded = load_world(paths, 1);
  if (!loaded) {
    for (const std::string& problem : loaded.error()) {
      log_event(spdlog::level::err, "sidecarset problem", {{"problem", problem}});
    }
    log_event(spdlog::level::critical, "cannot start: invalid SidecarSets",
              {{"problems", std::to_string(loaded.error().size())}});
    return kExitUsage;
  }
  for (const std::string& note : loaded->build.notes) {
    log_event(spdlog::level::info, "sidecarset source note", {{"note", note}});
  }
  log_event(spdlog::level::info, "sidecarsets loaded", count_fields(1, loaded->counts));

  WorldHolder holder(loaded->build.world);
  Server server(server_options, holder);
  if (auto started = server.start(); !started) {
    log_event(spdlog::level::critical, "cannot start: " + started.error().message);
    return kExitUsage;
  }
  Reloader reloader(paths, holder, std::move(baseline), loaded->digest,
                    std::chrono::seconds(*interval), log_reload);
  reloader.start();
  server.handle_signals();
  server.run();
  reloader.stop();
  log_event(spdlog::level::info, "stopped");
  return kExitOk;
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
            std::ostream& err) {
  if (args.empty()) {
    err << kMainHelp;
    return kExitUsage;
  }
  const std::string& command = args.front();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help") {
    out << kMainHelp;
    return kExitOk;
  }
  if (command == "help") {
    if (rest.empty()) {
      out << kMainHelp;
      return kExitOk;
    }
    return run_cli({rest.front(), "--help"}, in, out, err);
  }
  if (command == "--version" || command == "version") {
    out << kProgram << ' ' << version() << '\n';
    return kExitOk;
  }
  if (command == "inject") {
    return run_inject(rest, in, out, err);
  }
  if (command == "review") {
    return run_review(rest, in, out, err);
  }
  if (command == "validate") {
    return run_validate(rest, out, err);
  }
  if (command == "serve") {
    return run_serve(rest, out, err);
  }
  if (command.starts_with('-')) {
    return usage_error(err, "", "unknown option '" + command + "' (a command comes first)");
  }
  return usage_error(err, "", "unknown command '" + command + "'");
}

}  // namespace injector
