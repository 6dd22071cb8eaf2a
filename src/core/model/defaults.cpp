// SidecarSet conversion (§1.2) and admission defaulting (§1.3), on the raw JSON object so that
// fields we do not model survive untouched.

#include <string>
#include <string_view>

#include "injector/kube/quantity.hpp"
#include "injector/model/load.hpp"

namespace injector {
namespace {

// Every member of corev1.VolumeSource; a volume naming none of them gets `emptyDir: {}`.
constexpr std::string_view kVolumeSources[] = {"hostPath",
                                               "emptyDir",
                                               "gcePersistentDisk",
                                               "awsElasticBlockStore",
                                               "gitRepo",
                                               "secret",
                                               "nfs",
                                               "iscsi",
                                               "glusterfs",
                                               "persistentVolumeClaim",
                                               "rbd",
                                               "flexVolume",
                                               "cinder",
                                               "cephfs",
                                               "flocker",
                                               "downwardAPI",
                                               "fc",
                                               "azureFile",
                                               "configMap",
                                               "vsphereVolume",
                                               "quobyte",
                                               "azureDisk",
                                               "photonPersistentDisk",
                                               "projected",
                                               "portworxVolume",
                                               "scaleIO",
                                               "storageos",
                                               "csi",
                                               "ephemeral",
                                               "image"};

bool is_set(const Json& obj, std::string_view key) {
  if (!obj.is_object()) {
    return false;
  }
  auto it = obj.find(key);
  return it != obj.end() && !it->is_null();
}

// A Go string field is "empty" when absent, null or "".
bool empty_string(const Json& obj, std::string_view key) {
  if (!obj.is_object()) {
    return false;
  }
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ||
         (it->is_string() && it->get_ref<const std::string&>().empty());
}

// A Go int field is "zero" when absent, null or 0.
bool zero_int(const Json& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() || (it->is_number() && it->get<double>() == 0);
}

void default_string(Json& obj, std::string_view key, std::string_view value) {
  if (obj.is_object() && empty_string(obj, key)) {
    obj[std::string(key)] = value;
  }
}

Json* object_member(Json& obj, std::string_view key) {
  if (!obj.is_object()) {
    return nullptr;
  }
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) {
    return nullptr;
  }
  return &*it;
}

template <class F>
void for_each_object(Json& obj, std::string_view key, F&& f) {
  if (!obj.is_object()) {
    return;
  }
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) {
    return;
  }
  for (auto& item : *it) {
    if (item.is_object()) {
      f(item);
    }
  }
}

// k8s.io/kubernetes/pkg/apis/core/v1.SetDefaults_ObjectFieldSelector.
void default_field_ref(Json& field_ref) { default_string(field_ref, "apiVersion", "v1"); }

// SetDefaults_HTTPGetAction.
void default_http_get(Json& handler) {
  if (Json* get = object_member(handler, "httpGet")) {
    default_string(*get, "path", "/");
    default_string(*get, "scheme", "HTTP");
  }
}

// SetDefaults_Probe plus its HTTPGet action.
void default_probe(Json& probe) {
  if (!probe.is_object()) {
    return;
  }
  const std::pair<std::string_view, int> defaults[] = {{"timeoutSeconds", 1},
                                                       {"periodSeconds", 10},
                                                       {"successThreshold", 1},
                                                       {"failureThreshold", 3}};
  for (const auto& [key, value] : defaults) {
    if (zero_int(probe, key)) {
      probe[std::string(key)] = value;
    }
  }
  default_http_get(probe);
}

// The tag `parsers.ParseImageName` (docker reference parsing) yields: "latest" when the image has
// neither tag nor digest, "" when it has only a digest or does not parse.
std::string image_tag(std::string_view image) {
  if (image.empty() || image.find_first_of(" \t\r\n") != std::string_view::npos) {
    return "";
  }
  std::string_view name = image;
  bool digest = false;
  if (auto at = name.find('@'); at != std::string_view::npos) {
    digest = true;
    name = name.substr(0, at);
  }
  const auto slash = name.rfind('/');
  const auto colon = name.rfind(':');
  std::string_view repo = name;
  std::string_view tag;
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = name.substr(colon + 1);
    repo = name.substr(0, colon);
  }
  // Repository path components are lower case in a docker reference; the domain (before the
  // first '/', when it looks like a host) may not be.
  std::string_view path = repo;
  if (auto first = repo.find('/'); first != std::string_view::npos) {
    std::string_view domain = repo.substr(0, first);
    if (domain.find_first_of(".:") != std::string_view::npos || domain == "localhost" ||
        domain.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos) {
      path = repo.substr(first + 1);
    }
  }
  if (path.empty() || path.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string_view::npos) {
    return "";
  }
  if (!tag.empty()) {
    return std::string(tag);
  }
  return digest ? "" : "latest";
}

