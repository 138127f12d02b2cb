#!/usr/bin/env bash
# Issue 17 goal 5: how long a Narthex all-in-one takes to come back after kill -9, and whether it then serves every
# sample it had acknowledged.
#
#   bench/restart.sh [--series N] [--write-seconds S] [--json]
#
# Starts bin/narthex (RF=1, the ingestion limits compare.sh raises; bench/fresh-narthex.sh) on a fresh directory,
# writes N series at saturation for S seconds (bin/narthex-bench write --json), sends kill -9, starts it again on the
# same directory and port and measures, from the second launch: seconds until /ready answers 200, and seconds until
# the Prometheus API returns every acknowledged sample (bin/narthex-bench verify: count_over_time per tenant equals
# the acknowledged count). Also prints the data directory's size at the kill and the resident memory after the
# restart; --json adds the figures as one JSON line at the end (bench/compare.sh --goals reads it).
# NARTHEX_JAVA_OPTS passes through (default: none, bin/narthex's own heap sizing); RESTART_KEEP=1 keeps the
# directory and the logs.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
series=100000
write_seconds=60
json=0
while [ $# -gt 0 ]; do
  case "$1" in
    --series) series=$2; shift ;;
    --write-seconds) write_seconds=$2; shift ;;
    --json) json=1 ;;
    *) echo "usage: $0 [--series N] [--write-seconds S] [--json]" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d /tmp/narthex-restart.XXXXXX)
# shellcheck source=bench/fresh-narthex.sh
source "$root/bench/fresh-narthex.sh"
cleanup() {
  if [ -n "$narthex_pid" ]; then kill -9 "$narthex_pid" 2>/dev/null || true; wait "$narthex_pid" 2>/dev/null || true; fi
  if [ -n "${RESTART_KEEP:-}" ]; then echo "restart.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
bench="$root/bin/narthex-bench"
export NARTHEX_JAVA_OPTS="${NARTHEX_JAVA_OPTS:- }" # blank: bin/narthex's own heap sizing, not fresh-narthex's -Xmx2g
pick_narthex_port

start() { # log file; sets $t0 to the launch
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086 # the limits are split on purpose
  launch_narthex "$work/data" "$1" $narthex_bench_limits
}
since_t0() { echo "$(date +%s.%N) - $t0" | bc; }

echo "== first run: $series series, ${write_seconds}s of writes"
start "$work/run1.log"
await_narthex_ready restart.sh 120
first_ready=$(since_t0)
"$bench" write --url="http://127.0.0.1:$port/api/v1/push" --series="$series" --duration="${write_seconds}s" \
  --concurrency=4 --json >"$work/write.log"
grep -E '^(accepted samples|samples/s|errors)' "$work/write.log"
data_bytes=$(du -sb "$work/data" | cut -f1)
kill -9 "$narthex_pid"
wait "$narthex_pid" 2>/dev/null || true
echo "== kill -9, then restart on the same directory ($((data_bytes / 1048576)) MiB)"
start "$work/run2.log"
await_narthex_ready restart.sh 1800
ready=$(since_t0)
"$bench" verify --url="http://127.0.0.1:$port/prometheus" --summary="$work/write.log" --await=1800s --json \
  >"$work/verify.log" || { cat "$work/verify.log"; echo "restart.sh: acknowledged samples missing" >&2; exit 1; }
served=$(since_t0)
grep '^verification' "$work/verify.log"
rss=$(awk '/^VmRSS:/ {printf "%d", $2 * 1024}' "/proc/$narthex_pid/status")
accepted=$(tail -1 "$work/write.log" | jq .accepted_samples)
last_check=$(tail -1 "$work/verify.log" | jq .last_check_seconds)
printf '| measure | Narthex RF=1 |\n|---|---|\n'
printf '| active series | %s |\n| acknowledged samples before kill -9 | %s |\n' "$series" "$accepted"
printf '| data directory at the kill, MiB | %s |\n' "$((data_bytes / 1048576))"
printf '| seconds from first launch to ready (empty) | %.2f |\n' "$first_ready"
printf '| seconds from restart to ready | %.2f |\n' "$ready"
printf '| seconds from restart to every acknowledged sample served | %.2f |\n' "$served"
printf '| seconds of the last verification check (its queries) | %s |\n' "$last_check"
printf '| resident MiB after restart | %s |\n' "$((rss / 1048576))"
if [ "$json" = 1 ]; then
  jq -cn --argjson series "$series" --argjson accepted "$accepted" --argjson data "$data_bytes" \
    --argjson first "$first_ready" --argjson ready "$ready" --argjson served "$served" \
    --argjson check "$last_check" --argjson rss "$rss" \
    '{series: $series, accepted_samples: $accepted, data_bytes: $data, first_ready_seconds: $first,
      ready_seconds: $ready, served_seconds: $served, last_check_seconds: $check, rss_bytes: $rss}'
fi
