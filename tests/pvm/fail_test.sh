#!/usr/bin/env bash
# tests/pvm/fail_test.sh CASE WORKDIR: failures during PVM migrations, on
# the 3-host virtual machine of lib.sh, processes killed or messages forged
# on purpose. Each job's output must equal its output without migration.
#   dest-dies          MPP_PVM_FAULT=kill-dest-before-state: the root task of
#                      programs/rounds.c kills each destination right before
#                      sending it the state; it warns and goes on where it was
#   src-STEP, dest-STEP  MPP_PVM_FAULT=kill-src:STEP or kill-dest:STEP for the
#                      root task of rounds.c (docs/PROTOCOL.md, "Faults",
#                      lists the outcomes each step allows): the task goes
#                      on where it was or at its destination with the same
#                      output, or it is lost (its only copy died): mpprun
#                      says so, stops the job and exits with status 3 within
#                      seconds, and what was printed is a prefix of the
#                      output without faults
#   big-CASE           CASE (dest-dies, src-STEP, dest-STEP) with 4 MiB of
#                      ballast in the root task: its state's bytes go over
#                      a connection of the layer's own (docs/PROTOCOL.md,
#                      step 6; the ok line counts the states that did)
#   slow-src-before-ack  MPP_PVM_FAULT=slow-src:before-ack, with the ballast
#                      of big-*: the root's first source pauses 2 s after
#                      its state was sent, before it reads
#                      the ACK; its destination meanwhile runs to the end
#                      of the program. It must wait for its source to end
#                      first: a source that met the destination's exit
#                      notice before the ACK (nothing orders the two)
#                      would take it for lost and go on too, and the rounds
#                      in between would run twice; the test checks that the
#                      destination waited (its trace), since with the ACK
#                      now through the daemons the race may not show
#   nostream-src, nostream-dest  MPP_PVM_FAULT=nostream:src or nostream:dest
#                      with the ballast of big-*: the root's first source
#                      does not connect to its destination's port, or that
#                      destination does not listen: the bytes of that large
#                      state must go through the daemons instead, and the
#                      output stay the same (docs/PROTOCOL.md, step 6)
#   dest-busy          programs/stream.c: workers keep sending to the root
#                      while it moves and every destination dies after the
#                      workers were told (kill-dest:before-ack): the root
#                      goes on where it was each time and receives every
#                      message, in order (the SHADOWs of docs/PROTOCOL.md)
#   pvmd-peer          the pvmd of the host where the workers run is killed
#                      (vm.sh kill-host): mpprun reports the lost tasks, ends
#                      the job, status 3
#   pvmd-dest          the pvmd of a host the root task moves to and from is
#                      killed: the job ends, either with the same output (the
#                      task was elsewhere: later moves skip the host) or with
#                      status 3 and the loss reported (it was there)
#   dest-cannot-start  h3 has a program path without the program: a move to
#                      h3 fails with a warning and the task stays
#   peer-exits         programs/staggered.c: workers end at different times
#                      while tasks move (MPP_MIGRATE_EVERY small): no hang
#   forged             programs/forger.c (plain PVM, not in the job) sends
#                      every kind of control message to the job's tasks,
#                      and mppctl's requests with a wrong secret: each is
#                      ignored with a warning naming the forger
#   bad-state          programs/badstate.c (plain PVM) starts rounds as a
#                      migration destination and sends it a STATE whose list
#                      of the program's message buffers cannot be read (too
#                      many buffers, a damaged read position, cut short), or
#                      whose header, task map, carried message, host
#                      notification (more hosts than a virtual machine has,
#                      a kind no source sends) or group membership (a name longer than any group's)
#                      cannot:
#                      the destination must stop at once, naming the fault,
#                      not read on into the rest of the state
# Needs MPPCC and MPPRUN; exit status 77 when PVM is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
case=${1:?usage: fail_test.sh CASE WORKDIR}
work=${2:?usage: fail_test.sh CASE WORKDIR}
: "${MPPCC:?MPPCC must name mppcc}" "${MPPRUN:?MPPRUN must name mpprun}"
ballast=0 # bytes of heap in the root task of rounds.c
case $case in
big-*)
	case=${case#big-}
	ballast=$((4 << 20))
	;;
slow-src-before-ack | nostream-src | nostream-dest) ballast=$((4 << 20)) ;;
esac

