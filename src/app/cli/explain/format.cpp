#include "cli/explain/format.hpp"

#include "injector/wire/go_json.hpp"
#include "injector/wire/json_access.hpp"

namespace injector::cli {
namespace {

std::string container_line(const SidecarContainerAdded& c) {
  std::string line = std::string(c.list == "initContainers" ? "init container " : "container ") +
                     c.name + ": spec." + c.list + "[" + std::to_string(c.index) + "]";
  if (!c.policy.empty()) {
    line += ", " + c.policy;
  }
  if (c.native_sidecar) {
    line += ", native sidecar";
  }
  if (c.replaces) {
    line += ", replaces the pod's container of that name";
  }
  return line;
}

void sidecarset_text(const SidecarSetExplanation& e, std::string& out) {
  out += "  sidecarset " + go_quote(e.name) + ": " + (e.applies ? "applies" : "does not apply") +
         " (" + e.code + ")\n";
  out += "    " + e.message + "\n";
  for (const SidecarContainerAdded& c : e.containers) {
    out += "    + " + container_line(c) + "\n";
  }
  for (const HotUpgradePairNames& h : e.hot_upgrade) {
    out += "    + hot upgrade " + h.container + ": " + h.working + " (working) and " + h.empty +
           " (empty)\n";
  }
  for (const std::string& v : e.volumes) {
    out += "    + volume " + v + "\n";
  }
  for (const TransferredEnv& env : e.env) {
    out += "    + env " + env.name + " in " + env.container +
           (env.from.empty() ? std::string() : " (from container " + env.from + ")") + "\n";
  }
  for (const auto& [k, v] : e.annotations) {
    out += "    + annotation " + k + "=" + v + "\n";
  }
}

std::string labels_line(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    out += (out.empty() ? "" : ", ") + k + "=" + v;
  }
  return out;
}

Json requirement_json(const UnmetRequirement& u) {
  return {{"term", u.term},
          {"key", u.key},
          {"operator", u.op},
          {"values", u.values},
          {"podValue", u.value ? Json(*u.value) : Json(nullptr)}};
}

Json sidecarset_json(const SidecarSetExplanation& e) {
  Json j = {{"name", e.name}, {"applies", e.applies}, {"code", e.code}, {"message", e.message}};
  if (!e.selector.empty()) {
    j["selector"] = e.selector;
    j["requirement"] = e.unmet ? requirement_json(*e.unmet) : Json(nullptr);
  }
  if (!e.revision.empty()) {
    j["revision"] = e.revision;
  }
  Json containers = Json::array();
  for (const SidecarContainerAdded& c : e.containers) {
    containers.push_back({{"name", c.name},
                          {"list", c.list},
                          {"index", c.index},
                          {"podInjectPolicy", c.policy},
                          {"nativeSidecar", c.native_sidecar},
                          {"replaces", c.replaces}});
  }
  j["containers"] = std::move(containers);
  j["volumes"] = e.volumes;
  Json env = Json::array();
  for (const TransferredEnv& t : e.env) {
    env.push_back({{"container", t.container}, {"name", t.name}, {"from", t.from}});
  }
  j["env"] = std::move(env);
  Json annotations = Json::object();
  for (const auto& [k, v] : e.annotations) {
    annotations[k] = v;
  }
  j["annotations"] = std::move(annotations);
  Json hot = Json::array();
  for (const HotUpgradePairNames& h : e.hot_upgrade) {
    hot.push_back(
        {{"container", h.container}, {"list", h.list}, {"working", h.working}, {"empty", h.empty}});
  }
  j["hotUpgrade"] = std::move(hot);
  return j;
}

}  // namespace

std::string explanations_text(const std::vector<ExplainedObject>& objects) {
  std::string out;
  for (const ExplainedObject& o : objects) {
    const Explanation& x = o.explanation;
    if (!out.empty()) {
      out += "\n";
    }
    out += o.object.where + ", namespace " + go_quote(x.namespace_name) + "\n";
    out += "  namespace labels: " + labels_line(x.namespace_labels) +
           (x.namespace_listed ? "" : " (no Namespace object given)") + "\n";
    std::size_t applying = 0;
    for (const auto& e : x.sidecarsets) {
      applying += e.applies ? 1 : 0;
    }
    if (x.denied) {
      out += "  result: the webhook denies the pod: " + x.denied->message + "\n";
    } else if (!x.inactive.empty()) {
      out += "  result: not active (" + x.inactive + "), left alone\n";
    } else {
      out += "  result: " + std::to_string(applying) + " of " +
             std::to_string(x.sidecarsets.size()) + " SidecarSets apply, " +
             std::to_string(x.patch_ops) + " patch operations\n";
    }
    for (const auto& e : x.sidecarsets) {
      sidecarset_text(e, out);
    }
    for (const std::string& w : x.warnings) {
      out += "  warning: " + w + "\n";
    }
  }
  return out;
}

std::string explanations_json(const std::vector<ExplainedObject>& objects) {
  Json list = Json::array();
  for (const ExplainedObject& o : objects) {
    const Explanation& x = o.explanation;
    Json labels = Json::object();
    for (const auto& [k, v] : x.namespace_labels) {
      labels[k] = v;
    }
    Json sidecarsets = Json::array();
    for (const auto& e : x.sidecarsets) {
      sidecarsets.push_back(sidecarset_json(e));
    }
    list.push_back(
        {{"object", o.object.where},
         {"kind", o.object.kind},
         {"name", o.object.name},
         {"namespace", x.namespace_name},
         {"namespaceLabels", std::move(labels)},
         {"namespaceListed", x.namespace_listed},
         {"inactive", x.inactive},
         {"denied", x.denied ? Json{{"code", x.denied->code}, {"message", x.denied->message}}
                             : Json(nullptr)},
         {"patchOps", x.patch_ops},
         {"sidecarsets", std::move(sidecarsets)},
         {"warnings", x.warnings}});
  }
  const Json doc = {{"objects", std::move(list)}};
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string describe_kinds(const std::vector<InputDocument>& docs) {
  std::string out;
  for (const InputDocument& d : docs) {
    const std::string kind = member_string(d.object, "kind");
    out += (out.empty() ? "found: " : ", ") + (kind.empty() ? std::string("?") : kind) + " " +
           go_quote(member_string(member(d.object, "metadata"), "name"));
  }
  return out;
}

}  // namespace injector::cli
