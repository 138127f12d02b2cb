# Sourced by the benchmark scripts (needs $root, the checkout): starts an all-in-one bin/narthex and waits until it
# is ready, so that every script starts it the same way.
#
#   start_fresh_narthex NAME [flags...]   bin/narthex on a fresh directory ($work), on a new port, until /ready
#   launch_narthex DIR LOG [flags...]     bin/narthex in the background, data and working directory under DIR (which
#                                         may hold a previous run's data), on $port (pick_narthex_port sets it)
#   exec_narthex DIR [flags...]           the same in the foreground: the (sub)shell becomes the process
#   await_narthex_ready NAME SECONDS      until /ready on $port answers 200; ends the script if the process exits or
#                                         the time runs out
#
# They set $port (HTTP; gRPC is $port + 1, Raft $port + 2), $narthex_pid and $narthex_log. $NARTHEX_JAVA_OPTS passes
# through, -Xmx2g when unset or empty; a blank one (" ") keeps bin/narthex's own heap sizing.
# $narthex_bench_limits lifts Mimir's default tenant limits (10k samples/s, 150k series): the benchmarks measure the
# store, not the limits. When the caller has no $work, sourcing makes a fresh one and removes it and the process on
# exit; a caller with its own $work cleans up itself.
narthex_bench_limits="--distributor.ingestion-rate-limit=1e12 --distributor.ingestion-burst-size=2000000000"
narthex_bench_limits="$narthex_bench_limits --ingester.max-global-series-per-user=0"
narthex_pid=
narthex_log=
if [ -z "${work:-}" ]; then
  work=$(mktemp -d "/tmp/narthex-bench.XXXXXX")
  cleanup() {
    if [ -n "$narthex_pid" ]; then kill "$narthex_pid" 2>/dev/null || true; wait "$narthex_pid" 2>/dev/null || true; fi
    rm -rf "$work"
  }
  trap cleanup EXIT
fi

pick_narthex_port() { port=$((20000 + RANDOM % 10000)); }

exec_narthex() { # dir, flags...
  local dir=$1
  shift
  mkdir -p "$dir"
  cd "$dir" || exit 1
  NARTHEX_JAVA_OPTS="${NARTHEX_JAVA_OPTS:--Xmx2g}" exec "$root/bin/narthex" --server.http-listen-port="$port" \
    --server.grpc-listen-port=$((port + 1)) --ingester.raft-listen-port=$((port + 2)) \
    --blocks-storage.tsdb.dir="$dir/tsdb" --blocks-storage.filesystem.dir="$dir/blocks" \
    --blocks-storage.bucket-store.sync-dir="$dir/sync" --compactor.data-dir="$dir/compactor" "$@"
}

launch_narthex() { # dir, log, flags...
  local dir=$1
  narthex_log=$2
  shift 2
  (exec_narthex "$dir" "$@") >"$narthex_log" 2>&1 &
  narthex_pid=$!
}

await_narthex_ready() { # name, seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/ready"; do
    kill -0 "$narthex_pid" 2>/dev/null || { echo "$1: Narthex exited:" >&2; tail -20 "$narthex_log" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "$1: Narthex not ready after $2 s" >&2; tail -20 "$narthex_log" >&2; exit 1; }
    sleep 0.1
  done
}

start_fresh_narthex() { # name, flags...
  local name=$1
  shift
  pick_narthex_port
  launch_narthex "$work" "$work/narthex.log" "$@"
  await_narthex_ready "$name" 120
  echo "narthex pid $narthex_pid on port $port ($(nproc) cores)"
}
