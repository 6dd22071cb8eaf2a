#pragma once
// A whole LIST read page by page (limit/continue, as client-go's pager), so that a caller that
// folds each page into counts holds one page at a time however large the collection.

#include <cstddef>
#include <functional>
#include <string_view>

#include "kube/rest.hpp"

namespace injector::kube {

/// What happens when a continue token expires mid-list (410 Expired: the list's snapshot was
/// compacted away). client-go's pager lists again in full, unpaginated (FullListIfExpired).
struct ExpiredList {
  /// Called before the full list with the 410 error: the pages handed so far are void (the
  /// caller starts its fold again). Without it, the 410 is returned as the error.
  std::function<void(const ApiError&)> restart;
};

/// Lists `r` in `ns` ("" = cluster-scoped or all namespaces) with `options` and `page_size`
/// items per page (0 = the server's choice, unpaginated), following continue tokens, and hands
/// every page to `on_page` in order. Returns the number of pages, or the first error. A
/// continue token that expires mid-list is the server's 410, returned as such unless
/// `expired.restart` is set: then that is called and the list is read again in one page.
ApiResult<std::size_t> list_pages(Rest& rest, const Resource& r, std::string_view ns,
                                  ListOptions options, std::size_t page_size,
                                  const std::function<void(ListPage&)>& on_page,
                                  const ExpiredList& expired = {});

}  // namespace injector::kube
