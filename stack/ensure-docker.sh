#!/usr/bin/env bash
# Make sure a Docker daemon answers on this machine.
#
# Idempotent: exits 0 at once when `docker info` already works. Otherwise (as root) installs what
# is missing of Debian's docker.io / docker-compose / debootstrap, starts dockerd in the
# background (log: /var/log/dockerd.log) and waits up to 60 s for it.
#
# Note: /usr/local/bin/docker may be a newer client (e.g. docker 28) that comes before Debian's
# /usr/bin/docker on PATH. A newer client negotiates the API version down to the daemon's, which
# we check with `docker version` at the end.
set -euo pipefail

log() { echo "[ensure-docker] $*" >&2; }
die() { echo "[ensure-docker] ERROR: $*" >&2; exit 1; }

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
WAIT_SECONDS=${DOCKER_WAIT_SECONDS:-60}

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  log "docker daemon already answers"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  die "docker daemon not reachable and not root: start dockerd (or add this user to the docker group) and retry"
fi

# --- packages -------------------------------------------------------------------------------
missing=()
for pkg in docker.io docker-compose debootstrap; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when the lists do not know the packages yet.
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed"
  fi
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/ensure-docker-apt.log 2>&1; then
    log "install failed once; retrying after apt-get update (see /tmp/ensure-docker-apt.log)"
    apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/ensure-docker-apt.log 2>&1 \
      || die "apt-get install ${missing[*]} failed; see /tmp/ensure-docker-apt.log"
  fi
fi

# docker.io without recommends may lack these; dockerd needs iptables, containerd and runc.
for bin in dockerd containerd runc; do
  command -v "$bin" >/dev/null 2>&1 || die "$bin not found after installing docker.io"
done

# --- daemon ---------------------------------------------------------------------------------
if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (log: $DOCKERD_LOG)"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # Stale pid/socket from an earlier run that died would stop dockerd from starting.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  disown || true
else
  log "dockerd process already running; waiting for it to answer"
fi

for ((i = 0; i < WAIT_SECONDS; i++)); do
  if docker info >/dev/null 2>&1; then
    break
  fi
  sleep 1
done

if ! docker info >/dev/null 2>&1; then
  log "last lines of $DOCKERD_LOG:"
  tail -n 30 "$DOCKERD_LOG" >&2 || true
  die "docker daemon did not answer within ${WAIT_SECONDS}s"
fi

# The client that answers on PATH must speak to this daemon (API negotiation).
if ! ver=$(docker version --format 'client {{.Client.Version}} (API {{.Client.APIVersion}}), server {{.Server.Version}} (API {{.Server.APIVersion}})' 2>&1); then
  die "'docker version' failed with $(command -v docker): $ver"
fi
log "ready: $(command -v docker): $ver"