. "$here/lib.sh"
vm_require_pvm

rm -rf "$work"
mkdir -p "$work/bin" "$work/empty"
bin=$work/bin
fail=0
die() {
	echo "FAIL: $*"
	exit 1
}
bad() {
	echo "FAIL: $*"
	fail=1
}

build() { # build NAME: tests/pvm/programs/NAME.c translated, as bin/NAME
	"$MPPCC" -O2 -w -DHASSTDLIB -o "$bin/$1" "$here/programs/$1.c" -lpvm3 >"$work/build.$1.log" 2>&1 ||
		die "mppcc cannot build $1: $(cat "$work/build.$1.log")"
}

# run OUT PROGRAM ARGS... [-- VAR=VALUE...]: the job under mpprun on h1
run() {
	local out=$1 prog=$2 args=() envs=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	envs=("$@")
	rm -f "$out.events" "$out.trace"
	[ "$ballast" = 0 ] || envs+=(MPP_PVM_TRACE="$out.trace")
	vm_run "$work/vm" h1 env MPP_LOG=warn "${envs[@]}" MPP_EVENTS="$out.events" timeout $tmo "$MPPRUN" $mpprun_opts "$prog" "${args[@]}" \
		>"$out" 2>"$out.err"
	local rc=$?
	split_log "$out"
	return $rc
}

# mpprun passes every task's output on (pvm_catchout), mpp's warnings
# (MPP_LOG=warn) and errors too: move those lines from OUT to OUT.err
split_log() {
	grep -E '^mpp(\[|: )' "$1" >>"$1.err"
	grep -vE '^mpp(\[|: )' "$1" >"$1.prog"
	mv "$1.prog" "$1"
}

count() { # count PATTERN FILE: matching lines (0 when none or no file)
	local n
	n=$(grep -c -- "$1" "$2" 2>/dev/null)
	echo "${n:-0}"
}

# stayed_each OUT KILLS [WHAT]: the root went on where it was once per
# destination killed, and at least 2 were (status 1 after bad when not)
stayed_each() {
	local stays
	stays=$(count 'lost before it took the state: .* goes on here' "$1.err")
	if [ "$2" -lt 2 ]; then
		bad "${3:+$3: }$2 destinations killed, expected at least 2"
	elif [ "$stays" != "$2" ]; then
		bad "${3:+$3: }$2 destinations killed but $stays 'goes on here' warnings"
	else
		return 0
	fi
	return 1
}

# big_sent OUT: with ballast, every state the root sent held it, and at
# least one was sent (status 1 after bad when not)
big_sent() {
	local n small
	[ "$ballast" = 0 ] && return 0
	n=$(count ' statesent ' "$1.trace")
	small=$(awk -v b="$ballast" '$3 == "statesent" && $6 < b' "$1.trace" 2>/dev/null | wc -l)
	if [ "$n" -lt 1 ] || [ "$small" != 0 ]; then
		bad "$n states sent, $small of them smaller than the $ballast bytes of ballast"
		return 1
	fi
	return 0
}

# same REF OUT WHAT: OUT must equal REF
same() {
	cmp -s "$1" "$2" && return 0
	diff "$1" "$2" | head -10
	bad "$3: output differs"
	return 1
}

# fault_run OUT WORKERS EVERY FAULT: rounds.c with WORKERS workers and the
# ballast, without migration (ref.out), then under MPP_MIGRATE_EVERY=EVERY
# and MPP_PVM_FAULT=FAULT (OUT): the job must end with the same output,
# every state it sent holding the ballast (the test ends when not)
fault_run() {
	local out=$1 nw=$2 every=$3 f=$4
	run "$work/ref.out" rounds "$nw" 6 0 - $ballast ||
		die "rounds failed without migration: $(tail -3 "$work/ref.out.err")"
	run "$out" rounds "$nw" 6 0 - $ballast -- MPP_MIGRATE_EVERY="$every" MPP_PVM_FAULT="$f" ||
		die "MPP_PVM_FAULT=$f: the job failed or timed out: $(tail -3 "$out.err")"
	same "$work/ref.out" "$out" "MPP_PVM_FAULT=$f" || exit 1
	big_sent "$out" || exit 1
}

