#!/usr/bin/env bash
# Reads every manifest of the YAML corpus (fixtures/yaml/, and the repository's own examples,
# manifests and cases) with Kubernetes' reader (test/go/yamlref: sigs.k8s.io/yaml over go-yaml v2,
# built offline in GOPATH mode over Debian's /usr/share/gocode) and checks that ours reads the
# same JSON (yaml_check). Then the other way: a pod printed by `inject -o yaml` must read, with
# Kubernetes' reader, as the same JSON that `inject -o json` prints.
# usage: run-yamlref.sh GO OUT_DIR YAML_CHECK INJECTOR
set -euo pipefail
go=${1:?go binary}
out=${2:?output directory}
check=${3:?yaml_check binary}
injector=${4:?sidecarset-injector binary}
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
export GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE="$out/cache"
cd "$src"
"$go" vet ./test/go/yamlref
"$go" build -o "$out/yamlref" ./test/go/yamlref
find fixtures/yaml examples manifests fixtures/cases fixtures/cli fixtures/load \
  -type f \( -name '*.yaml' -o -name '*.yml' \) | LC_ALL=C sort >"$out/corpus.txt"
xargs "$out/yamlref" <"$out/corpus.txt" >"$out/reference.tsv"

for format in yaml json; do
  "$injector" inject --sidecarsets fixtures/yaml/openkruise/sidecarset-basic.yaml \
    -f fixtures/yaml/roundtrip/pod.yaml -o "$format" --now 2024-01-02T03:04:05Z --seed 1 \
    >"$out/roundtrip.$format"
done
# Kubernetes' reading of our YAML, checked against our JSON (read exactly, as JSON).
"$out/yamlref" "$out/roundtrip.yaml" | sed "s|^$out/roundtrip.yaml\t|$out/roundtrip.json\t|" \
  >>"$out/reference.tsv"
"$check" "$out/reference.tsv"
