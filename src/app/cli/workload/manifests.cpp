#include "cli/workload/manifests.hpp"

#include <filesystem>
#include <iostream>
#include <system_error>
#include <utility>

#include "cli/options.hpp"
#include "cli/yaml_out.hpp"
#include "injector/model/load.hpp"
#include "injector/wire/json_access.hpp"
#include "injector/workload/workload.hpp"
#include "sources/sources.hpp"

namespace injector::cli {
namespace {

bool is_list(const Json& doc) {
  return doc.is_object() && member_string(doc, "kind").ends_with("List") &&
         member(doc, "items").is_array();
}

std::string kind_of(const Json& object) {
  const std::string kind = member_string(object, "kind");
  return kind.empty() ? std::string("Pod") : kind;
}

// The name, or a pod's generateName when it has no name yet.
std::string name_of(const Json& object) {
  const Json& metadata = member(object, "metadata");
  std::string name = member_string(metadata, "name");
  return name.empty() ? member_string(metadata, "generateName") : name;
}

// A typed list's items may omit kind and apiVersion (the API server's answers do): they are the
// list's, for finding the item's pod template.
Json typed_item(const Json& list, const Json& item) {
  const std::string kind = member_string(list, "kind");
  Json typed = item;
  if (typed.is_object() && kind != "List") {
    if (!typed.contains("kind")) {
      typed["kind"] = kind.substr(0, kind.size() - 4);
    }
    if (!typed.contains("apiVersion") && list.contains("apiVersion")) {
      typed["apiVersion"] = list["apiVersion"];
    }
  }
  return typed;
}

struct Injector {
  const World& world;
  const std::string& requested;
  const InjectOptions& options;
  InjectedManifests& result;

  // One object; false when it is denied (and so left out of the output).
  bool object(const Json& input, const Json& typed, const std::string& where_prefix, Json& output) {
    output = input;
    if (!pod_template_path(typed)) {
      return true;  // a kind that creates no pods: passed through
    }
    const std::string where = where_prefix + kind_of(typed) + " \"" + name_of(typed) + "\"";
    const std::string own = member_string(member(typed, "metadata"), "namespace");
    if (!requested.empty() && !own.empty() && requested != own) {
      // kube-apiserver refuses the create before any webhook runs (400 BadRequest).
      result.refused = where +
                       ": the namespace of the provided object does not match the namespace sent "
                       "on the request (metadata.namespace \"" +
                       own + "\", --namespace \"" + requested + "\")";
      return true;
    }
    ObjectReport report;
    report.where = where;
    report.original = input;
    report.kind = kind_of(typed);
    report.api_version = member_string(typed, "apiVersion");
    if (report.api_version.empty()) {
      report.api_version = "v1";
    }
    report.name = name_of(typed);
    report.ns = !own.empty() ? own : !requested.empty() ? requested : "default";
    auto injected = inject_object(world, typed, report.ns, options);
    if (!injected) {
      report.denied = true;
      report.message = injected.error().message;
      // The pod that was reviewed, for explain: a Pod itself or the template's pod.
      const Pointer path = *pod_template_path(typed);
      report.pod = path.tokens().empty() ? typed : pod_from_template(typed, path, report.ns);
      result.denied = true;
      result.objects.push_back(std::move(report));
      return false;
    }
    if (!injected->injection.patch.empty()) {
      // The typed copy only gained kind/apiVersion from its list; the output keeps the item's.
      Json written = std::move(injected->object);
      if (!input.contains("kind")) {
        written.erase("kind");
      }
      if (!input.contains("apiVersion")) {
        written.erase("apiVersion");
      }
      output = std::move(written);
    }
    report.object = output;
    report.pod = std::move(injected->pod);
    report.injection = std::move(injected->injection);
    result.objects.push_back(std::move(report));
    return true;
  }
};

}  // namespace

std::optional<std::vector<InputDocument>> read_manifests(const std::vector<std::string>& paths,
                                                         bool recursive, std::istream& in,
                                                         std::ostream& err) {
  bool ok = true;
  std::vector<InputDocument> docs;
  for (const std::string& path : paths) {
    std::vector<SourceFile> files;
    std::error_code ec;
    if (path != "-" && std::filesystem::is_directory(path, ec)) {
      auto listed = list_sources({path}, recursive);
      if (!listed) {
        for (const std::string& e : listed.error()) {
          err << e << '\n';
        }
        ok = false;
        continue;
      }
      files = std::move(*listed);
    } else {
      files.push_back(SourceFile{path, path == "-" ? "<stdin>" : path});
    }
    for (const SourceFile& file : files) {
      auto text = read_input(file.path, in);
      if (!text) {
        err << text.error() << '\n';
        ok = false;
        continue;
      }
      auto parsed = parse_stream(*text, file.display);
      if (!parsed) {
        err << parsed.error().message << '\n';
        ok = false;
        continue;
      }
      for (Document& doc : *parsed) {
        if (!doc.object.is_object()) {
          err << file.display << ": document " << doc.origin.document + 1
              << ": expected a Kubernetes object, found " << doc.object.type_name() << '\n';
          ok = false;
          continue;
        }
        docs.push_back(InputDocument{file.display, doc.origin.document, std::move(doc.object)});
      }
    }
  }
  if (ok && docs.empty()) {
    err << "no object in " << paths.front() << (paths.size() > 1 ? " and the other -f paths" : "")
        << '\n';
    ok = false;
  }
  if (!ok) {
    return std::nullopt;
  }
  return docs;
}

InjectedManifests inject_manifests(const World& world, const std::vector<InputDocument>& docs,
                                   const std::string& requested, const InjectOptions& options) {
  InjectedManifests result;
  Injector injector{world, requested, options, result};
  for (const InputDocument& doc : docs) {
    const std::string prefix = doc.file + ": document " + std::to_string(doc.index + 1) + ": ";
    if (!is_list(doc.object)) {
      Json out;
      if (injector.object(doc.object, doc.object, prefix, out)) {
        result.documents.push_back(std::move(out));
      }
      continue;
    }
    Json list = doc.object;
    Json items = Json::array();
    const Json& input_items = doc.object["items"];
    for (std::size_t i = 0; i < input_items.size(); ++i) {
      Json out;
      const std::string where = prefix + "items[" + std::to_string(i) + "]: ";
      if (injector.object(input_items[i], typed_item(doc.object, input_items[i]), where, out)) {
        items.push_back(std::move(out));
      }
    }
    list["items"] = std::move(items);
    result.documents.push_back(std::move(list));
  }
  return result;
}

std::string print_manifests(const std::vector<Json>& documents, const std::string& format) {
  if (format == "yaml") {
    std::string out;
    for (std::size_t i = 0; i < documents.size(); ++i) {
      out += (i == 0 ? "" : "---\n") + to_yaml(documents[i]);
    }
    return out;
  }
  if (documents.size() == 1) {
    return documents.front().dump(2, ' ', false, Json::error_handler_t::replace) + '\n';
  }
  // Several objects print as kubectl prints them: a v1 List.
  Json items = Json::array();
  for (const Json& doc : documents) {
    if (is_list(doc)) {
      for (const Json& item : doc["items"]) {
        items.push_back(item);
      }
    } else {
      items.push_back(doc);
    }
  }
  const Json list = {{"apiVersion", "v1"},
                     {"items", std::move(items)},
                     {"kind", "List"},
                     {"metadata", {{"resourceVersion", ""}}}};
  return list.dump(2, ' ', false, Json::error_handler_t::replace) + '\n';
}

}  // namespace injector::cli
