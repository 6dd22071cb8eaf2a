#pragma once
// for_each_index: f(0) .. f(n-1) spread over up to `threads` threads (the caller's included), in
// contiguous slices. Each f(i) must touch only what belongs to i, so results do not depend on the
// thread count. An exception thrown by f is rethrown here after every slice has finished.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace injector {

template <class F>
void for_each_index(std::size_t n, unsigned threads, F&& f) {
  // Below this many items per thread, starting a thread costs more than it saves.
  constexpr std::size_t kMinPerThread = 256;
  const std::size_t slices =
      std::clamp<std::size_t>(std::min<std::size_t>(threads, n / kMinPerThread), 1, 64);
  if (slices == 1) {
    for (std::size_t i = 0; i < n; ++i) {
      f(i);
    }
    return;
  }
  std::vector<std::exception_ptr> errors(slices);
  auto run = [&](std::size_t s) {
    try {
      for (std::size_t i = n * s / slices; i < n * (s + 1) / slices; ++i) {
        f(i);
      }
    } catch (...) {
      errors[s] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> workers;
    workers.reserve(slices - 1);
    for (std::size_t s = 1; s < slices; ++s) {
      workers.emplace_back(run, s);
    }
    run(0);
  }
  for (const auto& e : errors) {
    if (e) {
      std::rethrow_exception(e);
    }
  }
}

}  // namespace injector
