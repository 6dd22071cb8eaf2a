#include "kube/pager.hpp"

#include <utility>

namespace injector::kube {

ApiResult<std::size_t> list_pages(Rest& rest, const Resource& r, std::string_view ns,
                                  ListOptions options, std::size_t page_size,
                                  const std::function<void(ListPage&)>& on_page) {
  options.limit = page_size;
  options.continue_token.clear();
  std::size_t pages = 0;
  while (true) {
    auto page = rest.list(r, ns, options);
    if (!page) {
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
