#!/usr/bin/env bash
# A local Narthex cluster on loopback: 3 ingesters (3 shards, replication factor 3) that are also the 3
# store-gateways (each block on 2 of them) and the 3 compactors (tenants split between them), 1 distributor,
# 1 querier that also runs the ruler, and 3 alertmanagers (the tenants' alerting state in Raft groups at replication
# factor 3; the ruler sends its alerts to them), each a separate bin/narthex process. Blocks go
# to a filesystem bucket shared by all of them, DIR/data/blocks.
#
#   deploy/local/cluster.sh up [DIR]     start it; data, logs and <target>.pid files under DIR (default ./cluster)
#   deploy/local/cluster.sh down [DIR]   stop it (SIGTERM, then SIGKILL after 30s)
#   deploy/local/cluster.sh join DIR N   scale up: start ingester-N (N >= 4, an ingester only), then POST
#                                        /ingester/ring/join on it, which moves it its share of the replicas
#                                        (with NARTHEX_RING_AUTO_JOIN=1 the node starts with
#                                        -ingester.ring.auto-join instead, and this waits until it joined)
#   deploy/local/cluster.sh leave DIR N  scale down: POST /ingester/ring/leave on ingester-N, then stop it
#
# Ports start at $NARTHEX_PORT_BASE (default 9100): distributor HTTP +0, querier HTTP +1, ingester-i HTTP +10+i,
# gRPC +20+i, Raft +30+i, alertmanager-i HTTP +40+i, Raft +50+i (i from 0; ingester-N is i = N-1, up to 9). $NARTHEX_JAVA_OPTS is passed to every
# JVM (default -Xmx2g), $NARTHEX_EXTRA_FLAGS to every process (for example "--querier.query-store-after=0s").
# NARTHEX_ALERTMANAGERS=0 leaves out the alertmanagers and the ruler (default 3).
#
# NARTHEX_LAYOUT=monolithic starts Mimir's monolithic mode instead: 3 processes, each a distributor, ingester,
# querier, store-gateway and compactor (and an alertmanager; the first also the ruler), on the ingesters' ports:
# HTTP +10+i (remote write and queries on any of them), gRPC +20+i, Raft +30+i, alertmanager Raft +50+i. Writes are
# meant to be spread over the 3 (bin/narthex-bench write --url=A,B,C). Default: microservices, the 5 or 8 above.
# Every process starts with the AOT cache bin/narthex picks (app/target/narthex.aot, or $NARTHEX_AOT_CACHE) when it fits
# the jar; each log says when it does not. bin/narthex-aot builds one (docs/performance.md: on 2 cores the 5 JVMs
# compile the write path for minutes before the cluster reaches its warm rate).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
command=${1:-}
dir=$(mkdir -p "${2:-./cluster}" && cd "${2:-./cluster}" && pwd)
base=${NARTHEX_PORT_BASE:-9100}
layout=${NARTHEX_LAYOUT:-microservices}
case "$layout" in
  microservices | monolithic) ;;
  *) echo "cluster: NARTHEX_LAYOUT must be microservices or monolithic, got $layout" >&2; exit 2 ;;
esac
export NARTHEX_JAVA_OPTS=${NARTHEX_JAVA_OPTS:--Xmx2g}
ingesters=(ingester-1 ingester-2 ingester-3)
alertmanagers=()
if [ "${NARTHEX_ALERTMANAGERS:-3}" != 0 ]; then
  alertmanagers=(alertmanager-1 alertmanager-2 alertmanager-3)
fi

