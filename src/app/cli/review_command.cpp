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
      "strict", "")("h,help", "");
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
  std::shared_ptr<const World> world =
      load_or_report(paths, err, BuildOptions{r.count("strict") != 0});
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

}  // namespace injector::cli
