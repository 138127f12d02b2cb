#!/usr/bin/env bash
# The Alertmanager benchmark (issue 16): one all-in-one Narthex, firing alerts for many tenants.
#
#   bench/alertmanager.sh [narthex-bench alerts flags...]     e.g. bench/alertmanager.sh --tenants 100 --alerts 10000
#
# Starts bin/narthex on a fresh data directory with default flags, then runs `bin/narthex-bench alerts` against it,
# which gives each tenant a configuration with a webhook to a sink in the bench process, posts the alerts and prints
# the figures (notifications/s, dispatch delay after group_wait, live heap per alert, read after jcmd GC.run).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=fresh-narthex.sh
. "$root/bench/fresh-narthex.sh"
start_fresh_narthex alertmanager.sh
jcmd="$("$root/bin/java-home")/bin/jcmd"
"$root/bin/narthex-bench" alerts --url="http://127.0.0.1:$port" --gc-command="$jcmd $narthex_pid GC.run" "$@"
