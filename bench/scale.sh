#!/bin/bash
# scale.sh - the supervision reads at province scale (issue 5, docs/performance.md).
#
#   bench/scale.sh [CENTERS] [CASES] [RUNS]   (default 180 2000000 7; needs make bin/shenpi)
#
# `shenpi gen` into a fresh SQLite file (or reuse SHENPI_SCALE_DB=sqlite:PATH, or a
# postgresql:// URL, made by an earlier gen), then with the release build:
#   sweep        `shenpi sweep` over all open cases: the first run (raises every card) and
#                the later runs (nothing new to raise), each timed (SHENPI_SCALE_SWEEPS runs,
#                default 3; 0 skips them)
#   warnings     GET /api/v1/warnings?kind=promised and kind=post as the sysadmin (the whole
#                province, one city by region=510100, a deep page) and as a city center's
#                admin (gen002admin), RUNS times each after one warm-up request
#   indicators   GET /api/v1/stats/indicators?scope=510000 (this month), the dashboard's
#                children of the province (its 21 cities with their lights), the efficiency
#                table of the province as .xlsx (its 21 cities and the total)
# Reported: the median (and the slowest) of the runs, in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
centers=${1:-180}
cases=${2:-2000000}
runs=${3:-7}
dir=$(mktemp -d /tmp/shenpi-scale-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
ms() { echo $(($(date +%s%N) / 1000000)); }
stats() { # the numbers on stdin -> "median max"
	sort -n | awk '{a[NR] = $1} END {printf "%s %s\n", a[int((NR + 1) / 2)], a[NR]}'
}

db=${SHENPI_SCALE_DB:-}
if [ -z "$db" ]; then
	db=sqlite:$dir/p.db
	t0=$(ms)
	bin/shenpi gen --db "$db" --centers "$centers" --cases "$cases" >"$dir/gen.json"
	echo "gen: $centers centers, $cases cases in $(( ($(ms) - t0) / 1000 )) s: $(cat "$dir/gen.json")"
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2/1024/1024 " GiB"}' /proc/meminfo); $(date -u +%F)"
case $db in
sqlite:*) echo "database: SQLite, $(du -h "${db#sqlite:}" | cut -f1)" ;;
*) echo "database: PostgreSQL, $(psql -tA "$db" -c 'SELECT pg_size_pretty(pg_database_size(current_database()))')" ;;
esac

for i in $(seq "${SHENPI_SCALE_SWEEPS:-3}"); do
	t0=$(ms)
	out=$(bin/shenpi sweep --db "$db")
	echo "sweep run $i: $(( $(ms) - t0 )) ms ($out)"
done

for u in admin gen002admin; do echo 'Bench2026x' | bin/shenpi user passwd "$u" --db "$db" >/dev/null; done
bin/shenpi serve --db "$db" --listen 127.0.0.1:0 --threads 4 --sweep-seconds 86400 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do grep -q '"listening"' "$dir/log" && break; sleep 0.1; done
url=http://$(grep -o '"addr":"[^"]*"' "$dir/log" | head -1 | cut -d'"' -f4)
login() {
	curl -s -D - -o /dev/null -X POST "$url/api/v1/session" -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"Bench2026x\"}" | grep -o 'shenpi_session=[0-9a-f]*'
}
admin=$(login admin)
center=$(login gen002admin)

printf '%-50s %-12s %8s %8s %s\n' request as median max answer
timed() { # name cookie path
	local code
	code=$(curl -s -o "$dir/body" -w '%{http_code}' -H "Cookie: $2" "$url$3")
	if [ "$code" != 200 ]; then
		printf '%-34s %-12s %s\n' "$3" "$1" "HTTP $code (skipped)"
		return
	fi
	for _ in $(seq "$runs"); do
		curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: $2" "$url$3"
	done | awk '{printf "%d\n", $1 * 1000 + 0.5}' | stats >"$dir/t"
	read -r med max <"$dir/t"
	printf '%-50s %-12s %8s %8s %s\n' "$3" "$1" "$med" "$max" \
		"$(grep -o '"total":[0-9]*,"yellow":[0-9]*,"red":[0-9]*' "$dir/body" || true)"
}
timed sysadmin "$admin" "/api/v1/warnings?kind=promised"
timed sysadmin "$admin" "/api/v1/warnings?kind=post"
timed sysadmin "$admin" "/api/v1/warnings?kind=promised&region=510100"
timed sysadmin "$admin" "/api/v1/warnings?kind=post&region=510100"
timed sysadmin "$admin" "/api/v1/warnings?kind=post&light=yellow&page=50"
timed gen002admin "$center" "/api/v1/warnings?kind=promised"
timed gen002admin "$center" "/api/v1/warnings?kind=post"
timed sysadmin "$admin" "/api/v1/stats/indicators?scope=510000"
timed sysadmin "$admin" "/api/v1/stats/children?scope=510000"
timed sysadmin "$admin" "/api/v1/stats/tables/efficiency.xlsx?scope=510000"