hostopts=()
mpprun_opts=
tmo=120
case $case in
dest-dies | forged | bad-state) build rounds ;;
dest-cannot-start)
	build rounds
	# h3's pvmd looks for programs in an empty directory only
	hostopts=(--hostopt "h3=ep=$work/empty")
	mpprun_opts="-h h1" # the job itself starts on h1, its workers too
	;;
peer-exits) build staggered ;;
src-after-spawn | src-after-notice | src-in-flush | src-after-capture | src-before-ack | src-after-ack | \
	dest-after-wake | dest-before-ack | dest-after-ack)
	build rounds
	fault=kill-${case%%-*}:${case#*-}
	;;
slow-src-before-ack | nostream-src | nostream-dest) build rounds ;;
dest-busy) build stream ;;
pvmd-peer | pvmd-dest)
	build rounds
	mpprun_opts="-h h1"
	;;
*) die "unknown case '$case'" ;;
esac
if [ "$case" = forged ] || [ "$case" = bad-state ]; then
	p=forger
	[ "$case" = bad-state ] && p=badstate
	cc -O2 -o "$bin/$p" "$here/programs/$p.c" -lpvm3 >"$work/build.$p.log" 2>&1 ||
		die "cc cannot build $p: $(cat "$work/build.$p.log")"
fi

vm_start "$work/vm" "$bin" "${hostopts[@]}" || die "cannot start the virtual machine"
echo "running in mode $VM_MODE on hosts: $VM_HOSTS"
nhosts=$(echo $VM_HOSTS | wc -w)

case $case in
dest-dies)
	run "$work/ref.out" rounds 2 6 0 - $ballast || die "rounds failed without migration: $(tail -3 "$work/ref.out.err")"
	for n in 500 1300; do
		out=$work/every$n.out
		if ! run "$out" rounds 2 6 0 - $ballast -- MPP_MIGRATE_EVERY=$n MPP_PVM_FAULT=kill-dest-before-state; then
			bad "MPP_MIGRATE_EVERY=$n with a killed destination: the job failed or timed out"
			tail -5 "$out.err"
			continue
		fi
		same "$work/ref.out" "$out" "MPP_MIGRATE_EVERY=$n with a killed destination" || continue
		kills=$(count 'MPP_PVM_FAULT: killing destination' "$out.err")
		big_sent "$out" && stayed_each "$out" "$kills" "MPP_MIGRATE_EVERY=$n" &&
			echo "ok: MPP_MIGRATE_EVERY=$n: $kills destinations killed, the root went on each time, same output"
	done
	;;
dest-busy)
	run "$work/ref.out" stream 2 3000 || die "stream failed without migration: $(tail -3 "$work/ref.out.err")"
	grep -q ', 0 out of order$' "$work/ref.out" || die "stream without migration: $(cat "$work/ref.out")"
	out=$work/busy.out
	run "$out" stream 2 3000 -- MPP_MIGRATE_EVERY=5000 MPP_PVM_FAULT=kill-dest:before-ack MPP_PVM_TRACE="$out.trace" ||
		die "with destinations that die: the job failed or timed out: $(tail -3 "$out.err")"
	same "$work/ref.out" "$out" "with destinations that die while the workers send" || die "messages lost or reordered"
	kills=$(count 'MPP_PVM_FAULT=kill-dest:before-ack: t[0-9a-f]* (process t[0-9a-f]*) kills itself' "$out.err")
	# messages the workers sent to a destination that died, kept by the root
	shadows=$(count ' shadowin ' "$out.trace")
	stayed_each "$out" "$kills" || exit 1
	if [ "$shadows" -lt 1 ]; then
		bad "the workers never sent to a destination that then died: the test did not test the case"
	else
		echo "ok: $kills destinations died after the workers were told, the root went on where it was each" \
			"time; $shadows messages sent to them meanwhile reached it; same output: $(cat "$out")"
	fi
	;;
