#!/usr/bin/env bash
# Narthex and Prometheus side by side, in one run on this machine, under the same load (issue: benchmarks).
#
#   bench/compare.sh [--smoke] [--series N] [--write-seconds S] [--query-seconds S] [--no-cluster] [--out FILE]
#                    [--keep-results DIR] [--cluster-only] [--warm-up S] [--aot] [--monolithic] [--same-rate]
#   bench/compare.sh --cold-start [--series N] [--write-seconds S] [--aot-cache FILE] [--keep-results DIR]
#   bench/compare.sh --goals [--smoke] [--series N] [--large-series N] [--write-seconds S] [--query-seconds S]
#                    [--warm-up S] [--dashboard-series N] [--dashboard-hours H] [--only RUNS] [--keep-results DIR]
#                    [--same-rate]
#   bench/compare.sh --print-table DIR [--no-cluster]
#   bench/compare.sh --print-goals DIR
#
# --keep-results DIR copies each run's results and logs (not its data) to DIR; --print-table DIR prints the table
# again from them, without the cluster's columns when --no-cluster is given or the run had no cluster.
#
# --cluster-only leaves out the all-in-one run: the cluster and Prometheus, one ratio, nothing written to the page.
# --warm-up S first sends the cluster S seconds of writes of a tenant of its own (bench-warmup, a tenth of the
# series), so its JVMs have compiled the write path before the measured run, which still creates its own series.
# --aot first builds an AOT cache for the jar as it is (bin/narthex-aot, about a minute) and starts every cluster
# process with it; without it they use app/target/narthex.aot when it fits the jar.
# The cluster's results name each shard's leader after the run and whether its processes had an AOT cache
# (cluster.leaders, cluster.aot).
# --monolithic runs the cluster in Mimir's monolithic mode (deploy/local/cluster.sh with NARTHEX_LAYOUT=monolithic):
# 3 processes, each distributor, ingester and querier at replication factor 3, the writes (warm-up included) sent
# to the 3 in turn, the queries to the first; without it the 5-process layout (distributor, querier, 3 ingesters).
#
# --same-rate adds a fourth run after Prometheus's: a fresh Narthex all-in-one written for as long, limited to the
# samples/s Prometheus reached (narthex-bench write --rate-limit), then its resident memory and live heap, no queries
# (about write seconds + 15 s more). At saturation Narthex holds more samples per series than Prometheus in the same
# seconds, and memory per series grows with them: these rows compare the two at the same samples per series.
#
# --cold-start measures only how fast a fresh process starts: it builds the AOT cache (bin/narthex-aot), then
# starts Narthex RF=1 without it, Narthex RF=1 with it, and Prometheus, each fresh, and prints for each the time from
# launch to ready and the samples/s of the first and the second half of one write run (default 60 s: the first
# 30 s and the next 30 s), with the ratios to Prometheus. It writes nothing to docs/performance.md. --aot-cache FILE
# uses a cache bin/narthex-aot has built for this jar instead of building one.
#
# --goals measures every goal of issue 17 and prints one table of them: each goal's rows with Prometheus's figure,
# Narthex's, the ratio, the target and whether it is met. It runs, one after the other (--only picks some of them,
# comma-separated; the others' rows say "not run"):
#   rf1        this script --no-cluster at --series (default 100000), default settings (bin/narthex's own heap
#              sizing): resident and live heap per series (goal 2), the 1h dashboard (goal 6); with --same-rate
#              also resident bytes per series of a Narthex written at Prometheus's samples/s (one more goal 2 row);
#   large      the same at --large-series (default 1000000): memory (goal 2), samples/s and new series/s (goal 4);
#   rf3        --cluster-only --warm-up S (default 120) at --series, with one AOT cache built first (goal 1);
#   cold       --cold-start at --series, default settings, with the same cache: first and next half (goal 3);
#   restart    bench/restart.sh --series <large> --json: kill -9, then seconds to ready and to every sample (goal 5);
#   dashboard  bench/dashboard.sh --series <--dashboard-series, 2000> --hours <--dashboard-hours, 24> (goal 6).
# --write-seconds (default 60) and --query-seconds (30) apply to each run. With --smoke every run is a few seconds
# (2000 and 4000 series, dashboard.sh --smoke): it checks that everything runs. --keep-results DIR keeps each run's
# results in DIR/<run> and its output in DIR/<run>.log; --print-goals DIR prints the table again from them. Unless
# --smoke or --only, the table, the command, the date and the commit go to the page's goals block, whose history
# table gains a row per run. The whole run takes about 30 minutes at the default sizes.
#
# Three measured runs, one after the other, each on a fresh data directory:
#   1. Narthex all-in-one (bin/narthex, replication factor 1);
#   2. the local cluster (deploy/local/cluster.sh: 3 ingesters at replication factor 3, distributor, querier);
#   3. Debian's Prometheus with --web.enable-remote-write-receiver.
# Each gets the same write load (bin/narthex-bench write, at saturation), then the same query load
# (bin/narthex-bench query). Measured per run: accepted samples/s, CPU seconds per million samples (all the
# system's processes, from /proc), resident memory per active series, bytes per sample on disk once the data is in
# a block (Narthex: /ingester/flush; Prometheus: a TSDB snapshot, which writes the head as a block), and query
# p50/p99. Prints a table of Narthex/Prometheus ratios and writes it with the command, machine and date to
# docs/performance.md (not with --smoke, which only checks that everything runs, in seconds).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
series=100000
write_seconds=60
query_seconds=30
cluster=1
rf1=1
warm_up="" # 0, and 120 with --goals
aot=0
same_rate=0
layout=microservices
aot_cache=""
smoke=0
cold=0
goals=0
keep=""
print_table=""
print_goals=""
large_series=""
dashboard_series=""
dashboard_hours=""
only=""
only_given=""
out="$root/docs/performance.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1; series=2000; write_seconds=4; query_seconds=2 ;;
    --series) series=$2; shift ;;
    --write-seconds) write_seconds=$2; shift ;;
    --query-seconds) query_seconds=$2; shift ;;
    --no-cluster) cluster=0 ;;
    --cluster-only) rf1=0 ;;
    --warm-up) warm_up=$2; shift ;;
    --aot) aot=1 ;;
    --monolithic) layout=monolithic ;;
    --same-rate) same_rate=1 ;;
    --cold-start) cold=1 ;;
    --aot-cache) aot_cache=$2; shift ;;
    --goals) goals=1 ;;
    --large-series) large_series=$2; shift ;;
    --dashboard-series) dashboard_series=$2; shift ;;
    --dashboard-hours) dashboard_hours=$2; shift ;;
    --only) only=$2; only_given=1; shift ;;
    --print-goals) print_goals=$2; shift ;;
    --out) out=$2; shift ;;
    --keep-results) keep=$2; shift ;;
    --print-table) print_table=$2; shift ;;
    *) echo "usage: $0 [--smoke] [--series N] [--write-seconds S] [--query-seconds S] [--no-cluster] [--out FILE]" >&2
       echo "         [--keep-results DIR] [--cluster-only] [--warm-up S] [--aot] [--monolithic] [--same-rate]" >&2
       echo "       $0 --cold-start [--series N] [--write-seconds S] [--aot-cache FILE] [--keep-results DIR]" >&2
       echo "       $0 --goals [--smoke] [--series N] [--large-series N] [--write-seconds S] [--query-seconds S]" >&2
       echo "         [--warm-up S] [--dashboard-series N] [--dashboard-hours H] [--only RUNS] [--keep-results DIR]" >&2
       echo "         [--same-rate] [--out FILE]" >&2
       echo "       $0 --print-table DIR [--no-cluster]" >&2
       echo "       $0 --print-goals DIR" >&2
       exit 2 ;;
  esac
  shift
