#!/usr/bin/env bash
# Issue 17 goal 5: how long a Narthex all-in-one takes to come back after kill -9, and whether it then serves every
# sample it had acknowledged.
#
#   bench/restart.sh [--series N] [--write-seconds S]
#
# Starts bin/narthex (RF=1, the ingestion limits compare.sh raises) on a fresh directory, writes N series at
# saturation for S seconds (bin/narthex-bench write --json), sends kill -9, starts it again on the same directory and
# measures, from the second launch: seconds until /ready answers 200, and seconds until the Prometheus API returns
# every acknowledged sample (bin/narthex-bench verify: count_over_time per tenant equals the acknowledged count).
# Also prints the data directory's size at the kill and the resident memory after the restart. NARTHEX_JAVA_OPTS
# passes through (default: none, bin/narthex's own heap sizing); RESTART_KEEP=1 keeps the directory and the logs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
series=100000
write_seconds=60
while [ $# -gt 0 ]; do
  case "$1" in
    --series) series=$2; shift ;;
    --write-seconds) write_seconds=$2; shift ;;
    *) echo "usage: $0 [--series N] [--write-seconds S]" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d /tmp/narthex-restart.XXXXXX)
pid=
cleanup() {
  [ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
  if [ -n "${RESTART_KEEP:-}" ]; then echo "restart.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
bench="$root/bin/narthex-bench"
port=$((20000 + RANDOM % 10000))
limits="--distributor.ingestion-rate-limit=1e12 --distributor.ingestion-burst-size=2000000000"
limits="$limits --ingester.max-global-series-per-user=0"

start() { # log file
  # shellcheck disable=SC2086 # the limits are split on purpose
  (cd "$work" && exec "$root/bin/narthex" --server.http-listen-port=$port --server.grpc-listen-port=$((port + 1)) \
    --ingester.raft-listen-port=$((port + 2)) $limits --blocks-storage.tsdb.dir="$work/data/tsdb" \
    --blocks-storage.filesystem.dir="$work/data/blocks" --blocks-storage.bucket-store.sync-dir="$work/data/sync" \
    --compactor.data-dir="$work/data/compactor" >"$1" 2>&1) &
  pid=$!
}

await_ready() { # seconds; prints seconds since $t0
  local deadline=$((SECONDS + $1))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/ready"; do
    [ $SECONDS -lt $deadline ] || { echo "restart.sh: not ready after $1s (log: $work/*.log)" >&2; tail -20 "$work"/run2.log >&2 || true; exit 1; }
    sleep 0.1
  done
  echo "$(date +%s.%N) - $t0" | bc
}

echo "== first run: $series series, ${write_seconds}s of writes"
t0=$(date +%s.%N)
start "$work/run1.log"
first_ready=$(await_ready 120)
"$bench" write --url="http://127.0.0.1:$port/api/v1/push" --series="$series" --duration="${write_seconds}s" \
  --concurrency=4 --json >"$work/write.log"
grep -E '^(accepted samples|samples/s|errors)' "$work/write.log"
data_bytes=$(du -sb "$work/data" | cut -f1)
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
echo "== kill -9, then restart on the same directory ($((data_bytes / 1048576)) MiB)"
t0=$(date +%s.%N)
start "$work/run2.log"
ready=$(await_ready 1800)
"$bench" verify --url="http://127.0.0.1:$port/prometheus" --summary="$work/write.log" --await=1800s --json \
  >"$work/verify.log" || { cat "$work/verify.log"; echo "restart.sh: acknowledged samples missing" >&2; exit 1; }
served=$(echo "$(date +%s.%N) - $t0" | bc)
grep '^verification' "$work/verify.log"
rss=$(awk '/^VmRSS:/ {printf "%d", $2 * 1024}' "/proc/$pid/status")
accepted=$(tail -1 "$work/write.log" | jq .accepted_samples)
printf '| measure | Narthex RF=1 |\n|---|---|\n'
printf '| active series | %s |\n| acknowledged samples before kill -9 | %s |\n' "$series" "$accepted"
printf '| data directory at the kill, MiB | %s |\n' "$((data_bytes / 1048576))"
printf '| seconds from first launch to ready (empty) | %.2f |\n' "$first_ready"
printf '| seconds from restart to ready | %.2f |\n' "$ready"
printf '| seconds from restart to every acknowledged sample served | %.2f |\n' "$served"
printf '| seconds of the last verification check (its queries) | %s |\n' "$(tail -1 "$work/verify.log" | jq .last_check_seconds)"
printf '| resident MiB after restart | %s |\n' "$((rss / 1048576))"
