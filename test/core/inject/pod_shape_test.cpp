// check_unique_names: which additions leave two containers of one name in the pod. The type
// checks of check_pod_shape and no_app_containers are covered by pod_types_test.cpp.

#include "injector/inject/pod_shape.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace injector {
namespace {

constexpr std::string_view kUnique =
    "; container names must be unique across initContainers and containers";

TEST_CASE("check_unique_names refuses additions that duplicate a container name") {
  struct Case {
    std::string name;
    std::string spec;
    std::vector<AddedContainer> added;
    std::string message;  // "" when allowed
  };
  const std::string app_envoy = R"({"containers":[{"name":"app"},{"name":"envoy"}]})";
  const std::vector<Case> cases = {
      {"an init sidecar named like an app container",
       app_envoy,
       {{"envoy", true, "mesh"}},
       R"(sidecarset "mesh": init container "envoy" would duplicate the pod's spec.containers[1])"},
      {"a sidecar named like an app init container",
       R"({"initContainers":[{"name":"setup"}],"containers":[{"name":"app"}]})",
       {{"setup", false, "mesh"}},
       R"(sidecarset "mesh": container "setup" would duplicate the pod's spec.initContainers[0])"},
      {"the same name as init container and container of two SidecarSets",
       R"({"containers":[{"name":"app"}]})",
       {{"envoy", true, "a"}, {"envoy", false, "b"}},
       R"(sidecarset "b": container "envoy" would duplicate the init container "envoy" of )"
       R"(sidecarset "a")"},
      {"the same container name from two SidecarSets, not in the pod",
       R"({"containers":[{"name":"app"}]})",
       {{"agent", false, "a"}, {"agent", false, "b"}},
       R"(sidecarset "b": container "agent" would duplicate the container "agent" of )"
       R"(sidecarset "a")"},
      {"a hot pair's name held by an app init container",
       R"({"initContainers":[{"name":"envoy-2"}],"containers":[{"name":"app"}]})",
       {{"envoy-1", false, "mesh"}, {"envoy-2", false, "mesh"}},
       R"(sidecarset "mesh": container "envoy-2" would duplicate the pod's )"
       R"(spec.initContainers[0])"},
      {"a same-list, same-name container is replaced in place",
       app_envoy,
       {{"envoy", false, "mesh"}, {"envoy", false, "other"}},
       ""},
      {"an init sidecar replacing the pod's init container of that name",
       R"({"initContainers":[{"name":"mesh-init"}],"containers":[{"name":"app"}]})",
       {{"mesh-init", true, "mesh"}},
       ""},
      {"a clash the pod already had is not reported",
       R"({"initContainers":[{"name":"envoy"}],"containers":[{"name":"envoy"}]})",
       {{"envoy", true, "mesh"}, {"envoy", false, "mesh"}},
       ""},
      {"distinct names", app_envoy, {{"proxy", true, "mesh"}, {"log-agent", false, "mesh"}}, ""},
      {"no containers in the pod at all", "{}", {{"agent", false, "a"}}, ""},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      auto r = check_unique_names(Json::parse(c.spec), c.added);
      if (c.message.empty()) {
        CHECK(r.has_value());
      } else {
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == "duplicate_container_name");
        CHECK(r.error().message == c.message + std::string(kUnique));
      }
    }
  }
}

}  // namespace
}  // namespace injector
