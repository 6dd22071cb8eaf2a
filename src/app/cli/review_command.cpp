// `sidecarset-injector review`.

#include "cli/commands.hpp"

#include <iostream>
#include <string>

#include "cli/options.hpp"
#include "injector/review.hpp"
#include "server/server.hpp"

namespace injector::cli {
namespace {

constexpr std::string_view kReviewHelp = R"(Usage:
  sidecarset-injector review --sidecarsets PATH... [-f FILE|-] [--seed N] [--now TIME]

Reads one AdmissionReview request (JSON, as the API server posts it) and prints the
AdmissionReview response exactly as 'serve' would send it: the same decoding, skips, injection,
JSONPatch and error answers, byte for byte (no trailing newline). The response's warnings (what
kubectl prints as "Warning: ...") are also printed on stderr, one a line. Every request gets a review,
however broken (an unreadable one is answered allowed: false with status 400, as the server
does), and the exit status says which answer it is.

Exit status: 0 allowed (patched or not), 1 denied: the pod would be refused (OpenKruise
answers that with status 500), 2 usage error, unreadable input or invalid SidecarSets, 3 an
error answer to a request that could not be read (status 400, 413 or 415).

Options:
  --sidecarsets PATH     SidecarSet file or directory (repeat, or separate with commas); required
  -f, --file FILE        the AdmissionReview request; '-' reads stdin (default -)
  --seed N               seed for injectionStrategy.revision Partial rollouts (default: random)
  --now TIME             RFC 3339 time for the hash annotations' updateTimestamp (default: the
                         clock; also $SIDECARSET_INJECTOR_NOW), for reproducible output
  -R, --recursive        read --sidecarsets directories recursively
  --strict               unknown and duplicate SidecarSet fields are errors, not warnings
  -h, --help             show this help

Example:
  sidecarset-injector review --sidecarsets examples/sidecarsets -f fixtures/reviews/create-v1.json
)";

}  // namespace

int run_review(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
               std::ostream& err) {
  constexpr std::string_view kCmd = "review";
  cxxopts::Options options("sidecarset-injector review");
  options.add_options()("sidecarsets", "", cxxopts::value<std::vector<std::string>>())(
      "f,file", "", cxxopts::value<std::string>())("seed", "", cxxopts::value<std::string>())(
      "now", "", cxxopts::value<std::string>())("R,recursive", "")("strict", "")("h,help", "");
  auto command = parse_engine_command(options, args, kCmd, kReviewHelp, out, err);
  if (!command) {
    return command.error();
  }
  const cxxopts::ParseResult& r = command->result;
  const std::vector<std::string>& paths = command->paths;
  auto engine = engine_options(r, kCmd, err);
  if (!engine) {
    return engine.error();
  }
  std::shared_ptr<const World> world =
      load_or_report(paths, err, BuildOptions{r.count("strict") != 0}, r.count("recursive") != 0);
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
  ReviewOutcome outcome = review(*world, request, *engine);
  out << outcome.body;
  // The response's warnings, as kubectl would show them to the pod's author.
  for (const std::string& w : outcome.log.warnings) {
    err << "warning: " << w << '\n';
  }
  // OpenKruise refuses a pod it cannot inject with admission.Errored(500); what the server
  // answers with 400, 413 or 415 is a request it could not read.
  const Json answer = Json::parse(outcome.body, nullptr, false);
  const Json* response =
      answer.is_object() && answer.contains("response") ? &answer["response"] : nullptr;
  if (response != nullptr && response->value("allowed", false)) {
    return kExitOk;
  }
  const bool refused_pod = response != nullptr && response->contains("status") &&
                           (*response)["status"].value("code", 0) == 500;
  return refused_pod ? kExitDenied : kExitErrored;
}

}  // namespace injector::cli
