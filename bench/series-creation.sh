#!/usr/bin/env bash
# The series-creation rate of a fresh Narthex all-in-one and of a fresh Prometheus (issue 17, goal 4), one after
# the other on the same cores. Each gets the same `narthex-bench write` run on a fresh data directory: its first
# round sends every series once, so the time until that round is answered is the time the target takes to create
# them all (new series/s); the second round appends to series that exist.
#
# Usage: bench/series-creation.sh [--series N] [--write-seconds S] [--keep-results DIR]
# Default settings on both sides, as compare.sh's 1M-series run: NARTHEX_JAVA_OPTS=" " keeps bin/narthex's own heap
# sizing (fresh-narthex.sh otherwise passes -Xmx2g). Needs Debian's prometheus, curl and jq.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
series=1000000
write_seconds=45
keep=
while [ $# -gt 0 ]; do
  case $1 in
    --series) series=$2; shift ;;
    --write-seconds) write_seconds=$2; shift ;;
    --keep-results) keep=$2; shift ;;
    *) echo "usage: $0 [--series N] [--write-seconds S] [--keep-results DIR]" >&2; exit 2 ;;
  esac
  shift
done
prometheus_bin=$(command -v prometheus) || { echo "$0 needs Debian's prometheus" >&2; exit 1; }
bench="$root/bin/narthex-bench"
# shellcheck source=bench/fresh-narthex.sh
source "$root/bench/fresh-narthex.sh"

write() { # name, push url
  "$bench" write --url="$2" --series="$series" --duration="${write_seconds}s" --concurrency=4 --json \
    >"$work/$1.write.log"
  tail -1 "$work/$1.write.log" >"$work/$1.write.json"
}

# shellcheck disable=SC2086 # the limits are split on purpose
start_fresh_narthex narthex $narthex_bench_limits
write narthex "http://127.0.0.1:$port/api/v1/push"
kill "$narthex_pid"
wait "$narthex_pid" 2>/dev/null || true
narthex_pid=

port=$((20000 + RANDOM % 10000))
printf 'global:\n  scrape_interval: 1h\n' >"$work/prometheus.yml"
"$prometheus_bin" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus" \
  --web.enable-remote-write-receiver --web.listen-address=127.0.0.1:$port >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
trap 'kill "$prometheus_pid" 2>/dev/null || true; cleanup' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready"; do sleep 0.5; done
write prometheus "http://127.0.0.1:$port/api/v1/write"
kill "$prometheus_pid"
wait "$prometheus_pid" 2>/dev/null || true

if [ -n "$keep" ]; then
  mkdir -p "$keep"
  cp "$work"/*.write.log "$work"/*.write.json "$keep"/
fi
value() { jq -r ".$2" "$work/$1.write.json"; }
ratio() { jq -rn "if $2 == null or $1 == null or $1 == 0 then \"n/a\" else ($2 / $1 * 100 | round / 100) end"; }
echo "| $series series, fresh process | Prometheus | Narthex RF=1 | ratio |"
echo "|---|---|---|---|"
for key in new_series_per_second first_round_seconds second_round_seconds samples_per_second error_requests; do
  p=$(value prometheus "$key")
  n=$(value narthex "$key")
  echo "| $key | $p | $n | $(ratio "$p" "$n") |"
done
