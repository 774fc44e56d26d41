#!/bin/sh
# Joins the CouchDB nodes into one cluster through /_cluster_setup, once; run by the
# couchdb-setup service of docker-compose.yml after every node answers. Safe to run again:
# a finished cluster is left alone.
#
# Needs COUCHDB_USER, COUCHDB_PASSWORD (no double quotes or backslashes in either: they go
# into JSON as they are), COUCHDB_UUID (the same server uuid on every node; replicators put
# it into their checkpoint ids) and COUCHDB_NODES (host names, the first coordinates).
set -eu

: "${COUCHDB_USER:?}" "${COUCHDB_PASSWORD:?}" "${COUCHDB_UUID:?}" "${COUCHDB_NODES:?}"
AUTH="${COUCHDB_USER}:${COUCHDB_PASSWORD}"
set -- $COUCHDB_NODES
COORDINATOR=$1
COUNT=$#

call() {  # METHOD HOST PATH [curl options, e.g. -d JSON]
    method=$1 host=$2 path=$3
    shift 3
    curl -fsS --max-time 30 -u "$AUTH" -X "$method" -H 'Content-Type: application/json' \
        "http://$host:5984$path" "$@"
    echo
}

for node in "$@"; do
    tries=0
    until curl -fsS --max-time 5 "http://$node:5984/_up" >/dev/null; do
        tries=$((tries + 1))
        [ "$tries" -lt 60 ] || { echo "couchdb-setup: $node does not answer" >&2; exit 1; }
        sleep 2
    done
    call PUT "$node" /_node/_local/_config/couchdb/uuid -d "\"$COUCHDB_UUID\""
done

if call GET "$COORDINATOR" /_cluster_setup | grep -q cluster_finished; then
    echo "couchdb-setup: the cluster is already set up"
    exit 0
fi

call POST "$COORDINATOR" /_cluster_setup -d "{\"action\": \"enable_cluster\", \"bind_address\": \"0.0.0.0\",
    \"username\": \"$COUCHDB_USER\", \"password\": \"$COUCHDB_PASSWORD\", \"node_count\": \"$COUNT\"}"
shift
for node in "$@"; do
    call POST "$COORDINATOR" /_cluster_setup -d "{\"action\": \"enable_cluster\", \"bind_address\": \"0.0.0.0\",
        \"username\": \"$COUCHDB_USER\", \"password\": \"$COUCHDB_PASSWORD\", \"port\": 5984,
        \"node_count\": \"$COUNT\", \"remote_node\": \"$node\",
        \"remote_current_user\": \"$COUCHDB_USER\", \"remote_current_password\": \"$COUCHDB_PASSWORD\"}"
    call POST "$COORDINATOR" /_cluster_setup -d "{\"action\": \"add_node\", \"host\": \"$node\", \"port\": 5984,
        \"username\": \"$COUCHDB_USER\", \"password\": \"$COUCHDB_PASSWORD\"}"
done
call POST "$COORDINATOR" /_cluster_setup -d '{"action": "finish_cluster"}'
call GET "$COORDINATOR" /_membership
call GET "$COORDINATOR" /_cluster_setup | grep -q cluster_finished
echo "couchdb-setup: cluster of $COUNT nodes finished"
