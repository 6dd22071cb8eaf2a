#!/usr/bin/env bash
# Makes a throwaway CA and the webhook's serving certificate, and optionally the kubernetes.io/tls
# Secret and a MutatingWebhookConfiguration with caBundle filled in. See certs/README.md.
#
# Why these choices:
# - kube-apiserver verifies the serving certificate against caBundle with Go's crypto/tls, which
#   ignores the CN (Go >= 1.15) and checks the DNS SAN `<service>.<namespace>.svc`; the other names
#   cover in-cluster short names and `make run` on loopback (spec/admission-protocol.md section 1).
# - EC P-256 keys: accepted by every Go and OpenSSL version, and ECDHE-ECDSA suites are what Go's
#   client offers by default (no TLS_RSA_* key exchange since Go 1.22).
# - extendedKeyUsage serverAuth: Go rejects a leaf without it ("incompatible key usage").
# - Idempotent: valid files are reused, so `make run` and the tests can call this every time.
set -euo pipefail

readonly kService=sidecarset-injector
readonly kNamespace=sidecarset-system
readonly kSecretName=sidecarset-injector-tls
readonly kDays=365
# Regenerate when less than this is left, so a reused certificate never expires mid-run.
readonly kMinValiditySeconds=$((30 * 24 * 3600))
readonly kSans="DNS:localhost, DNS:${kService}, DNS:${kService}.${kNamespace}, DNS:${kService}.${kNamespace}.svc, IP:127.0.0.1, IP:::1"

