#!/usr/bin/env bash
# End-to-end check of the SidecarSet admission webhooks through the stand-in kube-apiserver
# (../shared/apisim serve): the injector runs in cluster mode against it, its mutating and
# validating webhook configurations are created, then SidecarSets are created and updated through
# the API as kubectl would: one v1beta1 and one v1alpha1 get their defaults and hash annotations,
# an invalid one and a conflicting one are refused with OpenKruise's message, an UPDATE adding a
# container is refused. Loopback only; every process started here is stopped by its PID.
# usage: scripts/apisim-sidecarset-check.sh BIN [SHARED_DIR]
set -euo pipefail
bin=$(realpath "$1")
shared=$(realpath "${2:-../shared}")
cd "$(dirname "$0")/.."

apisim="$shared/apisim/apisim"
[ -x "$apisim" ] || "$shared/apisim/build.sh" >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

certs/make-certs.sh "$work/certs" >/dev/null
svc=sidecarset-injector.sidecarset-system.svc
wport=$(free_port)

"$apisim" serve --listen 127.0.0.1:0 --certs-dir "$work/sim" --kubeconfig-out "$work/kubeconfig" \
  --token e2e-token --service "sidecarset-injector.sidecarset-system=127.0.0.1:$wport" -q \
  >"$work/apisim.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/kubeconfig" ] && break; sleep 0.05; done
server=$(awk '/server:/{print $2}' "$work/kubeconfig")
api() { curl -sS --cacert "$work/sim/ca.crt" -H "Authorization: Bearer e2e-token" "$@"; }

"$bin" serve --metrics-listen 127.0.0.1:0 --kubeconfig "$work/kubeconfig" --tls-cert "$work/certs/tls.crt" \
  --tls-key "$work/certs/tls.key" --listen "127.0.0.1:$wport" --log-level warn \
  2>"$work/injector.log" &
pids+=($!)
for _ in $(seq 200); do
  curl -sf --cacert "$work/certs/ca.crt" --resolve "$svc:$wport:127.0.0.1" \
    "https://$svc:$wport/readyz" >/dev/null 2>&1 && break
  sleep 0.05
done

ca=$(base64 -w0 <"$work/certs/ca.crt")
webhook() {  # $1 kind, $2 name, $3 path
  cat <<JSON
{"apiVersion":"admissionregistration.k8s.io/v1","kind":"$1Configuration","metadata":{"name":"sidecarset-injector-$2"},
 "webhooks":[{"name":"$2.kb.io","admissionReviewVersions":["v1"],"sideEffects":"None","failurePolicy":"Fail",
  "clientConfig":{"service":{"namespace":"sidecarset-system","name":"sidecarset-injector","path":"$3"},"caBundle":"$ca"},
  "rules":[{"operations":["CREATE","UPDATE"],"apiGroups":["apps.kruise.io"],"apiVersions":["v1alpha1","v1beta1"],
            "resources":["sidecarsets"]}]}]}
JSON
}
webhook MutatingWebhook msidecarset /mutate-apps-kruise-io-sidecarset |
  api -X POST -H 'Content-Type: application/json' --data-binary @- -o /dev/null \
    "$server/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"
webhook ValidatingWebhook vsidecarset /validate-apps-kruise-io-sidecarset |
  api -X POST -H 'Content-Type: application/json' --data-binary @- -o /dev/null \
    "$server/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations"

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/    /' "$work/out" | head -10; }
sidecarset() {  # $1 version, $2 name, $3 container, [$4 extra spec JSON]
  echo "{\"apiVersion\":\"apps.kruise.io/$1\",\"kind\":\"SidecarSet\",\"metadata\":{\"name\":\"$2\"},
    \"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"containers\":[{\"name\":\"$3\",\"image\":\"busybox:1.36\"}]${4:-}}}"
}
create() {  # $1 version, then the object on stdin; writes $work/out, prints the HTTP code
  api -X POST -H 'Content-Type: application/json' --data-binary @- -o "$work/out" -w '%{http_code}' \
    "$server/apis/apps.kruise.io/$1/sidecarsets"
}
has_hashes() {
  python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
a = o["metadata"].get("annotations", {})
c = o["spec"]["containers"][0]
sys.exit(0 if len(a.get("kruise.io/sidecarset-hash", "")) == 64
         and len(a.get("kruise.io/sidecarset-hash-without-image", "")) == 64
         and c.get("podInjectPolicy") == "BeforeAppContainer" else 1)' "$work/out"
}
message_is() { python3 -c 'import json,sys; m=json.load(open(sys.argv[1])).get("message",""); print(m); sys.exit(0 if m == sys.argv[2] else 1)' "$work/out" "$1" >/dev/null; }

code=$(sidecarset v1beta1 logging agent | create v1beta1)
if [ "$code" = 201 ] && has_hashes; then ok "v1beta1 SidecarSet gets defaults and hashes"; else bad "v1beta1 create ($code)"; fi

code=$(sidecarset v1alpha1 legacy legacy-agent ',"namespace":"shop"' | create v1alpha1)
if [ "$code" = 201 ] && has_hashes; then ok "v1alpha1 SidecarSet gets defaults and hashes"; else bad "v1alpha1 create ($code)"; fi

code=$(echo '{"apiVersion":"apps.kruise.io/v1beta1","kind":"SidecarSet","metadata":{"name":"noselector"},"spec":{"containers":[{"name":"x","image":"x:1"}]}}' | create v1beta1)
if [ "$code" = 500 ] && message_is 'admission webhook "vsidecarset.kb.io" denied the request: spec.selector: Required value: no selector defined for SidecarSet'; then
  ok "invalid SidecarSet refused with OpenKruise's message"
else bad "invalid SidecarSet ($code)"; fi

# The informer sees `logging` within moments; until then the conflict cannot be known.
want='admission webhook "vsidecarset.kb.io" denied the request: spec.containers: Invalid value: "agent": container agent already exist in logging'
for _ in $(seq 100); do
  code=$(sidecarset v1beta1 copycat agent | create v1beta1)
  [ "$code" = 500 ] && break
  api -X DELETE -o /dev/null "$server/apis/apps.kruise.io/v1beta1/sidecarsets/copycat"
  sleep 0.1
done
if [ "$code" = 500 ] && message_is "$want"; then ok "conflicting SidecarSet refused"; else bad "conflict ($code)"; fi

api -o "$work/logging.json" "$server/apis/apps.kruise.io/v1beta1/sidecarsets/logging"
python3 - "$work/logging.json" >"$work/update.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
o["spec"]["containers"].append({"name": "second", "image": "busybox:1.36"})
print(json.dumps(o))
PY
code=$(api -X PUT -H 'Content-Type: application/json' --data-binary @"$work/update.json" -o "$work/out" \
  -w '%{http_code}' "$server/apis/apps.kruise.io/v1beta1/sidecarsets/logging")
if [ "$code" = 500 ] && message_is 'admission webhook "vsidecarset.kb.io" denied the request: spec.containers.name: Invalid value: "second": container second is not found'; then
  ok "UPDATE adding a container refused"
else bad "update ($code)"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
