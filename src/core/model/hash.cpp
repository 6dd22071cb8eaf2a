#include "injector/model/hash.hpp"
#include "injector/wire/json_access.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "injector/kube/quantity.hpp"
#include "injector/wire/go_json.hpp"

// OpenKruise hashes a SidecarSet with `json.Marshal` of its typed Go structs
// (pkg/control/sidecarcontrol/hash.go, encodeSidecarSetV1beta1). We hold the SidecarSet as raw
// JSON, so this file re-creates exactly what Go would print after decoding the raw JSON into
// `[]v1beta1.SidecarContainer`: fields in Go declaration order (k8s.io/api v0.32.10 core/v1
// types.go, the version OpenKruise master pins), omitempty rules per field, unknown fields
// dropped, quantities in canonical form, map keys sorted.
//
// Decoding is case-sensitive (apimachinery's serializer uses sigs.k8s.io/json), so only exact
// key matches count. Values of the wrong JSON type would make Go's decoder reject the object; the
// SidecarSet validation reports those, here they read as absent (best effort, never a crash).

namespace injector {
namespace {

enum class Kind {
  kString,
  kInt,
  kBool,
  kStringList,
  kQuantity,     // resource.Quantity: canonical string
  kQuantityMap,  // corev1.ResourceList: map[ResourceName]Quantity, keys sorted
  kIntOrString,  // intstr.IntOrString: a number or a string
  kStruct,       // nested struct (fields below)
  kStructList,   // slice of structs
};

// How Go treats an absent/zero value of a field.
enum class Presence {
  kOmitEmpty,  // value type with `omitempty`: omitted when zero ("", 0, false, empty slice/map)
  kRequired,   // no `omitempty` (or a struct value, where omitempty has no effect): always printed
  kPointer,    // pointer with `omitempty`: printed iff present and non-null, even when zero
  kNullable,   // pointer without `omitempty`: `null` when absent
};

struct Field {
  std::string_view name;
  Kind kind;
  Presence presence;
  std::span<const Field> fields = {};  // for kStruct / kStructList
};

using K = Kind;
using P = Presence;

// ---- k8s.io/api core/v1 (v0.32.10), each in its Go declaration order ----

constexpr Field kObjectFieldSelector[] = {
    {"apiVersion", K::kString, P::kOmitEmpty},
    {"fieldPath", K::kString, P::kRequired},
};
constexpr Field kResourceFieldSelector[] = {
    {"containerName", K::kString, P::kOmitEmpty},
    {"resource", K::kString, P::kRequired},
    // A struct value: `omitempty` does not apply, a zero Quantity prints "0".
    {"divisor", K::kQuantity, P::kRequired},
};
// ConfigMapKeySelector / SecretKeySelector: LocalObjectReference inline (name), key, optional.
constexpr Field kKeySelector[] = {
    {"name", K::kString, P::kOmitEmpty},
    {"key", K::kString, P::kRequired},
    {"optional", K::kBool, P::kPointer},
};
constexpr Field kEnvVarSource[] = {
    {"fieldRef", K::kStruct, P::kPointer, kObjectFieldSelector},
    {"resourceFieldRef", K::kStruct, P::kPointer, kResourceFieldSelector},
    {"configMapKeyRef", K::kStruct, P::kPointer, kKeySelector},
    {"secretKeyRef", K::kStruct, P::kPointer, kKeySelector},
};
constexpr Field kEnvVar[] = {
    {"name", K::kString, P::kRequired},
    {"value", K::kString, P::kOmitEmpty},
    {"valueFrom", K::kStruct, P::kPointer, kEnvVarSource},
};
// ConfigMapEnvSource / SecretEnvSource: LocalObjectReference inline (name), optional.
constexpr Field kEnvSource[] = {
    {"name", K::kString, P::kOmitEmpty},
    {"optional", K::kBool, P::kPointer},
};
constexpr Field kEnvFromSource[] = {
    {"prefix", K::kString, P::kOmitEmpty},
    {"configMapRef", K::kStruct, P::kPointer, kEnvSource},
    {"secretRef", K::kStruct, P::kPointer, kEnvSource},
};
constexpr Field kContainerPort[] = {
    {"name", K::kString, P::kOmitEmpty},      {"hostPort", K::kInt, P::kOmitEmpty},
    {"containerPort", K::kInt, P::kRequired}, {"protocol", K::kString, P::kOmitEmpty},
    {"hostIP", K::kString, P::kOmitEmpty},
};
constexpr Field kResourceClaim[] = {
    {"name", K::kString, P::kRequired},
    {"request", K::kString, P::kOmitEmpty},
};
constexpr Field kResourceRequirements[] = {
    {"limits", K::kQuantityMap, P::kOmitEmpty},
    {"requests", K::kQuantityMap, P::kOmitEmpty},
    {"claims", K::kStructList, P::kOmitEmpty, kResourceClaim},
};
constexpr Field kContainerResizePolicy[] = {
    {"resourceName", K::kString, P::kRequired},
    {"restartPolicy", K::kString, P::kRequired},
};
constexpr Field kVolumeMount[] = {
    {"name", K::kString, P::kRequired},
    {"readOnly", K::kBool, P::kOmitEmpty},
    {"recursiveReadOnly", K::kString, P::kPointer},
    {"mountPath", K::kString, P::kRequired},
    {"subPath", K::kString, P::kOmitEmpty},
    {"mountPropagation", K::kString, P::kPointer},
    {"subPathExpr", K::kString, P::kOmitEmpty},
};
constexpr Field kVolumeDevice[] = {
    {"name", K::kString, P::kRequired},
    {"devicePath", K::kString, P::kRequired},
};
constexpr Field kExecAction[] = {
    {"command", K::kStringList, P::kOmitEmpty},
};
constexpr Field kHTTPHeader[] = {
    {"name", K::kString, P::kRequired},
    {"value", K::kString, P::kRequired},
};
constexpr Field kHTTPGetAction[] = {
    {"path", K::kString, P::kOmitEmpty},
    {"port", K::kIntOrString, P::kRequired},
    {"host", K::kString, P::kOmitEmpty},
    {"scheme", K::kString, P::kOmitEmpty},
    {"httpHeaders", K::kStructList, P::kOmitEmpty, kHTTPHeader},
};
constexpr Field kTCPSocketAction[] = {
    {"port", K::kIntOrString, P::kRequired},
    {"host", K::kString, P::kOmitEmpty},
};
constexpr Field kGRPCAction[] = {
    {"port", K::kInt, P::kRequired},
    // `Service *string json:"service"`: no omitempty, so an unset service prints `null`.
    {"service", K::kString, P::kNullable},
};
constexpr Field kSleepAction[] = {
    {"seconds", K::kInt, P::kRequired},
};
// Probe: ProbeHandler inline (exec, httpGet, tcpSocket, grpc), then the timings.
constexpr Field kProbe[] = {
    {"exec", K::kStruct, P::kPointer, kExecAction},
    {"httpGet", K::kStruct, P::kPointer, kHTTPGetAction},
    {"tcpSocket", K::kStruct, P::kPointer, kTCPSocketAction},
    {"grpc", K::kStruct, P::kPointer, kGRPCAction},
    {"initialDelaySeconds", K::kInt, P::kOmitEmpty},
    {"timeoutSeconds", K::kInt, P::kOmitEmpty},
    {"periodSeconds", K::kInt, P::kOmitEmpty},
    {"successThreshold", K::kInt, P::kOmitEmpty},
    {"failureThreshold", K::kInt, P::kOmitEmpty},
    {"terminationGracePeriodSeconds", K::kInt, P::kPointer},
};
constexpr Field kLifecycleHandler[] = {
    {"exec", K::kStruct, P::kPointer, kExecAction},
    {"httpGet", K::kStruct, P::kPointer, kHTTPGetAction},
    {"tcpSocket", K::kStruct, P::kPointer, kTCPSocketAction},
    {"sleep", K::kStruct, P::kPointer, kSleepAction},
};
// v0.32 Lifecycle has no stopSignal (it arrived in v0.33), so such a field is dropped.
constexpr Field kLifecycle[] = {
    {"postStart", K::kStruct, P::kPointer, kLifecycleHandler},
    {"preStop", K::kStruct, P::kPointer, kLifecycleHandler},
};
constexpr Field kCapabilities[] = {
    {"add", K::kStringList, P::kOmitEmpty},
    {"drop", K::kStringList, P::kOmitEmpty},
};
constexpr Field kSELinuxOptions[] = {
    {"user", K::kString, P::kOmitEmpty},
    {"role", K::kString, P::kOmitEmpty},
    {"type", K::kString, P::kOmitEmpty},
    {"level", K::kString, P::kOmitEmpty},
};
constexpr Field kWindowsOptions[] = {
    {"gmsaCredentialSpecName", K::kString, P::kPointer},
    {"gmsaCredentialSpec", K::kString, P::kPointer},
    {"runAsUserName", K::kString, P::kPointer},
    {"hostProcess", K::kBool, P::kPointer},
};
// SeccompProfile and AppArmorProfile share the shape {type, localhostProfile}.
constexpr Field kProfile[] = {
    {"type", K::kString, P::kRequired},
    {"localhostProfile", K::kString, P::kPointer},
};
constexpr Field kSecurityContext[] = {
    {"capabilities", K::kStruct, P::kPointer, kCapabilities},
    {"privileged", K::kBool, P::kPointer},
    {"seLinuxOptions", K::kStruct, P::kPointer, kSELinuxOptions},
    {"windowsOptions", K::kStruct, P::kPointer, kWindowsOptions},
    {"runAsUser", K::kInt, P::kPointer},
    {"runAsGroup", K::kInt, P::kPointer},
    {"runAsNonRoot", K::kBool, P::kPointer},
    {"readOnlyRootFilesystem", K::kBool, P::kPointer},
    {"allowPrivilegeEscalation", K::kBool, P::kPointer},
    {"procMount", K::kString, P::kPointer},
    {"seccompProfile", K::kStruct, P::kPointer, kProfile},
    {"appArmorProfile", K::kStruct, P::kPointer, kProfile},
};

// ---- OpenKruise apis/apps/v1beta1 sidecarset_types.go ----

constexpr Field kUpgradeStrategy[] = {
    {"upgradeType", K::kString, P::kOmitEmpty},
    {"hotUpgradeEmptyImage", K::kString, P::kOmitEmpty},
};
constexpr Field kShareVolumePolicy[] = {
    {"type", K::kString, P::kOmitEmpty},
};
constexpr Field kSourceContainerNameSource[] = {
    {"fieldRef", K::kStruct, P::kPointer, kObjectFieldSelector},
};
constexpr Field kTransferEnvVar[] = {
    {"sourceContainerName", K::kString, P::kOmitEmpty},
    {"sourceContainerNameFrom", K::kStruct, P::kPointer, kSourceContainerNameSource},
    {"envName", K::kString, P::kOmitEmpty},
    {"envNames", K::kStringList, P::kOmitEmpty},
};
// ResourceExprLimits and ResourceExprRequests share the shape {cpu, memory}.
constexpr Field kResourceExprValues[] = {
    {"cpu", K::kString, P::kOmitEmpty},
    {"memory", K::kString, P::kOmitEmpty},
};
constexpr Field kResourcesExpr[] = {
    {"limits", K::kStruct, P::kPointer, kResourceExprValues},
    {"requests", K::kStruct, P::kPointer, kResourceExprValues},
};
constexpr Field kResourcesPolicy[] = {
    {"targetContainersMode", K::kString, P::kRequired},
    {"targetContainersNameRegex", K::kString, P::kOmitEmpty},
    {"resourcesExpr", K::kStruct, P::kRequired, kResourcesExpr},
};

// SidecarContainer: corev1.Container inline, then the SidecarSet extensions.
constexpr Field kSidecarContainer[] = {
    {"name", K::kString, P::kRequired},
    {"image", K::kString, P::kOmitEmpty},
    {"command", K::kStringList, P::kOmitEmpty},
    {"args", K::kStringList, P::kOmitEmpty},
    {"workingDir", K::kString, P::kOmitEmpty},
    {"ports", K::kStructList, P::kOmitEmpty, kContainerPort},
    {"envFrom", K::kStructList, P::kOmitEmpty, kEnvFromSource},
    {"env", K::kStructList, P::kOmitEmpty, kEnvVar},
    // A struct value: always printed, `{}` when empty.
    {"resources", K::kStruct, P::kRequired, kResourceRequirements},
    {"resizePolicy", K::kStructList, P::kOmitEmpty, kContainerResizePolicy},
    {"restartPolicy", K::kString, P::kPointer},
    {"volumeMounts", K::kStructList, P::kOmitEmpty, kVolumeMount},
    {"volumeDevices", K::kStructList, P::kOmitEmpty, kVolumeDevice},
    {"livenessProbe", K::kStruct, P::kPointer, kProbe},
    {"readinessProbe", K::kStruct, P::kPointer, kProbe},
    {"startupProbe", K::kStruct, P::kPointer, kProbe},
    {"lifecycle", K::kStruct, P::kPointer, kLifecycle},
    {"terminationMessagePath", K::kString, P::kOmitEmpty},
    {"terminationMessagePolicy", K::kString, P::kOmitEmpty},
    {"imagePullPolicy", K::kString, P::kOmitEmpty},
    {"securityContext", K::kStruct, P::kPointer, kSecurityContext},
    {"stdin", K::kBool, P::kOmitEmpty},
    {"stdinOnce", K::kBool, P::kOmitEmpty},
    {"tty", K::kBool, P::kOmitEmpty},
    {"podInjectPolicy", K::kString, P::kOmitEmpty},
    {"upgradeStrategy", K::kStruct, P::kRequired, kUpgradeStrategy},
    {"shareVolumePolicy", K::kStruct, P::kRequired, kShareVolumePolicy},
    // A pointer upstream on purpose, so that SidecarSets without it keep their old hash.
    {"shareVolumeDevicePolicy", K::kStruct, P::kPointer, kShareVolumePolicy},
    {"transferEnv", K::kStructList, P::kOmitEmpty, kTransferEnvVar},
    {"resourcesPolicy", K::kStruct, P::kPointer, kResourcesPolicy},
};

const Json kNull;
const Json kEmptyObject = Json::object();

// True when `v` decodes into a field of this kind (Go would reject anything else).
bool has_kind(const Json& v, Kind kind) {
  switch (kind) {
    case Kind::kString:
      return v.is_string();
    case Kind::kInt:
      return v.is_number();
    case Kind::kBool:
      return v.is_boolean();
    case Kind::kQuantity:
      return v.is_string() || v.is_number();
    case Kind::kIntOrString:
      return v.is_string() || v.is_number();
    case Kind::kStruct:
    case Kind::kQuantityMap:
      return v.is_object();
    case Kind::kStringList:
    case Kind::kStructList:
      return v.is_array();
  }
  return false;
}

// Go's `isEmptyValue` for the kinds that can carry `omitempty` here.
bool is_zero(const Json& v, Kind kind) {
  switch (kind) {
    case Kind::kString:
      return v.get_ref<const std::string&>().empty();
    case Kind::kInt:
      return v == 0;
    case Kind::kBool:
      return !v.get<bool>();
    case Kind::kStringList:
    case Kind::kStructList:
    case Kind::kQuantityMap:
      return v.empty();
    case Kind::kQuantity:
    case Kind::kIntOrString:
    case Kind::kStruct:
      return false;  // struct values are never "empty" to encoding/json
  }
  return false;
}

void append_int(std::string& out, const Json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) {
    out += v.dump();
    return;
  }
  // A float that decoded into an int field: Go accepts only integral values and prints them
  // as integers (YAML loaders may hand us 5.0).
  const double d = v.get<double>();
  if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
    out += std::to_string(static_cast<std::int64_t>(d));
  } else {
    out += v.dump();
  }
}

