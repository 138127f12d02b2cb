#!/usr/bin/env bash
# Narthex and Prometheus side by side, in one run on this machine, under the same load (issue: benchmarks).
#
#   bench/compare.sh [--smoke] [--series N] [--write-seconds S] [--query-seconds S] [--no-cluster] [--out FILE]
#                    [--keep-results DIR] [--cluster-only] [--warm-up S] [--aot]
#   bench/compare.sh --cold-start [--series N] [--write-seconds S]
#   bench/compare.sh --print-table DIR [--no-cluster]
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
#
# --cold-start measures only how fast a fresh process starts: it builds the AOT cache (bin/narthex-aot), then
# starts Narthex RF=1 without it, Narthex RF=1 with it, and Prometheus, each fresh, and prints for each the time from
# launch to ready and the samples/s of the first and the second half of one write run (default 60 s: the first
# 30 s and the next 30 s), with the ratios to Prometheus. It writes nothing to docs/performance.md.
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
warm_up=0
aot=0
smoke=0
cold=0
keep=""
print_table=""
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
    --cold-start) cold=1 ;;
    --out) out=$2; shift ;;
    --keep-results) keep=$2; shift ;;
    --print-table) print_table=$2; shift ;;
    *) echo "usage: $0 [--smoke] [--series N] [--write-seconds S] [--query-seconds S] [--no-cluster] [--out FILE]" >&2
       echo "         [--keep-results DIR] [--cluster-only] [--warm-up S] [--aot]" >&2
       echo "       $0 --cold-start [--series N] [--write-seconds S]" >&2
       echo "       $0 --print-table DIR [--no-cluster]" >&2
       exit 2 ;;
  esac
  shift
done
command -v jq >/dev/null || { echo "compare.sh needs jq (apt-get install jq)" >&2; exit 1; }
command -v bc >/dev/null || { echo "compare.sh needs bc (apt-get install bc)" >&2; exit 1; }
prometheus_bin=$(command -v prometheus || true)
if [ -z "$prometheus_bin" ] && [ -z "$print_table" ]; then
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

# Live heap in bytes of the given JVM pids, after a full GC: what the data needs, whatever the heap size.
jvm_live_bytes() {
  local total=0 used
  for pid in "$@"; do
    "$jcmd" "$pid" GC.run >/dev/null
    used=$("$jcmd" "$pid" GC.heap_info | grep -oE 'used [0-9]+[KMG]' | head -1 | awk '{print $2}')
    case "$used" in
      *K) total=$((total + ${used%K} * 1024)) ;;
      *M) total=$((total + ${used%M} * 1048576)) ;;
      *G) total=$((total + ${used%G} * 1073741824)) ;;
    esac
  done
  echo "$total"
}

# measure NAME WRITE_URL QUERY_URL QUERY_HEADER PIDS...: write load, then query load; results in $work/NAME.*.json
measure() {
  local name=$1 write_url=$2 query_url=$3 query_header=$4
  shift 4
  local cpu0 cpu1
  cpu0=$(cpu_seconds "$@")
  local threads0 t0 t1
  threads0=$(thread_ticks "$@")
  "$bench" write --url="$write_url" --series="$series" --duration="${write_seconds}s" --concurrency=4 --json \
    >"$work/$name.write.log"
  cpu1=$(cpu_seconds "$@")
  read -r -a t0 <<<"$threads0"
  read -r -a t1 < <(thread_ticks "$@")
  echo "CPU of the write phase: JIT compiler threads $(( (t1[0] - t0[0]) / ticks )) s, GC and VM threads" \
    "$(( (t1[1] - t0[1]) / ticks )) s, the rest $(( (t1[2] - t0[2]) / ticks )) s" >"$work/$name.threads"
  tail -1 "$work/$name.write.log" >"$work/$name.write.json"
  local live
  if [ "$name" = prometheus ]; then
    # Go's heap in use, which still holds garbage not yet collected: an upper bound of its live heap.
    live=$(curl -sf "${query_url}/metrics" | awk '/^go_memstats_heap_inuse_bytes / {printf "%d", $2}')
  else
    live=$(jvm_live_bytes "$@")
  fi
  jq -n --argjson cpu "$(echo "$cpu1 - $cpu0" | bc)" --argjson rss "$(rss_bytes "$@")" --argjson live "$live" \
    '{cpu_seconds: $cpu, rss_bytes: $rss, live_heap_bytes: $live}' >"$work/$name.process.json"
  # The queries end at the run's last sample, not now: a run at saturation stops short of now (its data starts an
  # hour back), and queries ending at now would find instant selectors empty and half of each range.
  local end
  end=$(jq -r 'if .last_sample_time_ms == null then "now" else .last_sample_time_ms / 1000 end' "$work/$name.write.json")
  "$bench" query --url="$query_url" ${query_header:+--header="$query_header"} --duration="${query_seconds}s" \
    --end="$end" --concurrency=4 --json >"$work/$name.query.log"
  tail -1 "$work/$name.query.log" >"$work/$name.query.json"
}

