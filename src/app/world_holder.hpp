#pragma once
// The World in use, swapped atomically on reload; readers keep the snapshot they took.

#include <atomic>
#include <memory>

#include "injector/model/world.hpp"

namespace injector {

class WorldHolder {
 public:
  explicit WorldHolder(std::shared_ptr<const World> initial) : world_(std::move(initial)) {}

  std::shared_ptr<const World> get() const { return world_.load(std::memory_order_acquire); }
  void set(std::shared_ptr<const World> next) {
    world_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const World>> world_;
};

}  // namespace injector
