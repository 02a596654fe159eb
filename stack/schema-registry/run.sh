#!/usr/bin/env bash
# Start Apicurio Registry in the foreground (java is PID 1). Extra arguments go to the JVM as
# options, e.g. `docker run local/schema-registry -Dquarkus.http.port=8081`.
set -euo pipefail
# Any other command (e.g. `docker run -it local/schema-registry bash`) runs instead.
if [ $# -gt 0 ] && [ "${1:0:1}" != - ]; then
  exec "$@"
fi
cds=()
if [ -f /opt/apicurio/app-cds.jsa ] && [ "${APICURIO_CDS:-true}" = true ]; then
  cds=(-XX:SharedArchiveFile=/opt/apicurio/app-cds.jsa -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off)
fi
read -ra opts <<<"${JAVA_OPTS:-}"
exec java "${cds[@]}" "${opts[@]}" -Djava.util.logging.manager=org.jboss.logmanager.LogManager "$@" -jar "$APP_JAR"
