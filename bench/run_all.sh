#!/usr/bin/env bash
# run_all.sh: runs every benchmark of bench/ (what `make bench` does after
# the build) and prints their tables; the tables and plots are also left in
# BUILD/bench/ (NAME.txt, NAME.png).
#
# Usage: bench/run_all.sh   (environment: see the header of each script)
#
# Exit status: 0 when every benchmark ran and every program behaved, even if
# targets were missed (the tables say MISS); otherwise the highest status of
# a benchmark (1: a build error, a wrong output or a crash; 2: could not run).

set -u
here=$(cd "$(dirname "$0")" && pwd)
status=0
summary=()
for b in compile_time poll_overhead heap pvm_migrate convert; do
	echo
	echo "==== $b"
	bash "$here/$b.sh"
	rc=$?
	[ $rc -gt $status ] && status=$rc
	case $rc in
	0) summary+=("$b: ran (see the table for PASS/MISS)") ;;
	1) summary+=("$b: FAILED (a build error, a wrong output or a crash: see the notes under its table)") ;;
	*) summary+=("$b: could not run (status $rc)") ;;
	esac
done
echo
echo "==== summary"
printf '%s\n' "${summary[@]}"
exit $status
