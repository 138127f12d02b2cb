#!/usr/bin/env bash
# The ruler benchmark (issue 15): one all-in-one Narthex, remote-write load, then recording rules on top.
#
#   bench/ruler.sh [narthex-bench rules flags...]     e.g. bench/ruler.sh --groups 500 --rules-per-group 20
#
# Starts bin/narthex on a fresh data directory with default flags plus -ruler.evaluation-delay-duration=0s (so that
# the groups' queries see the samples of their own instant) and limits that fit the load: 500 groups need more than
# Mimir's 70 per tenant, and the rules' output comes on top of the 100k series' 6,667 samples/s, above Mimir's
# default 10k samples/s ingestion rate. Then runs `bin/narthex-bench rules` against it, which prints the figures
# (evaluation lag, missed iterations, CPU per rule evaluation, written samples/s with and without rules).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=fresh-narthex.sh
. "$root/bench/fresh-narthex.sh"
start_fresh_narthex ruler.sh --ruler.evaluation-delay-duration=0s --ruler.max-rule-groups-per-tenant=0 \
  --distributor.ingestion-rate-limit=1e12 --distributor.ingestion-burst-size=2000000000 \
  --ingester.max-global-series-per-user=0
"$root/bin/narthex-bench" rules --url="http://127.0.0.1:$port" "$@"
