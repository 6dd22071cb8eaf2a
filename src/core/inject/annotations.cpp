#include "injector/inject/annotations.hpp"

#include <algorithm>
#include <cstdio>

#include "injector/wire/go_json.hpp"

namespace injector {
namespace {

void append_go(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      append_go_map(
          out, v, [](const Json&) { return true; },
          [](std::string& o, const Json& item) { append_go(o, item); });
      return;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) {
          out += ',';
        }
        first = false;
        append_go(out, e);
      }
      out += ']';
      return;
    }
    case Json::value_t::string:
      append_go_string(out, v.get_ref<const std::string&>());
      return;
    default:
      out += v.dump();
      return;
  }
}

void append_string_list(std::string& out, const std::optional<std::vector<std::string>>& list) {
  if (!list) {
    out += "null";
    return;
  }
  out += '[';
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    append_go_string(out, (*list)[i]);
  }
  out += ']';
}

std::optional<Json> parse_json(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    return std::nullopt;
  }
  return j;
}

// Go's name for the JSON type of `v` in "cannot unmarshal <type> into ..." errors.
std::string go_type(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::string:
      return "string";
    case Json::value_t::boolean:
      return "bool";
    default:
      return "number";
  }
}

// Decodes one SidecarSetUpgradeSpec object the way Go's json.Unmarshal accepts it: missing
// fields stay zero, unknown fields are ignored, a wrong type fails.
std::optional<UpgradeSpec> decode_upgrade_spec(const Json& j) {
  if (j.is_null()) {
    return UpgradeSpec{};
  }
  if (!j.is_object()) {
    return std::nullopt;
  }
  UpgradeSpec spec;
  if (auto it = j.find("updateTimestamp"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) {
      return std::nullopt;
    }
    spec.update_timestamp = *it;
  }
  auto read_string = [&](const char* field, std::string& out) -> bool {
    auto it = j.find(field);
    if (it == j.end() || it->is_null()) {
      return true;
    }
    if (!it->is_string()) {
      return false;
    }
    out = it->get<std::string>();
    return true;
  };
  if (!read_string("hash", spec.hash) || !read_string("sidecarSetName", spec.sidecarset_name) ||
      !read_string("controllerRevision", spec.controller_revision)) {
    return std::nullopt;
  }
  if (auto it = j.find("sidecarList"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) {
      return std::nullopt;
    }
    std::vector<std::string> list;
    for (const auto& e : *it) {
      if (!e.is_string()) {
        return std::nullopt;
      }
      list.push_back(e.get<std::string>());
    }
    spec.sidecar_list = std::move(list);
  }
  return spec;
}

}  // namespace

std::string go_marshal(const Json& value) {
  std::string out;
  append_go(out, value);
  return out;
}

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  // Civil-from-days (H. Hinnant) keeps this pure: no gmtime, no locale.
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

Json merge_patch(Json target, const Json& patch) {
  // RFC 7386 section 2, MergePatch(Target, Patch).
  if (!patch.is_object()) {
    return patch;
  }
  if (!target.is_object()) {
    target = Json::object();
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      target.erase(it.key());
    } else {
      Json current = target.contains(it.key()) ? target[it.key()] : Json();
      target[it.key()] = merge_patch(std::move(current), *it);
    }
  }
  return target;
}

Result<UpgradeSpecs> parse_upgrade_specs(std::string_view text) {
  UpgradeSpecs specs;
  if (text.empty()) {
    return specs;
  }
  auto parsed = parse_json(text);
  if (!parsed) {
    return fail("invalid_pod", "invalid JSON");  // Go names the offending character; we do not
  }
  if (parsed->is_null()) {
    return specs;  // Go unmarshals `null` into a nil map without error
  }
  if (!parsed->is_object()) {
    return fail("invalid_pod", "json: cannot unmarshal " + go_type(*parsed) +
                                   " into Go value of type map[string]string");
  }
  // First the struct form, as upstream tries it first.
  bool struct_form = true;
  for (auto it = parsed->begin(); it != parsed->end() && struct_form; ++it) {
    auto spec = decode_upgrade_spec(*it);
    if (spec) {
      specs[it.key()] = std::move(*spec);
    } else {
      struct_form = false;
    }
  }
  if (struct_form) {
    return specs;
  }
  // Legacy map[string]string: {hash: v, sidecarSetName: k}, no timestamp, no list. Its error is
  // the one upstream reports.
  specs.clear();
  for (auto it = parsed->begin(); it != parsed->end(); ++it) {
    if (it->is_null()) {
      specs[it.key()] = UpgradeSpec{Json(), "", it.key(), std::nullopt, ""};
      continue;
    }
    if (!it->is_string()) {
      return fail("invalid_pod",
                  "json: cannot unmarshal " + go_type(*it) + " into Go value of type string");
    }
    specs[it.key()] = UpgradeSpec{Json(), it->get<std::string>(), it.key(), std::nullopt, ""};
  }
  return specs;
}

