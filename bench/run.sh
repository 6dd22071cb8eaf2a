#!/usr/bin/env bash
# End-to-end HTTPS benchmark: wrk over loopback TLS keep-alive at 8 and 64 connections, posting a
# realistic ~3 KB pod AdmissionReview, against sidecarset-injector serving examples/sidecarsets
# and, in the same run, against nginx returning a fixed body of the same size with the same
# certificate (the practical ceiling for a TLS request/response on this machine).
#
# Builds nothing: uses build/release/sidecarset-injector (`make bench` builds it first). Loopback
# only, bounded in time (about 50 s), cleans up after itself. See bench/README.md.
#
# Environment: INJECTOR_BIN, SIDECARSETS, REVIEW_BODY, BENCH_PORT (default: a free one; nginx
# gets BENCH_PORT+1),
# DURATION (10s), CONNECTIONS ("8 64"), WRK_THREADS (2), THREADS (server I/O threads and nginx
# workers; default nproc), LOG_LEVEL (warn: per-review lines off, as nginx's access_log).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${INJECTOR_BIN:-$ROOT/build/release/sidecarset-injector}
SIDECARSETS=${SIDECARSETS:-$ROOT/examples/sidecarsets}
REVIEW_BODY=${REVIEW_BODY:-$ROOT/bench/review.json}
# A free pair of high ports unless told (others may be serving on fixed ones).
free_port_pair() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    if ! ss -ltnH 2>/dev/null | awk '{print $4}' | grep -qE ":($port|$((port + 1)))\$"; then
      echo "$port"
      return
    fi
  done
  echo 18443
}
PORT=${BENCH_PORT:-$(free_port_pair)}
NGINX_PORT=$((PORT + 1))
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-"8 64"}
WRK_THREADS=${WRK_THREADS:-2}
THREADS=${THREADS:-$(nproc)}
LOG_LEVEL=${LOG_LEVEL:-warn}
export REVIEW_BODY

die() {
  echo "bench: $*" >&2
  exit 2
}

for tool in wrk nginx openssl curl; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install wrk nginx-light openssl curl)"
done
[[ -x $BIN ]] || die "$BIN not found: build it first (make release)"
[[ -e $SIDECARSETS ]] || die "$SIDECARSETS not found"
[[ -f $REVIEW_BODY ]] || die "$REVIEW_BODY not found"

