#!/bin/bash
# pg.sh - a throwaway PostgreSQL server for tests, independent of the system cluster.
#
#   scripts/pg.sh start DIR [PORT]   create (first time) and start a server under DIR,
#                                    print its URL on stdout (default port 54329)
#   scripts/pg.sh stop DIR           stop it (fast shutdown); no-op when not running
#   scripts/pg.sh status DIR         exit 0 and print the URL when it runs, exit 3 otherwise
#
# Layout: DIR/data is the cluster, DIR/log the server log, the Unix socket lives in DIR.
# Authentication is `trust` and the server listens on 127.0.0.1 only: tests, never production.
# As root the server runs as the `postgres` system user (initdb refuses root); PostgreSQL is
# installed with apt-get when its server binaries are missing, without starting Debian's own
# cluster.
set -euo pipefail

DEFAULT_PORT=54329

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: $0 start DIR [PORT] | stop DIR | status DIR" >&2
	exit 2
}

# The newest installed server's bin directory, or nothing.
find_bindir() {
	local d best=""
	while IFS= read -r d; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then best=$d; fi
	done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
	echo "$best"
}

# Install the server packages. policy-rc.d keeps the Debian cluster from starting.
install_server() {
	[ "$(id -u)" = 0 ] || die "PostgreSQL server binaries are missing and we are not root"
	local policy=/usr/sbin/policy-rc.d made_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		made_policy=1
	fi
	echo "pg.sh: installing postgresql with apt-get" >&2
	local rc=0
	{ DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 ||
		{ apt-get update -q >&2 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; }; } || rc=$?
	[ "$made_policy" = 1 ] && rm -f "$policy"
	[ "$rc" = 0 ] || die "apt-get install postgresql failed"
}

# Run a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# The port a running server from DIR listens on (line 4 of postmaster.pid).
running_port() {
	sed -n 4p "$DIR/data/postmaster.pid" 2>/dev/null
}

is_running() {
	[ -f "$DIR/data/postmaster.pid" ] || return 1
	as_owner "$BINDIR/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

url_for() {
	echo "postgresql://postgres@127.0.0.1:$1/postgres"
}

pick_locale() {
	if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
		echo C.UTF-8
	else
		echo C
	fi
}

cmd_start() {
	local port=${1:-$DEFAULT_PORT}
	[[ "$port" =~ ^[0-9]+$ ]] || die "bad port: $port"
	[ -n "$BINDIR" ] || install_server
	BINDIR=$(find_bindir)
	[ -n "$BINDIR" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"

	if is_running; then
		local p
		p=$(running_port)
		[ "$p" = "$port" ] || echo "pg.sh: already running on port $p" >&2
		url_for "$p"
		return 0
	fi

	mkdir -p "$DIR"
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "no postgres system user"
		chown postgres:postgres "$DIR"
		chmod 700 "$DIR"
		as_owner test -w "$DIR" ||
			die "$DIR is not reachable by the postgres user (check its parent directories)"
	fi

	if [ ! -f "$DIR/data/PG_VERSION" ]; then
		if [ -e "$DIR/data" ] && [ -n "$(ls -A "$DIR/data")" ]; then
			die "$DIR/data exists, is not empty and is not a cluster"
		fi
		as_owner "$BINDIR/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 \
			--locale="$(pick_locale)" >"$DIR/initdb.log" 2>&1 ||
			{ cat "$DIR/initdb.log" >&2; die "initdb failed"; }
	fi

	if ! as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -w -t 60 -l "$DIR/log" \
		-o "-k '$DIR' -h 127.0.0.1 -p $port -c fsync=on -c max_connections=200" \
		start >&2; then
		tail -n 20 "$DIR/log" >&2 || true
		die "server did not start (port $port in use?)"
	fi
	url_for "$port"
}

cmd_stop() {
	[ -n "$BINDIR" ] || return 0
	if is_running; then
		as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -w -t 60 -m fast stop >&2
	else
		echo "pg.sh: no server running from $DIR" >&2
	fi
}

cmd_status() {
	if [ -n "$BINDIR" ] && is_running; then
		url_for "$(running_port)"
	else
		exit 3
	fi
}

[ $# -ge 2 ] || usage
CMD=$1
DIR=$2
shift 2
case "$DIR" in
*"'"*) die "DIR must not contain a single quote" ;;
esac
DIR=$(realpath -m -- "$DIR")
BINDIR=$(find_bindir)

case "$CMD" in
start)
	[ $# -le 1 ] || usage
	cmd_start "$@"
	;;
stop)
	[ $# -eq 0 ] || usage
	cmd_stop
	;;
status)
	[ $# -eq 0 ] || usage
	cmd_status
	;;
*) usage ;;
esac
