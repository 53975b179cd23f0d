#!/bin/bash
# test.sh - build with sanitizers and run every test: cmocka unit tests, a short run of each
# libFuzzer target over its corpus (tests/fuzz; `make fuzz` is the long run), HTTP tests
# against a real server on SQLite and on PostgreSQL, and browser tests in Chromium. Starts
# its own PostgreSQL server (scripts/pg.sh) and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_DIR=${SHENPI_PG_DIR:-/tmp/shenpi-test-pg}
PG_PORT=${SHENPI_PG_PORT:-54330}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Graphviz (domain/flowchart.c) leaks inside itself; tests/lsan.supp names only its libraries
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

units=$(ls tests/unit/test_*.c | sed 's|tests/unit/\(.*\)\.c|build/asan/\1|')
fuzz=$(ls tests/fuzz/fuzz_*.c | sed 's|tests/fuzz/\(.*\)\.c|build/fuzz/\1|')
scripts/lint.sh
make -s build/asan/shenpi build/bench/driver $units $fuzz web

pg_url=$(scripts/pg.sh start "$PG_DIR" "$PG_PORT")
trap 'scripts/pg.sh stop "$PG_DIR" >/dev/null 2>&1 || true' EXIT
pg_base=${pg_url%/postgres}
fresh_db() { # a new empty database, its URL on stdout
	psql -q "$pg_url" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
	echo "$pg_base/$1"
}

failed=0
section() { printf '\n=== %s ===\n' "$*"; }

section "unit tests (cmocka, ASan+UBSan, SQLite and PostgreSQL)"
for t in $units; do
	SHENPI_TEST_PG_URL=$(fresh_db "shenpi_$(basename "$t")") "$t" || failed=1
done

section "fuzz targets (libFuzzer, ASan+UBSan, 12 seconds each)"
FUZZ_SECONDS=12 scripts/fuzz.sh $fuzz || failed=1

export SHENPI_BIN=build/asan/shenpi
section "HTTP tests on SQLite"
SHENPI_TEST_DB=sqlite node --test --test-concurrency=2 tests/http/ || failed=1
section "HTTP tests on PostgreSQL"
SHENPI_TEST_DB=pg SHENPI_PG_URL=$pg_url node --test --test-concurrency=2 tests/http/ || failed=1
section "browser tests (Chromium)"
node --test --test-concurrency=1 tests/e2e/ || failed=1

if [ "$failed" != 0 ]; then
	section "FAILED"
	exit 1
fi
section "all tests passed"
