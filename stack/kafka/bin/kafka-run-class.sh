#!/usr/bin/env bash
# Minimal kafka-run-class.sh: runs a class with the broker's jars (tools log to stderr at WARN).
set -euo pipefail
[ $# -ge 1 ] || { echo "USAGE: $0 classname [opts]" >&2; exit 1; }
read -ra heap <<<"${KAFKA_HEAP_OPTS:--Xmx512m}"
read -ra log4j <<<"${KAFKA_LOG4J_OPTS:--Dlog4j.configuration=file:/etc/kafka/docker/tools-log4j.properties}"
read -ra opts <<<"${KAFKA_OPTS:-}"
exec java "${heap[@]}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
  "${log4j[@]}" "${opts[@]}" -cp '/opt/kafka/libs/*' "$@"
