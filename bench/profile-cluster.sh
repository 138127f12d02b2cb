#!/usr/bin/env bash
# A JFR profile of every JVM of the local cluster under compare.sh's cluster write load (issue 17, goal 1): where
# the RF=3 write path spends its CPU, per process.
#
#   bench/profile-cluster.sh [--series N] [--warm-up S] [--write-seconds S] [--record-seconds S] [--aot] OUT_DIR
#
# Starts deploy/local/cluster.sh as compare.sh --cluster-only does (5 processes, no alertmanagers or ruler,
# $NARTHEX_JAVA_OPTS or -Xmx1g, the benchmark's tenant limits; $NARTHEX_EXTRA_FLAGS passed on), writes --warm-up
# seconds (default 60) of a tenth of the series of a tenant of its own, then --write-seconds (default 50) of --series
# (default 100000) series at saturation; from a quarter of the way in it records --record-seconds (default 30) of
# JFR on every JVM (settings=profile and JDK 25's CPU-time sampler, jdk.CPUTimeSample). --aot builds an AOT cache
# for the jar first (bin/narthex-aot) and starts every process with it. OUT_DIR gets <process>.jfr, the generator's
# output (write.log), each process's CPU seconds over the measured write (cpu.txt) and the shards' leaders
# (leaders.txt); --record-seconds 0 records nothing (the same run without JFR's cost). Run it under the build lock (flock /tmp/mvn.lock), as every benchmark here. JFR lowers the rate:
# read the profile's shares, not its samples/s. Per thread name and frame:
#   jfr print --events jdk.CPUTimeSample OUT_DIR/ingester-1.jfr
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
series=100000
warm_up=60
write_seconds=50
record_seconds=30
aot=0
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --series) series=$2; shift ;;
    --warm-up) warm_up=$2; shift ;;
    --write-seconds) write_seconds=$2; shift ;;
    --record-seconds) record_seconds=$2; shift ;;
    --aot) aot=1 ;;
    -*) echo "usage: $0 [--series N] [--warm-up S] [--write-seconds S] [--record-seconds S] [--aot] OUT_DIR" >&2
        exit 2 ;;
    *) out=$1 ;;
  esac
  shift
done
[ -n "$out" ] || { echo "usage: $0 [--series N] [--warm-up S] [--write-seconds S] [--record-seconds S] [--aot] OUT_DIR" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/narthex-profile.XXXXXX)
cleanup() {
  "$root/deploy/local/cluster.sh" down "$work/cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=bench/fresh-narthex.sh
source "$root/bench/fresh-narthex.sh"
jcmd="$("$root/bin/java-home")/bin/jcmd"
ticks=$(getconf CLK_TCK)
bench="$root/bin/narthex-bench"

cache=${NARTHEX_AOT_CACHE:-}
if [ "$aot" = 1 ]; then
  NARTHEX_AOT_CACHE="$work/narthex.aot" "$root/bin/narthex-aot" >"$work/aot.log" 2>&1 ||
    { echo "profile-cluster.sh: bin/narthex-aot failed:" >&2; tail -5 "$work/aot.log" >&2; exit 1; }
  cache="$work/narthex.aot"
fi
# Below Linux's ephemeral range, as in compare.sh.
base=$((10000 + (RANDOM % 100) * 100))
NARTHEX_PORT_BASE=$base NARTHEX_JAVA_OPTS="${NARTHEX_JAVA_OPTS:--Xmx1g}" NARTHEX_ALERTMANAGERS=0 \
  NARTHEX_AOT_CACHE=$cache NARTHEX_EXTRA_FLAGS="${NARTHEX_EXTRA_FLAGS:-} $narthex_bench_limits" \
  "$root/deploy/local/cluster.sh" up "$work/cluster" >/dev/null
push_url="http://127.0.0.1:$base/api/v1/push"
if [ "$warm_up" -gt 0 ]; then
  "$bench" write --url="$push_url" --series=$((series / 10)) --duration="${warm_up}s" --interval=1s \
    --concurrency=4 --header=X-Scope-OrgID:bench-warmup >"$out/warmup.log"
fi

names=()
pids=()
for f in "$work"/cluster/*.pid; do
  names+=("$(basename "$f" .pid)")
  pids+=("$(cat "$f")")
done
cpu_ticks() { # pid: user + system ticks
  local fields
  read -r -a fields < <(sed 's/^.*) //' "/proc/$1/stat")
  echo $((fields[11] + fields[12]))
}
cpu0=()
for pid in "${pids[@]}"; do cpu0+=("$(cpu_ticks "$pid")"); done
"$bench" write --url="$push_url" --series="$series" --duration="${write_seconds}s" --concurrency=4 \
  --header=X-Scope-OrgID:bench-0 >"$out/write.log" &
writer=$!
if [ "$record_seconds" -gt 0 ]; then
  sleep $((write_seconds / 4))
  for pid in "${pids[@]}"; do
    "$jcmd" "$pid" JFR.start name=profile settings=profile jdk.CPUTimeSample#enabled=true >/dev/null
  done
  sleep "$record_seconds"
  for i in "${!pids[@]}"; do
    "$jcmd" "${pids[$i]}" JFR.stop name=profile filename="$out/${names[$i]}.jfr" >/dev/null
  done
fi
wait "$writer"
for i in "${!pids[@]}"; do
  echo "${names[$i]} $(echo "scale=1; ($(cpu_ticks "${pids[$i]}") - ${cpu0[$i]}) / $ticks" | bc) CPU s"
done >"$out/cpu.txt"
for i in 0 1 2; do
  curl -sf "http://127.0.0.1:$((base + 10 + i))/ingester/shards" |
    jq -r '.node as $n | .replicas[] | select(.role == "LEADER") | "shard \(.shard): \($n)"' || true
done | sort >"$out/leaders.txt"
tail -3 "$out/write.log"
cat "$out/cpu.txt" "$out/leaders.txt"
