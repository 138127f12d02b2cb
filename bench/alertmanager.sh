#!/usr/bin/env bash
# The Alertmanager benchmark (issue 16): one all-in-one Narthex, firing alerts for many tenants.
#
#   bench/alertmanager.sh [--compare-alertmanager] [narthex-bench alerts flags...]
#     e.g. bench/alertmanager.sh --compare-alertmanager --tenants 100 --alerts 10000
#
# Starts bin/narthex on a fresh data directory with default flags, then runs `bin/narthex-bench alerts` against it,
# which gives each tenant a configuration with a webhook to a sink in the bench process, posts the alerts (after an
# unmeasured warm-up round) and prints the figures (notifications/s, dispatch delay after group_wait, live heap per
# alert, read after jcmd GC.run).
#
# --compare-alertmanager: then stops Narthex and runs the same load against Debian's Alertmanager
# (prometheus-alertmanager, one process, no cluster), the tenants being values of a `tenant` label grouped by
# [tenant, alertname], the webhook going to the same sink; prints both summaries and the Narthex/Alertmanager ratios.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
compare=0
args=()
for arg in "$@"; do
  case "$arg" in
    --compare-alertmanager) compare=1 ;;
    --json) [ "$compare" = 1 ] || args+=("$arg") ;;
    *) args+=("$arg") ;;
  esac
done
if [ "$compare" = 1 ]; then
  command -v jq >/dev/null || { echo "alertmanager.sh: --compare-alertmanager needs jq" >&2; exit 1; }
  alertmanager_bin=$(command -v prometheus-alertmanager || true)
  [ -n "$alertmanager_bin" ] || {
    echo "alertmanager.sh: --compare-alertmanager needs Debian's prometheus-alertmanager" >&2; exit 1; }
fi
# shellcheck source=fresh-narthex.sh
. "$root/bench/fresh-narthex.sh"
alertmanager_pid=
stop_all() {
  if [ -n "$alertmanager_pid" ]; then kill "$alertmanager_pid" 2>/dev/null || true; fi
  cleanup
}
trap stop_all EXIT
start_fresh_narthex alertmanager.sh
jcmd="$("$root/bin/java-home")/bin/jcmd"
bench="$root/bin/narthex-bench"
if [ "$compare" = 0 ]; then
  "$bench" alerts --url="http://127.0.0.1:$port" --gc-command="$jcmd $narthex_pid GC.run" ${args[@]+"${args[@]}"}
  exit
fi

echo "== Narthex"
"$bench" alerts --url="http://127.0.0.1:$port" --gc-command="$jcmd $narthex_pid GC.run" --json \
  ${args[@]+"${args[@]}"} | tee "$work/narthex.out"
# Alone on the cores for the second run.
kill "$narthex_pid"
wait "$narthex_pid" 2>/dev/null || true
narthex_pid=

echo "== Alertmanager $("$alertmanager_bin" --version 2>&1 | head -1 | awk '{print $3}')"
am_port=$((20000 + RANDOM % 10000))
# A placeholder: the bench writes its configuration here and reloads it.
printf 'route:\n  receiver: none\nreceivers:\n  - name: none\n' >"$work/alertmanager.yml"
"$alertmanager_bin" --config.file="$work/alertmanager.yml" --storage.path="$work/alertmanager" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$work/alertmanager.log" 2>&1 &
alertmanager_pid=$!
deadline=$((SECONDS + 60))
until curl -sf -o /dev/null "http://127.0.0.1:$am_port/-/ready"; do
  kill -0 "$alertmanager_pid" 2>/dev/null || { tail -20 "$work/alertmanager.log" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "alertmanager.sh: Alertmanager not ready after 60s" >&2; exit 1; }
  sleep 0.2
done
"$bench" alerts --alertmanager-url="http://127.0.0.1:$am_port" --alertmanager-config-file="$work/alertmanager.yml" \
  --json ${args[@]+"${args[@]}"} | tee "$work/alertmanager.out"

echo
echo "| measure | Alertmanager | Narthex | ratio |"
echo "|---|---|---|---|"
for key in notifications_per_second dispatch_delay_p50_ms dispatch_delay_p99_ms dispatch_delay_max_ms \
  cold_dispatch_delay_p50_ms cold_dispatch_delay_p99_ms live_heap_bytes_per_alert; do
  a=$(tail -1 "$work/alertmanager.out" | jq -r ".$key")
  n=$(tail -1 "$work/narthex.out" | jq -r ".$key")
  echo "| $key | $a | $n | $(echo "scale=2; $n / $a" | bc -l 2>/dev/null || echo n/a) |"
done
