#pragma once
// The World in use, swapped on reload; readers keep the snapshot they took.

#include <memory>

#include "injector/model/world.hpp"
#include "shared_snapshot.hpp"

namespace injector {

class WorldHolder {
 public:
  explicit WorldHolder(std::shared_ptr<const World> initial) : world_(std::move(initial)) {}

  std::shared_ptr<const World> get() const { return world_.load(); }
  void set(std::shared_ptr<const World> next) { world_.store(std::move(next)); }

 private:
  SharedSnapshot<World> world_;
};

}  // namespace injector
