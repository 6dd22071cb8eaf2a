// Field names of OpenKruise's apps/v1alpha1 and v1beta1 SidecarSet (sidecarset_types.go) and of
// the Kubernetes types it embeds (ObjectMeta, LabelSelector, Volume); containers are checked
// against the Go SidecarContainer type that the hashes encode (hash.cpp).

#include "injector/model/fields.hpp"

#include <algorithm>
#include <span>
#include <string_view>

#include "injector/model/hash.hpp"

namespace injector {
namespace {

enum class Shape {
  kLeaf,        // a scalar, a string list or a map with free keys (labels, annotations)
  kObject,      // the fields below
  kObjectList,  // a list of objects with the fields below
  kContainers,  // a list of SidecarContainers
  kVolumes,     // a list of corev1.Volume
  kAny,         // not checked (status, managedFields)
};

struct Node {
  std::string_view name;
  Shape shape = Shape::kLeaf;
  std::span<const Node> fields = {};
};

using S = Shape;

constexpr Node kOwnerReference[] = {
    {"apiVersion"}, {"kind"}, {"name"}, {"uid"}, {"controller"}, {"blockOwnerDeletion"},
};
constexpr Node kObjectMeta[] = {
    {"name"},
    {"generateName"},
    {"namespace"},
    {"selfLink"},
    {"uid"},
    {"resourceVersion"},
    {"generation"},
    {"creationTimestamp"},
    {"deletionTimestamp"},
    {"deletionGracePeriodSeconds"},
    {"labels"},
    {"annotations"},
    {"ownerReferences", S::kObjectList, kOwnerReference},
    {"finalizers"},
    {"managedFields", S::kAny},
};
constexpr Node kRequirement[] = {{"key"}, {"operator"}, {"values"}};
constexpr Node kLabelSelector[] = {
    {"matchLabels"},
    {"matchExpressions", S::kObjectList, kRequirement},
};
constexpr Node kWeightTerm[] = {{"weight"}, {"matchSelector", S::kObject, kLabelSelector}};
constexpr Node kOrderTerm[] = {{"orderedKey"}};
constexpr Node kPriorityStrategy[] = {
    {"weightPriority", S::kObjectList, kWeightTerm},
    {"orderPriority", S::kObjectList, kOrderTerm},
};
constexpr Node kScatterTerm[] = {{"key"}, {"value"}};
constexpr Node kUpdateStrategy[] = {
    {"type"},
    {"paused"},
    {"selector", S::kObject, kLabelSelector},
    {"partition"},
    {"maxUnavailable"},
    {"priorityStrategy", S::kObject, kPriorityStrategy},
    {"scatterStrategy", S::kObjectList, kScatterTerm},
};
constexpr Node kInjectRevision[] = {{"customVersion"}, {"revisionName"}, {"policy"}};
constexpr Node kInjectionStrategy[] = {
    {"paused"},
    {"revision", S::kObject, kInjectRevision},
};
constexpr Node kLocalObjectReference[] = {{"name"}};
constexpr Node kPatchPodMetadata[] = {{"annotations"}, {"patchPolicy"}};

// v1alpha1 has `namespace`, v1beta1 `customVersion`; the rest is shared.
#define INJECTOR_SPEC_FIELDS                                                                   \
  {"selector", S::kObject, kLabelSelector}, {"namespaceSelector", S::kObject, kLabelSelector}, \
      {"initContainers", S::kContainers}, {"containers", S::kContainers},                      \
      {"volumes", S::kVolumes}, {"updateStrategy", S::kObject, kUpdateStrategy},               \
      {"injectionStrategy", S::kObject, kInjectionStrategy},                                   \
      {"imagePullSecrets", S::kObjectList, kLocalObjectReference}, {"revisionHistoryLimit"}, { \
    "patchPodMetadata", S::kObjectList, kPatchPodMetadata                                      \
  }
constexpr Node kSpecV1alpha1[] = {INJECTOR_SPEC_FIELDS, {"namespace"}};
constexpr Node kSpecV1beta1[] = {INJECTOR_SPEC_FIELDS, {"customVersion"}};
#undef INJECTOR_SPEC_FIELDS

constexpr Node kV1alpha1[] = {
    {"apiVersion"},
    {"kind"},
    {"metadata", S::kObject, kObjectMeta},
    {"spec", S::kObject, kSpecV1alpha1},
    {"status", S::kAny},
};
constexpr Node kV1beta1[] = {
    {"apiVersion"},
    {"kind"},
    {"metadata", S::kObject, kObjectMeta},
    {"spec", S::kObject, kSpecV1beta1},
    {"status", S::kAny},
};

// corev1.Volume (k8s.io/api v0.32): the name and one member per volume source.
constexpr std::string_view kVolumeFields[] = {
    "name",
    "hostPath",
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
    "image",
};

std::string item(const std::string& path, std::string_view key, std::size_t i) {
  return path + std::string(key) + "[" + std::to_string(i) + "].";
}

void walk(const Json& v, std::span<const Node> fields, const std::string& path,
          std::vector<std::string>& out) {
  if (!v.is_object()) {
    return;  // a wrong type is validation's to report
  }
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();
    auto f =
        std::find_if(fields.begin(), fields.end(), [&](const Node& n) { return n.name == key; });
    if (f == fields.end()) {
      out.push_back(path + key);
      continue;
    }
    const Json& value = it.value();
    switch (f->shape) {
      case S::kLeaf:
      case S::kAny:
        break;
      case S::kObject:
        walk(value, f->fields, path + key + ".", out);
        break;
      case S::kObjectList:
      case S::kContainers:
      case S::kVolumes:
        if (!value.is_array()) {
          break;
        }
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (f->shape == S::kObjectList) {
            walk(value[i], f->fields, item(path, key, i), out);
          } else if (f->shape == S::kContainers) {
            unknown_container_fields(value[i], item(path, key, i), out);
          } else if (value[i].is_object()) {
            for (auto m = value[i].begin(); m != value[i].end(); ++m) {
              if (std::find(std::begin(kVolumeFields), std::end(kVolumeFields), m.key()) ==
                  std::end(kVolumeFields)) {
                out.push_back(item(path, key, i) + m.key());
              }
            }
          }
        }
        break;
    }
  }
}

}  // namespace

std::vector<std::string> unknown_sidecarset_fields(const Json& sidecarset) {
  std::vector<std::string> out;
  const bool alpha =
      sidecarset.is_object() && sidecarset.value("apiVersion", Json()) == "apps.kruise.io/v1alpha1";
  walk(sidecarset, alpha ? std::span<const Node>(kV1alpha1) : std::span<const Node>(kV1beta1), "",
       out);
  return out;
}

}  // namespace injector