slow-src-before-ack)
	# the root alone (no workers: the destination's exit notice is then
	# the first thing the source's daemon has for it; when the ACK came
	# over libpvm3's route, it was read after that notice), one move in the
	# last round: the destination ends within the pause
	out=$work/slow.out
	fault_run "$out" 0 20000 slow-src:before-ack
	pauses=$(count 'MPP_PVM_FAULT=slow-src:before-ack: t[0-9a-f]* (process t[0-9a-f]*) pauses 2 s' "$out.err")
	here=$(count 'lost before it took the state: .* goes on here' "$out.err")
	waits=$(count ' waitsource ' "$out.trace")
	moves=$(count '^migrate ' "$out.events")
	[ "$pauses" = 1 ] || bad "$pauses sources paused, expected 1 (the fault is not inherited)"
	[ "$here" = 0 ] || bad "$here 'goes on here' warnings: the destination had the state"
	[ "$moves" = 1 ] || bad "$moves migrations, expected 1"
	[ "$waits" = 1 ] || bad "$waits destinations waited for their source, expected 1: the test did not meet its case"
	[ $fail = 0 ] && echo "ok: the source paused 2 s before the ACK, its destination ran to the end of the" \
		"program and waited for it before it ended, same output"
	;;
nostream-src | nostream-dest)
	fault=nostream:${case#nostream-}
	out=$work/nostream.out
	fault_run "$out" 2 9000 "$fault"
	moves=$(count '^migrate ' "$out.events")
	arrived=$(count '^arrive ' "$out.events")
	daemons=$(count ' datasent ' "$out.trace")
	streamed=$(count ' streamsent ' "$out.trace")
	here=$(count 'lost before it took the state: .* goes on here' "$out.err")
	[ "$moves" -ge 1 ] && [ "$arrived" = "$moves" ] || bad "$moves migrations, $arrived arrivals"
	# the fault is the first source's (not inherited): its move only
	[ "$daemons" = 1 ] || bad "$daemons states through the daemons, expected 1"
	[ "$streamed" = $((moves - 1)) ] || bad "$streamed states over the layer's connection, expected $((moves - 1))"
	[ "$here" = 0 ] || bad "$here 'goes on here' warnings"
	[ $fail = 0 ] && echo "ok: MPP_PVM_FAULT=$fault: the first large state went through the daemons instead," \
		"the $((moves - 1)) others over the connection, same output"
	;;
src-* | dest-after-wake | dest-before-ack | dest-after-ack)
	# which outcomes the guarantee allows at this step: the task goes on
	# where it was (here), at its destination (dest), or is lost (its only
	# copy died; mpprun must say so and end the job)
	case $case in
	dest-after-wake | dest-before-ack) allowed="here" ;;
	src-after-ack) allowed="dest" ;;
	src-before-ack) allowed="dest lost" ;; # the state may die with its sender
	dest-after-ack) allowed="here lost" ;; # the exit may overtake the ACK
	*) allowed="lost" ;;
	esac
	if [ $case = src-after-spawn ]; then # a name that is not a step: refused before main
		env MPP_PVM_FAULT=kill-src:nowhere "$bin/rounds" >"$work/badname.out" 2>&1
		rc=$?
		[ $rc = 78 ] && grep -q "^mpp: bad MPP_PVM_FAULT value 'kill-src:nowhere'" "$work/badname.out" ||
			bad "MPP_PVM_FAULT=kill-src:nowhere: status $rc, $(head -n 2 "$work/badname.out")"
	fi
	run "$work/ref.out" rounds 2 6 0 - $ballast || die "rounds failed without migration: $(tail -3 "$work/ref.out.err")"
	out=$work/fault.out
	tmo=20
	start=$(date +%s)
	run "$out" rounds 2 6 0 - $ballast -- MPP_MIGRATE_EVERY=9000 MPP_PVM_FAULT=$fault
	rc=$?
	took=$(($(date +%s) - start))
	[ $rc != 124 ] || die "MPP_PVM_FAULT=$fault: the job hung ($tmo s)"
	kills=$(count "MPP_PVM_FAULT=$fault: t[0-9a-f]* (process t[0-9a-f]*) kills itself" "$out.err")
	here=$(count 'lost before it took the state: .* goes on here' "$out.err")
	arrived=$(count '^arrive ' "$out.events")
	# states whose bytes went over the layer's connection
	streamed=$(count ' streamsent ' "$out.trace")
	if [ $rc = 0 ]; then
		same "$work/ref.out" "$out" "MPP_PVM_FAULT=$fault" || die "output differs"
		big_sent "$out"
		if [ "${case%%-*}" = dest ]; then
			outcome=here
			stayed_each "$out" "$kills"
			what="$kills destinations died, the root went on where it was each time, same output"
		else
			outcome=dest
			[ "$kills" = 1 ] || bad "$kills sources killed themselves, expected 1 (the fault is not inherited)"
			[ "$here" = 0 ] || bad "$here 'goes on here' warnings: the destination had the state"
			[ "$arrived" -ge 1 ] || bad "no task arrived anywhere"
			what="the source died, the task went on at its destination ($arrived arrivals in all), same output"
		fi
	elif [ $rc = 3 ]; then
		outcome=lost
		killed=$(sed -n "s/.*MPP_PVM_FAULT=$fault: \(t[0-9a-f]*\) (process t[0-9a-f]*) kills itself.*/\1/p" \
			"$out.err" | sort -u)
		[ "$(echo "$killed" | grep -c .)" = 1 ] || bad "expected the processes of one task to kill themselves: '$killed'"
		[ "${case%%-*}" = src ] && [ "$kills" != 1 ] && bad "$kills sources killed themselves, expected 1"
		grep -q "^mpprun: task $killed of the job was lost: its process t[0-9a-f]* ended before its program did" \
			"$out.err" || bad "mpprun did not report $killed lost: $(tail -3 "$out.err")"
		head -n "$(wc -l <"$out")" "$work/ref.out" | cmp -s - "$out" ||
			bad "what was printed is not a prefix of the output without faults: $(head -3 "$out")"
		what="$killed lost, reported, the job ended (status 3) in $took s; $(wc -l <"$out") of"
		what="$what $(wc -l <"$work/ref.out") output lines printed, all right"
	else
		die "MPP_PVM_FAULT=$fault: mpprun's status is $rc, expected 0 or 3: $(tail -3 "$out.err")"
	fi
	case " $allowed " in
	*" $outcome "*) ;;
	*) bad "MPP_PVM_FAULT=$fault: outcome '$outcome', expected: $allowed" ;;
	esac
	[ "$ballast" = 0 ] || what="$what; $streamed states over the layer's connection"
	[ $fail = 0 ] && echo "ok: MPP_PVM_FAULT=$fault: $what"
	;;
