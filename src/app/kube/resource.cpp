#include "kube/resource.hpp"

namespace injector::kube {
namespace {

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string escape(std::string_view value, bool path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    // In a path segment ':' '@' and the sub-delims may stay; object names never need more.
    if (unreserved(c) || (path && (c == ':' || c == '@'))) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
  return out;
}

void add(std::string& out, std::string_view key, std::string_view value) {
  out += out.empty() ? '?' : '&';
  out += key;
  out += '=';
  out += escape(value, false);
}

}  // namespace

std::string Resource::api_version() const {
  return group.empty() ? version : group + "/" + version;
}

std::string Resource::describe() const {
  return (group.empty() ? plural : plural + "." + group) + "/" + version;
}

Resource sidecarsets(std::string_view version) {
  return {"apps.kruise.io", std::string(version), "sidecarsets", "SidecarSet", false};
}
Resource namespaces() { return {"", "v1", "namespaces", "Namespace", false}; }
Resource controller_revisions() {
  return {"apps", "v1", "controllerrevisions", "ControllerRevision", true};
}
Resource pods() { return {"", "v1", "pods", "Pod", true}; }
Resource leases() { return {"coordination.k8s.io", "v1", "leases", "Lease", true}; }

std::string resource_path(const Resource& r, std::string_view ns, std::string_view name,
                          std::string_view subresource) {
  std::string out = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (r.namespaced && !ns.empty()) {
    out += "/namespaces/" + escape(ns, true);
  }
  out += "/" + r.plural;
  if (!name.empty()) {
    out += "/" + escape(name, true);
    if (!subresource.empty()) {
      out += "/" + std::string(subresource);
    }
  }
  return out;
}

std::string query_string(const ListOptions& o) {
  std::string out;
  if (!o.label_selector.empty()) {
    add(out, "labelSelector", o.label_selector);
  }
  if (!o.field_selector.empty()) {
    add(out, "fieldSelector", o.field_selector);
  }
  if (o.limit != 0) {
    add(out, "limit", std::to_string(o.limit));
  }
  if (!o.continue_token.empty()) {
    add(out, "continue", o.continue_token);
  }
  if (o.watch) {
    add(out, "watch", "true");
  }
  if (!o.resource_version.empty()) {
    add(out, "resourceVersion", o.resource_version);
  }
  if (o.allow_watch_bookmarks) {
    add(out, "allowWatchBookmarks", "true");
  }
  if (o.timeout) {
    add(out, "timeoutSeconds", std::to_string(o.timeout->count()));
  }
  return out;
}

std::string query_escape(std::string_view value) { return escape(value, false); }

}  // namespace injector::kube