void append_quantity(std::string& out, const Json& v) {
  // Quantity.UnmarshalJSON takes quoted and bare numbers alike; MarshalJSON prints String().
  // Loaded SidecarSets are already in that form (defaulting stores them so); revisions may not be.
  const std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  auto stored = marshal_quantity(text, false);
  // An unparsable quantity fails Go's decoding (the SidecarSet validation reports it); the text
  // is kept then so that the hash stays total.
  append_go_string(out, stored ? *stored : text);
}

void append_struct(std::string& out, const Json& obj, std::span<const Field> fields);

// Appends `v` (already known to match `kind`).
void append_value(std::string& out, const Json& v, const Field& f) {
  switch (f.kind) {
    case Kind::kString:
      append_go_string(out, v.get_ref<const std::string&>());
      return;
    case Kind::kInt:
      append_int(out, v);
      return;
    case Kind::kBool:
      out += v.get<bool>() ? "true" : "false";
      return;
    case Kind::kQuantity:
      append_quantity(out, v);
      return;
    case Kind::kIntOrString:
      // IntOrString.MarshalJSON: an int type prints a number, a string type a string.
      if (v.is_string()) {
        append_go_string(out, v.get_ref<const std::string&>());
      } else {
        append_int(out, v);
      }
      return;
    case Kind::kStruct:
      append_struct(out, v, f.fields);
      return;
    case Kind::kQuantityMap:
      append_go_map(
          out, v, [](const Json& item) { return has_kind(item, Kind::kQuantity); },
          [](std::string& o, const Json& item) { append_quantity(o, item); });
      return;
    case Kind::kStringList:
    case Kind::kStructList: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) {
          out += ',';
        }
        first = false;
        if (f.kind == Kind::kStringList) {
          // A non-string element would fail decoding; print Go's zero value.
          append_go_string(out, item.is_string() ? item.get_ref<const std::string&>() : "");
        } else {
          append_struct(out, item.is_object() ? item : kEmptyObject, f.fields);
        }
      }
      out += ']';
      return;
    }
  }
}

