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
# A benchmark that needs an optional outside tool (dmtcp.sh: DMTCP) exits 77
# when the tool is absent or cannot run here: it is reported as skipped, with
# its reason above, and does not change the status.

set -u
here=$(cd "$(dirname "$0")" && pwd)
status=0
summary=()
for b in compile_time poll_overhead heap pvm_migrate pvm_routes convert dmtcp; do
	echo
	echo "==== $b"
	bash "$here/$b.sh"
	rc=$?
	[ $rc -gt $status ] && [ $rc -ne 77 ] && status=$rc
	case $rc in
	0) summary+=("$b: ran (see the table for PASS/MISS)") ;;
	77) summary+=("$b: skipped (an outside tool is absent or cannot run here: see its message)") ;;
	1) summary+=("$b: FAILED (a build error, a wrong output or a crash: see the notes under its table)") ;;
	*) summary+=("$b: could not run (status $rc)") ;;
	esac
done
echo
echo "==== summary"
printf '%s\n' "${summary[@]}"
exit $status
