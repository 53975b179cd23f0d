#!/bin/bash
# deps.sh - install what building, running or testing shenpi needs on Debian 12, and
# nothing that is already there.
#
#   scripts/deps.sh run    the build tools, libraries, the CJK font flowcharts and notices are
#                          drawn with (Graphviz measures labels with it, notices embed it) and
#                          the web UI's npm packages
#   scripts/deps.sh test   also PostgreSQL, cmocka, Chromium and tools the tests use (notices
#                          are read back with poppler's pdftotext/pdftoppm and zbarimg, and
#                          clang with libFuzzer builds the fuzz targets)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-run}
pkgs=(gcc make pkg-config libmicrohttpd-dev libsqlite3-dev libpq-dev libjansson-dev
	libsodium-dev libgraphviz-dev libxlsxwriter-dev libcairo2-dev libpango1.0-dev libzint-dev
	sqlite3 nodejs fonts-noto-cjk)
if [ "$mode" = test ]; then
	pkgs+=(libcmocka-dev postgresql postgresql-client chromium xlsx2csv poppler-utils zbar-tools
		clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node may come from outside Debian (the machine's Node 20); only install Debian's when absent
if command -v node >/dev/null; then
	missing=("${missing[@]/nodejs/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	# keep Debian's own PostgreSQL cluster from starting: tests run their own (scripts/pg.sh)
	policy=/usr/sbin/policy-rc.d
	made_policy=0
	if [ ! -e "$policy" ] && [ -z "$SUDO" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		made_policy=1
	fi
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
	[ "$made_policy" = 1 ] && rm -f "$policy"
fi
if ! command -v npm >/dev/null; then
	echo "deps: npm is missing; install Node.js 20 or newer with npm" >&2
	exit 1
fi

# The web UI's packages, exactly as locked; again only when the lock file changed.
if [ ! -f web/node_modules/.package-lock.json ] ||
	[ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
	(cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
