#!/bin/bash
# import.sh - `shenpi import` of a million cases (issue 6, docs/performance.md "Import").
#
#   bench/import.sh [CENTERS] [CASES]   (default 10 1000000; needs make bin/shenpi)
#
# The input is the export of a generated province: `shenpi gen` into a SQLite file, then
# `shenpi export` of it (kept in SHENPI_IMPORT_DIR when set, and reused when it already holds
# cases.csv: the gen of a million cases takes minutes). Then, with the release build, into a
# fresh `shenpi init` database (SQLite in the temporary folder, or SHENPI_IMPORT_DB, an empty
# PostgreSQL database): the import timed, a re-run of it (nothing new), `shenpi verify`, and
# the export of the imported database compared with the input file by file.
set -euo pipefail
cd "$(dirname "$0")/.."
centers=${1:-10}
cases=${2:-1000000}
tmp=$(mktemp -d /tmp/shenpi-import-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dir=${SHENPI_IMPORT_DIR:-$tmp/in}
ms() { echo $(($(date +%s%N) / 1000000)); }
timed() { # label command... : runs it, prints the wall time, CPU time and the load
	local t0 l
	l=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(ms)
	/usr/bin/time -f '%U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" ||
		{ cat "$tmp/err"; exit 1; }
	read -r user sys rss <"$tmp/time"
	echo "$1 $2: $(( ($(ms) - t0) / 1000 )) s wall, CPU ${user} + ${sys} s, peak ${rss} KB, load before ${l}"
}

if [ ! -f "$dir/cases.csv" ]; then
	bin/shenpi gen --db "sqlite:$tmp/gen.db" --centers "$centers" --cases "$cases" >/dev/null 2>&1
	bin/shenpi export --db "sqlite:$tmp/gen.db" --to "$dir" >/dev/null 2>&1
	rm -f "$tmp"/gen.db*
fi
echo "input: $(($(wc -l <"$dir/cases.csv") - 1)) cases, $(($(wc -l <"$dir/case_steps.csv") - 1)) steps, $(du -sh "$dir" | cut -f1)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2/1024/1024 " GiB"}' /proc/meminfo); $(date -u +%F)"

db=${SHENPI_IMPORT_DB:-sqlite:$tmp/p.db}
bin/shenpi init --db "$db" >/dev/null 2>&1
timed bin/shenpi import --db "$db" --from "$dir"
grep -E '^(cases|case_steps)' "$tmp/out"
grep -E '（第[0-9]+秒）$|用时' "$tmp/err" | grep -v '%（' | tail -6
timed bin/shenpi import --db "$db" --from "$dir"
timed bin/shenpi verify --db "$db"
bin/shenpi export --db "$db" --to "$tmp/out-export" >/dev/null 2>&1
for f in "$dir"/*.csv; do
	cmp -s "$f" "$tmp/out-export/$(basename "$f")" || { echo "export differs: $(basename "$f")"; exit 1; }
done
echo "export of the import: the same files"
