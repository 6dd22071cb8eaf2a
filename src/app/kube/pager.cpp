#include "kube/pager.hpp"

#include <utility>

namespace injector::kube {

ApiResult<std::size_t> list_pages(Rest& rest, const Resource& r, std::string_view ns,
                                  ListOptions options, std::size_t page_size,
                                  const std::function<void(ListPage&)>& on_page,
                                  const ExpiredList& expired) {
  const std::string resource_version = options.resource_version;
  options.limit = page_size;
  options.continue_token.clear();
  std::size_t pages = 0;
  bool full_list = false;
  while (true) {
    auto page = rest.list(r, ns, options);
    if (!page) {
      const bool continued = !options.continue_token.empty();
      if (continued && page.error().status.code == 410 && expired.restart && !full_list) {
        // pager.go: "if the resource version has expired, fall back to a full list".
        expired.restart(page.error());
        full_list = true;
        pages = 0;
        options.limit = 0;
        options.continue_token.clear();
        options.resource_version = resource_version;
        continue;
      }
      return std::unexpected(std::move(page.error()));
    }
    ++pages;
    std::string next = std::move(page->continue_token);
    on_page(*page);
    if (next.empty()) {
      return pages;
    }
    // The continue token carries the list's snapshot; resourceVersion must not be sent with it.
    options.resource_version.clear();
    options.continue_token = std::move(next);
  }
}

}  // namespace injector::kube