pvmd-peer | pvmd-dest)
	[ "$nhosts" -ge 3 ] && [ "$VM_MODE" = netns ] || {
		echo "SKIP: needs 3 hosts in netns mode (a host to kill), the virtual machine has $nhosts ($VM_MODE mode)"
		exit 77
	}
	if [ $case = pvmd-peer ]; then # the workers on h2, no migration
		args=(2 "${FAULT_ROUNDS:-100000}" 0 h2)
		envs=()
		victim=h2
	else # the workers stay on h1, the root moves h1 -> h2 -> h3 -> h1 ...
		args=(2 "${FAULT_ROUNDS:-60}" 0 h1)
		envs=(MPP_MIGRATE_EVERY=1000)
		victim=h2
	fi
	# a bound for a hang, not a speed limit: a sanitized pvmd-dest job
	# takes about 18 s on a quiet machine (60 rounds, 240 moves)
	jobtmo=${FAULT_JOB_TIMEOUT:-90}
	[ $case = pvmd-peer ] || run "$work/ref.out" rounds "${args[@]}" || die "rounds failed: $(tail -3 "$work/ref.out.err")"
	out=$work/pvmd.out
	vm_run "$work/vm" h1 env MPP_LOG=warn "${envs[@]}" MPP_EVENTS="$out.events" timeout $jobtmo "$MPPRUN" -h h1 rounds \
		"${args[@]}" >"$out" 2>"$out.err" &
	job=$!
	vm_track_pid $job
	sleep "${FAULT_KILL_AFTER:-0.5}"
	start=$(date +%s.%N)
	"$VM_SH" kill-host "$work/vm" $victim >"$work/kill.log" 2>&1 || die "cannot kill $victim: $(cat "$work/kill.log")"
	wait $job
	rc=$?
	vm_untrack_pid $job
	took=$(echo "$(date +%s.%N) - $start" | bc)
	split_log "$out"
	moves=$(count '^migrate ' "$out.events")
	[ $rc != 124 ] || die "the job hung after $victim's pvmd was killed ($jobtmo s)"
	if [ $rc = 3 ]; then
		grep -q '^mpprun: task t[0-9a-f]* of the job was lost: its process t[0-9a-f]* ended before its program did' \
			"$out.err" || bad "status 3 without the loss reported: $(tail -3 "$out.err")"
		[ $fail = 0 ] && echo "ok: $victim's pvmd killed ($moves migrations before): the loss reported," \
			"status 3, $took s after the kill: $(grep '^mpprun: task' "$out.err")"
	elif [ $rc = 0 ] && [ $case = pvmd-dest ]; then
		# no task was on the host: the job must have gone on unharmed
		same "$work/ref.out" "$out" "$victim gone, the root elsewhere" &&
			echo "ok: $victim's pvmd killed while the root was elsewhere: $moves migrations, same output"
	else
		bad "status $rc after $victim's pvmd was killed, expected 3$([ $case = pvmd-dest ] && echo " or 0"):" \
			"$(tail -3 "$out.err")"
	fi
	;;