done
if [ "$goals" = 0 ]; then warm_up=${warm_up:-0}; fi
command -v jq >/dev/null || { echo "compare.sh needs jq (apt-get install jq)" >&2; exit 1; }
command -v bc >/dev/null || { echo "compare.sh needs bc (apt-get install bc)" >&2; exit 1; }
prometheus_bin=$(command -v prometheus || true)
if [ -z "$prometheus_bin" ] && [ -z "$print_table$print_goals" ]; then
  echo "compare.sh needs Debian's prometheus (apt-get install prometheus)" >&2
  exit 1
fi
work=$(mktemp -d /tmp/narthex-compare.XXXXXX)
results=$work # where render_table reads; --print-table points it at kept results
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -d "$work/cluster" ]; then "$root/deploy/local/cluster.sh" down "$work/cluster" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/fresh-narthex.sh
source "$root/bench/fresh-narthex.sh" # after $work: this script cleans up itself
bench="$root/bin/narthex-bench"
jcmd="$("$root/bin/java-home")/bin/jcmd"
ticks=$(getconf CLK_TCK)

# CPU seconds (user + system) of the given pids, from /proc.
cpu_seconds() {
  local total=0
  for pid in "$@"; do
    local fields
    read -r -a fields < <(sed 's/^.*) //' "/proc/$pid/stat")
    total=$((total + fields[11] + fields[12]))
  done
  echo "scale=3; $total / $ticks" | bc
}

