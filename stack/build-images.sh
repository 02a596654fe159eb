#!/usr/bin/env bash
# Build the offline stand-in images for the infrastructure in docker-compose.yml, from Debian's apt
# mirror and Maven Central only (no Docker Hub):
#
#   local/debian:bookworm        debootstrap --variant=minbase, imported with `docker import`
#   local/kafka:3.9 (+ :latest)  Apache Kafka 3.9.x broker (KRaft combined), jars from Maven Central
#   local/schema-registry        Apicurio Registry 3.0.x (Confluent-compatible API at /apis/ccompat/v7)
#   local/mysql:latest           MariaDB from Debian, configured like the official mysql image
#   local/node:<major> (+ :latest)  this machine's Node and npm on local/debian (Debian's own is 18):
#                                the base of the project's Dockerfile here (NODE_IMAGE=local/node:latest)
#
# Usage: stack/build-images.sh [--force] [debian|kafka|schema-registry|mysql|node ...]
#   --force   rebuild images that already exist (downloads stay cached)
#   names     build only these (and what they need); default: all
#
# Idempotent: an image that exists is skipped. Downloads are cached under
# ${TEMPSTREAM_CACHE:-$HOME/.cache/tempstream}: m2/ (Maven repository: Kafka jars and the Apicurio
# archive), rootfs/ (debootstrap tarball), build/ (docker build contexts, recreated each build).
# Versions: KAFKA_VERSION (default 3.9.1), APICURIO_VERSION (default 3.0.9: 3.3.x needs Java 21,
# which Debian 12 lacks; 3.1.x/3.2.x have no `all` archive on Maven Central).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${TEMPSTREAM_CACHE:-$HOME/.cache/tempstream}
KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}
APICURIO_VERSION=${APICURIO_VERSION:-3.0.9}
MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

BASE_IMAGE=local/debian:bookworm
KAFKA_TAG=local/kafka:$(echo "$KAFKA_VERSION" | cut -d. -f1,2)
REGISTRY_IMAGE=local/schema-registry:latest
MYSQL_IMAGE=local/mysql:latest

# The docker 28 client would want the buildx plugin for BuildKit; the classic builder works with
# Debian's dockerd 20.10 and needs nothing else.
export DOCKER_BUILDKIT=0

log() { echo "[build-images] $*" >&2; }
die() { echo "[build-images] ERROR: $*" >&2; exit 1; }

FORCE=0
WANT=()
for arg in "$@"; do
  case "$arg" in
    --force|-f) FORCE=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    debian|kafka|schema-registry|mysql|node) WANT+=("$arg") ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done
