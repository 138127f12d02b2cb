#!/usr/bin/env bash
# The 24-hour dashboard over store-gateway blocks, Narthex next to Prometheus (issue 17, goal 6).
#
#   bench/dashboard.sh [--smoke] [--series N] [--hours H] [--interval S] [--query-seconds S]
#                      [--compare-seconds S] [--warm-up-seconds S] [--profile FILE.jfr] [--narthex-flag FLAG]...
#
# 1. Narthex all-in-one (bin/narthex: ingester, store-gateway, querier), started by bench/fresh-narthex.sh as
#    compare.sh starts its RF=1 run (the ingestion limits raised, -Xmx2g unless $NARTHEX_JAVA_OPTS says otherwise;
#    a blank one keeps bin/narthex's own heap sizing) on a fresh directory, gets H hours (default 24) of N series
#    (default 10,000) at an S s interval (default 60), backfilled in time order from now - H by `narthex-bench write
#    --start-time`, stopping at now. Then /ingester/flush ships the head as blocks and the script waits until the
#    store-gateway owns every block of the bucket.
# 2. Prometheus (Debian's, --web.enable-remote-write-receiver) on a fresh directory gets the same samples (the same
#    --start-time and --run-id); the script waits until its head has compacted down to its last 3 hours, as
#    Prometheus leaves it.
# 3. The same dashboard query set (`narthex-bench query --range=24h`, 4 workers) runs against each for S seconds
#    (default 30), every query ending at the last sample Narthex got, so both answer over the same samples; then
#    one run with --compare-url asks both and counts the answers that differ. Before its measured run, each system
#    gets the same set for --warm-up-seconds (default 30, not counted), as a querier that has served dashboards
#    before: without it the JVM compiles the query path during the measured run (C2 took 10-16 % of the CPU
#    throughout a 30 s run) while Prometheus's code is compiled ahead of time. 0 measures them cold.
# Prints a table of Prometheus, Narthex and the ratio: backfill samples/s, blocks, query p50/p99, the largest peak
# samples of one query (stats=all) and resident memory after the query phase; then p50/p99 per query shape and the
# first mismatches. --profile records a JFR profile of Narthex's query phase (jcmd JFR.start/stop) into FILE.
# --smoke (200 series, 6 hours at a 300 s interval, a few seconds of queries) only checks that everything runs.
# --narthex-flag adds a flag to Narthex's command line (repeatable), for example
# --narthex-flag=--querier.query-ingesters-within=13h for Mimir's default; the summary lists them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
series=10000
hours=24
interval=60
query_seconds=30
compare_seconds=10
warm_up_seconds=30
profile=""
narthex_flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) series=200; hours=6; interval=300; query_seconds=2; compare_seconds=1; warm_up_seconds=1 ;;
    --series) series=$2; shift ;;
    --hours) hours=$2; shift ;;
    --interval) interval=$2; shift ;;
    --query-seconds) query_seconds=$2; shift ;;
    --compare-seconds) compare_seconds=$2; shift ;;
    --warm-up-seconds) warm_up_seconds=$2; shift ;;
    --profile) profile=$2; shift ;;
    --narthex-flag) narthex_flags+=("$2"); shift ;;
    --narthex-flag=*) narthex_flags+=("${1#--narthex-flag=}") ;;
    *) echo "usage: $0 [--smoke] [--series N] [--hours H] [--interval S] [--query-seconds S]" \
         "[--compare-seconds S] [--warm-up-seconds S] [--profile FILE.jfr] [--narthex-flag FLAG]..." >&2
       exit 2 ;;
  esac
  shift
