#!/usr/bin/env bash
# tests/pvm/migrate_pvm_test.sh CASE WORKDIR: PVM jobs built with mppcc run
# on the 3-host virtual machine of lib.sh while every task migrates to the
# next host every N poll points (MPP_MIGRATE_EVERY=N); the output must equal
# the output without migration. CASE is one program:
#   ring mworker stencil     samples/ (also compared with the plain cc build)
#   alltypes                 tests/pvm/programs/alltypes.c
#   watch                    tests/pvm/programs/watch.c (exit notifications)
#   groups                   tests/pvm/programs/groups.c (group functions)
#   partial                  tests/pvm/programs/partial.c (messages read in
#                            parts, with migration points between the parts)
#   routes                   tests/pvm/programs/routes.c (the program asks
#                            for direct routes)
#   kills                    tests/pvm/programs/kills.c (pvm_kill of moving
#                            tasks; the kills that met a move are counted)
#   master1 spmd timing hello gexample ptest   Debian pvm-examples, unmodified
# Each is run for N in MPP_PVM_EVERY (default "3 17 101", fewer points for
# the short pvm-examples); a run must show
# migrations (MPP_EVENTS) and, with several hosts, moves between hosts.
# Needs MPPCC and MPPRUN; exit status 77 when PVM is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case=${1:?usage: migrate_pvm_test.sh CASE WORKDIR}
work=${2:?usage: migrate_pvm_test.sh CASE WORKDIR}
: "${MPPCC:?MPPCC must name mppcc}" "${MPPRUN:?MPPRUN must name mpprun}"

. "$here/lib.sh"
vm_require_pvm

rm -rf "$work"
mkdir -p "$work/bin" "$work/src"
bin=$work/bin
fail=0
die() {
	echo "FAIL: $*"
	exit 1
}

# build NAME SRC: the translated program as bin/NAME, linked like any PVM task
build() { # build NAME SRC [LIB...]
	local name=$1 src=$2
	shift 2
	"$MPPCC" -O2 -w -DHASSTDLIB -o "$bin/$name" "$src" "$@" -lpvm3 >"$work/build.$name.log" 2>&1 ||
		die "mppcc cannot build $name: $(cat "$work/build.$name.log")"
}

args=
pargs=
everies="3 17 101"
sortout=0
masktids=0
masknums=0
runtime=300 # seconds a run may take
plain=0
# 1: each run writes MPP_PVM_TRACE, to count the kills of moving tasks
# (MPP_TEST_PVM_TRACE=1 turns it on for any case, to diagnose one)
trace=${MPP_TEST_PVM_TRACE:-0}
case $case in
ring | mworker | stencil)
	build "$case" "$root/samples/$case.c"
	[ "$case" = mworker ] && pargs="3 1000"
	# the plain program spawns itself by name: give it a name of its own
	cc -O2 -DHASSTDLIB -o "$bin/plain_$case" "$root/samples/$case.c" -lpvm3 || die "cc cannot build $case"
	plain=1
	;;
alltypes)
	build alltypes "$here/programs/alltypes.c"
	;;
partial)
	# the worker moves while its receive buffer is half read: it must go
	# on reading where it was (XDR and raw messages, pvm_upkmesg)
	build partial "$here/programs/partial.c"
	cc -O2 -DHASSTDLIB -o "$bin/plain_partial" "$here/programs/partial.c" -lpvm3 || die "cc cannot build partial"
	plain=1
	everies="1 2 3 7"
	;;
routes)
	# every task asks for direct routes; messages of 4 B to 64 KiB both
	# ways while tasks move at nearly every point. Their messages go
	# through the daemons (runtime/pvm.c, prog_route): nothing of
	# libpvm3's routes may show in the output, and pvm_getopt still says
	# PvmRouteDirect
	build routes "$here/programs/routes.c"
	cc -O2 -DHASSTDLIB -o "$bin/plain_routes" "$here/programs/routes.c" -lpvm3 || die "cc cannot build routes"
	plain=1
	pargs="3 16"
	everies="2 7"
	;;
kills)
	# the root kills each worker while it computes between poll points,
	# so under MPP_MIGRATE_EVERY=1 often in the middle of a move: the job
	# must end, with one exit notice per worker (compared with plain cc)
	build kills "$here/programs/kills.c"
	cc -O2 -DHASSTDLIB -o "$bin/plain_kills" "$here/programs/kills.c" -lpvm3 || die "cc cannot build kills"
	plain=1
	pargs=6
	everies="1 1 1 2"
	runtime=60
	trace=1
	;;