[ ${#WANT[@]} -eq 0 ] && WANT=(debian kafka schema-registry mysql node)
wanted() { local w; for w in "${WANT[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

# --- prerequisites --------------------------------------------------------------------------
missing=()
command -v docker >/dev/null 2>&1 || missing+=("docker client")
if ! docker info >/dev/null 2>&1; then
  missing+=("a running docker daemon (run: bash stack/ensure-docker.sh)")
fi
if wanted kafka || wanted schema-registry; then
  command -v mvn >/dev/null 2>&1 || missing+=("mvn (apt-get install maven)")
  command -v java >/dev/null 2>&1 || missing+=("java (apt-get install openjdk-17-jdk-headless)")
fi
if wanted node; then
  command -v node >/dev/null 2>&1 || missing+=("node >= 20.18 on this machine (its binary goes into local/node)")
  command -v npm >/dev/null 2>&1 || missing+=("npm on this machine (it goes into local/node)")
fi
if [ ${#missing[@]} -gt 0 ]; then
  for m in "${missing[@]}"; do log "missing: $m"; done
  die "cannot build: prerequisites missing"
fi
mkdir -p "$CACHE"/{m2,rootfs,build}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

TIMINGS=()
# run_step NAME IMAGE FUNCTION: skip when IMAGE exists (unless --force), time the build.
run_step() {
  local name=$1 image=$2 fn=$3 t0 t1
  if [ "$FORCE" = 0 ] && image_exists "$image"; then
    log "$name: $image exists, skipping (--force to rebuild)"
    TIMINGS+=("$(printf '%-16s %-26s skipped (exists)' "$name" "$image")")
    return 0
  fi
  log "$name: building $image"
  t0=$(date +%s.%N)
  "$fn"
  t1=$(date +%s.%N)
  local secs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  log "$name: built $image in ${secs}s"
  TIMINGS+=("$(printf '%-16s %-26s built in %ss' "$name" "$image" "$secs")")
}

mvn_cached() { # quiet Maven with the cache's own local repository
  mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$CACHE/m2" "$@"
}

# Fresh build context under the cache with the Dockerfile & scripts of stack/<dir>/.
prepare_context() {
  local dir=$1 ctx="$CACHE/build/$1"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp -a "$HERE/$dir/." "$ctx/"
  echo "$ctx"
}

# --- 1. local/debian:bookworm -----------------------------------------------------------------
# Mirror of the bookworm suite, read from the host's apt configuration at run time.
debian_mirror() {
  local f=/etc/apt/sources.list.d/debian.sources uri
  if [ -f "$f" ]; then
    uri=$(awk '
      BEGIN { RS=""; FS="\n" }
      {
        uris=""; suites=""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/)   { sub(/^URIs:[ \t]*/, "", $i); uris=$i }
          if ($i ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", $i); suites=" " $i " " }
        }
        if (suites ~ / bookworm / && uris != "") { split(uris, u, /[ \t]+/); print u[1]; exit }
      }' "$f")
  fi
  if [ -z "${uri:-}" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $3=="bookworm" { print $2; exit }' /etc/apt/sources.list)
  fi
  [ -n "${uri:-}" ] || die "no bookworm mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  echo "$uri"
}

build_debian() {
  local tarball="$CACHE/rootfs/debian-bookworm-minbase.tar.gz"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap missing (apt-get install debootstrap, or run stack/ensure-docker.sh)"
    [ "$(id -u)" = 0 ] || die "debootstrap needs root"
    local mirror rootfs
    mirror=$(debian_mirror)
    rootfs=$(mktemp -d "$CACHE/rootfs/tmp.XXXXXX")
    log "debian: debootstrap --variant=minbase bookworm from $mirror (log: $CACHE/rootfs/debootstrap.log)"
    if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$CACHE/rootfs/debootstrap.log" 2>&1; then
      tail -n 20 "$CACHE/rootfs/debootstrap.log" >&2
      rm -rf "$rootfs"
      die "debootstrap failed (mirror $mirror unreachable?)"
    fi
    # apt inside the image uses the same sources as the host (updates and security included).
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/debian.sources"
      rm -f "$rootfs/etc/apt/sources.list"
    fi
    # Container-friendly apt/dpkg defaults, like Debian's official images: no recommends, no docs.
    cat >"$rootfs/etc/apt/apt.conf.d/99container" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
EOF
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/99container-excludes" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
    find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
           "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
           "$rootfs"/var/log/*.log "$rootfs"/tmp/*
    # Packages such as openjdk register man pages with update-alternatives: keep the directories.
    mkdir -p "$rootfs"/usr/share/man/man{1..8}
    tar --numeric-owner -C "$rootfs" -c . | gzip -1 >"$tarball.part"
    mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
    log "debian: cached rootfs $tarball ($(du -h "$tarball" | cut -f1))"
  else
    log "debian: using cached rootfs $tarball"
  fi
  docker import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' \
    -c 'CMD ["bash"]' \
    "$tarball" "$BASE_IMAGE" >/dev/null
}

# --- 2. local/kafka -------------------------------------------------------------------------------
build_kafka() {
  local libs="$CACHE/kafka-$KAFKA_VERSION/libs"
  if [ ! -s "$libs/kafka_2.13-$KAFKA_VERSION.jar" ]; then
    log "kafka: fetching org.apache.kafka:kafka_2.13:$KAFKA_VERSION + runtime deps from Maven Central"
    rm -rf "$libs.part"
    mvn_cached -f "$HERE/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      "$MVN_DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory="$libs.part" \
      || die "kafka: could not fetch kafka_2.13:$KAFKA_VERSION from Maven Central"
    rm -rf "$libs"; mv "$libs.part" "$libs"
  else
    log "kafka: using cached jars in $libs"
  fi
  local ctx
  ctx=$(prepare_context kafka)
  cp -al "$libs" "$ctx/libs" 2>/dev/null || cp -a "$libs" "$ctx/libs"
  docker build --network host --build-arg KAFKA_VERSION="$KAFKA_VERSION" \
    -t "$KAFKA_TAG" -t local/kafka:latest "$ctx" || die "kafka: docker build failed (see above)"
}

# --- 3. local/schema-registry -------------------------------------------------------------------
build_registry() {
  local v=$APICURIO_VERSION
  local archive="$CACHE/m2/io/apicurio/apicurio-registry-app/$v/apicurio-registry-app-$v-all.tar.gz"
  if [ ! -s "$archive" ]; then
    log "registry: fetching io.apicurio:apicurio-registry-app:$v:tar.gz:all from Maven Central"
    # maven-dependency-plugin 2.8's get: newer ones refuse the artifact because its parent POM
    # (io.apicurio:apicurio-registry:3.0.9) is not on Maven Central.
    mvn_cached org.apache.maven.plugins:maven-dependency-plugin:2.8:get \
      -Dartifact="io.apicurio:apicurio-registry-app:$v:tar.gz:all" -Dtransitive=false \
      || die "registry: io.apicurio:apicurio-registry-app:$v (classifier all, tar.gz) not available"
  else
    log "registry: using cached archive $archive"
  fi
  local ctx
  ctx=$(prepare_context schema-registry)
  mkdir -p "$ctx/app"
  tar -xzf "$archive" -C "$ctx/app"
  # The archive layout changed across 3.x: a runner jar + lib/ (up to 3.1.4), quarkus-app/
  # (3.1.5-3.2), or the fast-jar at the archive root (3.3+). Find the jar to run.
  local jar
  jar=$(cd "$ctx/app" && { ls ./*-runner.jar 2>/dev/null || ls ./quarkus-run.jar 2>/dev/null || ls ./quarkus-app/quarkus-run.jar 2>/dev/null; } | head -n1)
  [ -n "$jar" ] || die "registry: no runner jar / quarkus-run.jar found in $archive"
  jar=${jar#./}
  log "registry: application jar is $jar"
  docker build --network host --build-arg APP_JAR="$jar" --build-arg APICURIO_VERSION="$v" \
    -t "$REGISTRY_IMAGE" "$ctx" || die "registry: docker build failed (see above)"
}

# --- 4. local/mysql -------------------------------------------------------------------------------
build_mysql() {
  local ctx
  ctx=$(prepare_context mysql)
  docker build --network host -t "$MYSQL_IMAGE" "$ctx" || die "mysql: docker build failed (see above)"
}

# --- 5. local/node -------------------------------------------------------------------------------
# This machine's Node: the project needs >= 20.18 and Debian 12 ships 18. The binary is a plain
# glibc build (libc, libstdc++, libgcc_s), as Node's own and NodeSource's are.
host_node_version() { node -p 'process.versions.node'; }

build_node() {
  local version node_bin npm_dir ctx
  version=$(host_node_version)
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 18) ? 0 : 1)' \
    || die "node: this machine's Node is $version; the project needs >= 20.18"
  node_bin=$(node -p 'process.execPath')
  npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
  [ -f "$npm_dir/package.json" ] || die "node: npm's package directory not found (from $(command -v npm))"
  log "node: Node $version from $node_bin, npm $(node -p "require('$npm_dir/package.json').version") from $npm_dir"
  ctx=$(prepare_context node)
  cp -L "$node_bin" "$ctx/node"
  cp -a "$npm_dir" "$ctx/npm"
  docker build --network host -t "$NODE_TAG" -t local/node:latest "$ctx" || die "node: docker build failed (see above)"
}

# --- main --------------------------------------------------------------------------------------
T0=$(date +%s)
need_base=0
for w in kafka schema-registry mysql node; do wanted "$w" && need_base=1; done
if wanted debian; then
  run_step debian "$BASE_IMAGE" build_debian
elif [ "$need_base" = 1 ] && ! image_exists "$BASE_IMAGE"; then
  run_step debian "$BASE_IMAGE" build_debian
fi
wanted kafka && run_step kafka "$KAFKA_TAG" build_kafka
wanted schema-registry && run_step schema-registry "$REGISTRY_IMAGE" build_registry
wanted mysql && run_step mysql "$MYSQL_IMAGE" build_mysql
if wanted node; then
  NODE_TAG=local/node:$(host_node_version | cut -d. -f1)
  run_step node "$NODE_TAG" build_node
fi

echo
echo "== build-images summary (total $(( $(date +%s) - T0 ))s, cache $CACHE)"
for t in "${TIMINGS[@]}"; do echo "  $t"; done
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^local/' | sort | sed 's/^/  /' || true
