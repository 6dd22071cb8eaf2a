#include "version.hpp"

namespace injector {

std::string_view version() { return INJECTOR_VERSION; }

}  // namespace injector
