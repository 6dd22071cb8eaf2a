#pragma once
// A whole LIST read page by page (limit/continue, as client-go's pager), so that a caller that
// folds each page into counts holds one page at a time however large the collection.

#include <cstddef>
#include <functional>
#include <string_view>

#include "kube/rest.hpp"

namespace injector::kube {

/// Lists `r` in `ns` ("" = cluster-scoped or all namespaces) with `options` and `page_size`
/// items per page (0 = the server's choice, unpaginated), following continue tokens, and hands
/// every page to `on_page` in order. Returns the number of pages, or the first error (a
/// continue token that expired mid-list is the server's 410, returned as such).
ApiResult<std::size_t> list_pages(Rest& rest, const Resource& r, std::string_view ns,
                                  ListOptions options, std::size_t page_size,
                                  const std::function<void(ListPage&)>& on_page);

}  // namespace injector::kube
