#!/bin/bash
# fuzz.sh - run libFuzzer targets (build/fuzz/fuzz_NAME, from tests/fuzz) one after another,
# each for FUZZ_SECONDS (default 10) over its seed corpus tests/fuzz/corpus/NAME, with the
# dictionary tests/fuzz/NAME.dict when there is one; the inputs it finds go to
# build/fuzz/corpus/NAME, a crash's input to build/fuzz/crashes/.
# Prints executions, executions per second, coverage and crashes per target, and fails when
# any target crashed (a sanitizer report or a broken property).
#
#   scripts/fuzz.sh build/fuzz/fuzz_ids build/fuzz/fuzz_csv ...
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-10}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
mkdir -p build/fuzz/crashes
failed=0
printf '%-16s %12s %10s %8s %8s %s\n' target executions exec/s cov ft crashes
for bin in "$@"; do
	name=${bin##*/fuzz_}
	work=build/fuzz/corpus/$name
	log=build/fuzz/$name.log
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	mkdir -p "$work"
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="build/fuzz/crashes/$name-" "$work" "tests/fuzz/corpus/$name" \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -ao 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	crashes=0
	if [ "$rc" != 0 ]; then
		crashes=1
		failed=1
	fi
	printf '%-16s %12s %10s %8s %8s %s\n' "$name" "${execs:-?}" "${speed:-?}" "${cov:-?}" \
		"${ft:-?}" "$crashes"
	if [ "$rc" != 0 ]; then
		echo "fuzz: $name failed (exit $rc); its log is $log:" >&2
		grep -aE 'ERROR|SUMMARY|property failed|Test unit written' "$log" >&2 || tail -20 "$log" >&2
	fi
done
exit $failed
