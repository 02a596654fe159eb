#!/usr/bin/env bash
# Build-time only: start the broker once with KAFKA_CDS=dump, produce a little, stop it; the JVMs
# then write /opt/kafka/cds/{storage,broker}.jsa. Leaves no data or generated config behind.
set -euo pipefail
mkdir -p /opt/kafka/cds
KAFKA_CDS=dump /etc/kafka/docker/run >/tmp/train.log 2>&1 &
pid=$!
for _ in $(seq 1 240); do
  grep -q "Kafka Server started" /tmp/train.log && break
  kill -0 "$pid" 2>/dev/null || { cat /tmp/train.log >&2; echo "broker died during CDS training" >&2; exit 1; }
  sleep 0.25
done
grep -q "Kafka Server started" /tmp/train.log || { cat /tmp/train.log >&2; exit 1; }
/opt/kafka/bin/kafka-healthcheck
/opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 --create --topic cds --partitions 2 >/dev/null
seq 1 100 | /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server localhost:9092 --topic cds >/dev/null
/opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic cds --from-beginning \
  --group cds --max-messages 100 >/dev/null
kill -TERM "$pid"
wait "$pid" || true
rm -rf /tmp/kraft-combined-logs /tmp/train.log /opt/kafka/config/* /tmp/hsperfdata_* /opt/kafka/logs
ls -la /opt/kafka/cds
