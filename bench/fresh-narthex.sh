# Sourced by the benchmark scripts: starts an all-in-one bin/narthex on a fresh directory and waits until it is
# ready. Call `start_fresh_narthex <name> [narthex flags...]`; it sets $port and $narthex_pid, and removes the
# process and its directory on exit.
work=$(mktemp -d "/tmp/narthex-bench.XXXXXX")
narthex_pid=
cleanup() {
  if [ -n "$narthex_pid" ]; then kill "$narthex_pid" 2>/dev/null || true; wait "$narthex_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start_fresh_narthex() { # name, flags...
  local name=$1
  shift
  port=$((20000 + RANDOM % 10000))
  NARTHEX_JAVA_OPTS="${NARTHEX_JAVA_OPTS:--Xmx2g}" "$root/bin/narthex" --server.http-listen-port=$port \
    --server.grpc-listen-port=$((port + 1)) --ingester.raft-listen-port=$((port + 2)) \
    --blocks-storage.tsdb.dir="$work/tsdb" --blocks-storage.filesystem.dir="$work/blocks" \
    --blocks-storage.bucket-store.sync-dir="$work/sync" --compactor.data-dir="$work/compactor" "$@" \
    >"$work/narthex.log" 2>&1 &
  narthex_pid=$!
  local deadline=$((SECONDS + 120))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/ready"; do
    kill -0 "$narthex_pid" 2>/dev/null || { tail -20 "$work/narthex.log" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "$name: Narthex not ready after 120s" >&2; exit 1; }
    sleep 0.5
  done
  echo "narthex pid $narthex_pid on port $port ($(nproc) cores)"
}