// A resource.Quantity field as the API server stores it: the SidecarSet webhook decodes the object
// (Quantity.UnmarshalJSON: quotes and surrounding spaces stripped, `null` is zero), optionally
// rounds (SetDefaults_ResourceList: RoundUp(-3), "if you want some resources, you should get
// some") and answers with json.Marshal of it, which prints Quantity.String(). Text that does not
// parse is left as it is for validation to report.
void store_quantity(Json& value, bool round_to_milli) {
  if (value.is_null()) {
    value = "0";
    return;
  }
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_number()) {
    text = value.dump();  // "cpu: 1" in YAML; Go reads the bare number the same way
  } else {
    return;
  }
  if (auto stored = marshal_quantity(text, round_to_milli)) {
    value = *stored;
  }
}

// corev1.ResourceList (map[ResourceName]Quantity).
void store_quantity_map(Json& obj, std::string_view key, bool round_to_milli) {
  if (Json* list = object_member(obj, key)) {
    for (auto& [name, value] : list->items()) {
      store_quantity(value, round_to_milli);
    }
  }
}

// corev1.ResourceFieldSelector.divisor is a Quantity struct, which `omitempty` never omits: an
// absent divisor is stored as the zero Quantity, "0".
void store_divisor(Json& holder) {
  if (Json* ref = object_member(holder, "resourceFieldRef")) {
    auto it = ref->find("divisor");
    if (it == ref->end()) {
      (*ref)["divisor"] = "0";
    } else {
      store_quantity(*it, false);
    }
  }
}

void store_container_quantities(Json& c) {
  if (Json* resources = object_member(c, "resources")) {
    store_quantity_map(*resources, "limits", true);
    store_quantity_map(*resources, "requests", true);
  }
  for_each_object(c, "env", [](Json& e) {
    if (Json* from = object_member(e, "valueFrom")) {
      store_divisor(*from);
    }
  });
}

void store_volume_quantities(Json& v) {
  if (Json* empty_dir = object_member(v, "emptyDir")) {
    // *Quantity with omitempty: a null sizeLimit is a nil pointer and disappears.
    if (auto it = empty_dir->find("sizeLimit"); it != empty_dir->end()) {
      if (it->is_null()) {
        empty_dir->erase(it);
      } else {
        store_quantity(*it, false);
      }
    }
  }
  auto items = [](Json& downward) { for_each_object(downward, "items", store_divisor); };
  if (Json* d = object_member(v, "downwardAPI")) {
    items(*d);
  }
  if (Json* p = object_member(v, "projected")) {
    for_each_object(*p, "sources", [&](Json& src) {
      if (Json* d = object_member(src, "downwardAPI")) {
        items(*d);
      }
    });
  }
  if (Json* e = object_member(v, "ephemeral")) {
    if (Json* t = object_member(*e, "volumeClaimTemplate")) {
      if (Json* spec = object_member(*t, "spec")) {
        if (Json* resources = object_member(*spec, "resources")) {
          store_quantity_map(*resources, "limits", false);
          store_quantity_map(*resources, "requests", false);
        }
      }
    }
  }
}

// The structural defaults of the SidecarSet CRD (config/crd/bases/apps.kruise.io_sidecarsets.yaml,
// both versions), which the API server applies to absent and null fields before any webhook sees
// the object, so the hash covers them. The CRD declares three: containers[] and
// initContainers[] resourcesPolicy.targetContainersNameRegex ".*" (applied here),
// injectionStrategy.revision.policy "Always" (the webhook's own default below covers it), and
// imagePullSecrets[].name "" (Go reads an absent name as "" and omits it again, so nothing can
// observe it; not written, to keep the pod's secrets as the webhook marshals them).
void apply_crd_defaults(Json& spec) {
  for (const char* list : {"containers", "initContainers"}) {
    for_each_object(spec, list, [](Json& c) {
      if (Json* policy = object_member(c, "resourcesPolicy")) {
        if (!is_set(*policy, "targetContainersNameRegex")) {
          (*policy)["targetContainersNameRegex"] = ".*";
        }
      }
    });
  }
}

// OpenKruise setDefaultSidecarContainer + setDefaultContainer (apis/apps/defaults/v1alpha1.go):
// note that startupProbe is not defaulted there.
void default_container(Json& c, std::string_view inject_policy) {
  default_string(c, "podInjectPolicy", inject_policy);
  if (!is_set(c, "upgradeStrategy")) {
    c["upgradeStrategy"] = Json::object();
  }
  default_string(c["upgradeStrategy"], "upgradeType", "ColdUpgrade");
  if (!is_set(c, "shareVolumePolicy")) {
    c["shareVolumePolicy"] = Json::object();
  }
  default_string(c["shareVolumePolicy"], "type", "disabled");

  // corev1 SetDefaults_Container.
  if (empty_string(c, "imagePullPolicy")) {
    const Json& image = c.value("image", Json());
    const std::string tag = image_tag(image.is_string() ? image.get<std::string>() : "");
    c["imagePullPolicy"] = tag == "latest" ? "Always" : "IfNotPresent";
  }
  default_string(c, "terminationMessagePath", "/dev/termination-log");
  default_string(c, "terminationMessagePolicy", "File");

  for_each_object(c, "ports", [](Json& p) { default_string(p, "protocol", "TCP"); });
  for_each_object(c, "transferEnv", [](Json& t) {
    if (Json* from = object_member(t, "sourceContainerNameFrom")) {
      if (Json* ref = object_member(*from, "fieldRef")) {
        default_field_ref(*ref);
      }
    }
  });
  for_each_object(c, "env", [](Json& e) {
    if (Json* from = object_member(e, "valueFrom")) {
      if (Json* ref = object_member(*from, "fieldRef")) {
        default_field_ref(*ref);
      }
    }
  });
  store_container_quantities(c);
  for (const char* probe : {"livenessProbe", "readinessProbe"}) {
    if (Json* p = object_member(c, probe)) {
      default_probe(*p);
    }
  }
  if (Json* lifecycle = object_member(c, "lifecycle")) {
    for (const char* hook : {"postStart", "preStop"}) {
      if (Json* h = object_member(*lifecycle, hook)) {
        default_http_get(*h);
      }
    }
  }
}

