#!/usr/bin/env bash
# Scale: the same review with 10,000 SidecarSets loaded (one of which matches the pod, as in
# examples/sidecarsets) against the example set alone. Runs bench/run.sh on each (8 connections)
# and prints start-up time, resident memory and the review rate of both, and the rate ratio.
# Loopback only, about 40 s. Environment: INJECTOR_BIN, COUNT (10000), DURATION (10s).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COUNT=${COUNT:-10000}
tmp=$(mktemp -d /tmp/injector-scale.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The example set plus COUNT minus its SidecarSets that select other pods (app: svc-<i>), each
# with a container and a volume, in one multi-document file.
cp -r "$ROOT/examples/sidecarsets" "$tmp/many"
have=$(grep -h '^kind: SidecarSet' "$ROOT"/examples/sidecarsets/*.yaml | wc -l)
python3 - "$tmp/many/generated.yaml" $((COUNT - have)) <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as out:
    for i in range(n):
        out.write(f"""apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: scale-{i:05d}
spec:
  selector:
    matchLabels:
      app: svc-{i}
  containers:
  - name: agent-{i}
    image: registry.example.com/agent:1.4
    volumeMounts:
    - name: data-{i}
      mountPath: /var/lib/agent
  volumes:
  - name: data-{i}
    emptyDir: {{}}
---
""")
PY

run() {
  CONNECTIONS=8 SIDECARSETS=$1 "$ROOT/bench/run.sh" | tee "$tmp/$2.out" >&2
}
run "$ROOT/examples/sidecarsets" few
run "$tmp/many" many

rate() { awk '$2 == "sidecarset-injector" {print $3}' "$tmp/$1.out"; }
ready() { sed -n 's/.*ready in \([0-9]*\) ms.*/\1/p' "$tmp/$1.out"; }
rss() { sed -n 's/.*RSS \([0-9]*\) MiB when ready, \([0-9]*\) MiB after.*/\1 \2/p' "$tmp/$1.out"; }
echo
printf '%-12s %10s %10s %18s\n' sidecarsets req/s ready_ms "rss_mib(ready,load)"
printf '%-12s %10s %10s %18s\n' "$have" "$(rate few)" "$(ready few)" "$(rss few)"
printf '%-12s %10s %10s %18s\n' "$COUNT" "$(rate many)" "$(ready many)" "$(rss many)"
awk -v a="$(rate many)" -v b="$(rate few)" -v c="$COUNT" \
  'BEGIN{printf "rate with %d SidecarSets / rate with the example set: %.2f\n", c, a / b}'
