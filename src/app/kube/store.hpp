#pragma once
// An informer's in-memory copy of one resource: objects by key (`namespace/name`, or `name` for
// cluster-scoped ones), shared as immutable JSON. Written by the informer on the client's I/O
// thread, read from any thread (the World builder, a controller's workers).

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"

namespace injector::kube {

using ObjectPtr = std::shared_ptr<const Json>;

class Store {
 public:
  /// `namespace/name`, or `name` when the object has no namespace (client-go's
  /// MetaNamespaceKeyFunc).
  static std::string key_of(const Json& object);

  ObjectPtr get(std::string_view key) const;
  /// Every object, in key order.
  std::vector<ObjectPtr> list() const;
  std::size_t size() const;

  /// Inserts or replaces; returns the previous object (nullptr when new).
  ObjectPtr put(ObjectPtr object);
  /// Removes `key`; returns the removed object (nullptr when absent).
  ObjectPtr erase(const std::string& key);

  /// What replace() changed, for the informer's handlers.
  struct Delta {
    std::vector<ObjectPtr> added;
    std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;  // old, new
    std::vector<ObjectPtr> deleted;
  };
  /// Swaps in the result of a list. An object kept with the same resourceVersion is neither
  /// added nor updated.
  Delta replace(std::map<std::string, ObjectPtr> objects);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, ObjectPtr, std::less<>> items_;
};

}  // namespace injector::kube
