#include "kube/rest.hpp"

#include "injector/wire/json_access.hpp"
#include "injector/wire/json_parse.hpp"

namespace injector::kube {

std::string_view content_type_of(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

ApiResult<Json> Rest::call(std::string method, std::string target, std::string body,
                           std::string content_type) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  request.content_type = std::move(content_type);
  const std::string what = request.method + " " + request.target;
  auto response = client_.request(std::move(request));
  if (!response) {
    return std::unexpected(std::move(response.error()));
  }
  auto parsed = parse_json(response->body);
  if (!parsed) {
    return std::unexpected(ApiError{
        {}, what + ": answer is not JSON (byte " + std::to_string(parsed.error().byte) + ")"});
  }
  return std::move(*parsed);
}

ApiResult<Json> Rest::get(const Resource& r, std::string_view ns, std::string_view name,
                          std::string_view subresource) {
  return call("GET", resource_path(r, ns, name, subresource), "", "");
}

ApiResult<ListPage> Rest::list(const Resource& r, std::string_view ns, const ListOptions& options) {
  HttpRequest request;
  request.target = resource_path(r, ns) + query_string(options);
  const std::string what = "GET " + request.target;
  auto response = client_.request(std::move(request));
  if (!response) {
    return std::unexpected(std::move(response.error()));
  }
  auto page = decode_list(response->body, r.kind, r.api_version());
  if (!page) {
    return std::unexpected(ApiError{{}, what + ": " + page.error().message});
  }
  return std::move(*page);
}

ApiResult<Json> Rest::create(const Resource& r, std::string_view ns, const Json& object) {
  return call("POST", resource_path(r, ns), object.dump(), "application/json");
}

ApiResult<Json> Rest::update(const Resource& r, std::string_view ns, const Json& object,
                             std::string_view subresource) {
  const std::string name = member_string(member(object, "metadata"), "name");
  return call("PUT", resource_path(r, ns, name, subresource), object.dump(), "application/json");
}

ApiResult<Json> Rest::patch(const Resource& r, std::string_view ns, std::string_view name,
                            PatchType type, std::string_view patch, std::string_view subresource) {
  return call("PATCH", resource_path(r, ns, name, subresource), std::string(patch),
              std::string(content_type_of(type)));
}

ApiResult<void> Rest::remove(const Resource& r, std::string_view ns, std::string_view name,
                             const DeletePreconditions& preconditions) {
  std::string body;
  if (!preconditions.uid.empty() || !preconditions.resource_version.empty()) {
    Json options = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
    if (!preconditions.uid.empty()) {
      options["preconditions"]["uid"] = preconditions.uid;
    }
    if (!preconditions.resource_version.empty()) {
      options["preconditions"]["resourceVersion"] = preconditions.resource_version;
    }
    body = options.dump();
  }
  auto result =
      call("DELETE", resource_path(r, ns, name), body, body.empty() ? "" : "application/json");
  if (!result) {
    return std::unexpected(std::move(result.error()));
  }
  return {};
}

}  // namespace injector::kube