std::string encode_upgrade_specs(const UpgradeSpecs& specs) {
  // Field order of sidecarcontrol.SidecarSetUpgradeSpec; controllerRevision is omitempty.
  std::string out = "{";
  bool first = true;
  for (const auto& [name, spec] : specs) {
    if (!first) {
      out += ',';
    }
    first = false;
    append_go_string(out, name);
    out += ":{\"updateTimestamp\":";
    if (spec.update_timestamp.is_string()) {
      append_go_string(out, spec.update_timestamp.get_ref<const std::string&>());
    } else {
      out += "null";
    }
    out += ",\"hash\":";
    append_go_string(out, spec.hash);
    out += ",\"sidecarSetName\":";
    append_go_string(out, spec.sidecarset_name);
    out += ",\"sidecarList\":";
    append_string_list(out, spec.sidecar_list);
    if (!spec.controller_revision.empty()) {
      out += ",\"controllerRevision\":";
      append_go_string(out, spec.controller_revision);
    }
    out += '}';
  }
  out += '}';
  return out;
}

std::map<std::string, std::string> parse_string_map(std::string_view text) {
  std::map<std::string, std::string> out;
  auto parsed = parse_json(text);
  if (!parsed || !parsed->is_object()) {
    return out;
  }
  for (auto it = parsed->begin(); it != parsed->end(); ++it) {
    if (!it->is_string()) {
      return {};  // Go's Unmarshal fails as a whole; upstream then works with an empty map
    }
    out[it.key()] = it->get<std::string>();
  }
  return out;
}

std::string encode_string_map(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) {
      out += ',';
    }
    first = false;
    append_go_string(out, k);
    out += ':';
    append_go_string(out, v);
  }
  out += '}';
  return out;
}

Result<void> patch_pod_metadata(Json& annotations, const Json& patches) {
  if (!patches.is_array()) {
    return {};
  }
  for (std::size_t i = 0; i < patches.size(); ++i) {
    const Json& entry = patches[i];
    if (!entry.is_object()) {
      continue;
    }
    const auto policy_it = entry.find("patchPolicy");
    const std::string policy =
        policy_it != entry.end() && policy_it->is_string() ? policy_it->get<std::string>() : "";
    const auto anns_it = entry.find("annotations");
    if (anns_it == entry.end() || !anns_it->is_object()) {
      continue;
    }
    // Go ranges over the map in random order; keys are distinct, so sorting changes nothing but
    // makes the result reproducible.
    std::vector<std::string> keys;
    for (auto it = anns_it->begin(); it != anns_it->end(); ++it) {
      if (it->is_string()) {
        keys.push_back(it.key());
      }
    }
    std::sort(keys.begin(), keys.end());
    for (const auto& key : keys) {
      const std::string& value = (*anns_it)[key].get_ref<const std::string&>();
      const bool present = annotations.contains(key);
      if (policy == "Retain" || policy.empty()) {
        if (!present) {
          annotations[key] = value;
        }
      } else if (policy == "Overwrite") {
        annotations[key] = value;
      } else if (policy == "MergePatchJson") {
        const std::string origin = present ? annotations[key].get<std::string>() : "";
        if (origin.empty()) {
          annotations[key] = value;  // verbatim, no normalisation (upstream)
          continue;
        }
        auto target = parse_json(origin);
        if (!target) {
          return fail("invalid_merge_patch",
                      "patchPodMetadata[" + std::to_string(i) + "]: annotation " + go_quote(key) +
                          ": existing value " + go_quote(origin) + " is not valid JSON");
        }
        auto patch = parse_json(value);
        if (!patch) {
          return fail("invalid_merge_patch", "patchPodMetadata[" + std::to_string(i) +
                                                 "]: annotation " + go_quote(key) + ": value " +
                                                 go_quote(value) + " is not valid JSON");
        }
        Json merged = merge_patch(*target, *patch);
        // Idempotence: when merging changes nothing, keep the existing bytes instead of
        // re-serialising them, so a reinvoked review yields no op.
        if (merged != *target) {
          annotations[key] = go_marshal(merged);
        }
      }
    }
  }
  return {};
}

}  // namespace injector