# CPU ticks of the given pids' threads: "compiler gc other", from /proc/PID/task (JIT compiler threads; the
# collector's and the VM thread; everything else).
thread_ticks() {
  for pid in "$@"; do cat "/proc/$pid"/task/*/stat 2>/dev/null || true; done | awk '{
    name = $0; sub(/^[^(]*\(/, "", name); sub(/\)[^)]*$/, "", name)
    rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " "); t = f[12] + f[13]
    if (name ~ /CompilerThre/) jit += t; else if (name ~ /^(Z|GC |G1 |VM Thread)/) gc += t; else other += t
  } END { print jit + 0, gc + 0, other + 0 }'
}

# Resident memory in bytes of the given pids.
rss_bytes() {
  local total=0
  for pid in "$@"; do
    total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status") * 1024))
  done
  echo "$total"
}

await_http() { # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$1"; do
    [ $SECONDS -lt $deadline ] || { echo "compare.sh: $1 not ready after $2s" >&2; exit 1; }
    sleep 0.5
  done
}

# Live heap in bytes of the given JVM pids: what the data needs, whatever the heap size. GC.class_histogram collects
# first and sums the bytes of the objects still reachable, whatever the collector; GC.heap_info's first "used" was
# the whole heap with ZGC and G1 but only the young generation with Parallel GC.
jvm_live_bytes() {
  local total=0 pid bytes
  for pid in "$@"; do
    bytes=$("$jcmd" "$pid" GC.class_histogram | awk '$1 == "Total" {print $3}')
    [ -n "$bytes" ] || { echo "compare.sh: no class histogram from $pid" >&2; exit 1; }
    total=$((total + bytes))
  done
  echo "$total"
}

# measure NAME WRITE_URL QUERY_URL QUERY_HEADER PIDS...: write load, then query load; results in $work/NAME.*.json
measure() {
  local name=$1 query_url=$3 query_header=$4
  measure_writes "$@"
  # The queries end at the run's last sample, not now: a run at saturation stops short of now (its data starts an
  # hour back), and queries ending at now would find instant selectors empty and half of each range.
  local end
  end=$(jq -r 'if .last_sample_time_ms == null then "now" else .last_sample_time_ms / 1000 end' "$work/$name.write.json")
  "$bench" query --url="$query_url" ${query_header:+--header="$query_header"} --duration="${query_seconds}s" \
    --end="$end" --concurrency=4 --json >"$work/$name.query.log"
  tail -1 "$work/$name.query.log" >"$work/$name.query.json"
}

# measure_writes NAME WRITE_URL QUERY_URL QUERY_HEADER PIDS...: the write load (at saturation, or at $rate_limit
# samples/s when set), then CPU, resident memory and live heap; results in $work/NAME.{write,process}.json
measure_writes() {
  local name=$1 write_url=$2 query_url=$3
  shift 4
  local cpu0 cpu1
  cpu0=$(cpu_seconds "$@")
  local threads0 t0 t1
  threads0=$(thread_ticks "$@")
  "$bench" write --url="$write_url" --series="$series" --duration="${write_seconds}s" --concurrency=4 \
    ${rate_limit:+--rate-limit="$rate_limit"} --json >"$work/$name.write.log"
  cpu1=$(cpu_seconds "$@")
  read -r -a t0 <<<"$threads0"
  read -r -a t1 < <(thread_ticks "$@")
  echo "CPU of the write phase: JIT compiler threads $(( (t1[0] - t0[0]) / ticks )) s, GC and VM threads" \
    "$(( (t1[1] - t0[1]) / ticks )) s, the rest $(( (t1[2] - t0[2]) / ticks )) s" >"$work/$name.threads"
  tail -1 "$work/$name.write.log" >"$work/$name.write.json"
  # Resident memory as the writes leave it, before the full GC of the live-heap reading: G1 gives heap back at that
  # GC, which a process under load would not have done.
  local rss live
  rss=$(rss_bytes "$@")
  if [ "$name" = prometheus ]; then
    # Go's heap in use, which still holds garbage not yet collected: an upper bound of its live heap.
    live=$(curl -sf "${query_url}/metrics" | awk '/^go_memstats_heap_inuse_bytes / {printf "%.0f", $2}')
  else
    live=$(jvm_live_bytes "$@")
  fi
  jq -n --argjson cpu "$(echo "$cpu1 - $cpu0" | bc)" --argjson rss "$rss" --argjson live "$live" \
    '{cpu_seconds: $cpu, rss_bytes: $rss, live_heap_bytes: $live}' >"$work/$name.process.json"
}
rate_limit="" # samples/s for measure_writes; none: at saturation

# The benchmark measures the store, not Mimir's default tenant limits (10k samples/s, 150k series).
bench_limits=$narthex_bench_limits

# One row per system: samples/s, CPU s per 1M samples, RSS bytes per series, bytes per sample, query p50/p99 ms.
row() {
  local name=$1
  local rate accepted cpu rss live bytes p50 p99
  rate=$(jq -r .samples_per_second "$results/$name.write.json")
  accepted=$(jq -r .accepted_samples "$results/$name.write.json")
  cpu=$(jq -r .cpu_seconds "$results/$name.process.json")
  rss=$(jq -r .rss_bytes "$results/$name.process.json")
  live=$(jq -r .live_heap_bytes "$results/$name.process.json")
  bytes=$(cat "$results/$name.bytes")
  p50=$(jq -r .p50_ms "$results/$name.query.json")
  p99=$(jq -r .p99_ms "$results/$name.query.json")
  echo "$rate $(echo "scale=3; $cpu * 1000000 / $accepted" | bc) $(echo "$rss / $series" | bc)" \
    "$(echo "$live / $series" | bc) $(echo "scale=3; $bytes / $accepted" | bc) $p50 $p99"
}
render_table() { # sets $table from the results in $results; RF=1 columns when $rf1 = 1, RF=3 when $cluster = 1
  read -r -a prom < <(row prometheus)
  # Plain ifs: under set -e, an assignment whose $( ) ends false stops the script (it did with --no-cluster).
  table="| measure | Prometheus |"
  rule="|---|---|"
  if [ "$rf1" = 1 ]; then table="$table Narthex RF=1 | ratio RF=1 |"; rule="$rule---|---|"; fi
  if [ "$cluster" = 1 ]; then table="$table Narthex RF=3 | ratio RF=3 |"; rule="$rule---|---|"; fi
  table="$table
$rule"
  if [ "$rf1" = 1 ]; then read -r -a one < <(row narthex); fi
  if [ "$cluster" = 1 ]; then read -r -a three < <(row cluster); fi
  labels=("ingest samples/s (higher is better)" "CPU seconds per million samples" "resident bytes per active series"
    "live heap bytes per active series (Narthex: after a full GC; Prometheus: Go heap in use)"
    "bytes per sample on disk, in a block" "query p50 ms" "query p99 ms")
  for i in 0 1 2 3 4 5 6; do
    line="| ${labels[$i]} | ${prom[$i]} |"
    if [ "$rf1" = 1 ]; then
      line="$line ${one[$i]} | $(echo "scale=2; ${one[$i]} / ${prom[$i]}" | bc -l 2>/dev/null || echo n/a) |"
    fi
    if [ "$cluster" = 1 ]; then
      line="$line ${three[$i]} | $(echo "scale=2; ${three[$i]} / ${prom[$i]}" | bc -l 2>/dev/null || echo n/a) |"
    fi
    table="$table
$line"
  done
  # --same-rate: Narthex's fourth run, written at Prometheus's samples/s, in the RF=1 columns.
  if [ "$rf1" = 1 ] && [ -f "$results/narthex-same-rate.process.json" ]; then
    local same=() same_labels=("ingest samples/s, Narthex written at Prometheus's rate"
      "CPU seconds per million samples, Narthex at Prometheus's rate"
      "resident bytes per active series, Narthex at Prometheus's rate"
      "live heap bytes per active series, Narthex at Prometheus's rate")
    read -r -a same < <(same_rate_row)
    for i in 0 1 2 3; do
      line="| ${same_labels[$i]} | ${prom[$i]} | ${same[$i]} |"
      line="$line $(echo "scale=2; ${same[$i]} / ${prom[$i]}" | bc -l 2>/dev/null || echo n/a) |"
      if [ "$cluster" = 1 ]; then line="$line — | — |"; fi
      table="$table
$line"
    done
  fi
}
same_rate_row() { # the --same-rate run: samples/s, CPU s per 1M samples, RSS and live heap bytes per series
  local accepted
  accepted=$(jq -r .accepted_samples "$results/narthex-same-rate.write.json")
  echo "$(jq -r .samples_per_second "$results/narthex-same-rate.write.json")" \
    "$(echo "scale=3; $(jq -r .cpu_seconds "$results/narthex-same-rate.process.json") * 1000000 / $accepted" | bc)" \
    "$(echo "$(jq -r .rss_bytes "$results/narthex-same-rate.process.json") / $series" | bc)" \
    "$(echo "$(jq -r .live_heap_bytes "$results/narthex-same-rate.process.json") / $series" | bc)"
}

keep_results() { # to $keep, when given: the results and logs, not the data
  [ -n "$keep" ] || return 0
  mkdir -p "$keep"
  echo "$series" >"$work/series"
  echo "$write_seconds" >"$work/write_seconds"
  find "$work" -maxdepth 1 -type f ! -name 'narthex.aot*' -exec cp -t "$keep" {} +
}

# The page above $marker is made of blocks that the runs regenerate, each between "<!-- compare.sh NAME -->" and
# "<!-- compare.sh NAME end -->": the goals table (--goals) and the side-by-side table (the default run).
marker='<!-- compare.sh keeps everything below this line -->'
write_block() { # name, file with the block's text: replaces the block in $out, or adds it right above $marker
  local begin="<!-- compare.sh $1 -->" end="<!-- compare.sh $1 end -->" new="$out.compare-new"
  if [ -f "$out" ] && grep -qxF "$begin" "$out"; then
    awk -v b="$begin" -v e="$end" -v f="$2" '
      $0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
      $0 == e { skip = 0 }
      !skip' "$out" >"$new"
  elif [ -f "$out" ] && grep -qxF "$marker" "$out"; then
    awk -v b="$begin" -v e="$end" -v f="$2" -v m="$marker" '
      $0 == m { print b; while ((getline l < f) > 0) print l; print e; print "" }
      { print }' "$out" >"$new"
  else
    { echo "# Performance: Narthex next to Prometheus"; echo; echo "$begin"; cat "$2"; echo "$end"; echo
      echo "$marker"; } >"$new"
  fi
  mv "$new" "$out"
}

# --goals: issue 17's goals, each measured by the run that measures it, in one table. Every run starts fresh
# processes on fresh directories; $goals_dir/NAME holds each run's results, NAME.log its output.
goal_runs="rf1 large rf3 cold restart dashboard"
goal_ran() { [ -d "$goals_dir/$1" ]; } # a run keeps its results in NAME/ once it has succeeded
goal_json() { # run, file, jq expression: the value, or nothing when the run did not succeed
  goal_ran "$1" || return 0
  jq -r "$3 // empty" "$goals_dir/$1/$2" 2>/dev/null || true
}
per_series() { # bytes, series
  if [ -n "$1" ]; then echo $(($1 / $2)); fi
}
goal_table() { # the goals table from $goals_dir, on stdout
  local s l w h ds dh
  s=$(cat "$goals_dir/series") l=$(cat "$goals_dir/large_series") w=$(cat "$goals_dir/write_seconds")
  h=$(cat "$goals_dir/cold_seconds") ds=$(cat "$goals_dir/dashboard_series") dh=$(cat "$goals_dir/dashboard_hours")
  h=$((h / 2))
  local wu; wu=$(cat "$goals_dir/warm_up")
  echo "| goal | measure | Prometheus | Narthex | Narthex / Prometheus | target | met |"
  echo "|---|---|---|---|---|---|---|"
  # row goal, measure, run, Prometheus value, Narthex value, target: ratio>=1, ratio<=1, value<60, value>=0.8 or
  # reported
  row() {
    local status=ran
    if ! goal_ran "$3"; then
      if [ -e "$goals_dir/$3.log" ]; then status=failed; else status="not run"; fi
    fi
    awk -v goal="$1" -v measure="$2" -v status="$status" -v p="$4" -v n="$5" -v target="$6" '
      function num(x) { return x ~ /^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
      function fmt(x) {
        if (!num(x)) return "—"
        return (x >= 100 || x == int(x)) ? sprintf("%.0f", x) : sprintf("%.2f", x)
      }
      BEGIN {
        ratio = (num(p) && num(n) && p > 0) ? n / p : ""
        if (target == "ratio>=1") { label = "≥ 1×"; ok = ratio != "" ? ratio >= 1 : -1 }
        else if (target == "ratio<=1") { label = "≤ 1×"; ok = ratio != "" ? ratio <= 1 : -1 }
        else if (target == "value<60") { label = "< 60 s"; ok = num(n) ? n < 60 : -1 }
        else if (target == "value>=0.8") { label = "Narthex ≥ 0.80"; ok = num(n) ? n >= 0.8 : -1; ratio = "" }
        else { label = "reported"; ok = -2 }
        met = ok == 1 ? "**met**" : ok == 0 ? "not met" : ok == -2 ? "—" : "n/a"
        if (status != "ran") { met = status; p = ""; n = ""; ratio = "" }
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", goal, measure, fmt(p), fmt(n),
          ratio == "" ? "—" : sprintf("%.2f", ratio), label, met
      }'
  }
  row 1 "RF=3 cluster, ingest samples/s after ${wu} s of warm-up, $s series" rf3 \
    "$(goal_json rf3 prometheus.write.json .samples_per_second)" \
    "$(goal_json rf3 cluster.write.json .samples_per_second)" "ratio>=1"
  local size run
  for size in "$s" "$l"; do
    run=rf1
    if [ "$size" = "$l" ]; then run=large; fi
    row 2 "resident bytes per active series, $size series, default settings" "$run" \
      "$(per_series "$(goal_json "$run" prometheus.process.json .rss_bytes)" "$size")" \
      "$(per_series "$(goal_json "$run" narthex.process.json .rss_bytes)" "$size")" "ratio<=1"
    row 2 "live heap bytes per active series, $size series (Narthex: reachable objects; Prometheus: Go heap in use)" \
      "$run" "$(per_series "$(goal_json "$run" prometheus.process.json .live_heap_bytes)" "$size")" \
      "$(per_series "$(goal_json "$run" narthex.process.json .live_heap_bytes)" "$size")" reported
    # --goals --same-rate: the rf1 run's Narthex written again at Prometheus's samples/s
    if [ "$run" = rf1 ] && [ -n "$(goal_json rf1 narthex-same-rate.process.json .rss_bytes)" ]; then
      row 2 "resident bytes per active series, $size series, default settings, Narthex at Prometheus's samples/s" \
        rf1 "$(per_series "$(goal_json rf1 prometheus.process.json .rss_bytes)" "$size")" \
        "$(per_series "$(goal_json rf1 narthex-same-rate.process.json .rss_bytes)" "$size")" "ratio<=1"
    fi
  done
  local prom=() cached=()
  if goal_ran cold; then
    read -r -a prom <"$goals_dir/cold/prometheus.cold"
    read -r -a cached <"$goals_dir/cold/cached.cold"
  fi
  row 3 "samples/s, first $h s of a fresh process ($s series; Narthex with the AOT cache)" cold \
    "${prom[1]:-}" "${cached[1]:-}" reported
  row 3 "samples/s, the next $h s" cold "${prom[2]:-}" "${cached[2]:-}" reported
  local pf="" nf=""
  if goal_ran cold; then
    pf=$(echo "scale=4; ${prom[1]} / ${prom[2]}" | bc -l 2>/dev/null || true)
    nf=$(echo "scale=4; ${cached[1]} / ${cached[2]}" | bc -l 2>/dev/null || true)
  fi
  row 3 "first $h s / next $h s" cold "$pf" "$nf" "value>=0.8"
  row 4 "ingest samples/s, $l series, fresh process" large \
    "$(goal_json large prometheus.write.json .samples_per_second)" \
    "$(goal_json large narthex.write.json .samples_per_second)" "ratio>=1"
  row 4 "new series/s, the first round (every series new), $l series" large \
    "$(goal_json large prometheus.write.json .new_series_per_second)" \
    "$(goal_json large narthex.write.json .new_series_per_second)" "ratio>=1"
  row 5 "seconds from restart after kill -9 to ready, $l series" restart "" \
    "$(goal_json restart restart.json .ready_seconds)" "value<60"
  row 5 "seconds from restart after kill -9 to every acknowledged sample served" restart "" \
    "$(goal_json restart restart.json .served_seconds)" "value<60"
  dash() { # measure as dashboard.sh prints it: "Prometheus Narthex"
    goal_ran dashboard || return 0
    awk -F'|' -v m="$1" '{ gsub(/^ +| +$/, "", $2) } $2 == m { print $3, $4; exit }' \
      "$goals_dir/dashboard/dashboard.log"
  }
  local p50=() p99=() peak=()
  read -r -a p50 < <(dash "query p50 ms") || true # nothing to read when the run failed
  read -r -a p99 < <(dash "query p99 ms") || true
  read -r -a peak < <(dash "largest peak samples of one query") || true
  row 6 "${dh}h dashboard over store-gateway blocks, $ds series: query p50 ms" dashboard "${p50[0]:-}" "${p50[1]:-}" \
    "ratio<=1"
  row 6 "${dh}h dashboard: query p99 ms" dashboard "${p99[0]:-}" "${p99[1]:-}" "ratio<=1"
  row 6 "${dh}h dashboard: largest peak samples of one query (memory per query)" dashboard "${peak[0]:-}" \
    "${peak[1]:-}" reported
  row 6 "1h dashboard over the head, $s series: query p50 ms" rf1 "$(goal_json rf1 prometheus.query.json .p50_ms)" \
    "$(goal_json rf1 narthex.query.json .p50_ms)" "ratio<=1"
  row 6 "1h dashboard: query p99 ms" rf1 "$(goal_json rf1 prometheus.query.json .p99_ms)" \
    "$(goal_json rf1 narthex.query.json .p99_ms)" "ratio<=1"
}

if [ -n "$print_goals" ]; then
  goals_dir=$print_goals
  goal_table
  exit 0
fi

if [ "$goals" = 1 ]; then
  if [ "$smoke" = 1 ]; then
    large_series=${large_series:-4000} warm_up=${warm_up:-2} dashboard_series=${dashboard_series:-200}
    dashboard_hours=${dashboard_hours:-6} cold_seconds=10
  fi
  large_series=${large_series:-1000000} warm_up=${warm_up:-120} dashboard_series=${dashboard_series:-2000}
  dashboard_hours=${dashboard_hours:-24} cold_seconds=${cold_seconds:-$write_seconds}
  only=${only:-$goal_runs}
  for name in ${only//,/ }; do
    [[ " $goal_runs " == *" $name "* ]] || { echo "compare.sh: --only takes some of: ${goal_runs// /,}" >&2; exit 2; }
  done
  goals_dir=${keep:-$work/goals}
  mkdir -p "$goals_dir"
  echo "$series" >"$goals_dir/series"
  echo "$large_series" >"$goals_dir/large_series"
  echo "$write_seconds" >"$goals_dir/write_seconds"
  echo "$cold_seconds" >"$goals_dir/cold_seconds"
  echo "$warm_up" >"$goals_dir/warm_up"
  echo "$dashboard_series" >"$goals_dir/dashboard_series"
  echo "$dashboard_hours" >"$goals_dir/dashboard_hours"
  started=$(date -u '+%Y-%m-%d %H:%M')
  # default settings for the runs that measure memory and a fresh process: bin/narthex's own heap sizing
  default_opts=${NARTHEX_JAVA_OPTS:- }
  self="$root/bench/compare.sh"
  failed=0
  goal_run() { # name, command...: runs it when --only names it, output to the terminal and $goals_dir/NAME.log
    local name=$1
    shift
    [[ ",${only// /,}," == *",$name,"* ]] || return 0
    rm -rf "${goals_dir:?}/$name" "$goals_dir/$name.log" "$goals_dir/$name.cmd"
    echo "=== $name: $*" | tee "$goals_dir/$name.log"
    echo "$*" >"$goals_dir/$name.cmd"
    if ! "$@" 2>&1 | tee -a "$goals_dir/$name.log"; then
      echo "=== $name failed (its log: $goals_dir/$name.log)"
      failed=1
    fi
  }
  aot_cache="$goals_dir/narthex.aot"
  if [[ ",${only// /,}," == *,rf3,* || ",${only// /,}," == *,cold,* ]]; then
    # One cache for the cluster's and the cold run's processes, built for the jar as it is now.
    aot_train=()
    if [ "$smoke" = 1 ]; then aot_train=(--series 2000 --write-seconds 2 --query-seconds 1); fi
    echo "=== AOT cache: bin/narthex-aot ${aot_train[*]}"
    NARTHEX_AOT_CACHE="$aot_cache" "$root/bin/narthex-aot" ${aot_train[@]+"${aot_train[@]}"} \
      >"$goals_dir/aot.log" 2>&1 ||
      { echo "compare.sh: bin/narthex-aot failed:" >&2; tail -5 "$goals_dir/aot.log" >&2; exit 1; }
  fi
  sizes=(--write-seconds "$write_seconds" --query-seconds "$query_seconds")
  same_rate_flag=()
  if [ "$same_rate" = 1 ]; then same_rate_flag=(--same-rate); fi
  goal_run rf1 env NARTHEX_JAVA_OPTS="$default_opts" "$self" --no-cluster --series "$series" "${sizes[@]}" \
    ${same_rate_flag[@]+"${same_rate_flag[@]}"} --out "$goals_dir/rf1.md" --keep-results "$goals_dir/rf1"
  goal_run large env NARTHEX_JAVA_OPTS="$default_opts" "$self" --no-cluster --series "$large_series" "${sizes[@]}" \
    --out "$goals_dir/large.md" --keep-results "$goals_dir/large"
  goal_run rf3 env NARTHEX_AOT_CACHE="$aot_cache" "$self" --cluster-only --series "$series" "${sizes[@]}" \
    --warm-up "$warm_up" --keep-results "$goals_dir/rf3"
  goal_run cold env NARTHEX_JAVA_OPTS="$default_opts" "$self" --cold-start --aot-cache "$aot_cache" \
    --series "$series" --write-seconds "$cold_seconds" --keep-results "$goals_dir/cold"
  goal_run restart env NARTHEX_JAVA_OPTS="$default_opts" "$root/bench/restart.sh" --series "$large_series" \
    --write-seconds "$write_seconds" --json
  # Its --json line is its last but for what the shell may print after it (a "Killed" when it reaps the process).
  if [ -f "$goals_dir/restart.cmd" ] &&
    grep '^{' "$goals_dir/restart.log" | tail -1 | jq -e .served_seconds >/dev/null 2>&1; then
    mkdir -p "$goals_dir/restart"
    grep '^{' "$goals_dir/restart.log" | tail -1 >"$goals_dir/restart/restart.json"
  fi
  dashboard_args=(--series "$dashboard_series" --hours "$dashboard_hours" --query-seconds "$query_seconds")
  if [ "$smoke" = 1 ]; then dashboard_args=(--smoke); fi
  goal_run dashboard "$root/bench/dashboard.sh" "${dashboard_args[@]}"
  if [ -f "$goals_dir/dashboard.cmd" ] && grep -q '^| query p99 ms |' "$goals_dir/dashboard.log"; then
    mkdir -p "$goals_dir/dashboard"
    cp "$goals_dir/dashboard.log" "$goals_dir/dashboard/"
  fi
  rm -f "$aot_cache"
  table=$(goal_table)
  echo
  echo "$table"
  if [ "$smoke" = 0 ] && [ -z "${only_given:-}" ]; then
    commit=$(git -C "$root" rev-parse --short HEAD)
    if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
      commit="$commit with uncommitted changes"
    fi
    command="bench/compare.sh --goals --series $series --large-series $large_series --write-seconds $write_seconds"
    command="$command --query-seconds $query_seconds --warm-up $warm_up --dashboard-series $dashboard_series"
    command="$command --dashboard-hours $dashboard_hours"
    if [ "$same_rate" = 1 ]; then command="$command --same-rate"; fi
    if [ -n "${NARTHEX_JAVA_OPTS+set}" ]; then command="NARTHEX_JAVA_OPTS=\"$NARTHEX_JAVA_OPTS\" $command"; fi
    # The history: the previous block's rows, then this run's.
    history=$(sed -n '/^<!-- compare.sh goals -->$/,/^<!-- compare.sh goals end -->$/p' "$out" 2>/dev/null |
      sed -n '/^### Every --goals run/,$p' | grep '^| 20' || true)
    cell() { # goal number, measure prefix: "Narthex (ratio)" of that row of $table
      echo "$table" | awk -F' \\| ' -v g="| $1" -v m="$2" '$1 == g && index($2, m) == 1 {
        print ($5 == "—" ? $4 : $4 " (" $5 "×)"); exit }'
    }
    block="$work/goals.block"
    {
      echo "## Issue 17's goals in one run (\`bench/compare.sh --goals\`)"
      echo
      echo "Measured $started UTC (commit $commit) on $(nproc) cores,"
      echo "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) ($(uname -sr)), with Prometheus" \
        "$("$prometheus_bin" --version 2>&1 | head -1 | awk '{print $3}'), by:"
      echo
      echo '```sh'
      echo "$command"
      echo '```'
      echo
      echo "Each goal's rows come from its own run, one after the other, on fresh processes and directories (the"
      echo "commands are in \`bench/README.md\`): goals 2 and 6 (1h) from \`compare.sh --no-cluster\` at"
      echo "$series series, 2 and 4 from the same at $large_series, 1 from \`--cluster-only --warm-up $warm_up\` (AOT"
      echo "cache, the cluster's JVM flags), 3 from \`--cold-start\`, 5 from \`bench/restart.sh\`, 6 (${dashboard_hours}h)"
      echo "from \`bench/dashboard.sh\`. Default settings (bin/narthex's own heap sizing) for goals 2 to 5. Ratios are"
      echo "Narthex / Prometheus 2.42 in the same run; runs vary, see the history below and"
      echo "[Runs vary](#runs-vary-ratios-are-the-claim)."
      echo
      echo "$table"
      echo
      echo "### Every --goals run"
      echo
      echo "| date (UTC) | commit | 1. RF=3 warm samples/s | 2. resident B/series, $series | 2. at $large_series |" \
        "3. first / next | 4. samples/s, $large_series | 4. new series/s | 5. s to every sample |" \
        "6. ${dashboard_hours}h p50 ms | 6. p99 ms |"
      echo "|---|---|---|---|---|---|---|---|---|---|---|"
      if [ -n "$history" ]; then echo "$history"; fi
      echo "| $started | $commit | $(cell 1 "RF=3") | $(cell 2 "resident bytes per active series, $series ") |" \
        "$(cell 2 "resident bytes per active series, $large_series ") | $(cell 3 "first") |" \
        "$(cell 4 "ingest") | $(cell 4 "new series") | $(cell 5 "seconds from restart after kill -9 to every") |" \
        "$(cell 6 "${dashboard_hours}h dashboard over") | $(cell 6 "${dashboard_hours}h dashboard: query p99") |"
    } >"$block"
    write_block goals "$block"
    echo "written to $out"
  fi
  exit "$failed"
fi

if [ -n "$print_table" ]; then
  results=$print_table
  series=$(cat "$results/series")
  [ -f "$results/cluster.write.json" ] || cluster=0
  [ -f "$results/narthex.write.json" ] || rf1=0
  render_table
  echo "$table"
  exit 0
fi

if [ "$cold" = 1 ]; then
  # Samples/s before and after the middle of a write run, from the generator's 5-second progress lines
  # ("[ 30.0s] 123,456 samples/s, ..."): each line's rate times its interval adds up the accepted samples.
  halves() { # write log, seconds of the first half
    sed -n 's/^\[ *\([0-9.]*\)s\] \([0-9,]*\) samples\/s.*/\1 \2/p' "$1" | tr -d , | awk -v half="$2" '
      { cum += $2 * ($1 - t); t = $1
        if (!split_t || ($1 - half) ^ 2 < (split_t - half) ^ 2) { split_t = $1; split_cum = cum } }
      END { if (t <= split_t) { print "compare.sh: the write run ended before its second half" > "/dev/stderr"; exit 1 }
            printf "%d %d\n", split_cum / split_t, (cum - split_cum) / (t - split_t) }'
  }
  # cold_run NAME READY_URL COMMAND...: starts COMMAND on a fresh directory, times it until READY_URL answers,
  # then sends the write load; writes "seconds-to-ready first-half-rate second-half-rate" to $work/NAME.cold.
  cold_run() {
    local name=$1 ready_url=$2 push_url=$3
    shift 3
    local t0 pid
    t0=$(date +%s.%N)
    "$@" >"$work/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    local deadline=$((SECONDS + 120))
    until curl -sf -o /dev/null "$ready_url"; do
      kill -0 "$pid" 2>/dev/null || { tail -20 "$work/$name.log" >&2; exit 1; }
      [ $SECONDS -lt $deadline ] || { echo "compare.sh: $name not ready after 120s" >&2; exit 1; }
      sleep 0.1
    done
    local ready
    ready=$(echo "$(date +%s.%N) - $t0" | bc)
    # 5 s apart, 1 h of rounds is 720 rounds: a 60 s run at up to 1.2M samples/s of 100k series cannot run out.
    "$bench" write --url="$push_url" --series="$series" --duration="${write_seconds}s" --interval=5s \
      --concurrency=4 >"$work/$name.write.log"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    local rates
    rates=$(halves "$work/$name.write.log" "$((write_seconds / 2))")
    printf '%.2f %s\n' "$ready" "$rates" >"$work/$name.cold"
  }
  cache="$work/narthex.aot"
  if [ -n "$aot_cache" ]; then
    cache=$aot_cache
  else
    echo "== building the AOT cache (bin/narthex-aot)"
    NARTHEX_AOT_CACHE="$cache" "$root/bin/narthex-aot"
  fi
  cold_narthex() { # name, cache
    pick_narthex_port
    # shellcheck disable=SC2086 # the limits are split on purpose
    NARTHEX_AOT_CACHE="$2" cold_run "$1" "http://127.0.0.1:$port/ready" "http://127.0.0.1:$port/api/v1/push" \
      exec_narthex "$work/$1" $bench_limits
  }
  echo "== Narthex all-in-one (RF=1), no AOT cache"
  cold_narthex plain off
  read -r -a plain <"$work/plain.cold"
  echo "== Narthex all-in-one (RF=1), with the AOT cache"
  cold_narthex cached "$cache"
  read -r -a cached <"$work/cached.cold"
  if grep -q "starting without it" "$work/cached.log"; then echo "compare.sh: the AOT cache was not used" >&2; exit 1; fi
  echo "== Prometheus $("$prometheus_bin" --version 2>&1 | head -1 | awk '{print $3}')"
  port=$((20000 + RANDOM % 10000))
  printf 'global:\n  scrape_interval: 1h\n' >"$work/prometheus.yml"
  cold_run prometheus "http://127.0.0.1:$port/-/ready" "http://127.0.0.1:$port/api/v1/write" \
    "$prometheus_bin" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus" \
    --web.enable-remote-write-receiver --web.listen-address=127.0.0.1:$port
  read -r -a prom <"$work/prometheus.cold"
  half=$((write_seconds / 2))
  ratio() { echo "scale=2; $1 / $2" | bc -l; }
  echo
  echo "| measure | Prometheus | Narthex RF=1, no AOT cache | ratio | Narthex RF=1, AOT cache | ratio |"
  echo "|---|---|---|---|---|---|"
  echo "| seconds from launch to ready | ${prom[0]} | ${plain[0]} | $(ratio "${plain[0]}" "${prom[0]}") |" \
    "${cached[0]} | $(ratio "${cached[0]}" "${prom[0]}") |"
  echo "| samples/s, first $half s of a fresh process | ${prom[1]} | ${plain[1]} | $(ratio "${plain[1]}" "${prom[1]}") |" \
    "${cached[1]} | $(ratio "${cached[1]}" "${prom[1]}") |"
  echo "| samples/s, the next $half s | ${prom[2]} | ${plain[2]} | $(ratio "${plain[2]}" "${prom[2]}") |" \
    "${cached[2]} | $(ratio "${cached[2]}" "${prom[2]}") |"
  echo "| first / next | $(ratio "${prom[1]}" "${prom[2]}") | $(ratio "${plain[1]}" "${plain[2]}") | |" \
    "$(ratio "${cached[1]}" "${cached[2]}") | |"
  echo
  for name in prometheus plain cached; do # thousands of samples/s in each 5 s of the run
    echo "$name, k samples/s per 5 s: $(sed -n 's/^\[ *[0-9.]*s\] \([0-9,]*\) samples\/s.*/\1/p' \
      "$work/$name.write.log" | tr -d , | awk '{printf "%s%d", (NR > 1 ? " " : ""), $1 / 1000}')"
  done
  keep_results
  exit 0
