#!/usr/bin/env bash
# Makes this machine able to start the stack: a Docker engine, and images for Kafka, the schema
# registry and MySQL. Public images when a registry answers (or when KAFKA_IMAGE etc. name them);
# otherwise the offline stand-ins, built once by build-images.sh. Idempotent and quick when ready.
#
# Prints the environment the harness needs, one NAME=value a line, on stdout (logs go to stderr):
#   eval "$(bash stack/prepare.sh)"     # in a shell
# npm test and npm run demo call it for you (scripts/run-tests.mjs, stack/harness.ts).
# TEMPSTREAM_IMAGES=public|local forces the choice.
# It also builds the project's own image (stack/build-app-image.sh, cached by Docker's layers) and
# prints TEMPSTREAM_APP_IMAGE; its Node base is NODE_IMAGE when set, node:20-bookworm-slim when it can
# be pulled, else local/node:latest (this machine's Node on local/debian). TEMPSTREAM_APP_IMAGE set
# beforehand names a ready image and skips the build.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "[prepare] $*" >&2; }

bash "$HERE/ensure-docker.sh" >&2

if [ -n "${KAFKA_IMAGE:-}" ] && [ -n "${SCHEMA_REGISTRY_IMAGE:-}" ] && [ -n "${MYSQL_IMAGE:-}" ]; then
  log "images given by the environment"
  mode=given
else
  mode="${TEMPSTREAM_IMAGES:-auto}"
  if [ "$mode" = auto ]; then
    if docker image inspect apache/kafka:3.9.1 >/dev/null 2>&1 || timeout 25 docker pull -q apache/kafka:3.9.1 >/dev/null 2>&1; then
      mode=public
    else
      mode=local
    fi
  fi
fi

case "$mode" in
  public | given) ;;
  local)
    log "no image registry reachable: using the offline stand-ins"
    bash "$HERE/build-images.sh" >&2
    echo "KAFKA_IMAGE=local/kafka:3.9"
    echo "SCHEMA_REGISTRY_IMAGE=local/schema-registry:latest"
    echo "MYSQL_IMAGE=local/mysql:latest"
    # Ryuk, testcontainers' reaper, is an image too; the harness removes its own containers.
    echo "TESTCONTAINERS_RYUK_DISABLED=true"
    ;;
  *) log "TEMPSTREAM_IMAGES must be public or local, not $mode"; exit 2 ;;
esac

# The project's image. A failed build does not stop the stack: only the test of the image fails.
app_image() {
  local base=${NODE_IMAGE:-} offline=0
  # Stand-ins given by the environment mean no registry: do not wait for a pull that cannot work.
  case "$mode:${KAFKA_IMAGE:-}" in local:* | given:local/*) offline=1 ;; esac
  if [ -z "$base" ]; then
    if [ "$offline" = 0 ] && { docker image inspect node:20-bookworm-slim >/dev/null 2>&1 || timeout 25 docker pull -q node:20-bookworm-slim >/dev/null 2>&1; }; then
      base=node:20-bookworm-slim
    else
      bash "$HERE/build-images.sh" node >&2 || return 1
      base=local/node:latest
    fi
  fi
  NODE_IMAGE=$base APP_IMAGE=tempstream:local bash "$HERE/build-app-image.sh" >&2
}
if [ -n "${TEMPSTREAM_APP_IMAGE:-}" ]; then
  log "app image given by the environment: $TEMPSTREAM_APP_IMAGE"
  echo "TEMPSTREAM_APP_IMAGE=$TEMPSTREAM_APP_IMAGE"
elif app_image; then
  echo "TEMPSTREAM_APP_IMAGE=tempstream:local"
else
  log "WARNING: the project's image could not be built (see above); its test will fail"
fi
# Inside a container (/.dockerenv) testcontainers would start an alpine image to find the Docker
# host; an engine on this very machine is reached on localhost.
if [ -f /.dockerenv ] && [ -S /var/run/docker.sock ] && [ -z "${TESTCONTAINERS_HOST_OVERRIDE:-}" ]; then
  echo "TESTCONTAINERS_HOST_OVERRIDE=localhost"
fi
echo "TEMPSTREAM_STACK_PREPARED=1"
