#!/bin/sh
# postStart hook of a HotUpgrade sidecar: decides, from SIDECARSET_VERSION and
# SIDECARSET_VERSION_ALT, whether this container start is a first start, a hot upgrade that must
# take the listeners over from the older proxy, or neither, and blocks until a takeover is done.
# README.md beside this file explains the Upgrade -> Migration -> Reset cycle around it.
#
# Both containers of the pair (<name>-1 and <name>-2) run this hook on every start, with
#   SIDECARSET_VERSION      this container's version   (annotation version.sidecarset.kruise.io/<c>)
#   SIDECARSET_VERSION_ALT  the other one's version     (annotation versionalt.sidecarset.kruise.io/<c>)
# Kubernetes resolves both downward-API variables when the container starts. Versions are the
# SidecarSet's resourceVersion at the time of the upgrade (decimal), "1" at injection, and "0" for
# the empty container.
#
# Handover protocol, through the emptyDir that both containers mount at $HANDOVER_DIR:
#   active    the version whose proxy owns the listening sockets (written by the proxy, and by
#             this script on a first start)
#   takeover  the version that asks to take them over (written by this script)
# On seeing `takeover`, the old proxy sends its listening sockets over the Unix socket
# $HANDOVER_DIR/handover.sock (SCM_RIGHTS), stops accepting and drains its connections; the new
# proxy starts accepting on them and writes its version to `active`. That part lives in the
# proxy (Envoy's hot restart and MOSN's smooth upgrade do the same over their own sockets); this
# script only negotiates and waits, which is what OpenKruise's proposal asks of the hook: block
# during the migration, return when it is complete.
#
# Exit status: 0 when the container may go on, 1 when the takeover did not finish in time: the
# kubelet then kills this (new) container, the old proxy keeps serving, nothing is dropped.
#
# Settings: HANDOVER_DIR (default /var/run/hot-upgrade), HANDOVER_TIMEOUT_SECONDS (default 60).
# Hook output is not in the container log; the kubelet shows it in the FailedPostStartHook event.
set -eu

version=${SIDECARSET_VERSION:-}
alt=${SIDECARSET_VERSION_ALT:-}
dir=${HANDOVER_DIR:-/var/run/hot-upgrade}
timeout=${HANDOVER_TIMEOUT_SECONDS:-60}

log() {
  printf 'migrate.sh: %s\n' "$*" >&2
}

is_number() {
  case $1 in
    '' | *[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

# Readers of the files must never see half a value: write a temporary file, then rename it.
write_file() {
  printf '%s\n' "$2" >"$dir/.$1.$$"
  mv -f "$dir/.$1.$$" "$dir/$1"
}

read_file() {
  if [ -f "$dir/$1" ]; then
    cat "$dir/$1"
  fi
}

# 1. The empty container (hotUpgradeEmptyImage): it holds the slot for the next version and does
#    nothing, so the hook must not either.
if [ "$version" = 0 ]; then
  log "empty container (SIDECARSET_VERSION=0): nothing to migrate"
  exit 0
fi

# Not injected as a HotUpgrade sidecar (ColdUpgrade containers get no SIDECARSET_VERSION).
if [ -z "$version" ]; then
  log "SIDECARSET_VERSION is not set: not a hot-upgrade sidecar, nothing to migrate"
  exit 0
fi

for value in "$version" "${alt:-0}"; do
  if ! is_number "$value"; then
    log "SIDECARSET_VERSION=$version SIDECARSET_VERSION_ALT=$alt: versions must be decimal numbers"
    exit 1
  fi
done

if [ ! -d "$dir" ]; then
  log "handover directory $dir does not exist: mount the shared emptyDir there"
  exit 1
fi

# 2. The other container is the empty one: no upgrade in progress. This is the first start of the
#    pair (version 1 at injection), or a restart of the only working proxy: it binds the listeners
#    itself.
if [ -z "$alt" ] || [ "$alt" = 0 ]; then
  write_file active "$version"
  log "first start of version $version: this proxy owns the listeners"
  exit 0
fi

# 3. The other container is newer: this is the old proxy, restarted while an upgrade is under way
#    (it crashed). It must not bind or take anything over; the controller will reset it to the
#    empty image once the new one is ready.
if [ "$version" -lt "$alt" ]; then
  log "version $version is older than $alt (restart during an upgrade): staying idle"
  exit 0
fi

if [ "$version" -eq "$alt" ]; then
  log "SIDECARSET_VERSION and SIDECARSET_VERSION_ALT are both $version: no peer to migrate from"
  exit 0
fi

# 4. This is the new version and the other container still serves: the Upgrade step just put the
#    new image into the slot of the empty container. Ask for the listeners and wait until this
#    version's proxy owns them (Migration). The Reset step (old container back to the empty
#    image) follows once this container is ready.
if [ "$(read_file active)" = "$version" ]; then
  # The takeover finished before and this container restarted: its proxy binds them again.
  log "version $version took over from version $alt before: nothing to migrate"
  exit 0
fi
write_file takeover "$version"
log "version $version takes over from version $alt"
waited=0
while :; do
  if [ "$(read_file active)" = "$version" ]; then
    log "handover from version $alt to $version done after ${waited}s"
    exit 0
  fi
  if [ "$waited" -ge "$timeout" ]; then
    log "version $alt did not hand over within ${timeout}s (active: $(read_file active)); giving up"
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done
