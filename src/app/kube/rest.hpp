#pragma once
// Typed REST verbs over the Client, as a controller uses them: get, list (one page), create,
// update (PUT, also of the status subresource), patch (JSON merge, JSON patch or strategic
// merge) and delete with preconditions. Blocking: call them from a worker thread, never from the
// client's I/O thread (informers use the asynchronous client directly).

#include <optional>
#include <string>
#include <string_view>

#include "injector/json.hpp"
#include "kube/client.hpp"
#include "kube/resource.hpp"
#include "kube/wire.hpp"

namespace injector::kube {

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kJson,            // application/json-patch+json (RFC 6902)
  kStrategicMerge,  // application/strategic-merge-patch+json (built-in kinds only)
};

/// The Content-Type of a patch type.
std::string_view content_type_of(PatchType type);

/// Preconditions of a delete (metav1.Preconditions): the call fails with 409 when they no longer
/// hold.
struct DeletePreconditions {
  std::string uid;
  std::string resource_version;
};

class Rest {
 public:
  explicit Rest(Client& client) : client_(client) {}

  ApiResult<Json> get(const Resource& r, std::string_view ns, std::string_view name,
                      std::string_view subresource = {});
  ApiResult<ListPage> list(const Resource& r, std::string_view ns, const ListOptions& options);
  ApiResult<Json> create(const Resource& r, std::string_view ns, const Json& object);
  /// PUT of `object` (its metadata.name and resourceVersion: a stale one is a 409 Conflict).
  ApiResult<Json> update(const Resource& r, std::string_view ns, const Json& object,
                         std::string_view subresource = {});
  ApiResult<Json> patch(const Resource& r, std::string_view ns, std::string_view name,
                        PatchType type, std::string_view patch, std::string_view subresource = {});
  ApiResult<void> remove(const Resource& r, std::string_view ns, std::string_view name,
                         const DeletePreconditions& preconditions = {});

 private:
  ApiResult<Json> call(std::string method, std::string target, std::string body,
                       std::string content_type);
  Client& client_;
};

}  // namespace injector::kube
