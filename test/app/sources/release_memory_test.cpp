// release_free_memory: what a load freed goes back to the operating system.

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "release_memory.hpp"

// Sanitizer runtimes keep freed blocks in their own quarantine, out of malloc_trim's reach: the
// case exists only in builds without one (the dev build of the README's test command).
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)

namespace {

long rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

}  // namespace

TEST_CASE("release_free_memory returns the pages of freed small blocks") {
  // 48 MiB in 256-byte blocks, as a load's JSON nodes; one block allocated after them keeps the
  // freed space from being the top of the heap, which free() alone would give back.
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 192 * 1024; ++i) {
    blocks.emplace_back(new char[256]);
    std::fill_n(blocks.back().get(), 256, static_cast<char>(i));
  }
  auto pin = std::make_unique<char[]>(256);
  pin[0] = 1;
  blocks.clear();
  blocks.shrink_to_fit();
  const long before = rss_kib();
  REQUIRE(before > 0);
  injector::release_free_memory();
  const long after = rss_kib();
  INFO("RSS " << before << " KiB before, " << after << " KiB after");
  CHECK(before - after > 24 * 1024);
}
#endif