dest-cannot-start)
	[ "$nhosts" -ge 3 ] || {
		echo "SKIP: needs 3 hosts, the virtual machine has $nhosts ($VM_MODE mode)"
		exit 77
	}
	run "$work/ref.out" rounds 2 6 0 h1 || die "rounds failed without migration: $(tail -3 "$work/ref.out.err")"
	for n in 300 1000; do
		out=$work/every$n.out
		if ! run "$out" rounds 2 6 0 h1 -- MPP_MIGRATE_EVERY=$n; then
			bad "MPP_MIGRATE_EVERY=$n with h3 unusable: the job failed or timed out"
			tail -5 "$out.err"
			continue
		fi
		same "$work/ref.out" "$out" "MPP_MIGRATE_EVERY=$n with h3 unusable" || continue
		cannot=$(count "cannot start a destination for t[0-9a-f]* on host 'h3'.*staying here" "$out.err")
		moves=$(count '^migrate ' "$out.events")
		if [ "$cannot" -lt 1 ]; then
			bad "MPP_MIGRATE_EVERY=$n: no warning about h3 ($moves migrations)"
		elif [ "$moves" -lt 1 ]; then
			bad "MPP_MIGRATE_EVERY=$n: no task moved at all"
		else
			echo "ok: MPP_MIGRATE_EVERY=$n: $moves migrations, $cannot failed starts on h3 (task stayed), same output"
		fi
	done
	;;
peer-exits)
	run "$work/ref.out" staggered 4 || die "staggered failed without migration: $(tail -3 "$work/ref.out.err")"
	grep -q '^done: 0 bad parts$' "$work/ref.out" || die "staggered is wrong without migration"
	tmo=240
	for n in ${MPP_PVM_EVERY:-1 3 10}; do
		out=$work/every$n.out
		start=$(date +%s)
		if ! run "$out" staggered 4 -- MPP_MIGRATE_EVERY=$n; then
			bad "MPP_MIGRATE_EVERY=$n: the job failed or hung (timeout $tmo s)"
			tail -5 "$out.err"
			continue
		fi
		same "$work/ref.out" "$out" "MPP_MIGRATE_EVERY=$n" || continue
		moves=$(count '^migrate ' "$out.events")
		[ "$moves" -ge 1 ] || {
			bad "MPP_MIGRATE_EVERY=$n: no task migrated"
			continue
		}
		echo "ok: MPP_MIGRATE_EVERY=$n: $moves migrations while 4 workers ended one after another, $(($(date +%s) - start)) s, same output"
	done
	;;
