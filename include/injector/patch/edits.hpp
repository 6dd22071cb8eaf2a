#pragma once
// A sparse set of member assignments to a JSON document, diffed without copying the document.
//
// Injection changes a handful of members of a pod (its annotations, containers, volumes ...).
// Copying the whole pod, assigning into the copy and diffing the two walks every byte of the pod
// three times; Edits records only the assignments, and diff() visits only the members they touch,
// producing exactly the ops that diff(doc, apply(doc)) would.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "injector/json.hpp"

namespace injector {

class Edits {
 public:
  Edits();
  ~Edits();
  Edits(Edits&&) noexcept;
  Edits& operator=(Edits&&) noexcept;

  /// Records `doc[path[0]][path[1]]... = value`, as Json's operator[] would do it on a copy of the
  /// document: a missing or null object on the way becomes an object; members new to an object go
  /// after its existing ones, in the order they were first assigned. A later assignment to the
  /// same or an enclosing path replaces the earlier one. `path` must not be empty; every object
  /// on the way in the document must be an object or null (the pod checks guarantee it).
  void set(std::initializer_list<std::string_view> path, Json value);

  /// One element of an array rebuilt by set_array(): an element of the document's own array
  /// (`from` its index), kept as it is or `replaced` by `value`, or a new `value` (`from` npos).
  struct Element {
    std::size_t from = npos;
    bool replaced = false;
    Json value;
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// Records that the array at `path` becomes `elements`. Unlike set(), the document's elements
  /// that are kept are neither copied nor compared by diff(): a pod's own containers stay where
  /// they are while sidecars are added around them. Indexes refer to the document's array at
  /// `path`; when there is none, only new elements may be given.
  void set_array(std::initializer_list<std::string_view> path, std::vector<Element> elements);

  bool empty() const;

  /// Whether applying the edits changes `doc` as Json's operator!= sees it (member order counts,
  /// unlike diff(), which compares as RFC 6902 does).
  bool changes(const Json& doc) const;

  /// The RFC 6902 ops that diff(doc, applied) returns, where `applied` is `doc` with the edits
  /// applied; members the edits do not touch are not visited.
  Json diff(const Json& doc) const;

  /// Applies the edits to `doc`.
  void apply(Json& doc) const;

  struct Node;

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace injector