// Go's zero value of a field that is printed although absent.
void append_zero(std::string& out, const Field& f) {
  switch (f.kind) {
    case Kind::kString:
      out += "\"\"";
      return;
    case Kind::kInt:
    case Kind::kIntOrString:  // the zero IntOrString is {Type: Int, IntVal: 0}
      out += '0';
      return;
    case Kind::kBool:
      out += "false";
      return;
    case Kind::kQuantity:
      out += "\"0\"";
      return;
    case Kind::kStruct:
      append_struct(out, kEmptyObject, f.fields);
      return;
    case Kind::kStringList:
    case Kind::kStructList:
    case Kind::kQuantityMap:
      out += "null";  // a nil slice or map
      return;
  }
}

void append_struct(std::string& out, const Json& obj, std::span<const Field> fields) {
  assert(obj.is_object());  // callers substitute an empty object for anything else
  out += '{';
  bool first = true;
  for (const Field& f : fields) {
    const auto it = obj.find(f.name);
    const Json& v = it == obj.end() ? kNull : *it;
    const bool present = has_kind(v, f.kind);  // null and mistyped values read as absent
    bool print = false;
    switch (f.presence) {
      case Presence::kOmitEmpty:
        print = present && !is_zero(v, f.kind);
        break;
      case Presence::kPointer:
        print = present;
        break;
      case Presence::kRequired:
      case Presence::kNullable:
        print = true;
        break;
    }
    if (!print) {
      continue;
    }
    if (!first) {
      out += ',';
    }
    first = false;
    append_go_string(out, f.name);
    out += ':';
    if (present) {
      append_value(out, v, f);
    } else if (f.presence == Presence::kNullable) {
      out += "null";
    } else {
      append_zero(out, f);
    }
  }
  out += '}';
}