void default_items_field_refs(Json& source) {
  for_each_object(source, "items", [](Json& item) {
    if (Json* ref = object_member(item, "fieldRef")) {
      default_field_ref(*ref);
    }
  });
}

void default_mode(Json& source) {
  if (!is_set(source, "defaultMode")) {
    source["defaultMode"] = 420;  // 0644
  }
}

// OpenKruise SetDefaultPodVolumes: SetDefaults_Volume and the per-source defaulters.
void default_volume(Json& v) {
  store_volume_quantities(v);
  bool has_source = false;
  for (auto key : kVolumeSources) {
    has_source = has_source || is_set(v, key);
  }
  if (!has_source) {
    v["emptyDir"] = Json::object();
  }
  if (Json* host = object_member(v, "hostPath")) {
    if (!is_set(*host, "type")) {
      (*host)["type"] = "";
    }
  }
  for (const char* key : {"secret", "configMap"}) {
    if (Json* s = object_member(v, key)) {
      default_mode(*s);
    }
  }
  if (Json* d = object_member(v, "downwardAPI")) {
    default_mode(*d);
    default_items_field_refs(*d);
  }
  if (Json* p = object_member(v, "projected")) {
    default_mode(*p);
    for_each_object(*p, "sources", [](Json& src) {
      if (Json* d = object_member(src, "downwardAPI")) {
        default_items_field_refs(*d);
      }
      if (Json* t = object_member(src, "serviceAccountToken")) {
        if (!is_set(*t, "expirationSeconds")) {
          (*t)["expirationSeconds"] = 3600;
        }
      }
    });
  }
}

}  // namespace

void convert_to_v1beta1(Json& ss) {
  if (!ss.is_object() || ss.value("apiVersion", Json()) != Json("apps.kruise.io/v1alpha1")) {
    return;
  }
  ss["apiVersion"] = "apps.kruise.io/v1beta1";
  if (Json* spec = object_member(ss, "spec")) {
    // v1alpha1 spec.namespace wins over namespaceSelector (sidecarset_conversion.go).
    auto ns = spec->find("namespace");
    if (ns != spec->end()) {
      if (ns->is_string() && !ns->get_ref<const std::string&>().empty()) {
        Json selector = {{"matchLabels", {{std::string(kNamespaceNameLabel), *ns}}}};
        (*spec)["namespaceSelector"] = std::move(selector);
      }
      spec->erase("namespace");
    }
  }
  if (Json* meta = object_member(ss, "metadata")) {
    if (Json* labels = object_member(*meta, "labels")) {
      auto it = labels->find(kCustomVersionLabel);
      if (it != labels->end()) {
        Json version = *it;
        labels->erase(it);
        if (labels->empty()) {
          meta->erase("labels");
        }
        if (Json* spec = object_member(ss, "spec"); spec != nullptr && version.is_string()) {
          (*spec)["customVersion"] = std::move(version);
        }
      }
    }
  }
}

void default_sidecarset(Json& ss) {
  Json* spec = object_member(ss, "spec");
  if (spec == nullptr) {
    return;
  }
  apply_crd_defaults(*spec);
  if (!is_set(*spec, "updateStrategy")) {
    (*spec)["updateStrategy"] = Json::object();
  }
  if (Json* strategy = object_member(*spec, "updateStrategy")) {
    default_string(*strategy, "type", "RollingUpdate");
    if (!is_set(*strategy, "maxUnavailable")) {
      (*strategy)["maxUnavailable"] = 1;
    }
    if (!is_set(*strategy, "partition")) {
      (*strategy)["partition"] = 0;
    }
  }
  for_each_object(*spec, "initContainers",
                  [](Json& c) { default_container(c, "AfterAppContainer"); });
  for_each_object(*spec, "containers", [](Json& c) { default_container(c, "BeforeAppContainer"); });
  for_each_object(*spec, "volumes", default_volume);
  if (!is_set(*spec, "revisionHistoryLimit")) {
    (*spec)["revisionHistoryLimit"] = 10;
  }
  for_each_object(*spec, "patchPodMetadata",
                  [](Json& p) { default_string(p, "patchPolicy", "Retain"); });
  if (Json* injection = object_member(*spec, "injectionStrategy")) {
    if (Json* revision = object_member(*injection, "revision")) {
      default_string(*revision, "policy", "Always");
    }
  }
}

}  // namespace injector
