#include "kube/store.hpp"

#include "injector/wire/json_access.hpp"

namespace injector::kube {
namespace {

std::string resource_version(const ObjectPtr& o) {
  return member_string(member(*o, "metadata"), "resourceVersion");
}

}  // namespace

std::string Store::key_of(const Json& object) {
  const Json& meta = member(object, "metadata");
  const std::string ns = member_string(meta, "namespace");
  const std::string name = member_string(meta, "name");
  return ns.empty() ? name : ns + "/" + name;
}

ObjectPtr Store::get(std::string_view key) const {
  const std::lock_guard lock(mutex_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::list() const {
  const std::lock_guard lock(mutex_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, object] : items_) {
    out.push_back(object);
  }
  return out;
}

std::size_t Store::size() const {
  const std::lock_guard lock(mutex_);
  return items_.size();
}

ObjectPtr Store::put(ObjectPtr object) {
  std::string key = key_of(*object);
  const std::lock_guard lock(mutex_);
  auto& slot = items_[std::move(key)];
  return std::exchange(slot, std::move(object));
}

ObjectPtr Store::erase(const std::string& key) {
  const std::lock_guard lock(mutex_);
  auto it = items_.find(key);
  if (it == items_.end()) {
    return nullptr;
  }
  ObjectPtr removed = std::move(it->second);
  items_.erase(it);
  return removed;
}

Store::Delta Store::replace(std::map<std::string, ObjectPtr> objects) {
  Delta delta;
  const std::lock_guard lock(mutex_);
  for (const auto& [key, object] : objects) {
    auto it = items_.find(key);
    if (it == items_.end()) {
      delta.added.push_back(object);
    } else if (resource_version(it->second) != resource_version(object)) {
      delta.updated.emplace_back(it->second, object);
    }
  }
  for (const auto& [key, object] : items_) {
    if (!objects.contains(key)) {
      delta.deleted.push_back(object);
    }
  }
  items_ = std::map<std::string, ObjectPtr, std::less<>>(std::make_move_iterator(objects.begin()),
                                                         std::make_move_iterator(objects.end()));
  return delta;
}

}  // namespace injector::kube