fi

if [ "$rf1" = 1 ]; then
  echo "== Narthex all-in-one (RF=1)"
  pick_narthex_port
  # shellcheck disable=SC2086 # the limits are split on purpose
  launch_narthex "$work/narthex" "$work/narthex.log" $bench_limits
  pids+=("$narthex_pid")
  await_narthex_ready compare.sh 120
  measure narthex "http://127.0.0.1:$port/api/v1/push" "http://127.0.0.1:$port/prometheus" "X-Scope-OrgID:bench-0" \
    "$narthex_pid"
  curl -sf -X POST "http://127.0.0.1:$port/ingester/flush" >/dev/null
  echo "$(du -sb "$work/narthex/blocks" | cut -f1)" >"$work/narthex.bytes"
  kill "$narthex_pid"
  wait "$narthex_pid" 2>/dev/null || true
fi

if [ "$cluster" = 1 ]; then
  echo "== Narthex cluster (3 ingesters, RF=3, $layout)"
  # Below Linux's ephemeral range (32768-60999), where the cluster's own outgoing connections take their local
  # ports: a base up there once lost a Raft port to one. 10000-19999 also stays clear of the other runs' ports.
  base=$((10000 + (RANDOM % 100) * 100))
  cluster_aot=${NARTHEX_AOT_CACHE:-}
  if [ "$aot" = 1 ]; then
    # Built here, right before the cluster starts: a cache fits only the jar it was made with.
    echo "   AOT cache: bin/narthex-aot"
    NARTHEX_AOT_CACHE="$work/narthex.aot" "$root/bin/narthex-aot" >"$work/aot.log" 2>&1 ||
      { echo "compare.sh: bin/narthex-aot failed:" >&2; tail -5 "$work/aot.log" >&2; exit 1; }
    cluster_aot="$work/narthex.aot"
  fi
  # Without the alertmanagers and the ruler (NARTHEX_ALERTMANAGERS=0): the load is writes and queries only, and
  # three more JVMs would take CPU and memory that the table would count against the store.
  NARTHEX_PORT_BASE=$base NARTHEX_JAVA_OPTS="${NARTHEX_JAVA_OPTS:--Xmx1g}" NARTHEX_ALERTMANAGERS=0 \
    NARTHEX_LAYOUT=$layout NARTHEX_AOT_CACHE=$cluster_aot NARTHEX_EXTRA_FLAGS="${NARTHEX_EXTRA_FLAGS:-} $bench_limits" \
    "$root/deploy/local/cluster.sh" up \
    "$work/cluster" >/dev/null
  cluster_pids=()
  for f in "$work"/cluster/*.pid; do cluster_pids+=("$(cat "$f")"); done
  echo "$layout, ${#cluster_pids[@]} processes" >"$work/cluster.layout"
  push_url="http://127.0.0.1:$base/api/v1/push" query_url="http://127.0.0.1:$((base + 1))/prometheus"
  if [ "$layout" = monolithic ]; then
    # Each process is a distributor: the writes go to the 3 in turn, as behind a load balancer.
    push_url="http://127.0.0.1:$((base + 10))/api/v1/push,http://127.0.0.1:$((base + 11))/api/v1/push"
    push_url="$push_url,http://127.0.0.1:$((base + 12))/api/v1/push"
    query_url="http://127.0.0.1:$((base + 10))/prometheus"
  fi
  # bin/narthex says on stderr when it starts a JVM without an AOT cache.
  aot_missing=$(cat "$work"/cluster/logs/*.log | grep -c "starting without it" || true)
  echo "$((${#cluster_pids[@]} - aot_missing)) of ${#cluster_pids[@]} processes with an AOT cache" >"$work/cluster.aot"
  if [ "$warm_up" -gt 0 ]; then
    echo "   warm-up: ${warm_up}s of writes, tenant bench-warmup, $((series / 10)) series"
    # Rounds 1 s apart: an hour of them for a tenth of the series outlasts minutes of warm-up at any rate here.
    "$bench" write --url="$push_url" --series=$((series / 10)) --duration="${warm_up}s" \
      --interval=1s --concurrency=4 --header=X-Scope-OrgID:bench-warmup --json >"$work/cluster.warmup.write.log" ||
      { echo "compare.sh: the warm-up failed:" >&2; tail -5 "$work/cluster.warmup.write.log" >&2; exit 1; }
  fi
  measure cluster "$push_url" "$query_url" "X-Scope-OrgID:bench-0" "${cluster_pids[@]}"
  # Which ingester led each shard: one leading two shards takes two shards' appends and applies.
  for i in 0 1 2; do
    curl -sf "http://127.0.0.1:$((base + 10 + i))/ingester/shards" |
      jq -r '.node as $n | .replicas[] | select(.role == "LEADER") | "shard \(.shard): \($n)"' || true
  done | sort >"$work/cluster.leaders"
  for i in 0 1 2; do curl -sf -X POST "http://127.0.0.1:$((base + 10 + i))/ingester/flush" >/dev/null || true; done
  # The measured tenant's blocks only: the warm-up's tenant has blocks of its own.
  blocks="$work/cluster/data/blocks"
  if [ "$warm_up" -gt 0 ] && [ -d "$blocks/bench-0" ]; then blocks="$blocks/bench-0"; fi
  echo "$(du -sb "$blocks" | cut -f1)" >"$work/cluster.bytes"
  "$root/deploy/local/cluster.sh" down "$work/cluster" >/dev/null
fi

echo "== Prometheus $("$prometheus_bin" --version 2>&1 | head -1 | awk '{print $3}')"
port=$((20000 + RANDOM % 10000))
printf 'global:\n  scrape_interval: 1h\n' >"$work/prometheus.yml"
"$prometheus_bin" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus" \
  --web.enable-remote-write-receiver --web.enable-admin-api --web.listen-address=127.0.0.1:$port \
  >"$work/prometheus.log" 2>&1 &
prometheus_pid=$!
pids+=("$prometheus_pid")
await_http "http://127.0.0.1:$port/-/ready" 60
measure prometheus "http://127.0.0.1:$port/api/v1/write" "http://127.0.0.1:$port" "" "$prometheus_pid"
snapshot=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/admin/tsdb/snapshot" | jq -r .data.name)
echo "$(du -sb "$work/prometheus/snapshots/$snapshot" | cut -f1)" >"$work/prometheus.bytes"
kill "$prometheus_pid"
wait "$prometheus_pid" 2>/dev/null || true

if [ "$same_rate" = 1 ] && [ "$rf1" = 1 ]; then
  rate_limit=$(jq -r .samples_per_second "$work/prometheus.write.json")
  echo "== Narthex all-in-one (RF=1), written at Prometheus's $rate_limit samples/s"
  pick_narthex_port
  # shellcheck disable=SC2086 # the limits are split on purpose
  launch_narthex "$work/narthex-same-rate" "$work/narthex-same-rate.log" $bench_limits
  pids+=("$narthex_pid")
  await_narthex_ready compare.sh 120
  measure_writes narthex-same-rate "http://127.0.0.1:$port/api/v1/push" "http://127.0.0.1:$port/prometheus" "" \
    "$narthex_pid"
  rate_limit=""
  kill "$narthex_pid"
  wait "$narthex_pid" 2>/dev/null || true
fi

keep_results
render_table
echo
echo "$table"
if [ "$cluster" = 1 ]; then
  echo
  echo "cluster: $(cat "$work/cluster.layout"); $(cat "$work/cluster.aot");" \
    "leaders: $(paste -sd, "$work/cluster.leaders" | sed 's/,/, /g')"
  echo "cluster: $(cat "$work/cluster.threads")"
  for log in cluster.warmup cluster; do # thousands of samples/s in each 5 s, from the generator's progress lines
    [ -f "$work/$log.write.log" ] || continue
    echo "$log, k samples/s per 5 s: $(sed -n 's/^\[ *[0-9.]*s\] \([0-9,]*\) samples\/s.*/\1/p' \
      "$work/$log.write.log" | tr -d , | awk '{printf "%s%d", (NR > 1 ? " " : ""), $1 / 1000}')"
  done
