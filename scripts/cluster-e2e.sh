#!/usr/bin/env bash
# End-to-end check of cluster mode against a stand-in kube-apiserver (../shared/apisim serve),
# with the webhook configurations of manifests/ applied through kubectl: injection with
# OpenKruise's annotations, v1alpha1 and v1beta1 SidecarSets, SidecarSet admission (when the
# server answers it), the delay from a change to the next pod, no change missed under dropped
# watches and a forced 410, list-then-watch in the request log, and 10,000 SidecarSets; then
# scripts/audit_e2e.py: `audit` finding the pods created while the webhook was unregistered,
# an admission warning in kubectl's stderr, and the informer metrics.
# Loopback only; every process started here is stopped by its PID. Figures go to stdout.
# usage: scripts/cluster-e2e.sh BIN [SHARED_DIR]
set -euo pipefail
bin=$(realpath "$1")
shared=$(realpath "${2:-../shared}")
cd "$(dirname "$0")/.."

apisim="$shared/apisim/apisim"
if [ ! -x "$apisim" ]; then
  "$shared/apisim/build.sh" >/dev/null
fi
kubectl=${KUBECTL:-$(command -v kubectl || true)}
if [ -z "$kubectl" ]; then
  echo "cluster-e2e: kubectl not found (SETUP_EXTRAS=1 scripts/setup.sh installs Debian's)" >&2
  exit 1
fi
status=0
python3 scripts/cluster_e2e.py --bin "$bin" --apisim "$apisim" --kubectl "$kubectl" || status=1
python3 scripts/audit_e2e.py --bin "$bin" --apisim "$apisim" --kubectl "$kubectl" || status=1
exit $status
