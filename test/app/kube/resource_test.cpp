// Request targets: resource paths and list/watch query strings; the informer store.

#include "kube/resource.hpp"

#include <catch2/catch.hpp>

#include "kube/store.hpp"

using namespace std::chrono_literals;
using injector::Json;
using namespace injector::kube;

TEST_CASE("resource paths for core, grouped, namespaced and cluster-scoped resources") {
  struct Case {
    Resource r;
    std::string ns, name, sub, path;
  };
  const std::vector<Case> cases = {
      {namespaces(), "", "", "", "/api/v1/namespaces"},
      {namespaces(), "ignored", "shop", "", "/api/v1/namespaces/shop"},
      {pods(), "shop", "", "", "/api/v1/namespaces/shop/pods"},
      {pods(), "", "", "", "/api/v1/pods"},
      {pods(), "shop", "web-1", "status", "/api/v1/namespaces/shop/pods/web-1/status"},
      {sidecarsets("v1beta1"), "", "log agent", "",
       "/apis/apps.kruise.io/v1beta1/sidecarsets/log%20agent"},
      {sidecarsets("v1alpha1"), "", "mesh", "status",
       "/apis/apps.kruise.io/v1alpha1/sidecarsets/mesh/status"},
      {controller_revisions(), "kruise-system", "", "",
       "/apis/apps/v1/namespaces/kruise-system/controllerrevisions"},
      {leases(), "kube-system", "injector", "",
       "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/injector"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.path) { CHECK(resource_path(c.r, c.ns, c.name, c.sub) == c.path); }
  }
  CHECK(sidecarsets("v1beta1").describe() == "sidecarsets.apps.kruise.io/v1beta1");
  CHECK(namespaces().describe() == "namespaces/v1");
  CHECK(controller_revisions().api_version() == "apps/v1");
  CHECK(pods().api_version() == "v1");
}

TEST_CASE("list and watch query strings") {
  ListOptions list;
  CHECK(query_string(list).empty());
  list.limit = 500;
  list.continue_token = "eyJ2Ijoi+/=";
  list.label_selector = "kruise.io/sidecarset-name";
  CHECK(query_string(list) ==
        "?labelSelector=kruise.io%2Fsidecarset-name&limit=500&continue=eyJ2Ijoi%2B%2F%3D");
  ListOptions watch;
  watch.watch = true;
  watch.resource_version = "123";
  watch.allow_watch_bookmarks = true;
  watch.timeout = 417s;
  watch.field_selector = "metadata.name=a";
  CHECK(query_string(watch) ==
        "?fieldSelector=metadata.name%3Da&watch=true&resourceVersion=123&allowWatchBookmarks=true"
        "&timeoutSeconds=417");
}

namespace {

ObjectPtr obj(const std::string& ns, const std::string& name, const std::string& rv) {
  Json o = {{"metadata", {{"name", name}, {"resourceVersion", rv}}}};
  if (!ns.empty()) {
    o["metadata"]["namespace"] = ns;
  }
  return std::make_shared<const Json>(std::move(o));
}

std::vector<std::string> keys(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) {
    out.push_back(Store::key_of(*o) + "@" + (*o)["metadata"]["resourceVersion"].get<std::string>());
  }
  return out;
}

}  // namespace

TEST_CASE("store: put, get, erase, list in key order") {
  Store s;
  CHECK(s.put(obj("b", "x", "1")) == nullptr);
  CHECK(s.put(obj("", "a", "2")) == nullptr);
  auto old = s.put(obj("b", "x", "3"));
  REQUIRE(old != nullptr);
  CHECK((*old)["metadata"]["resourceVersion"] == "1");
  CHECK(keys(s.list()) == std::vector<std::string>{"a@2", "b/x@3"});
  CHECK(s.get("b/x") != nullptr);
  CHECK(s.get("x") == nullptr);
  CHECK(s.erase("b/x") != nullptr);
  CHECK(s.erase("b/x") == nullptr);
  CHECK(s.size() == 1);
}

TEST_CASE("store: replace reports what a relist changed") {
  Store s;
  s.put(obj("", "kept", "1"));
  s.put(obj("", "changed", "1"));
  s.put(obj("", "gone", "1"));
  std::map<std::string, ObjectPtr> listed = {{"kept", obj("", "kept", "1")},
                                             {"changed", obj("", "changed", "5")},
                                             {"new", obj("", "new", "6")}};
  const auto delta = s.replace(std::move(listed));
  CHECK(keys(delta.added) == std::vector<std::string>{"new@6"});
  REQUIRE(delta.updated.size() == 1);
  CHECK(keys({delta.updated[0].first, delta.updated[0].second}) ==
        std::vector<std::string>{"changed@1", "changed@5"});
  CHECK(keys(delta.deleted) == std::vector<std::string>{"gone@1"});
  CHECK(keys(s.list()) == std::vector<std::string>{"changed@5", "kept@1", "new@6"});
}
