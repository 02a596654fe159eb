#!/usr/bin/env bash
# Build-time only: start the registry once with -XX:ArchiveClassesAtExit, wait until it is ready,
# exercise the Confluent-compatible API, stop it; the JVM then writes /opt/apicurio/app-cds.jsa.
# A registry that does not start here fails the image build (e.g. a version that needs Java 21).
set -euo pipefail
cd /opt/apicurio
read -ra opts <<<"${JAVA_OPTS:-}"
java -XX:ArchiveClassesAtExit=/opt/apicurio/app-cds.jsa -Xlog:cds=off -Xlog:cds+dynamic=off "${opts[@]}" \
  -Djava.util.logging.manager=org.jboss.logmanager.LogManager -jar "$APP_JAR" >/tmp/train.log 2>&1 &
pid=$!
ok=0
for _ in $(seq 1 240); do
  if curl -fsS -o /dev/null http://localhost:8080/health/ready 2>/dev/null; then ok=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if [ "$ok" != 1 ]; then
  echo "Apicurio Registry did not become ready; its log:" >&2
  cat /tmp/train.log >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi
R=http://localhost:8080/apis/ccompat/v7
H='Content-Type: application/vnd.schemaregistry.v1+json'
curl -fsS "$R/subjects" >/dev/null
curl -fsS -H "$H" -d '{"schema":"{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}"}' "$R/subjects/cds-value/versions" >/dev/null
curl -sS -H "$H" -d '{"schema":"{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}"}' "$R/subjects/cds-value/versions" >/dev/null || true
curl -fsS "$R/schemas/ids/1" >/dev/null
curl -fsS "$R/subjects/cds-value/versions/latest" >/dev/null
curl -fsS -X PUT -H "$H" -d '{"compatibility":"BACKWARD"}' "$R/config/cds-value" >/dev/null
curl -fsS "$R/config/cds-value" >/dev/null
curl -fsS -X DELETE "$R/subjects/cds-value" >/dev/null || true
grep -m1 "started in" /tmp/train.log || true
kill -TERM "$pid"
wait "$pid" || true
ls -la /opt/apicurio/app-cds.jsa
