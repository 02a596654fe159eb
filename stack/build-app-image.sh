#!/usr/bin/env bash
# Build the project's own image from the Dockerfile (`tempstream start | simulate | alerts | ...`).
#
# Usage: stack/build-app-image.sh
#   NODE_IMAGE     base image with Node >= 20.18 (default: the Dockerfile's node:20-bookworm-slim;
#                  offline: local/node:latest from stack/build-images.sh)
#   NPM_CA_BUNDLE  a PEM file npm must trust, for a TLS-intercepting proxy between npm and its
#                  registry (default: $NODE_EXTRA_CA_CERTS when set). Used by the build stage only:
#                  it is not in the final image. Verification stays on.
#   APP_IMAGE      tag to build (default tempstream:local, as docker-compose.yml's profile `app`)
#
# Docker's layer cache makes a rebuild with unchanged sources take seconds, so stack/prepare.sh runs
# this every time (a stale image would test old code). The build context is a copy of the files git
# knows (tracked or not ignored) plus npm-ca.pem, under ${TEMPSTREAM_CACHE:-~/.cache/tempstream}/build/app.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${TEMPSTREAM_CACHE:-$HOME/.cache/tempstream}
APP_IMAGE=${APP_IMAGE:-tempstream:local}
CA_BUNDLE=${NPM_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-}}
# The classic builder works with Debian's dockerd 20.10 and the docker 28 client without buildx.
export DOCKER_BUILDKIT=0

log() { echo "[build-app-image] $*" >&2; }
die() { echo "[build-app-image] ERROR: $*" >&2; exit 1; }

[ -z "$CA_BUNDLE" ] || [ -s "$CA_BUNDLE" ] || die "NPM_CA_BUNDLE (or NODE_EXTRA_CA_CERTS) names no readable file"
git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || die "$ROOT is not a git checkout (the build context is the files git knows)"

ctx="$CACHE/build/app"
rm -rf "$ctx"
mkdir -p "$ctx"
# Deleted-but-tracked files are listed too: --ignore-failed-read skips them.
git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
  | tar -C "$ROOT" --null -T - --ignore-failed-read -cf - 2>/dev/null \
  | tar -C "$ctx" -xf -
if [ -n "$CA_BUNDLE" ]; then
  cp "$CA_BUNDLE" "$ctx/npm-ca.pem"
elif [ -s "$ROOT/npm-ca.pem" ]; then
  cp "$ROOT/npm-ca.pem" "$ctx/npm-ca.pem"
fi

build_args=()
[ -z "${NODE_IMAGE:-}" ] || build_args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
log "building $APP_IMAGE (base ${NODE_IMAGE:-node:20-bookworm-slim}${CA_BUNDLE:+, npm trusts $CA_BUNDLE})"
t0=$(date +%s)
docker build --network host "${build_args[@]}" -t "$APP_IMAGE" "$ctx" >&2 || die "docker build of $APP_IMAGE failed (see above)"
log "built $APP_IMAGE in $(( $(date +%s) - t0 )) s"
