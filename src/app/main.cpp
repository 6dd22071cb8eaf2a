#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  int status = injector::run_cli(args, std::cin, std::cout, std::cerr);
  std::cout.flush();
  return status;
}
