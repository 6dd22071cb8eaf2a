#pragma once
// Json -> YAML text for `inject -o yaml`, in the block style kubectl prints.

#include <string>

#include "injector/json.hpp"

namespace injector {

/// One YAML document (no `---`), keys in the document's order, ending in a newline. Strings a
/// YAML 1.1 or 1.2 reader could take for anything but the same string (`"true"`, `"yes"`, `"1.0"`,
/// `"~"`, leading or trailing spaces, `: ` or ` #` inside, control characters, ...) are written
/// double-quoted with JSON escapes, which YAML double-quoted scalars accept; multi-line strings
/// without such hazards become literal blocks. Reading the text back gives the same document.
std::string to_yaml(const Json& doc);

}  // namespace injector
