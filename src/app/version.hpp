#pragma once

#include <string_view>

namespace injector {

/// The product version, from the CMake project version.
std::string_view version();

}  // namespace injector