# The benchmark measures the store, not Mimir's default tenant limits (10k samples/s, 150k series).
bench_limits="--distributor.ingestion-rate-limit=1e12 --distributor.ingestion-burst-size=2000000000"
bench_limits="$bench_limits --ingester.max-global-series-per-user=0"

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
}

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
  echo "== building the AOT cache (bin/narthex-aot)"
  NARTHEX_AOT_CACHE="$work/narthex.aot" "$root/bin/narthex-aot"
  cold_narthex() { # name, cache
    local port=$((20000 + RANDOM % 10000))
    cold_run "$1" "http://127.0.0.1:$port/ready" "http://127.0.0.1:$port/api/v1/push" \
      env NARTHEX_AOT_CACHE="$2" NARTHEX_JAVA_OPTS="${NARTHEX_JAVA_OPTS:--Xmx2g}" "$root/bin/narthex" \
      --server.http-listen-port=$port --server.grpc-listen-port=$((port + 1)) \
      --ingester.raft-listen-port=$((port + 2)) $bench_limits --blocks-storage.tsdb.dir="$work/$1/tsdb" \
      --blocks-storage.filesystem.dir="$work/$1/blocks" --blocks-storage.bucket-store.sync-dir="$work/$1/sync" \
      --compactor.data-dir="$work/$1/compactor"
  }
  echo "== Narthex all-in-one (RF=1), no AOT cache"
  cold_narthex plain off
  read -r -a plain <"$work/plain.cold"
  echo "== Narthex all-in-one (RF=1), with the AOT cache"
  cold_narthex cached "$work/narthex.aot"
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
  exit 0
fi

if [ "$rf1" = 1 ]; then
  echo "== Narthex all-in-one (RF=1)"
  port=$((20000 + RANDOM % 10000))
  # shellcheck disable=SC2086 # the limits are split on purpose
  NARTHEX_JAVA_OPTS="${NARTHEX_JAVA_OPTS:--Xmx2g}" "$root/bin/narthex" --server.http-listen-port=$port \
    --server.grpc-listen-port=$((port + 1)) --ingester.raft-listen-port=$((port + 2)) $bench_limits \
    --blocks-storage.tsdb.dir="$work/narthex/tsdb" --blocks-storage.filesystem.dir="$work/narthex/blocks" \
    --blocks-storage.bucket-store.sync-dir="$work/narthex/sync" --compactor.data-dir="$work/narthex/compactor" \
    >"$work/narthex.log" 2>&1 &
  narthex_pid=$!
  pids+=("$narthex_pid")
  await_http "http://127.0.0.1:$port/ready" 120
  measure narthex "http://127.0.0.1:$port/api/v1/push" "http://127.0.0.1:$port/prometheus" "X-Scope-OrgID:bench-0" \
    "$narthex_pid"
  curl -sf -X POST "http://127.0.0.1:$port/ingester/flush" >/dev/null
  echo "$(du -sb "$work/narthex/blocks" | cut -f1)" >"$work/narthex.bytes"
  kill "$narthex_pid"
  wait "$narthex_pid" 2>/dev/null || true
