#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the dashboard's browser tests (test/integration/
# dashboard.test.ts drives it with playwright-core, which downloads no browser).
#
# Idempotent: exits 0 at once when /usr/bin/chromium is there. Otherwise (as root) installs the
# `chromium` package from the machine's apt sources; never downloads a browser from anywhere else.
set -euo pipefail

log() { echo "[ensure-chromium] $*" >&2; }
die() { echo "[ensure-chromium] ERROR: $*" >&2; exit 1; }

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  log "chromium already installed ($CHROMIUM)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  die "$CHROMIUM not found and not root: install Debian's chromium package (apt-get install chromium) and retry"
fi

export DEBIAN_FRONTEND=noninteractive
# apt-get update only when the lists do not know the package yet.
if ! apt-cache show chromium >/dev/null 2>&1; then
  log "apt-get update"
  apt-get update -qq || die "apt-get update failed"
fi
log "installing chromium (log: /tmp/ensure-chromium-apt.log)"
if ! apt-get install -y -qq --no-install-recommends chromium >/tmp/ensure-chromium-apt.log 2>&1; then
  log "install failed once; retrying after apt-get update"
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends chromium >>/tmp/ensure-chromium-apt.log 2>&1 || die "apt-get install chromium failed; see /tmp/ensure-chromium-apt.log"
fi
[ -x "$CHROMIUM" ] || die "$CHROMIUM missing after installing chromium"
log "installed: $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