constexpr Field kContainersField = {"containers", K::kStructList, P::kRequired, kSidecarContainer};

// The slice as Go's `[]SidecarContainer` prints it inside the hash map (no omitempty there).
void append_container_list(std::string& out, const Json& list, bool without_image) {
  if (!list.is_array()) {
    out += "null";
    return;
  }
  if (!without_image) {
    append_value(out, list, kContainersField);
    return;
  }
  Json copy = list;
  for (auto& c : copy) {
    if (c.is_object()) {
      c.erase("image");  // image is omitempty, so "" and absent print the same
    }
  }
  append_value(out, copy, kContainersField);
}

// IsSidecarContainer: restartPolicy is set and equals "Always" (Kubernetes native sidecar).
bool has_native_sidecar(const Json& init_containers) {
  if (!init_containers.is_array()) {
    return false;
  }
  return std::any_of(init_containers.begin(), init_containers.end(), [](const Json& c) {
    if (!c.is_object()) {
      return false;
    }
    const auto it = c.find("restartPolicy");
    return it != c.end() && it->is_string() && it->get_ref<const std::string&>() == "Always";
  });
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const int ok = EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  assert(ok == 1 && length == 32);  // SHA-256 over memory cannot fail short of OOM
  (void)ok;
  constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

// Decodes one UTF-8 code point at s[i] as Go's []rune conversion does: invalid bytes become
// U+FFFD, one byte at a time.
char32_t next_rune(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto byte = [&](std::size_t k) { return static_cast<char32_t>(s[i + k] & 0x3F); };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
    const char32_t r = (static_cast<char32_t>(b0 & 0x1F) << 6) | byte(1);
    i += 2;
    return r;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2)) {
    const char32_t r = (static_cast<char32_t>(b0 & 0x0F) << 12) | (byte(1) << 6) | byte(2);
    if (r >= 0x800 && (r < 0xD800 || r > 0xDFFF)) {
      i += 3;
      return r;
    }
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    const char32_t r =
        (static_cast<char32_t>(b0 & 0x07) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3);
    if (r >= 0x10000 && r <= 0x10FFFF) {
      i += 4;
      return r;
    }
  }
  ++i;
  return 0xFFFD;
}

}  // namespace