start() { # name, args... ($config_file: another config file)
  local name=$1
  shift
  # shellcheck disable=SC2086 # extra flags are split on purpose
  "$root/bin/narthex" --config.file="${config_file:-$dir/narthex.yaml}" --blocks-storage.tsdb.dir="$dir/data/$name" \
    --blocks-storage.bucket-store.sync-dir="$dir/data/$name/tsdb-sync" --compactor.data-dir="$dir/data/$name/compactor" \
    --alertmanager.storage.path="$dir/data/$name/alertmanager" \
    "$@" ${NARTHEX_EXTRA_FLAGS:-} \
    >>"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

await_ready() { # name, port
  local deadline=$((SECONDS + 120))
  until curl -sf "http://127.0.0.1:$2/ready" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; then
      echo "cluster: $1 exited; its log ends:" >&2
      tail -20 "$dir/logs/$1.log" >&2
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "cluster: $1 not ready on port $2 after 120s; see $dir/logs/$1.log" >&2
      exit 1
    fi
    sleep 0.5
  done
}

# The config file of every process: ingester-1..3 and, for a node that joins later, that node too (its own file: the
# others keep theirs). The shards are listed, as round-robin placed them on the first 3, so that a longer node list
# keeps them: the ring group, not the file, places replicas once the ring changes at runtime.
write_config() { # file, extra ingester numbers...
  local file=$1
  shift
  {
    echo "ingester:"
    echo "  ring:"
    echo "    replication_factor: 3"
    echo "    nodes:"
    for n in 1 2 3 "$@"; do
      local i=$((n - 1))
      echo "      - {id: ingester-$n, grpc_address: \"127.0.0.1:$((base + 20 + i))\", raft_address: \"127.0.0.1:$((base + 30 + i))\"}"
    done
    echo "    shards:"
    echo "      - [ingester-1, ingester-2, ingester-3]"
    echo "      - [ingester-2, ingester-3, ingester-1]"
    echo "      - [ingester-3, ingester-1, ingester-2]"
    echo "store_gateway:"
    echo "  sharding_ring:"
    echo "    replication_factor: 2"
    if [ ${#alertmanagers[@]} -gt 0 ]; then
      echo "alertmanager:"
      echo "  sharding_ring:"
      echo "    replication_factor: 3"
      echo "    nodes:"
      for i in "${!alertmanagers[@]}"; do
        echo "      - {id: ${alertmanagers[$i]}, raft_address: \"127.0.0.1:$((base + 50 + i))\"}"
      done
      # Any of them takes the ruler's alerts: the tenant's Raft group holds them whichever one stored them.
      local urls=()
      local http_offset=40
      [ "$layout" = monolithic ] && http_offset=10 # each alertmanager serves on its process's HTTP port
      for i in "${!alertmanagers[@]}"; do urls+=("http://127.0.0.1:$((base + http_offset + i))/alertmanager"); done
      echo "ruler:"
      echo "  alertmanager_url: \"$(IFS=,; echo "${urls[*]}")\""
    fi
    echo "blocks_storage:"
    echo "  backend: filesystem"
    echo "  filesystem:"
    echo "    dir: \"$dir/data/blocks\""
  } >"$file"
}

up() {
  mkdir -p "$dir/logs" "$dir/data"
  if [ ! -f "$root/app/target/narthex.jar" ]; then
    JAVA_HOME=$("$root/bin/java-home") && export JAVA_HOME
    (cd "$root" && ./mvnw -q -B -DskipTests -pl app -am package)
  fi
  write_config "$dir/narthex.yaml"
  if [ "$layout" = monolithic ]; then
    monolithic_up
    return
  fi
  for i in 0 1 2; do
    local name=${ingesters[$i]}
    if [ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
      continue
    fi
    start "$name" --target=ingester,store-gateway,compactor --ingester.ring.instance-id="$name" --server.http-listen-port=$((base + 10 + i)) \
      --server.grpc-listen-port=$((base + 20 + i)) --ingester.raft-listen-port=$((base + 30 + i))
  done
  for name in distributor querier; do
    if [ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
      continue
    fi
    local port=$base target=$name
    [ "$name" = querier ] && port=$((base + 1))
    [ "$name" = querier ] && [ ${#alertmanagers[@]} -gt 0 ] && target=querier,ruler
    start "$name" --target=$target --server.http-listen-port=$port
  done
  for i in "${!alertmanagers[@]}"; do
    local name=${alertmanagers[$i]}
    if [ -f "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
      continue
    fi
    start "$name" --target=alertmanager --alertmanager.sharding-ring.instance-id="$name" \
      --server.http-listen-port=$((base + 40 + i)) --alertmanager.raft-listen-port=$((base + 50 + i))
  done
  for i in 0 1 2; do await_ready "${ingesters[$i]}" $((base + 10 + i)); done
  await_ready distributor "$base"
  await_ready querier $((base + 1))
  for i in "${!alertmanagers[@]}"; do await_ready "${alertmanagers[$i]}" $((base + 40 + i)); done
  echo "remote_write: http://127.0.0.1:$base/api/v1/push"
  echo "query:        http://127.0.0.1:$((base + 1))/prometheus"
  if [ ${#alertmanagers[@]} -gt 0 ]; then
    echo "alertmanager: http://127.0.0.1:$((base + 40))/alertmanager (any of the ${#alertmanagers[@]}, ports +40..)"
  fi
}

running() { # name
  [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null
}

# Mimir's monolithic mode at replication factor 3: every process runs the write and read paths, none is a hop of its
# own. The processes keep the ingesters' names, ids and ports.
monolithic_up() {
  for i in 0 1 2; do
    local name=${ingesters[$i]} target=distributor,ingester,querier,store-gateway,compactor extra=()
    running "$name" && continue
    if [ ${#alertmanagers[@]} -gt 0 ]; then
      target=$target,alertmanager
      [ "$i" = 0 ] && target=$target,ruler
      extra=(--alertmanager.sharding-ring.instance-id="${alertmanagers[$i]}"
        --alertmanager.raft-listen-port=$((base + 50 + i)))
    fi
    start "$name" --target=$target --ingester.ring.instance-id="$name" --server.http-listen-port=$((base + 10 + i)) \
      --server.grpc-listen-port=$((base + 20 + i)) --ingester.raft-listen-port=$((base + 30 + i)) "${extra[@]}"
  done
  for i in 0 1 2; do await_ready "${ingesters[$i]}" $((base + 10 + i)); done
  local pushes=()
  for i in 0 1 2; do pushes+=("http://127.0.0.1:$((base + 10 + i))/api/v1/push"); done
  echo "remote_write: $(IFS=,; echo "${pushes[*]}")"
  echo "query:        http://127.0.0.1:$((base + 10))/prometheus (any of the 3, ports +10..)"
  if [ ${#alertmanagers[@]} -gt 0 ]; then
    echo "alertmanager: http://127.0.0.1:$((base + 10))/alertmanager (any of the 3, ports +10..)"
  fi
}

# Scale up by one ingester, ingester-N: its config file lists it beside the first 3, it starts holding no replica, and
# the join moves it its share one replica at a time (docs/operations.md, "The ingester ring"). It runs no store-gateway
# or compactor: those rings still come from the config file, which the other processes do not change.
join() { # N
  local n=${1:?join needs the number of the new ingester, 4 or more}
  local name=ingester-$n i=$((n - 1))
  [ "$n" -ge 4 ] && [ "$n" -le 9 ] || { echo "cluster: join takes an ingester number from 4 to 9, got $n" >&2; exit 2; }
  mkdir -p "$dir/logs" "$dir/data"
  running "$name" && { echo "cluster: $name runs already" >&2; exit 1; }
  [ -f "$dir/narthex.yaml" ] || { echo "cluster: no cluster in $dir: run up first" >&2; exit 1; }
  write_config "$dir/narthex-$name.yaml" "$n"
  local auto_join=()
  [ "${NARTHEX_RING_AUTO_JOIN:-0}" = 1 ] && auto_join=(--ingester.ring.auto-join)
  config_file="$dir/narthex-$name.yaml" start "$name" --target=ingester --ingester.ring.instance-id="$name" \
    --server.http-listen-port=$((base + 10 + i)) --server.grpc-listen-port=$((base + 20 + i)) \
    --ingester.raft-listen-port=$((base + 30 + i)) "${auto_join[@]}"
  local ring_url="http://127.0.0.1:$((base + 10 + i))/ingester/ring"
  if [ ${#auto_join[@]} -gt 0 ]; then
    # The node joins by itself (-ingester.ring.auto-join): wait until its ring page says the join is done. It is not
    # ready while a replica moving to it catches up, so /ready is awaited after the join, however long the moves take.
    local deadline=$((SECONDS + 600)) state=
    until state=$(curl -sf "$ring_url" | jq -r .auto_join) && [ "$state" = done ]; do
      if ! kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
        echo "cluster: the auto-join of $name did not finish (${state:-no answer}); see $ring_url" >&2
        exit 1
      fi
      sleep 0.5
    done
    await_ready "$name" $((base + 10 + i))
    curl -sf "$ring_url"
    return
  fi
  await_ready "$name" $((base + 10 + i))
  curl -sSf -X POST "$ring_url/join" || {
    echo "cluster: the join of $name failed; see GET $ring_url" >&2
    exit 1
  }
}

# Scale down by one ingester: its replicas move to the others, it leaves the ring, then it stops.
leave() { # N
  local n=${1:?leave needs the number of the ingester to remove}
  local name=ingester-$n i=$((n - 1))
  running "$name" || { echo "cluster: $name is not running" >&2; exit 1; }
  curl -sSf -X POST "http://127.0.0.1:$((base + 10 + i))/ingester/ring/leave" || {
    echo "cluster: the leave of $name failed; see GET http://127.0.0.1:$((base + 10 + i))/ingester/ring" >&2
    exit 1
  }
  local pid
  pid=$(cat "$dir/$name.pid")
  kill -TERM "$pid"
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/$name.pid"
}

down() {
  local pids=()
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] || continue
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  local deadline=$((SECONDS + 30))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f "$dir"/*.pid
}

case "$command" in
  up) up ;;
  down) down ;;
  join) join "${3:-}" ;;
  leave) leave "${3:-}" ;;
  *) echo "usage: $0 up|down [DIR] | join|leave DIR N" >&2; exit 2 ;;
esac