groups)
	# 4 roots in one group: scatter, gather, two reductions, bcast and
	# barriers each round while members move (loops are points)
	build groups "$here/programs/groups.c" --mpp-auto -lgpvm3
	args="-n 4"
	everies="5 11 23"
	;;
watch)
	build watch "$here/programs/watch.c"
	everies="1 2 3 7"
	runtime=60
	;;
master1 | spmd | timing | hello | gexample | ptest)
	ex=/usr/share/doc/pvm-examples/examples.tar.gz
	[ -f "$ex" ] || {
		echo "SKIP: the pvm-examples package is not installed ($ex missing)"
		exit 77
	}
	tar -C "$work/src" -xzf "$ex" || die "cannot unpack $ex"
	if [ "$case" = ptest ]; then
		# 4 roots in a group; nodes 1-3 send arrays with pvm_psend, node 0
		# takes them with pvm_precv (first half) and pvm_recv (second
		# half) and checks every value; --mpp-auto: its loops are points
		build ptest "$work/src/examples/ptest.c" --mpp-auto -lgpvm3
		args="-n 4"
		pargs=4
		everies="997 4001 20011"
		sortout=1 # 4 tasks print
		masktids=1 # "<tid in hex> understands 4 processes"
	elif [ "$case" = gexample ]; then
		build gexample "$work/src/examples/gexample.c" --mpp-auto -lgpvm3
		# 4 roots (spmd style: it reads no input), a group of 4 with a
		# barrier and two reductions (pvm_sum and its own product);
		# --mpp-auto: its loops are points too (2600 per task)
		args="-n 4"
		everies="211 701 1999"
	else
		build "$case" "$work/src/examples/$case.c"
	fi
	if [ "$case" = master1 ]; then
		build slave1 "$work/src/examples/slave1.c"
		sortout=1 # results come in any order
		everies="1 2 3" # a short job: few points
	elif [ "$case" = timing ]; then
		build timing_slave "$work/src/examples/timing_slave.c"
		everies="1 2 5 17"
		masknums=1 # it prints round-trip times and tids
	elif [ "$case" = hello ]; then
		build hello_other "$work/src/examples/hello_other.c"
		everies="1 1 1"
		masknums=1 # it prints tids and the host name of the other task
	elif [ "$case" = spmd ]; then
		args="-n 4"
		everies="1 1 1 1 1" # one receive per task: each run moves all 4 at once
		sortout=1
		masktids=1 # it prints the tids of its ring
	fi
	;;
*) die "unknown case '$case'" ;;
esac

vm_start "$work/vm" "$bin" || die "cannot start the virtual machine"
echo "running in mode $VM_MODE on hosts: $VM_HOSTS"
nhosts=$(echo $VM_HOSTS | wc -w)

# Program output, with tids masked where the program prints them, sorted
# where the order of lines depends on timing.
normal() {
	if [ $masknums = 1 ]; then
		sed -E 's/\bt[0-9a-f]+\b/TID/g; s/[0-9]+(\.[0-9]+)?/N/g; s/from TID: hello, world from .*/from TID: hello, world from HOST/; s/[[:space:]]+/ /g' "$1"
	elif [ $masktids = 1 ]; then sed -E 's/\b[0-9]{6,}\b/TID/g; s/^[0-9a-f]+ understands/TID understands/' "$1"
	else cat "$1"; fi |
		{ if [ $sortout = 1 ]; then sort; else cat; fi; }
}

run() { # run OUT [VAR=VALUE...]: the translated job under mpprun on h1
	local out=$1
	shift
	vm_run "$work/vm" h1 env "$@" MPP_EVENTS="$out.events" timeout $runtime "$MPPRUN" $args "$case" $pargs >"$out" 2>"$out.err"
}

# what a failed run left: the end of its output and errors, its last events
failed_run() {
	echo "--- last output lines:"
	tail -3 "$1"
	echo "--- last error lines:"
	tail -5 "$1.err"
	echo "--- $(grep -c '^migrate ' "$1.events" 2>/dev/null) migrations, the last:"
	grep '^migrate ' "$1.events" 2>/dev/null | tail -2 | cut -c1-100
}