tmp=$(mktemp -d /tmp/injector-bench.XXXXXX)
injector_pid=""
nginx_pid=""
cleanup() {
  for pid in $injector_pid $nginx_pid; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $injector_pid $nginx_pid; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---- certificates: a throwaway CA and a serving certificate for localhost/127.0.0.1 ----
(
  cd "$tmp"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=sidecarset-injector bench CA" -keyout ca.key -out ca.crt 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=localhost" -keyout tls.key -out tls.csr 2>/dev/null
  printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "extendedKeyUsage=serverAuth" \
    "basicConstraints=critical,CA:FALSE" >tls.ext
  openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile tls.ext -out tls.crt 2>/dev/null
)

# Waits (at most 10 s) until `curl ARGS...` succeeds, while process $1 is alive.
wait_for() {
  local pid=$1 what=$2
  shift 2
  for _ in $(seq 1000); do
    if curl -sf --max-time 2 --cacert "$tmp/ca.crt" "$@" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || die "$what exited during startup (log: $(cat "$tmp/$what.log"))"
    sleep 0.01
  done
  die "$what not ready after 10 s"
}

post() {
  curl -sf --max-time 5 --cacert "$tmp/ca.crt" -H 'Content-Type: application/json' \
    --data-binary "@$REVIEW_BODY" "$1"
}

# ---- our server ----
"$BIN" serve --metrics-listen 127.0.0.1:0 --sidecarsets "$SIDECARSETS" --tls-cert "$tmp/tls.crt" --tls-key "$tmp/tls.key" \
  --listen "127.0.0.1:$PORT" --threads "$THREADS" --log-level "$LOG_LEVEL" \
  2>"$tmp/injector.log" &
injector_pid=$!
started_ns=$(date +%s%N)
wait_for "$injector_pid" injector "https://127.0.0.1:$PORT/readyz"
ready_ms=$((($(date +%s%N) - started_ns) / 1000000))
rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$injector_pid/status"; }
rss_ready_kb=$(rss_kb)
post "https://127.0.0.1:$PORT/mutate-pod?timeout=10s" >"$tmp/answer.json" ||
  die "the injector did not answer the review"
grep -q '"allowed":true' "$tmp/answer.json" || die "unexpected answer: $(cat "$tmp/answer.json")"
answer_size=$(wc -c <"$tmp/answer.json")
patched=no
grep -q '"patch":' "$tmp/answer.json" && patched=yes

# ---- nginx: a fixed body of the same size (our answer with config-unsafe bytes replaced) ----
mkdir -p "$tmp/nginx"
body=$(tr -c 'A-Za-z0-9{}":,.+=_/-' 'x' <"$tmp/answer.json")
conf=$(<"$ROOT/bench/nginx.conf.in")
conf=${conf//@WORKERS@/$THREADS}
conf=${conf//@PREFIX@/$tmp/nginx}
conf=${conf//@PORT@/$NGINX_PORT}
conf=${conf//@CERT@/$tmp/tls.crt}
conf=${conf//@KEY@/$tmp/tls.key}
conf=${conf//@BODY@/$body}
printf '%s\n' "$conf" >"$tmp/nginx/nginx.conf"
nginx -p "$tmp/nginx/" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" 2>"$tmp/nginx.log" &
nginx_pid=$!
wait_for "$nginx_pid" nginx -X POST -d x "https://127.0.0.1:$NGINX_PORT/mutate-pod"
nginx_size=$(post "https://127.0.0.1:$NGINX_PORT/mutate-pod" | wc -c)
[[ $nginx_size == "$answer_size" ]] || die "nginx answers $nginx_size bytes, we answer $answer_size"

# ---- load ----
# Prints "rps p50_us p99_us failures" for one wrk run.
run_wrk() {
  local url=$1 connections=$2 duration=$3 out
  out=$(wrk -t"$WRK_THREADS" -c"$connections" -d"$duration" --timeout 5s \
    -s "$ROOT/bench/wrk-review.lua" "$url" | grep '^RESULT') || die "wrk failed against $url"
  field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$out"; }
  local failures=$(($(field bad) + $(field errors_connect) + $(field errors_read) + \
    $(field errors_write) + $(field errors_timeout)))
  echo "$(field rps) $(field p50_us) $(field p99_us) $failures"
}

ours="https://127.0.0.1:$PORT/mutate-pod?timeout=10s"
theirs="https://127.0.0.1:$NGINX_PORT/mutate-pod?timeout=10s"
run_wrk "$ours" 8 2s >/dev/null # warm-up (page cache, CPU frequency)
run_wrk "$theirs" 8 2s >/dev/null

echo "sidecarset-injector vs nginx: TLS keep-alive, POST $(wc -c <"$REVIEW_BODY")-byte review," \
  "answer $answer_size bytes (patch: $patched), $DURATION per run"
echo "machine: $(nproc) cores; server threads = nginx workers = $THREADS; wrk -t$WRK_THREADS"
printf '%-6s %-20s %10s %10s %10s %9s\n' conns server req/s p50_ms p99_ms failures
declare -A rps
for c in $CONNECTIONS; do
  for target in injector nginx; do
    url=$ours
    [[ $target == nginx ]] && url=$theirs
    result=$(run_wrk "$url" "$c" "$DURATION")
    read -r r p50 p99 failures <<<"$result"
    rps[$target]=$r
    printf '%-6s %-20s %10s %10.3f %10.3f %9s\n' "$c" \
      "$([[ $target == nginx ]] && echo nginx || echo sidecarset-injector)" "$r" \
      "$(awk "BEGIN{print $p50/1000}")" "$(awk "BEGIN{print $p99/1000}")" "$failures"
  done
  awk -v a="${rps[injector]}" -v b="${rps[nginx]}" -v c="$c" \
    'BEGIN{printf "%-6s ratio injector/nginx: %.2f\n", c, (b > 0 ? a / b : 0)}'
done

# Start-up (process start to /readyz answering 200: SidecarSets read, validated and indexed,
# TLS up) and resident memory, for the scale figures (bench/scale.sh).
echo "sidecarset-injector: ready in $ready_ms ms; RSS $((rss_ready_kb / 1024)) MiB when ready," \
  "$(($(rss_kb) / 1024)) MiB after the load"

# ---- stop both by PID; ours must exit 0 after a graceful stop ----
kill -TERM "$injector_pid"
status=0
wait "$injector_pid" || status=$?
injector_pid=""
kill -TERM "$nginx_pid"
wait "$nginx_pid" 2>/dev/null || true
nginx_pid=""
echo "sidecarset-injector exited with status $status after SIGTERM"
[[ $status == 0 ]] || exit 1