done
command -v jq >/dev/null || { echo "dashboard.sh needs jq (apt-get install jq)" >&2; exit 1; }
command -v bc >/dev/null || { echo "dashboard.sh needs bc (apt-get install bc)" >&2; exit 1; }
prometheus_bin=$(command -v prometheus || true)
[ -n "$prometheus_bin" ] || { echo "dashboard.sh needs Debian's prometheus (apt-get install prometheus)" >&2; exit 1; }
work=$(mktemp -d /tmp/narthex-dashboard.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/fresh-narthex.sh
source "$root/bench/fresh-narthex.sh" # after $work: this script cleans up itself
bench="$root/bin/narthex-bench"
jcmd="$("$root/bin/java-home")/bin/jcmd"

await_http() { # url, seconds, pid
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$1"; do
    kill -0 "$3" 2>/dev/null || { echo "dashboard.sh: the process behind $1 exited" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "dashboard.sh: $1 not ready after $2s" >&2; exit 1; }
    sleep 0.5
  done
}
metric() { # base url, metric name (with labels, if any): its value, 0 when absent
  curl -sf "$1/metrics" | awk -v m="$2" '$1 == m {v = $2} END {printf "%d\n", v}'
}
rss_bytes() { echo $(($(awk '/^VmRSS:/ {print $2}' "/proc/$1/status") * 1024)); }

start_s=$(($(date +%s) - hours * 3600))
run_id=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
# One sender, so that every sample goes out in time order: with several, each sender owns its batches and they drift
# apart in time, and a sender that falls more than 1 h behind the newest sample gets its samples refused as too old
# (by all three: Prometheus, Mimir and Narthex).
senders=1
backfill() { # name, push url: the same samples for both systems, in time order, until now
  echo "== $1: backfilling ${hours}h of $series series at a $interval s interval"
  "$bench" write --url="$2" --series="$series" --start-time="$start_s" --interval="${interval}s" \
    --run-id="$run_id" --duration=3600s --concurrency="$senders" --json >"$work/$1.write.log"
  tail -1 "$work/$1.write.log" >"$work/$1.write.json"
  local errors
  errors=$(jq -r .error_requests "$work/$1.write.json")
  if [ "$errors" != 0 ]; then
    echo "dashboard.sh: $1 refused $errors backfill requests: $(jq -c .errors "$work/$1.write.json")" >&2
    exit 1
  fi
}
warm_up() { # name, api base, header (or ""): the dashboard set for --warm-up-seconds, not counted
  [ "$warm_up_seconds" -gt 0 ] || return 0
  echo "== $1: warming up for ${warm_up_seconds}s"
  "$bench" query --url="$2" ${3:+--header="$3"} --range=24h --end="$end_s" --duration="${warm_up_seconds}s" \
    --concurrency=4 --json >"$work/$1.warm-up.log"
}
queries() { # name, api base, header (or ""), pid: the dashboard set; results in $work/NAME.query.json
  "$bench" query --url="$2" ${3:+--header="$3"} --range=24h --end="$end_s" --duration="${query_seconds}s" \
    --concurrency=4 --json >"$work/$1.query.log"
  tail -1 "$work/$1.query.log" >"$work/$1.query.json"
  rss_bytes "$4" >"$work/$1.rss"
}

echo "== Narthex all-in-one (RF=1)"
pick_narthex_port
narthex_url="http://127.0.0.1:$port"
# shellcheck disable=SC2086 # the limits are split on purpose
launch_narthex "$work/narthex" "$work/narthex.log" $narthex_bench_limits ${narthex_flags[@]+"${narthex_flags[@]}"}
pids+=("$narthex_pid")
await_narthex_ready dashboard.sh 120
backfill narthex "$narthex_url/api/v1/push"
end_s=$(($(jq -r .last_sample_time_ms "$work/narthex.write.json") / 1000))
# Everything still in the head goes to the bucket; the store-gateway owns the blocks once it has synced them.
curl -sf -X POST "$narthex_url/ingester/flush" >/dev/null
deadline=$((SECONDS + 120))
while :; do
  in_bucket=$(find "$work/narthex/blocks" -name meta.json | wc -l)
  owned=$(metric "$narthex_url" narthex_storegateway_blocks_owned)
  if [ "$in_bucket" -gt 0 ] && [ "$owned" = "$in_bucket" ]; then break; fi
  [ $SECONDS -lt $deadline ] || { echo "dashboard.sh: store-gateway owns $owned of $in_bucket blocks" >&2; exit 1; }
  sleep 1
done
echo "$owned" >"$work/narthex.blocks"
echo "== Narthex: $owned blocks in the bucket, all owned by the store-gateway; querying"
warm_up narthex "$narthex_url/prometheus" "X-Scope-OrgID:bench-0"
queried0=$(metric "$narthex_url" narthex_storegateway_blocks_queried_total)
if [ -n "$profile" ]; then "$jcmd" "$narthex_pid" JFR.start name=dashboard settings=profile >/dev/null; fi
queries narthex "$narthex_url/prometheus" "X-Scope-OrgID:bench-0" "$narthex_pid"
if [ -n "$profile" ]; then "$jcmd" "$narthex_pid" JFR.stop name=dashboard filename="$profile" >/dev/null; fi
echo $(($(metric "$narthex_url" narthex_storegateway_blocks_queried_total) - queried0)) >"$work/narthex.queried"

echo "== Prometheus $("$prometheus_bin" --version 2>&1 | head -1 | awk '{print $3}')"
pport=$((20000 + RANDOM % 10000))
while [ "$pport" -ge "$port" ] && [ "$pport" -le $((port + 2)) ]; do pport=$((20000 + RANDOM % 10000)); done
prometheus_url="http://127.0.0.1:$pport"
printf 'global:\n  scrape_interval: 1h\n' >"$work/prometheus.yml"
"$prometheus_bin" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus" \
  --web.enable-remote-write-receiver --web.listen-address=127.0.0.1:$pport >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
pids+=("$prometheus_pid")
await_http "$prometheus_url/-/ready" 60 "$prometheus_pid"
backfill prometheus "$prometheus_url/api/v1/write"
# Prometheus compacts its head once it spans more than 3 h (1.5 x its 2 h block range), 2 h at a time.
deadline=$((SECONDS + 180))
while :; do
  span_ms=$(($(metric "$prometheus_url" prometheus_tsdb_head_max_time) \
    - $(metric "$prometheus_url" prometheus_tsdb_head_min_time)))
  if [ "$span_ms" -le $((3 * 3600 * 1000 + interval * 1000)) ]; then break; fi
  [ $SECONDS -lt $deadline ] || { echo "dashboard.sh: Prometheus's head still spans ${span_ms} ms" >&2; exit 1; }
  sleep 1
done
sleep 2 # a compaction that has just written its block may still be reloading
find "$work/prometheus" -mindepth 2 -maxdepth 2 -name meta.json | wc -l >"$work/prometheus.blocks"
echo "== Prometheus: $(cat "$work/prometheus.blocks") blocks; querying"
warm_up prometheus "$prometheus_url" ""
queries prometheus "$prometheus_url" "" "$prometheus_pid"

echo "== comparing answers (Narthex, then Prometheus, for every query)"
"$bench" query --url="$narthex_url/prometheus" --header="X-Scope-OrgID:bench-0" --compare-url="$prometheus_url" \
  --range=24h --end="$end_s" --duration="${compare_seconds}s" --concurrency=2 --json >"$work/compare.log" || true
tail -1 "$work/compare.log" >"$work/compare.json"
jq -e .mismatches "$work/compare.json" >/dev/null || { cat "$work/compare.log" >&2; exit 1; }

ratio() { # a / b to 2 places; n/a when either is not a number or b is 0
  local r
  r=$(echo "scale=2; $1 / $2" | bc -l 2>/dev/null || true)
  if [ -n "$r" ]; then printf '%.2f' "$r"; else echo n/a; fi
}
field() { jq -r "$2" "$work/$1"; }
peak() { # the largest peak samples of one query, or n/a when the generator does not report it
  jq -r '[.per_query[]?.peak_samples] | if length == 0 or max < 0 then "n/a" else max end' "$work/$1.query.json"
}
line() { # label, Prometheus value, Narthex value
  echo "| $1 | $2 | $3 | $(ratio "$3" "$2") |"
}
echo
echo "$series series, ${hours}h at a $interval s interval; queries end at $(date -u -d "@$end_s" +%FT%TZ)"
defaults="none (the querier's defaults: ingesters for any range, store-gateways for data older than 12h)"
echo "warm-up ${warm_up_seconds}s per system; Narthex's extra flags: ${narthex_flags[*]:-$defaults}"
echo
echo "| measure | Prometheus | Narthex RF=1 | ratio |"
echo "|---|---|---|---|"
line "backfill samples/s (higher is better)" "$(field prometheus.write.json .samples_per_second)" \
  "$(field narthex.write.json .samples_per_second)"
line "samples accepted" "$(field prometheus.write.json .accepted_samples)" \
  "$(field narthex.write.json .accepted_samples)"
line "blocks (Narthex: in the bucket, owned by the store-gateway)" "$(cat "$work/prometheus.blocks")" \
  "$(cat "$work/narthex.blocks")"
line "query p50 ms" "$(field prometheus.query.json .p50_ms)" "$(field narthex.query.json .p50_ms)"
line "query p99 ms" "$(field prometheus.query.json .p99_ms)" "$(field narthex.query.json .p99_ms)"
line "queries/s (higher is better)" "$(field prometheus.query.json .queries_per_second)" \
  "$(field narthex.query.json .queries_per_second)"
line "largest peak samples of one query" "$(peak prometheus)" "$(peak narthex)"
line "resident bytes after the queries" "$(cat "$work/prometheus.rss")" "$(cat "$work/narthex.rss")"
echo
echo "query errors: Prometheus $(field prometheus.query.json .error_queries), Narthex" \
  "$(field narthex.query.json .error_queries); $(jq -c .errors "$work/narthex.query.json")" \
  "store-gateway block reads during Narthex's queries: $(cat "$work/narthex.queried")"
echo "mismatches: $(field compare.json .mismatches) of $(field compare.json .compared) compared"
echo "Narthex's measured run, every 5 s (queries/s, p99 of the window):"
grep '^\[' "$work/narthex.query.log" | sed 's/^/  /' || true
jq -r '.first_mismatches[]? | "  " + tostring' "$work/compare.json"
if jq -e '.per_query | length > 0' "$work/narthex.query.json" >/dev/null 2>&1; then
  echo
  echo "| query | Prometheus p50 / p99 ms | Narthex p50 / p99 ms | ratio p50 / p99 |"
  echo "|---|---|---|---|"
  jq -r '.per_query | to_entries[] | [.key, .value.p50_ms, .value.p99_ms] | @tsv' "$work/narthex.query.json" |
    while IFS=$'\t' read -r query n50 n99; do
      read -r p50 p99 < <(jq -r --arg q "$query" '.per_query[$q] | "\(.p50_ms) \(.p99_ms)"' \
        "$work/prometheus.query.json")
      echo "| \`$query\` | $p50 / $p99 | $n50 / $n99 | $(ratio "$n50" "$p50") / $(ratio "$n99" "$p99") |"
    done
fi
