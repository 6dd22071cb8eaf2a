#include "injector/inject/annotations.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "injector/patch/merge_patch.hpp"
#include "injector/wire/go_decode.hpp"
#include "injector/wire/go_json.hpp"

namespace injector {
namespace {

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

// encoding/json matches a JSON key to a struct field as bytes.EqualFold does: ASCII letters in
// either case, and the two non-ASCII runes that fold to ASCII letters (U+212A KELVIN SIGN to k,
// U+017F LATIN SMALL LETTER LONG S to s).
bool fold_equal(std::string_view key, std::string_view field) {
  std::size_t i = 0;
  for (const char f : field) {
    const char lower = static_cast<char>(f | 0x20);
    if (i < key.size() && static_cast<char>(key[i] | 0x20) == lower &&
        static_cast<unsigned char>(key[i]) < 0x80) {
      ++i;
    } else if (lower == 'k' && key.substr(i, 3) == "\xE2\x84\xAA") {
      i += 3;
    } else if (lower == 's' && key.substr(i, 2) == "\xC5\xBF") {
      i += 2;
    } else {
      return false;
    }
  }
  return i == key.size();
}

// RFC 3339 in UTC, whole seconds, as time.Format(time.RFC3339) prints a UTC time (years past
// 9999 in full). Civil-from-days (H. Hinnant) keeps this pure: no gmtime, no locale.
std::string format_utc(std::chrono::sys_seconds t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{t - days};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

int two_digits(std::string_view s, std::size_t at) {
  if (at + 2 > s.size() || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') {
    return -1;
  }
  return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// metav1.Time.UnmarshalJSON (time.Parse(time.RFC3339, s), Go 1.23 rules: a one- or two-digit
// hour, optional fractional seconds after '.' or ',', `Z` or an offset up to 24:60) followed by
// MarshalJSON (the zero instant is null, otherwise UTC in whole seconds, the fraction dropped).
// nullopt when Go fails.
std::optional<Json> metav1_time(std::string_view s) {
  using namespace std::chrono;
  auto digits4 = [&](std::size_t at) {
    int v = 0;
    for (std::size_t k = at; k < at + 4; ++k) {
      if (k >= s.size() || s[k] < '0' || s[k] > '9') {
        return -1;
      }
      v = v * 10 + (s[k] - '0');
    }
    return v;
  };
  const int y = digits4(0);
  if (y < 0 || s.size() < 5 || s[4] != '-') {
    return std::nullopt;
  }
  const int mo = two_digits(s, 5);
  if (mo < 1 || mo > 12 || s.size() < 8 || s[7] != '-') {
    return std::nullopt;
  }
  const int d = two_digits(s, 8);
  if (d < 1 || s.size() < 11 || s[10] != 'T') {
    return std::nullopt;
  }
  std::size_t i = 11;
  int h = two_digits(s, i);
  if (h >= 0) {
    i += 2;
  } else if (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    h = s[i++] - '0';
  } else {
    return std::nullopt;
  }
  if (h > 23 || i >= s.size() || s[i] != ':') {
    return std::nullopt;
  }
  const int mi = two_digits(s, i + 1);
  if (mi < 0 || mi > 59 || i + 3 >= s.size() || s[i + 3] != ':') {
    return std::nullopt;
  }
  const int se = two_digits(s, i + 4);
  if (se < 0 || se > 59) {
    return std::nullopt;
  }
  i += 6;
  if (i + 1 < s.size() && (s[i] == '.' || s[i] == ',') && s[i + 1] >= '0' && s[i + 1] <= '9') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
  }
  int offset = 0;  // minutes east of UTC
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int oh = two_digits(s, i + 1);
    const int om = two_digits(s, i + 4);
    if (oh < 0 || oh > 24 || i + 3 >= s.size() || s[i + 3] != ':' || om < 0 || om > 60) {
      return std::nullopt;
    }
    offset = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else {
    return std::nullopt;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (i != s.size() || !ymd.ok()) {
    return std::nullopt;  // "extra text", "day out of range"
  }
  const auto utc = sys_days{ymd} + hours{h} + minutes{mi} + seconds{se} - minutes{offset};
  if (utc == sys_days{year{1} / 1 / 1}) {
    // IsZero: metav1.Time marshals null. Go keeps a fraction of a second past the zero time and
    // prints "0001-01-01T00:00:00Z", which reads as zero next time; null right away keeps a
    // reinvoked review from changing it.
    return Json();
  }
  return Json(format_utc(utc));
}

// A `[]string` decoded into `list`: encoding/json writes element i over what the slice held at i,
// so a null element keeps an earlier value of a repeated key (or "" in a fresh slice). False on
// a type error.
bool decode_string_list(const GoValue& v, std::optional<std::vector<std::string>>& list) {
  if (v.kind == GoValue::Kind::kNull) {
    list.reset();  // a nil slice
    return true;
  }
  if (v.kind != GoValue::Kind::kArray) {
    return false;
  }
  std::vector<std::string> old = list.value_or(std::vector<std::string>{});
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < v.items.size(); ++i) {
    const GoValue& item = v.items[i];
    if (item.kind == GoValue::Kind::kString) {
      out.push_back(go_unquote(item));
    } else {
      ok = ok && item.kind == GoValue::Kind::kNull;
      out.push_back(i < old.size() ? old[i] : "");
    }
  }
  list = std::move(out);
  return ok;
}

// json.Unmarshal of one value into sidecarcontrol.SidecarSetUpgradeSpec: keys match field names
// case-insensitively (the last of repeated keys wins), unknown keys are skipped, null leaves a
// string alone and clears the list, updateTimestamp goes through metav1.Time. nullopt when Go
// reports an error (a type mismatch, or a time metav1.Time rejects).
std::optional<UpgradeSpec> decode_upgrade_spec(const GoValue& v) {
  UpgradeSpec spec;
  if (v.kind == GoValue::Kind::kNull) {
    return spec;  // the zero value
  }
  if (v.kind != GoValue::Kind::kObject) {
    return std::nullopt;
  }
  bool ok = true;
  auto read_string = [&](const GoValue& value, std::string& out) {
    if (value.kind == GoValue::Kind::kString) {
      out = go_unquote(value);
    } else if (value.kind != GoValue::Kind::kNull) {
      ok = false;
    }
  };
  for (const auto& [key, value] : v.members) {
    if (fold_equal(key, "updateTimestamp")) {
      if (value.kind == GoValue::Kind::kNull) {
        spec.update_timestamp = Json();
        continue;
      }
      std::optional<Json> t =
          value.kind == GoValue::Kind::kString ? metav1_time(go_unquote(value)) : std::nullopt;
      if (!t) {
        return std::nullopt;  // an UnmarshalJSON error aborts the whole Unmarshal
      }
      spec.update_timestamp = std::move(*t);
    } else if (fold_equal(key, "hash")) {
      read_string(value, spec.hash);
    } else if (fold_equal(key, "sidecarSetName")) {
      read_string(value, spec.sidecarset_name);
    } else if (fold_equal(key, "controllerRevision")) {
      read_string(value, spec.controller_revision);
    } else if (fold_equal(key, "sidecarList")) {
      ok = decode_string_list(value, spec.sidecar_list) && ok;
    }
  }
  if (!ok) {
    return std::nullopt;
  }
  return spec;
}

// Whether two JSON values mean the same (objects as maps with the last of repeated keys, numbers
// by value), for keeping an annotation's text when a merge changes nothing.
bool same_value(const GoValue& a, const GoValue& b) {
  if (a.kind != b.kind) {
    return false;
  }
  switch (a.kind) {
    case GoValue::Kind::kNull:
      return true;
    case GoValue::Kind::kBool:
      return a.raw == b.raw;
    case GoValue::Kind::kNumber: {
      double x = 0;
      double y = 0;
      std::from_chars(a.raw.data(), a.raw.data() + a.raw.size(), x);
      std::from_chars(b.raw.data(), b.raw.data() + b.raw.size(), y);
      return x == y;
    }
    case GoValue::Kind::kString:
      return go_unquote(a) == go_unquote(b);
    case GoValue::Kind::kArray:
      return std::equal(a.items.begin(), a.items.end(), b.items.begin(), b.items.end(), same_value);
    case GoValue::Kind::kObject: {
      auto as_map = [](const GoValue& v) {
        std::map<std::string_view, const GoValue*> m;
        for (const auto& [key, value] : v.members) {
          m[key] = &value;
        }
        return m;
      };
      const auto ma = as_map(a);
      const auto mb = as_map(b);
      return std::equal(ma.begin(), ma.end(), mb.begin(), mb.end(), [](auto& x, auto& y) {
        return x.first == y.first && same_value(*x.second, *y.second);
      });
    }
  }
  return false;
}

bool same_json(std::string_view a, std::string_view b) {
  const auto va = go_parse(a);
  const auto vb = go_parse(b);
  return va && vb ? same_value(*va, *vb) : a == b;
}

}  // namespace

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  return format_utc(std::chrono::floor<std::chrono::seconds>(t));
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  auto utc = metav1_time(text);
  if (!utc || !utc->is_string()) {
    return std::nullopt;
  }
  // metav1_time writes YYYY-MM-DDTHH:MM:SSZ (a year past 9999 never comes back from it here).
  const std::string& t = utc->get_ref<const std::string&>();
  auto num = [&](std::size_t at, std::size_t n) { return std::stoi(t.substr(at, n)); };
  if (t.size() != 20) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const sys_days day = year{num(0, 4)} / month{static_cast<unsigned>(num(5, 2))} /
                       std::chrono::day{static_cast<unsigned>(num(8, 2))};
  return system_clock::time_point(day + hours{num(11, 2)} + minutes{num(14, 2)} +
                                  seconds{num(17, 2)});
}

Result<UpgradeSpecs> parse_upgrade_specs(std::string_view text) {
  UpgradeSpecs specs;
  if (text.empty()) {
    return specs;
  }
  auto parsed = go_parse(text);
  if (!parsed) {
    return fail("invalid_pod", parsed.error());  // Go's SyntaxError text, for both attempts
  }
  if (parsed->kind == GoValue::Kind::kNull) {
    // Go unmarshals `null` into a nil map; upstream then panics assigning this review's entry.
    return specs;
  }
  if (parsed->kind != GoValue::Kind::kObject) {
    return fail("invalid_pod", "json: cannot unmarshal " + std::string(go_type_name(*parsed)) +
                                   " into Go value of type map[string]string");
  }
  // First map[string]SidecarSetUpgradeSpec, as upstream tries it first.
  bool struct_form = true;
  for (const auto& [name, value] : parsed->members) {
    auto spec = decode_upgrade_spec(value);
    if (!spec) {
      struct_form = false;
      break;
    }
    specs[name] = std::move(*spec);
  }
  if (struct_form) {
    return specs;
  }
  // Legacy map[string]string: {hash: v, sidecarSetName: k}, no timestamp, no list. It replaces
  // every entry of the failed attempt; its error is the one upstream reports.
  specs.clear();
  for (const auto& [name, value] : parsed->members) {
    if (value.kind != GoValue::Kind::kString && value.kind != GoValue::Kind::kNull) {
      return fail("invalid_pod", "json: cannot unmarshal " + std::string(go_type_name(value)) +
                                     " into Go value of type string");
    }
    const std::string hash = value.kind == GoValue::Kind::kString ? go_unquote(value) : "";
    specs[name] = UpgradeSpec{Json(), hash, name, std::nullopt, ""};
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
  // json.Unmarshal into map[string]string keeps going after a type error: string values are
  // stored, any other value stores "" (null too), and the last of repeated keys wins. A syntax
  // error or a non-object leaves the map empty; `null` makes it nil (upstream would then panic
  // adding this review's pair), read here as empty.
  std::map<std::string, std::string> out;
  auto parsed = go_parse(text);
  if (!parsed || parsed->kind != GoValue::Kind::kObject) {
    return out;
  }
  for (const auto& [key, value] : parsed->members) {
    out[key] = value.kind == GoValue::Kind::kString ? go_unquote(value) : "";
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
          // Upstream writes the value verbatim; a reinvoked review then merges it into itself,
          // which prunes its nulls. Write what that settles on, or the value's own bytes when it
          // means the same. A value that cannot merge into itself (`null`, a scalar) is written
          // verbatim as upstream does; only a reinvoked review denies it, as upstream's would.
          auto self = go_merge_patch(value, value);
          auto settled = self ? go_merge_patch(*self, value) : self;
          std::string result = settled ? std::move(*settled) : self ? std::move(*self) : value;
          annotations[key] = same_json(value, result) ? value : std::move(result);
          continue;
        }
        auto merged = go_merge_patch(origin, value);
        if (!merged) {
          return fail("invalid_merge_patch", "patchPodMetadata[" + std::to_string(i) +
                                                 "]: annotation " + go_quote(key) + ": " +
                                                 merged.error());
        }
        // What a reinvoked OpenKruise writes: the library's result is not always a fixpoint of
        // the same merge (an array replacing an object keeps the nulls of its objects until the
        // next merge prunes them), so merge once more; it cannot fail on the library's output.
        // Then, when the value means what it meant, keep the existing bytes instead of the
        // re-encoding: a reinvoked review yields no op.
        auto settled = go_merge_patch(*merged, value);
        std::string result = settled ? std::move(*settled) : std::move(*merged);
        if (!same_json(origin, result)) {
          annotations[key] = std::move(result);
        }
      }
    }
  }
  return {};
}

}  // namespace injector
