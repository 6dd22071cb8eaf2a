#!/usr/bin/env bash
# End-to-end check through a stand-in kube-apiserver (../shared/apisim): for every public
# conformance case that expects an injected pod, and for the fixtures/reviews pods, start the real
# server on loopback with that case's SidecarSets, send the pod as the API server would (v1 and
# v1beta1), verify the answer, apply the patch with the API server's JSON Patch library, check the
# Pod, and reinvoke (idempotence). Cases that expect a denial must be denied.
# usage: scripts/apisim-check.sh BIN [SHARED_DIR]
set -euo pipefail
bin=$(realpath "$1")
shared=$(realpath "${2:-../shared}")
cd "$(dirname "$0")/.."
root=$(pwd)

apisim="$shared/apisim/apisim"
if [ ! -x "$apisim" ]; then
  "$shared/apisim/build.sh" >/dev/null
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

certs/make-certs.sh "$work/certs" >/dev/null
svc=sidecarset-injector.sidecarset-system.svc

start_server() {  # $1: sidecarsets path
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  "$bin" serve --metrics-listen 127.0.0.1:0 --sidecarsets "$1" --tls-cert "$work/certs/tls.crt" --tls-key "$work/certs/tls.key" \
    --listen "127.0.0.1:$port" --log-level warn 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 200); do
    if curl -sf --cacert "$work/certs/ca.crt" --resolve "$svc:$port:127.0.0.1" \
      "https://$svc:$port/readyz" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "server failed to start:"
      cat "$work/server.log"
      return 1
    fi
    sleep 0.05
  done
  echo "server did not become ready"
  return 1
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

pass=0
fail=0
check() {  # $1 label, $2 expected apisim exit, rest: apisim args
  local label=$1 want=$2
  shift 2
  local rc=0
  "$apisim" --url "https://127.0.0.1:$port/mutate-pod" --ca "$work/certs/ca.crt" --server-name "$svc" \
    -q "$@" >"$work/apisim.out" 2>&1 || rc=$?
  if [ "$rc" = "$want" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $label: apisim exit $rc, expected $want"
    sed 's/^/    /' "$work/apisim.out" | head -20
  fi
}

for case_dir in "$shared"/conformance/cases/*/; do
  name=$(basename "$case_dir")
  want_exit=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit"])' "$case_dir/expect.json")
  [ "$want_exit" = 2 ] && continue  # invalid SidecarSets: the server refuses to start, by design
  start_server "$case_dir/sidecarsets.yaml"
  ns=$(python3 -c 'import sys,re; m=re.search(r"^  namespace: *(\S+)", open(sys.argv[1]).read(), re.M); print(m.group(1) if m else "default")' "$case_dir/pod.yaml")
  expect=0
  [ "$want_exit" = 1 ] && expect=23  # DENIED
  for v in v1 v1beta1; do
    check "$name ($v)" "$expect" --version "$v" --request "$case_dir/pod.yaml" --namespace "$ns" --check-pod --reinvoke
  done
  stop_server
done

start_server "$root/examples/sidecarsets"
for f in "$root"/fixtures/reviews/create-*.json; do
  [ -e "$f" ] || continue
  for v in v1 v1beta1; do
    check "$(basename "$f") ($v)" 0 --version "$v" --request "$f" --check-pod --reinvoke
  done
done
stop_server

echo "apisim: $pass passed, $fail failed"
[ "$fail" = 0 ]