# No external command before the openssl check below (it must be the first thing to fail).
case "${BASH_SOURCE[0]}" in
  */*) script_dir=${BASH_SOURCE[0]%/*} ;;
  *) script_dir=. ;;
esac
manifests_dir=${script_dir}/../manifests
webhook_template=${MAKE_CERTS_WEBHOOK_TEMPLATE:-${manifests_dir}/base/mutatingwebhookconfiguration.yaml}

usage() {
  cat <<EOF
usage: make-certs.sh OUTDIR [--secret FILE] [--webhook FILE] [--overlay DIR [--files]] [--force]

Writes OUTDIR/ca.crt, ca.key (throwaway CA) and OUTDIR/tls.crt, tls.key (serving certificate for
${kService}.${kNamespace}.svc, localhost, 127.0.0.1 and ::1; EC P-256; ${kDays} days).
Existing files are kept while they are valid for 30 more days and carry the expected names.

  --secret FILE   also write a kubernetes.io/tls Secret ${kNamespace}/${kSecretName}
  --webhook FILE  also write the pod MutatingWebhookConfiguration of manifests/ with caBundle set
  --overlay DIR   also write a kustomization in DIR: manifests/ (cluster mode) + the Secret +
                  the caBundle of every webhook (deploy with: kubectl apply -k DIR)
  --files         with --overlay: on manifests/files/ (files mode) instead
  --force         make a new CA and certificate even if the existing ones are valid
  -h, --help      show this help
EOF
}

die_usage() {
  echo "make-certs.sh: $1" >&2
  echo "run 'make-certs.sh --help' for usage" >&2
  exit 2
}

die() {
  echo "make-certs.sh: $1" >&2
  exit 1
}

outdir=""
secret_file=""
webhook_file=""
overlay_dir=""
force=0
files_mode=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --secret | --webhook | --overlay)
      if [ $# -lt 2 ] || [ -z "$2" ]; then
        if [ "$1" = --overlay ]; then what=DIR; else what=FILE; fi
        die_usage "option $1 needs a $what argument"
      fi
      case "$1" in
        --secret) secret_file=$2 ;;
        --webhook) webhook_file=$2 ;;
        *) overlay_dir=$2 ;;
      esac
      shift 2
      ;;
    --force)
      force=1
      shift
      ;;
    --files)
      files_mode=1
      shift
      ;;
    -*)
      die_usage "unknown option $1"
      ;;
    *)
      [ -z "$outdir" ] || die_usage "unexpected argument $1 (OUTDIR is already $outdir)"
      outdir=$1
      shift
      ;;
  esac
done
[ -n "$outdir" ] || die_usage "missing OUTDIR"
[ "$files_mode" = 0 ] || [ -n "$overlay_dir" ] || die_usage "--files needs --overlay DIR"
command -v openssl >/dev/null 2>&1 || die "openssl not found on PATH (Debian package openssl)"
if [ -n "$webhook_file" ] && ! grep -Eq '^[[:space:]]*caBundle:' "$webhook_template" 2>/dev/null; then
  die "no caBundle field in webhook template $webhook_template"
fi

mkdir -p "$outdir"
# Parallel test runs may share OUTDIR: hold a lock on the directory itself (no stray lock file) so
# one of them creates the files and the others reuse them.
if command -v flock >/dev/null 2>&1; then
  exec 9<"$outdir"
  flock 9
fi

# Prints nothing and succeeds when OUTDIR holds a usable CA + serving certificate pair.
existing_is_valid() {
  local f
  for f in ca.crt ca.key tls.crt tls.key; do
    [ -s "$outdir/$f" ] || return 1
  done
  openssl x509 -in "$outdir/ca.crt" -noout -checkend "$kMinValiditySeconds" >/dev/null 2>&1 || return 1
  openssl x509 -in "$outdir/tls.crt" -noout -checkend "$kMinValiditySeconds" >/dev/null 2>&1 || return 1
  openssl verify -CAfile "$outdir/ca.crt" "$outdir/tls.crt" >/dev/null 2>&1 || return 1
  # The key files must belong to the certificates (a half-copied directory is not reusable).
  [ "$(openssl x509 -in "$outdir/tls.crt" -noout -pubkey 2>/dev/null)" = \
    "$(openssl pkey -in "$outdir/tls.key" -pubout 2>/dev/null)" ] || return 1
  [ "$(openssl x509 -in "$outdir/ca.crt" -noout -pubkey 2>/dev/null)" = \
    "$(openssl pkey -in "$outdir/ca.key" -pubout 2>/dev/null)" ] || return 1
  local sans
  sans=$(openssl x509 -in "$outdir/tls.crt" -noout -ext subjectAltName 2>/dev/null) || return 1
  local want
  for want in "DNS:localhost" "DNS:${kService}.${kNamespace}.svc" "IP Address:127.0.0.1"; do
    case "$sans" in *"$want"*) ;; *) return 1 ;; esac
  done
}

generate() {
  local tmp
  tmp=$(mktemp -d "$outdir/.make-certs.XXXXXX")
  # shellcheck disable=SC2064 # expand now: $tmp is local to this function
  trap "rm -rf '$tmp'" EXIT

  cat >"$tmp/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = ${kSans}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
  (
    umask 077
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ca.key"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/tls.key"
  )
  openssl req -new -x509 -config "$tmp/openssl.cnf" -extensions ca_ext -key "$tmp/ca.key" \
    -subj "/O=sidecarset-injector/CN=sidecarset-injector throwaway CA" -days "$kDays" -sha256 \
    -set_serial "0x$(openssl rand -hex 16)" -out "$tmp/ca.crt"
  openssl req -new -config "$tmp/openssl.cnf" -key "$tmp/tls.key" \
    -subj "/O=sidecarset-injector/CN=${kService}.${kNamespace}.svc" -out "$tmp/tls.csr"
  openssl x509 -req -in "$tmp/tls.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
    -extfile "$tmp/openssl.cnf" -extensions server_ext -days "$kDays" -sha256 \
    -set_serial "0x$(openssl rand -hex 16)" -out "$tmp/tls.crt" 2>"$tmp/x509.log" || {
    cat "$tmp/x509.log" >&2 # only on failure: on success it says "signature ok"
    exit 1
  }
  chmod 644 "$tmp/ca.crt" "$tmp/tls.crt"
  # Each file is replaced atomically; callers of this script are serialised by the lock above.
  local f
  for f in ca.key tls.key ca.crt tls.crt; do
    mv -f "$tmp/$f" "$outdir/$f"
  done
  rm -rf "$tmp"
  trap - EXIT
}

if [ "$force" = 0 ] && existing_is_valid; then
  echo "make-certs.sh: reusing the valid certificates in $outdir" >&2
else
  generate
  echo "make-certs.sh: wrote $outdir/ca.crt, ca.key, tls.crt, tls.key" >&2
fi

b64() {
  openssl base64 -A -in "$1"
}

# Writes stdin to FILE with MODE through a temporary file in the same directory (readers never
# see half a file).
write_atomically() {
  local file=$1 mode=$2 dir tmp
  dir=$(dirname "$file")
  mkdir -p "$dir"
  tmp=$(mktemp "$dir/.make-certs.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$file"
}

# The Secret holds the private key: readable by the owner only.
write_secret() {
  write_atomically "$1" 600 <<EOF
# Generated by certs/make-certs.sh: serving certificate of the sidecarset-injector webhook.
apiVersion: v1
kind: Secret
metadata:
  name: ${kSecretName}
  namespace: ${kNamespace}
  labels:
    app.kubernetes.io/name: sidecarset-injector
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$outdir/tls.crt")
  tls.key: $(b64 "$outdir/tls.key")
  ca.crt: $(b64 "$outdir/ca.crt")
EOF
  echo "make-certs.sh: wrote $1" >&2
}

if [ -n "$secret_file" ]; then
  write_secret "$secret_file"
fi

if [ -n "$webhook_file" ]; then
  ca_bundle=$(b64 "$outdir/ca.crt")
  # Replace the value of every caBundle field, keeping its indentation and the rest of the file.
  awk -v bundle="$ca_bundle" -v ca="$outdir/ca.crt" '
    NR == 1 { print "# Generated by certs/make-certs.sh: caBundle is " ca " (base64 of the PEM)." }
    /^[[:space:]]*caBundle:/ {
      match($0, /^[[:space:]]*/)
      print substr($0, 1, RLENGTH) "caBundle: " bundle
      next
    }
    { print }
  ' "$webhook_template" | write_atomically "$webhook_file" 644
  echo "make-certs.sh: wrote $webhook_file" >&2
