#pragma once
// Runs the real `sidecarset-injector` binary for the CLI tests: arguments, stdin, exit status,
// stdout and stderr.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

extern char** environ;

namespace cli_test {

inline const std::string kBin = INJECTOR_BIN;
inline const std::string kSrc = INJECTOR_SOURCE_DIR;
inline const std::string kCli = kSrc + "/fixtures/cli";
inline const std::string kVersion = INJECTOR_VERSION;

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string scratch(const std::string& name) {
  std::filesystem::path dir =
      std::filesystem::path(INJECTOR_BINARY_DIR) / "scratch" / "cli_test" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline void write(const std::string& path, std::string_view text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::vector<char*> argv_of(const std::vector<std::string>& args,
                                  std::vector<std::string>& store) {
  store.clear();
  store.push_back(kBin);
  store.insert(store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : store) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);
  return argv;
}

// Runs the binary with `stdin_text` on its stdin; stdout and stderr go through files, so no pipe
// can fill up and block it.
inline Run run(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  static int counter = 0;  // per test executable; the pid keeps executables apart
  // ctest runs test cases as parallel processes: the pid keeps their scratch apart.
  std::string dir = scratch("run-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  write(dir + "/in", stdin_text);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, (dir + "/in").c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (dir + "/out").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (dir + "/err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> store;
  std::vector<char*> argv = argv_of(args, store);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, kBin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  Run r;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = slurp(dir + "/out");
  r.err = slurp(dir + "/err");
  return r;
}

inline std::string usage(const std::string& command, const std::string& message) {
  std::string who = command.empty() ? "sidecarset-injector" : "sidecarset-injector " + command;
  return who + ": " + message + "\nRun '" + who + " --help' for usage.\n";
}

}  // namespace cli_test