forged)
	run "$work/ref.out" rounds 2 3 || die "rounds failed: $(tail -3 "$work/ref.out.err")"
	out=$work/forged.out
	# the root waits for the forger's RELEASE, which comes after every forgery
	vm_run "$work/vm" h1 env MPP_LOG=warn MPP_EVENTS="$out.events" timeout 120 "$MPPRUN" rounds 2 3 1 >"$out" 2>"$out.err" &
	job=$!
	vm_track_pid $job
	vm_run "$work/vm" h2 timeout 90 "$bin/forger" 3 >"$work/forger.out" 2>&1 || bad "the forger failed: $(cat "$work/forger.out")"
	wait $job
	rc=$?
	split_log "$out"
	vm_untrack_pid $job
	[ $rc = 0 ] || bad "the job failed (status $rc) after forged control messages: $(tail -5 "$out.err")"
	{ echo released; cat "$work/ref.out"; } >"$work/ref.released"
	same "$work/ref.released" "$out" "forged control messages"
	forger=$(sed -n 's/^forger \(t[0-9a-f]*\)$/\1/p' "$work/forger.out")
	sent=$(sed -n 's/^forger: \([0-9]*\) forged.*/\1/p' "$work/forger.out")
	warned=$(count "control message (tag 0x4d50500[12]) from $forger, not a .*, ignored" "$out.err")
	secret=$(count "control message (tag 0x4d505001, kind 1[12]) from $forger with a wrong secret, ignored" "$out.err")
	warned=$((warned + secret))
	moves=$(count '^migrate ' "$out.events")
	[ -n "$forger" ] || bad "the forger did not print its tid"
	[ "$moves" = 0 ] || bad "a forged MIGRATE moved a task ($moves migrations)"
	tasks=$(sed -n 's/^forger: [0-9]* forged control messages to \([0-9]*\) tasks$/\1/p' "$work/forger.out")
	[ "$secret" = $((2 * ${tasks:-0})) ] || bad "expected 2 wrong-secret warnings per task (${tasks:-0} tasks), saw $secret"
	if [ "${sent:-0}" -lt 14 ] || [ "$warned" != "$sent" ]; then
		bad "the forger sent ${sent:-0} control messages, the job warned about $warned"
	else
		echo "ok: $sent forged control messages from $forger, $warned warnings, no migration, same output"
	fi
	;;
bad-state)
	# what the destination must say for each case (after "the migrated
	# state message from tSOURCE ")
	declare -A why=(
		[many]='names 4097 program message buffers (at most 4096)'
		[damaged]="is damaged: the read position of the program's message buffer 7 is damaged: call 0 is (99, 1, 1)"
		[cut]='is truncated (program message buffer 2 of 2)'
		[header]='is truncated (its header)'
		[map]='is truncated or damaged (the task map)'
		[carried]='is damaged: carried message 1 of 1 cannot be read (-5)'
		[hosts]='is truncated or damaged (the notifications)'
		[notewhat]='is truncated or damaged (the notifications)'
		[group]='is truncated or damaged (the group memberships)'
	)
	for c in many damaged cut header map carried hosts notewhat group; do
		out=$work/$c.out
		vm_run "$work/vm" h1 env MPP_LOG=warn timeout 90 "$bin/badstate" $c rounds >"$out" 2>&1 ||
			{
				bad "$c: badstate failed: $(tail -3 "$out")"
				continue
			}
		src=$(sed -n 's/^badstate \(t[0-9a-f]*\)$/\1/p' "$out")
		[ -n "$src" ] || {
			bad "$c: badstate did not print its tid: $(tail -3 "$out")"
			continue
		}
		want="mpp: the migrated state message from $src ${why[$c]}"
		# the destination's lines come through pvm_catchout, "[tTID] " first
		said=$(sed -n 's/^\[t[0-9a-f]*\] \(mpp[:[].*\)$/\1/p' "$out")
		if ! grep -q '^badstate: the destination ended$' "$out"; then
			bad "$c: the destination did not stop; it said: ${said:-nothing}"
		elif [ "$said" != "$want" ]; then
			bad "$c: the destination said '${said:-nothing}', expected only '$want'"
		else
			echo "ok: $c: the destination stopped: $said"
		fi
	done
	;;
esac
[ $fail = 0 ] || exit 1
echo "PASS: $case"
