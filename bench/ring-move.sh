#!/usr/bin/env bash
# How long a replica move of the ingester ring takes per GiB of head, and the write latency during a move versus
# outside one (issue 18). Not a CI test: run it under the Maven lock, on a built jar.
#
#   bench/ring-move.sh [--series N] [--load-seconds S] [--window-seconds S] [--dir DIR]
#
# 1. deploy/local/cluster.sh up DIR (3 ingesters, 3 shards, replication factor 3, no alertmanagers), every shard
#    snapshotting every 500 log entries (-ingester.raft.snapshot-entries), so a move's new replica installs a
#    snapshot of the heads, as it does on a cluster that has run for a while;
# 2. loads it: bin/narthex-bench write --series N (default 300000) at saturation for S seconds (default 60);
# 3. a steady writer (tenant ring-move-latency, 2,000 series of their own per window, 2,000 samples/s in requests of
#    200) runs back-to-back windows of --window-seconds (default 10): two before the join, then as many as the join
#    takes, then one after;
# 4. cluster.sh join DIR 4 (POST /ingester/ring/join on ingester-4): the moves run one at a time.
# Prints each shard's head size before the join (its newest snapshot file and the whole group directory on
# ingester-1), each move's start and end (GET /ingester/ring polled every 0.2 s) and seconds, and each window's
# write latency p50/p99 with whether a move ran during it. Everything is kept in DIR (default /tmp/ring-move).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
series=300000
load_seconds=60
window_seconds=10
dir=/tmp/ring-move
while [ $# -gt 0 ]; do
  case "$1" in
    --series) series=$2; shift 2 ;;
    --load-seconds) load_seconds=$2; shift 2 ;;
    --window-seconds) window_seconds=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "ring-move: unknown argument $1" >&2; exit 2 ;;
  esac
done
base=${NARTHEX_PORT_BASE:-9100}
export NARTHEX_PORT_BASE=$base NARTHEX_ALERTMANAGERS=0
export NARTHEX_JAVA_OPTS=${NARTHEX_JAVA_OPTS:--Xmx3g}
# No tenant limits (the defaults, Mimir's, refuse past 10,000 samples/s and 150,000 series), as bench/fresh-narthex.sh.
export NARTHEX_EXTRA_FLAGS="${NARTHEX_EXTRA_FLAGS:-} --ingester.raft.snapshot-entries=500
  --distributor.ingestion-rate-limit=1e12 --distributor.ingestion-burst-size=2000000000
  --ingester.max-global-series-per-user=0"
cluster="$root/deploy/local/cluster.sh"
"$cluster" down "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
mkdir -p "$dir"
trap '"$cluster" down "$dir" >/dev/null 2>&1 || true; kill $(jobs -p) 2>/dev/null || true' EXIT
push="http://127.0.0.1:$base/api/v1/push"
ring="http://127.0.0.1:$((base + 10))/ingester/ring"

echo "ring-move: $(date -u +%FT%TZ) commit $(git -C "$root" rev-parse --short HEAD) series=$series load=${load_seconds}s"
"$cluster" up "$dir" >"$dir/up.log"
"$root/bin/narthex-bench" write --url "$push" --series "$series" --duration "${load_seconds}s" --json \
  >"$dir/load.txt"
grep -E '^(samples/s|accepted samples|errors)' "$dir/load.txt" | sed 's/^/load: /'

# Head size per shard on ingester-1 (a replica of every shard): newest snapshot file, and the group directory.
sleep 5
for shard in 0 1 2; do
  # The shard's group directory is its group id, Java's UUID.nameUUIDFromBytes("narthex-shard-<n>") (RaftGroups).
  group="$dir/data/ingester-1/raft/$(python3 -c 'import hashlib, sys, uuid
h = bytearray(hashlib.md5(sys.argv[1].encode()).digest()); h[6] = h[6] & 0x0f | 0x30; h[8] = h[8] & 0x3f | 0x80
print(uuid.UUID(bytes=bytes(h)))' "narthex-shard-$shard")"
  snapshot=$(ls -t "$group"/sm/snapshot.* 2>/dev/null | grep -v '\.md5$' | head -1 || true)
  echo "head: shard $shard snapshot_bytes=$( [ -n "$snapshot" ] && stat -c %s "$snapshot" || echo 0)" \
    "group_dir_bytes=$(du -sb "$group" | cut -f1)"
done
curl -sf "http://127.0.0.1:$((base + 10))/ingester/shards" >"$dir/shards-before.json" || true

# Pending moves over time, to place the windows.
(
  while true; do
    echo "$(date +%s.%N) $(curl -sf "$ring" | jq -c '[.pending_moves[] | [.shard, .from, .to]]' 2>/dev/null)"
    sleep 0.2
  done
) >"$dir/pending.txt" &
poller=$!

window() { # name
  local start end
  start=$(date +%s.%N)
  "$root/bin/narthex-bench" write --url "$push" --header X-Scope-OrgID:ring-move-latency --series 2000 \
    --samples-per-request 200 --rate-limit 2000 --interval 1s --concurrency 2 --duration "${window_seconds}s" \
    --run-id "ring-move-$1" --json >"$dir/window-$1.txt" 2>&1 || true
  end=$(date +%s.%N)
  echo "$1 $start $end $(tail -1 "$dir/window-$1.txt" | jq -c '[.latency_p50_ms, .latency_p99_ms, .requests, .error_requests]')" \
    >>"$dir/windows.txt"
}

window before-1
window before-2
"$cluster" join "$dir" 4 >"$dir/join.json" 2>"$dir/join.err" &
joiner=$!
i=0
while kill -0 "$joiner" 2>/dev/null; do
  i=$((i + 1))
  window "join-$i"
done
wait "$joiner" || echo "ring-move: the join failed: $(cat "$dir/join.err")"
window after-1
kill "$poller" 2>/dev/null || true

echo "moves (from ingester-4's log):"
grep -h "replica moved" "$dir"/logs/ingester-4.log | sed 's/^/  /'
echo "pending moves (first and last time seen):"
awk '$2 != "[]" && $2 != "" { if (!($2 in first)) { first[$2] = $1; order[n++] = $2 } last[$2] = $1 }
  END { for (i = 0; i < n; i++) printf "  %s %.1f s (polled)\n", order[i], last[order[i]] - first[order[i]] }' \
  "$dir/pending.txt"
echo "latency windows (name, p50 ms, p99 ms, requests, failed requests, moving):"
while read -r name start end figures; do
  moving=$(awk -v s="$start" -v e="$end" '$1 >= s && $1 <= e && $2 != "[]" && $2 != "" { m = 1 } END { print m ? "yes" : "no" }' \
    "$dir/pending.txt")
  echo "  $name $figures moving=$moving"
done <"$dir/windows.txt"
