#pragma once
// API resources and request targets: group/version/resource, paths and list/watch query
// parameters as kube-apiserver reads them. Pure.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace injector::kube {

/// A REST resource: group/version/resource and the kind of its objects.
struct Resource {
  std::string group;    // "" for the core group
  std::string version;  // "v1", "v1beta1"
  std::string plural;   // "sidecarsets"
  std::string kind;     // "SidecarSet"
  bool namespaced = false;

  /// "v1" or "apps.kruise.io/v1beta1".
  std::string api_version() const;
  /// "sidecarsets.apps.kruise.io/v1beta1", "namespaces/v1": for logs and /readyz.
  std::string describe() const;
};

// The resources the server reads, and those an upgrade controller writes.
Resource sidecarsets(std::string_view version);  // apps.kruise.io, cluster-scoped
Resource namespaces();
Resource controller_revisions();
Resource pods();
Resource leases();

/// `/api/v1/namespaces/NS/pods/NAME/status`, `/apis/G/V/RESOURCE[/NAME]` (cluster-scoped, or all
/// namespaces when `ns` is empty). Names are path-escaped.
std::string resource_path(const Resource& r, std::string_view ns, std::string_view name = {},
                          std::string_view subresource = {});

/// metav1.ListOptions as query parameters (only what is set).
struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;
  std::string continue_token;
  std::size_t limit = 0;
  bool watch = false;
  bool allow_watch_bookmarks = false;
  std::optional<std::chrono::seconds> timeout;  // timeoutSeconds (server side)
};

/// `?limit=500&continue=...` (percent-encoded, fixed order); "" when nothing is set.
std::string query_string(const ListOptions& options);

/// Percent-encoding of a query value (RFC 3986 unreserved characters kept).
std::string query_escape(std::string_view value);

}  // namespace injector::kube
