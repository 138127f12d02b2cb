#!/usr/bin/env bash
# The ruler benchmark (issue 15): one all-in-one Narthex, remote-write load, then recording rules on top.
#
#   bench/ruler.sh [narthex-bench rules flags...]     e.g. bench/ruler.sh --groups 500 --rules-per-group 20
#
# Starts bin/narthex on a fresh data directory with default flags plus -ruler.evaluation-delay-duration=0s (so that
# the groups' queries see the samples of their own instant) and limits that fit the load: 500 groups need more than
# Mimir's 70 per tenant, and the rules' output comes on top of the 100k series' 6,667 samples/s, above Mimir's
# default 10k samples/s ingestion rate. Then runs `bin/narthex-bench rules` against it, which prints the figures
# (evaluation lag, missed iterations, CPU per rule evaluation, written samples/s with and without rules).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/narthex-ruler-bench.XXXXXX)
narthex_pid=
cleanup() {
  if [ -n "$narthex_pid" ]; then kill "$narthex_pid" 2>/dev/null || true; wait "$narthex_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
port=$((20000 + RANDOM % 10000))
NARTHEX_JAVA_OPTS="${NARTHEX_JAVA_OPTS:--Xmx2g}" "$root/bin/narthex" --server.http-listen-port=$port \
  --server.grpc-listen-port=$((port + 1)) --ingester.raft-listen-port=$((port + 2)) \
  --ruler.evaluation-delay-duration=0s --ruler.max-rule-groups-per-tenant=0 \
  --distributor.ingestion-rate-limit=1e12 --distributor.ingestion-burst-size=2000000000 \
  --ingester.max-global-series-per-user=0 \
  --blocks-storage.tsdb.dir="$work/tsdb" --blocks-storage.filesystem.dir="$work/blocks" \
  --blocks-storage.bucket-store.sync-dir="$work/sync" --compactor.data-dir="$work/compactor" \
  >"$work/narthex.log" 2>&1 &
narthex_pid=$!
deadline=$((SECONDS + 120))
until curl -sf -o /dev/null "http://127.0.0.1:$port/ready"; do
  kill -0 "$narthex_pid" 2>/dev/null || { tail -20 "$work/narthex.log" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "ruler.sh: Narthex not ready after 120s" >&2; exit 1; }
  sleep 0.5
done
echo "narthex pid $narthex_pid on port $port ($(nproc) cores)"
"$root/bin/narthex-bench" rules --url="http://127.0.0.1:$port" "$@"