fi

if [ -n "$overlay_dir" ]; then
  # An overlay rather than an edited copy: `kubectl apply -k DIR` can be repeated at will, while
  # applying manifests/ itself after a filled copy would reset caBundle to the placeholder.
  # Old-style fields (bases, patchesJson6902): Debian's kubectl 1.20 (kustomize v2) reads only
  # these, newer ones read them too.
  mkdir -p "$overlay_dir"
  # The pod webhook is in base/ (both modes), the SidecarSet webhooks only in cluster mode.
  configs=("$manifests_dir/base/mutatingwebhookconfiguration.yaml")
  if [ "$files_mode" = 1 ]; then
    base_dir=$manifests_dir/files
  else
    base_dir=$manifests_dir
    configs+=("$manifests_dir"/*webhookconfiguration.yaml)
  fi
  base=$(realpath --relative-to="$overlay_dir" "$base_dir")
  write_secret "$overlay_dir/secret.yaml"
  bundle=$(b64 "$outdir/ca.crt")
  patch_entries=""
  written=""
  for config in "${configs[@]}"; do
    # One webhook configuration per file: its kind, its name, and one op per caBundle field.
    kind=$(awk '/^kind:/ { print $2; exit }' "$config")
    name=$(awk '/^metadata:/ { m = 1; next } m && /^  name:/ { print $2; exit }' "$config")
    count=$(grep -Ec '^[[:space:]]*caBundle:' "$config")
    stem=$(basename "$config" .yaml)
    patch=cabundle-patch.yaml
    [ "$stem" = mutatingwebhookconfiguration ] || patch=cabundle-$stem.yaml
    {
      echo "# Generated by certs/make-certs.sh: caBundle is $outdir/ca.crt (base64 of the PEM)."
      for ((i = 0; i < count; i++)); do
        printf -- '- op: replace\n  path: /webhooks/%d/clientConfig/caBundle\n  value: %s\n' "$i" "$bundle"
      done
    } | write_atomically "$overlay_dir/$patch" 644
    patch_entries+="  - path: $patch
    target:
      group: admissionregistration.k8s.io
      version: v1
      kind: $kind
      name: $name
"
    written+=", $patch"
  done
  write_atomically "$overlay_dir/kustomization.yaml" 644 <<EOF
# Generated by certs/make-certs.sh: the manifests, the TLS Secret and the CA for the webhooks.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
bases:
  - ${base}
resources:
  - secret.yaml
patchesJson6902:
${patch_entries%$'\n'}
EOF
  echo "make-certs.sh: wrote $overlay_dir/kustomization.yaml$written" >&2
fi