fi

if [ "$cluster" = 1 ]; then
  echo "== Narthex cluster (3 ingesters, RF=3)"
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
    NARTHEX_AOT_CACHE=$cluster_aot NARTHEX_EXTRA_FLAGS="${NARTHEX_EXTRA_FLAGS:-} $bench_limits" \
    "$root/deploy/local/cluster.sh" up \
    "$work/cluster" >/dev/null
  cluster_pids=()
  for f in "$work"/cluster/*.pid; do cluster_pids+=("$(cat "$f")"); done
  # bin/narthex says on stderr when it starts a JVM without an AOT cache.
  aot_missing=$(cat "$work"/cluster/logs/*.log | grep -c "starting without it" || true)
  echo "$((${#cluster_pids[@]} - aot_missing)) of ${#cluster_pids[@]} processes with an AOT cache" >"$work/cluster.aot"
  if [ "$warm_up" -gt 0 ]; then
    echo "   warm-up: ${warm_up}s of writes, tenant bench-warmup, $((series / 10)) series"
    # Rounds 1 s apart: an hour of them for a tenth of the series outlasts minutes of warm-up at any rate here.
    "$bench" write --url="http://127.0.0.1:$base/api/v1/push" --series=$((series / 10)) --duration="${warm_up}s" \
      --interval=1s --concurrency=4 --header=X-Scope-OrgID:bench-warmup --json >"$work/cluster.warmup.write.log" ||
      { echo "compare.sh: the warm-up failed:" >&2; tail -5 "$work/cluster.warmup.write.log" >&2; exit 1; }
  fi
  measure cluster "http://127.0.0.1:$base/api/v1/push" "http://127.0.0.1:$((base + 1))/prometheus" \
    "X-Scope-OrgID:bench-0" "${cluster_pids[@]}"
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

if [ -n "$keep" ]; then # the results and logs, not the data
  mkdir -p "$keep"
  echo "$series" >"$work/series"
  find "$work" -maxdepth 1 -type f ! -name 'narthex.aot*' -exec cp -t "$keep" {} +
fi
render_table
echo
echo "$table"
if [ "$cluster" = 1 ]; then
  echo
  echo "cluster: $(cat "$work/cluster.aot"); leaders: $(paste -sd, "$work/cluster.leaders" | sed 's/,/, /g')"
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
  # The heap sizes the page states are the script's defaults unless $NARTHEX_JAVA_OPTS replaced them.
  java_opts=""
  heap="-Xmx2g all-in-one, -Xmx1g per cluster process here, set by \$NARTHEX_JAVA_OPTS"
  if [ -n "${NARTHEX_JAVA_OPTS+set}" ]; then
    java_opts="NARTHEX_JAVA_OPTS=\"$NARTHEX_JAVA_OPTS\" "
    heap="\$NARTHEX_JAVA_OPTS was \"$NARTHEX_JAVA_OPTS\" here; blank leaves bin/narthex's own heap sizing"
  fi
  cluster_note=""
  if [ "$cluster" = 1 ]; then cluster_note=" The cluster rows sum all 5 processes, which hold each series 3 times."; fi
  # Hand-written notes below the marker survive a new run.
  marker='<!-- compare.sh keeps everything below this line -->'
  kept=""
  if [ -f "$out" ] && grep -qF "$marker" "$out"; then kept=$(sed -n "/$marker/,\$p" "$out"); fi
  {
    echo "# Performance: Narthex next to Prometheus"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "($(uname -sr)), with Prometheus $("$prometheus_bin" --version 2>&1 | head -1 | awk '{print $3}'), by:"
    echo
    echo '```sh'
    echo "${java_opts}bench/compare.sh --series $series --write-seconds $write_seconds" \
      "--query-seconds $query_seconds$no_cluster"
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
    if [ -n "$kept" ]; then echo; echo "$kept"; fi
  } >"$out"
  echo "written to $out"
fi