run "$work/ref.out" || die "the job failed without migration: $(cat "$work/ref.out.err")"
[ -s "$work/ref.out" ] || die "the job printed nothing without migration"
normal "$work/ref.out" >"$work/ref.norm"
if [ $plain = 1 ]; then
	vm_run "$work/vm" h1 timeout 300 "$bin/plain_$case" $pargs >"$work/plain.out" 2>&1 || die "the plain program failed"
	normal "$work/plain.out" >"$work/plain.norm"
	cmp -s "$work/plain.norm" "$work/ref.norm" || {
		diff "$work/plain.norm" "$work/ref.norm" | head -20
		die "translated output differs from the plain program's"
	}
	echo "ok: translated = plain ($(head -1 "$work/plain.out"))"
fi

everies=${MPP_PVM_EVERY:-$everies}
killmoving=0
k=0
for n in $everies; do
	# (each run's files of its own: a failed run's stay to be read)
	k=$((k + 1))
	out=$work/run$k.every$n.out
	start=$(date +%s.%N)
	rm -f "$out.events" "$out.trace"
	tracevar=
	[ $trace = 0 ] || tracevar=MPP_PVM_TRACE=$out.trace
	if ! run "$out" MPP_MIGRATE_EVERY="$n" $tracevar; then
		echo "FAIL: MPP_MIGRATE_EVERY=$n: the job failed or timed out"
		failed_run "$out"
		fail=1
		continue
	fi
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	moves=$(grep -c '^migrate ' "$out.events" 2>/dev/null)
	moves=${moves:-0}
	# the host part of a tid is bits 18..29
	hosts=$(grep -oE ' (from|to)=t[0-9a-f]*' "$out.events" 2>/dev/null | sed -E 's/ (from|to)=t//' |
		while read -r t; do echo $(((0x$t >> 18) & 0xfff)); done | sort -u | wc -l)
	normal "$out" >"$out.norm"
	if ! cmp -s "$work/ref.norm" "$out.norm"; then
		echo "FAIL: MPP_MIGRATE_EVERY=$n: output differs ($moves migrations)"
		diff "$work/ref.norm" "$out.norm" | head -20
		failed_run "$out"
		fail=1
	elif [ "$moves" -lt 1 ]; then
		echo "FAIL: MPP_MIGRATE_EVERY=$n: no task migrated"
		fail=1
	elif [ "$nhosts" -gt 1 ] && [ "$hosts" -lt 2 ]; then
		echo "FAIL: MPP_MIGRATE_EVERY=$n: tasks never changed host ($moves migrations)"
		fail=1
	else
		printf 'ok: MPP_MIGRATE_EVERY=%-4s %5d migrations onto %d hosts, %.1f s, same output' "$n" "$moves" \
			"$hosts" "$secs"
		if [ $trace = 1 ]; then
			# the kills of a place still alive (the last field, 1) at
			# the other end of a move in progress
			km=$(grep -c ' killmoving .* 1$' "$out.trace" 2>/dev/null)
			killmoving=$((killmoving + ${km:-0}))
			printf ', %d places of moving tasks killed' "${km:-0}"
		fi
		echo
	fi
done
# watch: last, since it takes a host out of the virtual machine: the
# deletion of a host must reach the root after its moves
if [ "$case" = watch ] && [ "$nhosts" -gt 1 ]; then
	out=$work/delhost.out
	rm -f "$out.events"
	pargs=delhost
	if ! run "$out" MPP_MIGRATE_EVERY=3; then
		echo "FAIL: watch delhost: the job failed or timed out"
		failed_run "$out"
		fail=1
	elif [ "$(tail -1 "$out")" != "host deletion heard" ]; then
		echo "FAIL: watch delhost: the host deletion did not reach the moved root: $(tail -1 "$out")"
		fail=1
	else
		echo "ok: watch delhost: host deletion heard after $(grep -c '^migrate ' "$out.events") migrations"
	fi
fi
# kills: the runs must have met the case they are for at least once (a
# kill that reached a task the root knew to be moving, MPP_PVM_TRACE)
if [ "$case" = kills ] && [ $fail = 0 ] && [ $killmoving = 0 ]; then
	echo "FAIL: no pvm_kill met a moving task in these runs: the test did not exercise its case"
	fail=1
fi
[ $fail = 0 ] || exit 1
echo "PASS: $case"
