#!/bin/bash
# lint.sh - refuse the C functions that have no place in a server: unbounded copies and
# formats, and functions with hidden global state (as git's banned.h does at compile time).
set -euo pipefail
cd "$(dirname "$0")/.."
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|strncpy|strncat|asctime|ctime|gmtime|localtime|atoi)[[:space:]]*\('
if grep -nE "$banned" src/*.c src/*/*.c; then
	echo "lint: banned function(s) above; use snprintf, buf_*, strtok_r, gmtime_r, strtol" >&2
	exit 1
fi
echo "lint: no banned functions"
