#pragma once
// Shared pieces of the fuzz targets: how a broken property stops the run, a reader that turns
// fuzzer bytes into choices, and the Pod checks the API server runs on what admission returns.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "injector/json.hpp"
#include "injector/kube/selector.hpp"

namespace fuzz {

/// Reports the property that failed with the input and aborts, so libFuzzer keeps the input.
[[noreturn]] inline void violated(std::string_view target, std::string_view property,
                                  std::string_view input) {
  std::fprintf(stderr, "%.*s: %.*s\ninput: %.*s\n", static_cast<int>(target.size()), target.data(),
               static_cast<int>(property.size()), property.data(), static_cast<int>(input.size()),
               input.data());
  std::abort();
}

/// Fuzzer bytes read as a sequence of choices; past the end every choice is 0, so any input is a
/// complete (if small) case.
class Choices {
 public:
  Choices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool flag() { return (byte() & 1U) != 0; }
  /// An index below `count` (count > 0).
  std::size_t pick(std::size_t count) { return byte() % count; }
  template <class T, std::size_t N>
  const T& one_of(const T (&options)[N]) {
    return options[pick(N)];
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

inline const injector::Json& field(const injector::Json& obj, std::string_view key) {
  static const injector::Json kNull;
  if (!obj.is_object()) {
    return kNull;
  }
  const auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

inline std::string string_field(const injector::Json& obj, std::string_view key) {
  const injector::Json& v = field(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

/// The part of kube-apiserver's ValidatePodCreate that concerns what sidecar injection adds
/// (the rules of apisim's --check-pod that injection can break): container names are DNS-1123
/// labels, unique across initContainers and containers; images present; restartPolicy only
/// `Always` and only on init containers; volume names DNS-1123 labels and unique; every
/// volumeMount and volumeDevice names a volume of the pod; mountPath present and unique per
/// container; env names present; annotation keys qualified names with string values; pull
/// secret names present. One message per problem.
inline std::vector<std::string> pod_problems(const injector::Json& pod) {
  std::vector<std::string> out;
  const injector::Json& spec = field(pod, "spec");
  std::set<std::string> volumes;
  const injector::Json& vols = field(spec, "volumes");
  for (std::size_t i = 0; vols.is_array() && i < vols.size(); ++i) {
    const std::string name = string_field(vols[i], "name");
    if (!injector::dns1123_label_errors(name).empty()) {
      out.push_back("spec.volumes[" + std::to_string(i) + "].name: invalid " + name);
    }
    if (!volumes.insert(name).second) {
      out.push_back("spec.volumes[" + std::to_string(i) + "].name: duplicate " + name);
    }
  }
  std::set<std::string> names;
  for (const char* kind : {"initContainers", "containers"}) {
    const injector::Json& list = field(spec, kind);
    for (std::size_t i = 0; list.is_array() && i < list.size(); ++i) {
      const injector::Json& c = list[i];
      const std::string at = std::string("spec.") + kind + "[" + std::to_string(i) + "]";
      const std::string name = string_field(c, "name");
      if (!injector::dns1123_label_errors(name).empty()) {
        out.push_back(at + ".name: invalid " + name);
      }
      if (!names.insert(name).second) {
        out.push_back(at + ".name: duplicate " + name);
      }
      if (string_field(c, "image").empty()) {
        out.push_back(at + ".image: required");
      }
      if (const injector::Json& rp = field(c, "restartPolicy"); !rp.is_null()) {
        if (std::string_view(kind) != "initContainers" || rp != "Always") {
          out.push_back(at + ".restartPolicy: not allowed here");
        }
      }
      std::set<std::string> paths;
      for (const char* mounts : {"volumeMounts", "volumeDevices"}) {
        const injector::Json& ms = field(c, mounts);
        for (std::size_t j = 0; ms.is_array() && j < ms.size(); ++j) {
          const std::string vol = string_field(ms[j], "name");
          if (!volumes.contains(vol)) {
            out.push_back(at + "." + mounts + "[" + std::to_string(j) + "]: no volume " + vol);
          }
          if (std::string_view(mounts) == "volumeMounts") {
            const std::string path = string_field(ms[j], "mountPath");
            if (path.empty() || !paths.insert(path).second) {
              out.push_back(at + ".volumeMounts[" + std::to_string(j) +
                            "].mountPath: " + (path.empty() ? "required" : "duplicate " + path));
            }
          }
        }
      }
      const injector::Json& env = field(c, "env");
      for (std::size_t j = 0; env.is_array() && j < env.size(); ++j) {
        if (string_field(env[j], "name").empty()) {
          out.push_back(at + ".env[" + std::to_string(j) + "].name: required");
        }
      }
    }
  }
  if (names.empty()) {
    out.push_back("spec.containers: required");
  }
  const injector::Json& secrets = field(spec, "imagePullSecrets");
  for (std::size_t i = 0; secrets.is_array() && i < secrets.size(); ++i) {
    if (string_field(secrets[i], "name").empty()) {
      out.push_back("spec.imagePullSecrets[" + std::to_string(i) + "].name: required");
    }
  }
  const injector::Json& anns = field(field(pod, "metadata"), "annotations");
  if (anns.is_object()) {
    for (auto it = anns.begin(); it != anns.end(); ++it) {
      std::string key = it.key();
      for (auto& ch : key) {
        ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
      }
      if (!injector::qualified_name_errors(key).empty() || !it->is_string()) {
        out.push_back("metadata.annotations: invalid " + it.key());
      }
    }
  }
  return out;
}

}  // namespace fuzz
