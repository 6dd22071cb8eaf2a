#include "release_memory.hpp"

#include <malloc.h>

// Defined only when mimalloc is linked (the server binary); null otherwise (tests, sanitizers).
extern "C" void mi_collect(bool force) __attribute__((weak));

namespace injector {

void release_free_memory() {
  if (mi_collect != nullptr) {
    mi_collect(true);
  } else {
    malloc_trim(0);
  }
}

}  // namespace injector