fi
if [ "$smoke" = 0 ] && [ "$rf1" = 1 ]; then
  no_cluster=""
  if [ "$cluster" = 0 ]; then no_cluster=" --no-cluster"; fi
  same_rate_note=""
  if [ "$same_rate" = 1 ]; then same_rate_note=" --same-rate"; fi
  # The heap sizes the page states are the script's defaults unless $NARTHEX_JAVA_OPTS replaced them.
  java_opts=""
  heap="-Xmx2g all-in-one, -Xmx1g per cluster process here, set by \$NARTHEX_JAVA_OPTS"
  if [ -n "${NARTHEX_JAVA_OPTS+set}" ]; then
    java_opts="NARTHEX_JAVA_OPTS=\"$NARTHEX_JAVA_OPTS\" "
    heap="\$NARTHEX_JAVA_OPTS was \"$NARTHEX_JAVA_OPTS\" here; blank leaves bin/narthex's own heap sizing"
  fi
  cluster_note=""
  if [ "$cluster" = 1 ]; then
    cluster_note=" The cluster rows sum all $(cut -d' ' -f2 "$work/cluster.layout") processes ($layout), which hold"
    cluster_note="$cluster_note each series 3 times."
  fi
  # The side-by-side block of the page; the goals block and everything below $marker stay as they are.
  {
    echo "## Narthex next to Prometheus, side by side (\`bench/compare.sh\`)"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "($(uname -sr)), with Prometheus $("$prometheus_bin" --version 2>&1 | head -1 | awk '{print $3}'), by:"
    echo
    echo '```sh'
    echo "${java_opts}bench/compare.sh --series $series --write-seconds $write_seconds" \
      "--query-seconds $query_seconds$no_cluster${same_rate_note}"
    echo '```'
    echo
    echo "$series series, $write_seconds s of write load at saturation (4 connections), then $query_seconds s of"
    echo "dashboard queries (4 concurrent). Ratios are Narthex / Prometheus; the generator shares the cores."
    echo "Bytes per sample on disk are for the data each system accepted in its run: a system that accepted fewer"
    echo "samples per series pays more index per sample, so compare them alongside the ingest row."
    echo "Resident memory follows the JVM heap size ($heap);"
    echo "the live heap row is what the data needs.$cluster_note"
    echo
    echo "$table"
  } >"$work/table.block"
  write_block table "$work/table.block"
  echo "written to $out"
fi
