#pragma once
// Hot-upgrade sidecars on the webhook side (§4): one spec container becomes a working/empty pair.

#include <map>
#include <string>
#include <string_view>

#include "injector/json.hpp"

namespace injector {

inline constexpr std::string_view kVersionAnnotationPrefix = "version.sidecarset.kruise.io/";
inline constexpr std::string_view kVersionAltAnnotationPrefix = "versionalt.sidecarset.kruise.io/";

/// `version.sidecarset.kruise.io/<container>`.
std::string version_annotation(std::string_view container);
/// `versionalt.sidecarset.kruise.io/<container>`.
std::string version_alt_annotation(std::string_view container);

/// The pair injected for a HotUpgrade container (already merged: env, mounts, resources).
struct HotUpgradePair {
  Json working;                                    // `<name>-1`, the real image
  Json empty;                                      // `<name>-2`, `hotUpgradeEmptyImage`
  std::map<std::string, std::string> annotations;  // version/versionalt of both
};

/// injectHotUpgradeContainers: two copies named `<name>-1`/`<name>-2`, the second with
/// `empty_image`; each gets SIDECARSET_VERSION and SIDECARSET_VERSION_ALT appended as downward-API
/// envs (fieldRef without apiVersion, as upstream writes them) reading its own version
/// annotations; `-1` starts as version "1"/alt "0", `-2` as "0"/"1".
HotUpgradePair hot_upgrade_pair(const Json& container, std::string_view empty_image);

}  // namespace injector
