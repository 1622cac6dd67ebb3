#!/bin/sh
# Starts a single-node Apache Kafka (KRaft, broker and controller in one process) with
# authentication on, for docker-compose.yml. Runs in the apache/kafka image as its entrypoint.
#
# Listeners:
#   CLIENT     0.0.0.0:9092, advertised as $KAFKA_INTERNAL_HOST:9092 (other containers), SASL_PLAINTEXT SCRAM-SHA-512
#   EXTERNAL   0.0.0.0:9094, advertised as $KAFKA_EXTERNAL_HOST:9094 (the host), SASL_PLAINTEXT SCRAM-SHA-512
#   CONTROLLER 127.0.0.1:9093, inside the container only, SASL_PLAINTEXT PLAIN with a static JAAS user
# SCRAM credentials live in the metadata log, so the controller listener cannot use SCRAM and the
# administrator's SCRAM credential is added when the storage is formatted (first start only).
# The StandardAuthorizer denies what no ACL allows; the administrator is the one super user. The
# same settings as the test kit's secured broker (EmbeddedKafka.scram).
#
# Environment: KAFKA_ADMIN_USER (default admin), KAFKA_ADMIN_PASSWORD (required),
# KAFKA_INTERNAL_HOST (default kafka, the compose service's name), KAFKA_EXTERNAL_HOST (default
# localhost), KAFKA_CLUSTER_ID (default: a random one at the first start),
# KAFKA_HOME (default /opt/kafka, the image's), KAFKA_DATA_DIR (default /var/lib/kafka/data, the
# image's volume), KAFKA_CONF_DIR (default /tmp/headstream-kafka: the generated configuration, which
# holds the administrator's password, stays out of the data volume).
set -eu

kafka=${KAFKA_HOME:-/opt/kafka}
data=${KAFKA_DATA_DIR:-/var/lib/kafka/data}
conf_dir=${KAFKA_CONF_DIR:-/tmp/headstream-kafka}
admin=${KAFKA_ADMIN_USER:-admin}
password=${KAFKA_ADMIN_PASSWORD:-}
internal_host=${KAFKA_INTERNAL_HOST:-kafka}
external_host=${KAFKA_EXTERNAL_HOST:-localhost}

fail() {
  echo "kafka start: $*" >&2
  exit 2
}

[ -n "$password" ] || fail "KAFKA_ADMIN_PASSWORD is not set"
# the name becomes a JAAS option (user_<name>) and a super.users entry; the password sits between
# double quotes in a JAAS value and in the storage tool's --add-scram list, which splits at commas
case "$admin" in
  *[!A-Za-z0-9._-]* | "") fail "KAFKA_ADMIN_USER may hold only letters, digits and . _ -" ;;
esac
case "$password" in
  *[\"\\,]*) fail "KAFKA_ADMIN_PASSWORD must not contain a double quote, a backslash or a comma" ;;
esac
if [ "$(printf '%s' "$password" | wc -l)" -ne 0 ]; then
  fail "KAFKA_ADMIN_PASSWORD must be one line"
fi

umask 077
mkdir -p "$conf_dir" "$data"
scram_jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$admin\" password=\"$password\";"
plain_jaas="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$admin\" password=\"$password\" user_$admin=\"$password\";"

cat >"$conf_dir/server.properties" <<EOF
# written by deploy/kafka/start.sh at every start
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=CLIENT://0.0.0.0:9092,EXTERNAL://0.0.0.0:9094,CONTROLLER://127.0.0.1:9093
advertised.listeners=CLIENT://$internal_host:9092,EXTERNAL://$external_host:9094
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,EXTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=$scram_jaas
listener.name.external.scram-sha-512.sasl.jaas.config=$scram_jaas
listener.name.controller.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.plain.sasl.jaas.config=$plain_jaas
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$admin
allow.everyone.if.no.acl.found=false
log.dirs=$data
# one node: every internal topic has one replica
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
num.partitions=1
# topics are created by 'headstream topics' (the setup service), never by a client's typo
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
EOF

# for the health check: the administrator's client settings
cat >"$conf_dir/admin-client.properties" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$scram_jaas
EOF

if [ ! -f "$data/meta.properties" ]; then
  cluster_id=${KAFKA_CLUSTER_ID:-$("$kafka/bin/kafka-storage.sh" random-uuid)}
  echo "kafka start: formatting $data for cluster $cluster_id with the SCRAM-SHA-512 credential of $admin"
  "$kafka/bin/kafka-storage.sh" format -t "$cluster_id" -c "$conf_dir/server.properties" \
    --add-scram "SCRAM-SHA-512=[name=$admin,password=\"$password\"]"
fi
exec "$kafka/bin/kafka-server-start.sh" "$conf_dir/server.properties"