std::string hash_input(const Json& spec, bool without_image) {
  // hash.go builds map[string]interface{}; encoding/json sorts its keys, and "containers" <
  // "initContainers".
  std::string out = "{\"containers\":";
  append_container_list(out, member(spec, "containers"), without_image);
  // Upstream quirk: the presence of one native sidecar pulls in the WHOLE initContainers list,
  // regular init containers included.
  const Json& init = member(spec, "initContainers");
  if (has_native_sidecar(init)) {
    out += ",\"initContainers\":";
    append_container_list(out, init, without_image);
  }
  out += '}';
  return out;
}

namespace {

void unknown_fields(const Json& v, std::span<const Field> fields, const std::string& path,
                    std::vector<std::string>& out) {
  if (!v.is_object()) {
    return;  // a wrong type is validation's to report
  }
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();
    auto f = std::find_if(fields.begin(), fields.end(),
                          [&](const Field& field) { return field.name == key; });
    if (f == fields.end()) {
      out.push_back(path + key);
    } else if (f->kind == Kind::kStruct) {
      unknown_fields(it.value(), f->fields, path + key + ".", out);
    } else if (f->kind == Kind::kStructList && it.value().is_array()) {
      for (std::size_t i = 0; i < it.value().size(); ++i) {
        unknown_fields(it.value()[i], f->fields, path + key + "[" + std::to_string(i) + "].", out);
      }
    }
  }
}

}  // namespace

void unknown_container_fields(const Json& container, const std::string& path,
                              std::vector<std::string>& out) {
  unknown_fields(container, kSidecarContainer, path, out);
}

std::string sidecarset_hash(const Json& spec) {
  return safe_encode(sha256_hex(hash_input(spec, false)));
}

std::string sidecarset_hash_without_image(const Json& spec) {
  return safe_encode(sha256_hex(hash_input(spec, true)));
}

std::string safe_encode(std::string_view s) {
  // k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: one output letter per rune, chosen from
  // an alphabet without vowels and confusable characters.
  constexpr std::string_view kAlphanums = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const char32_t r = next_rune(s, i);
    out += kAlphanums[r % kAlphanums.size()];
  }
  return out;
}

}  // namespace injector
