#!/bin/bash
# http.sh - request rates of the foundation's hot paths on this machine, with wrk.
#
#   bench/http.sh [SECONDS]     (default 10; needs bin/shenpi built: make bin/shenpi)
#
# Starts a release `shenpi serve` on SQLite (the demo province, one admin session) on
# 127.0.0.1, then measures, one after another with 2 wrk threads:
#   healthz      GET /healthz (no session, one SELECT 1)
#   me           GET /api/v1/me with a session cookie (session lookup + one user read)
#   users        GET /api/v1/users?size=100 (a page of 100 users with joins)
#   flowchart    GET /api/v1/items/{id}/process.svg (the stored SVG of a saved process)
#   login        POST /api/v1/session (argon2id: deliberately slow)
# and the server's resident memory before and after. Results and method: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "bench: installing wrk" >&2; apt-get install -y -q wrk >&2; }
dir=$(mktemp -d /tmp/shenpi-bench-XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
db=sqlite:$dir/b.db
bin/shenpi init --db "$db" --demo >/dev/null
echo 'Bench2026x' | bin/shenpi user passwd admin --db "$db" >/dev/null
bin/shenpi serve --db "$db" --listen 127.0.0.1:0 --threads 4 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do grep -q '"listening"' "$dir/log" && break; sleep 0.1; done
url=http://$(grep -o '"addr":"[^"]*"' "$dir/log" | head -1 | cut -d'"' -f4)
cookie=$(curl -s -D - -o /dev/null -X POST "$url/api/v1/session" -H 'Content-Type: application/json' \
	-d '{"username":"admin","password":"Bench2026x"}' | grep -o 'shenpi_session=[0-9a-f]*')
item=$(curl -s -H "Cookie: $cookie" "$url/api/v1/items?kind=promised&size=1" |
	grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print $2/1024/1024 " GiB"}' /proc/meminfo); $(date -u +%F)"
echo "server RSS idle: $(rss)"
printf '%-10s %12s %10s %10s\n' test req/s p50 p99
run() { # name connections url [wrk args...]
	local name=$1 conns=$2 target=$3
	shift 3
	wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" "$target" >"$dir/$name.txt"
	printf '%-10s %12s %10s %10s\n' "$name" \
		"$(awk '/Requests\/sec/ {print $2}' "$dir/$name.txt")" \
		"$(awk '$1 == "50%" {print $2}' "$dir/$name.txt")" \
		"$(awk '$1 == "99%" {print $2}' "$dir/$name.txt")"
}
run healthz 32 "$url/healthz"
run me 32 "$url/api/v1/me" -H "Cookie: $cookie"
run users 32 "$url/api/v1/users?size=100" -H "Cookie: $cookie"
run flowchart 32 "$url/api/v1/items/$item/process.svg" -H "Cookie: $cookie"
cat >"$dir/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"admin","password":"Bench2026x"}'
LUA
run login 4 "$url/api/v1/session" -s "$dir/login.lua"
echo "server RSS after: $(rss) (high-water $(awk '/VmHWM/ {print $2 " kB"}' "/proc/$pid/status"))"
