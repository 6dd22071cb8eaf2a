#!/usr/bin/env bash
# Idempotent setup: installs every Debian package the build, the tests and the tools need.
# Used by both README commands and by .ci/run. Installs nothing that is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git python3 openssl ca-certificates curl
  libboost-dev libcpp-httplib-dev libssl-dev nlohmann-json3-dev rapidjson-dev libyaml-dev libyaml-cpp-dev
  libcxxopts-dev libspdlog-dev libfmt-dev catch2 libre2-dev libmimalloc-dev libbenchmark-dev clang-format ccache
  libxml2-utils  # xmllint: the JUnit XML of `test` is checked against a schema
  python3-prometheus-client  # the metrics test parses /metrics with Prometheus' own parser
)
if [ "${SETUP_EXTRAS:-0}" = 1 ]; then
  # Tools for the deployment check and the benchmarks; not needed to build or serve.
  packages+=(wrk nginx-light iproute2 golang-go golang-github-evanphx-json-patch-dev
    golang-github-xeipuuv-gojsonschema-dev golang-gopkg-yaml.v2-dev
    golang-k8s-sigs-yaml-dev prometheus python3-yaml)
  # kubectl for scripts/cluster-e2e.sh (and kustomize rendering in the manifests test): Debian's
  # kubernetes-client, unless a kubectl is already installed (another package's /usr/bin/kubectl
  # would conflict with it).
  if ! command -v kubectl >/dev/null 2>&1; then
    packages+=(kubernetes-client)
  fi
fi

if [ "${SETUP_FUZZ:-0}" = 1 ]; then
  # Coverage-guided fuzzing (make fuzz): libFuzzer and the sanitizer runtimes of clang 16, the
  # first Debian clang that compiles libstdc++ 12's <expected>. Not needed to build or test.
  packages+=(clang-16 libfuzzer-16-dev libclang-rt-16-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
echo "setup: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
