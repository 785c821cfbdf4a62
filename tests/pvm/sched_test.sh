#!/usr/bin/env bash
# tests/pvm/sched_test.sh CASE WORKDIR: the scheduler (mppsched) and mppctl
# on the 3-host virtual machine of lib.sh, with programs/spread.c (a root
# task on h1, N workers on h2 that compute with a poll point and a 1 ms
# pause per step). Cases:
#   owner     `mppctl owner h2 active` while the job runs: h2 is empty within
#             the configured bound (reclaim_bound_secs), no task is placed
#             on h2, tasks go where a destination was started in advance
#             (prespawn), the output equals a run without scheduler.
#             SCHED_NTASKS (default 4) workers, SCHED_PRESPAWN=off to turn
#             prespawn off; SCHED_MEASURE=1 prints the
#             time from "owner active" to "host empty" only.
#   overload  h2 declared loaded (`mppctl load h2 1.5` + 2 tasks = 1.75 per
#             CPU > 1.5): exactly one task moves, and not back.
#   manual    `mppctl migrate TASK HOST`, `mppctl vacate HOST`, status tables
#             and --json, log and --plot.
#   restart   the scheduler stopped and started again while the job runs:
#             the new one finds the tasks, keeps the overrides and acts.
#   hostgone  h3 (no task) leaves the virtual machine while a job runs: the
#             scheduler notices, the job ends as usual; then h2 leaves with
#             2 tasks of a job: the scheduler reports both lost.
#   errors    unknown task, unknown host, no scheduler, no job, no virtual
#             machine, bad configuration: exit status 1 and a clear message.
# Needs MPPCC, MPPRUN and MPPCTL (mppsched and mppagent beside it); exit
# status 77 when PVM is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
case=${1:?usage: sched_test.sh CASE WORKDIR}
work=${2:?usage: sched_test.sh CASE WORKDIR}
: "${MPPCC:?MPPCC must name mppcc}" "${MPPRUN:?MPPRUN must name mpprun}" "${MPPCTL:?MPPCTL must name mppctl}"

. "$here/lib.sh"
vm_require_pvm

rm -rf "$work"
mkdir -p "$work/bin" "$work/jobs"
chmod 700 "$work/jobs"
export MPP_JOBDIR=$work/jobs
bin=$work/bin
log=$work/jobs/sched.log
fail=0
die() {
	echo "FAIL: $*"
	exit 1
}
bad() {
	echo "FAIL: $*"
	fail=1
}
count() { # count PATTERN FILE
	local n
	n=$(grep -c -- "$1" "$2" 2>/dev/null)
	echo "${n:-0}"
}

"$MPPCC" -O2 -w -DHASSTDLIB -o "$bin/spread" "$here/programs/spread.c" -lpvm3 >"$work/build.log" 2>&1 ||
	die "mppcc cannot build spread: $(cat "$work/build.log")"

ctl() { # ctl HOST ARGS...: mppctl on HOST, output in $work/ctl.out, status returned
	local h=$1
	shift
	vm_run "$work/vm" "$h" "$MPPCTL" "$@" >"$work/ctl.out" 2>&1
}
ctl_ok() {
	ctl "$@" || die "mppctl $* failed: $(cat "$work/ctl.out")"
}

# conf KEY=VALUE...: the scheduler's configuration for this case
conf() {
	: >"$work/sched.conf"
	for kv in "owner_detect=manual" "$@"; do
		echo "${kv%%=*} = ${kv#*=}" >>"$work/sched.conf"
	done
}

job_pid=
# job OUT N ITERS: spread under mpprun on h1 (workers on h2), in the background
job() {
	vm_run "$work/vm" h1 env MPP_LOG=warn MPP_EVENTS="$1.events" timeout 120 "$MPPRUN" -h h1 spread "$2" "$3" h2 \
		>"$1" 2>"$1.err" &
	job_pid=$!
	vm_track_pid $job_pid
}
job_wait() { # job_wait OUT: its status; mpp's warnings moved to OUT.err
	wait $job_pid
	local rc=$?
	vm_untrack_pid $job_pid
	grep '^mpp\[' "$1" >>"$1.err"
	grep -v '^mpp\[' "$1" >"$1.prog"
	mv "$1.prog" "$1"
	return $rc
}
# wait_tasks N HOST: until mppctl status shows N tasks on HOST (10 s)
wait_tasks() {
	local i n
	for ((i = 0; i < 100; i++)); do
		vm_run "$work/vm" h1 "$MPPCTL" --json status >"$work/st.json" 2>/dev/null
		n=$(grep -o "\"host\": \"$2\", \"program\"" "$work/st.json" | wc -l)
		[ "$n" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
same() { # same REF OUT WHAT
	cmp -s "$1" "$2" && return 0
	diff "$1" "$2" | head -10
	bad "$3: output differs"
}

vm_start "$work/vm" "$bin" || die "cannot start the virtual machine"
echo "running in mode $VM_MODE on hosts: $VM_HOSTS"
[ "$(echo $VM_HOSTS | wc -w)" -ge 3 ] || {
	echo "SKIP: needs 3 hosts, the virtual machine has $VM_HOSTS ($VM_MODE mode)"
	exit 77
}

case $case in
owner)
	n=${SCHED_NTASKS:-4}
	iters=4000
	if [ "${SCHED_MEASURE:-0}" != 1 ]; then
		job "$work/ref.out" "$n" "$iters"
		job_wait "$work/ref.out" || die "spread failed without scheduler: $(tail -3 "$work/ref.out.err")"
	fi
	conf reclaim_bound_secs=10 overload=off prespawn=${SCHED_PRESPAWN:-on}
	ctl_ok h1 start -c "$work/sched.conf"
	for h in h1 h2 h3; do ctl_ok h1 load $h 0; done
	job "$work/out" "$n" "$iters"
	wait_tasks "$n" h2 || die "the $n workers did not show up on h2"
	sleep 1 # two ticks: each task gets a destination started in advance
	ctl_ok h3 owner h2 active
	job_wait "$work/out" || bad "the job failed under the scheduler: $(tail -3 "$work/out.err")"
	ctl_ok h1 stop
	after=$(sed -n 's/.* empty host=h2 after_ms=\([0-9]*\).*/\1/p' "$log" | head -1)
	# MPP_EVENTS has every move; the scheduler's log has the tasks' event
	# lines too, but they are sent best effort (see the README)
	moved=$(count '^migrate ' "$work/out.events")
	logged=$(count ' migrate .*host_from=h2 host_to=h[13]' "$log")
	if [ "${SCHED_MEASURE:-0}" = 1 ]; then
		# the last task's own event: when it had handed over its state
		last=$(awk '/ owner host=h2 state=active/ { t0 = $1 } / migrate .*host_from=h2/ { t = $1 }
			END { if (t0 && t) printf "%.0f", (t - t0) * 1000 }' "$log")
		echo "measure: $n tasks: owner active -> h2 empty in ${after:-?} ms as the scheduler saw it, last" \
			"migration done after ${last:-?} ms ($moved migrations)"
		exit 0
	fi
	same "$work/ref.out" "$work/out" "owner reclaim"
	[ -n "$after" ] || bad "h2 never became empty (see $log)"
	[ -n "$after" ] && [ "$after" -gt 10000 ] && bad "h2 emptied after $after ms, the bound is 10 s"
	[ "$(count 'decide reason=owner' "$log")" = "$n" ] || bad "expected $n owner decisions: $(grep decide "$log")"
	[ "$(count 'decide .* to=h2' "$log")" = 0 ] || bad "work was placed on h2 while its owner was active"
	[ "$moved" = "$n" ] || bad "expected $n migrations off h2, saw $moved"
	[ "$logged" -ge 1 ] || bad "the scheduler's log has no migration event from h2"
	# prespawn: decisions go where the task had its destination ready,
	# unless the placement knew a less loaded host
	ready=$(awk '/ prepare / { split($4, v, "="); split($5, h, "="); p[v[2]] = h[2] }
		/ decide reason=owner / { split($5, v, "="); split($7, h, "="); if (p[v[2]] == h[2]) n++ }
		END { print n + 0 }' "$log")
	[ "$ready" -ge 1 ] || bad "no task moved to a destination prepared in advance"
	[ "$(count 'late host=' "$log")" = 0 ] || bad "the reclaim bound was exceeded"
	[ $fail = 0 ] && echo "ok: owner of h2 active: $n tasks left h2 in $after ms (bound 10 s), $ready to" \
		"destinations started in advance, same output"
	;;
overload)
	job "$work/ref.out" 2 5000
	job_wait "$work/ref.out" || die "spread failed without scheduler"
	conf overload=on overload_threshold=1.5 overload_secs=1 hysteresis=0.5 overload_cooldown_secs=2 min_stay_secs=60
	ctl_ok h1 start -c "$work/sched.conf"
	ctl_ok h1 load h1 0
	ctl_ok h1 load h3 0
	ctl_ok h1 load h2 1.5
	job "$work/out" 2 5000
	job_wait "$work/out" || bad "the job failed under the scheduler: $(tail -3 "$work/out.err")"
	ctl_ok h1 stop
	same "$work/ref.out" "$work/out" "overload"
	decisions=$(count 'decide reason=overload' "$log")
	moves=$(count '^migrate ' "$work/out.events")
	task=$(sed -n 's/.*decide reason=overload job=[0-9a-f]* vtid=\(t[0-9a-f]*\) from=h2 to=\([a-z0-9]*\).*/\1 \2/p' "$log")
	set -- $task
	if [ "$decisions" != 1 ] || [ "$moves" != 1 ]; then
		bad "expected exactly one overload move, saw $decisions decisions and $moves migrations: $(grep -E 'decide|migrate' "$log")"
	elif [ "$2" != h3 ]; then
		bad "the task went to $2, the least loaded host is h3"
	elif [ "$(grep -c "seen job=[0-9a-f]* vtid=$1 " "$log")" != 2 ]; then
		bad "task $1 did not stay on h3: $(grep "vtid=$1 " "$log")"
	else
		echo "ok: h2 overloaded (1.75 per CPU > 1.5): one task ($1) moved to h3 and stayed, same output"
	fi
	;;
manual)
	job "$work/ref.out" 2 8000
	job_wait "$work/ref.out" || die "spread failed without scheduler"
	conf overload=off
	job "$work/out" 2 8000
	wait_tasks 2 h2 || die "the workers did not show up on h2"
	# migrate works without a scheduler: the job file gives the secret
	task=$(grep -o '"vtid": "t[0-9a-f]*", "rtid": "t[0-9a-f]*", "host": "h2"' "$work/st.json" | head -1 | cut -d'"' -f4)
	ctl h1 migrate "$task" h3 || bad "mppctl migrate $task h3 failed: $(cat "$work/ctl.out")"
	grep -q "^$task moved from h2 to h3 (now t[0-9a-f]*) in [0-9]* ms$" "$work/ctl.out" ||
		bad "unexpected migrate output: $(cat "$work/ctl.out")"
	cat "$work/ctl.out"
	ctl_ok h1 migrate "$task" h3
	grep -qx "$task is already on h3" "$work/ctl.out" || bad "a second migrate: $(cat "$work/ctl.out")"
	ctl_ok h1 start -c "$work/sched.conf"
	ctl h1 vacate h2 || bad "mppctl vacate h2 failed: $(cat "$work/ctl.out")"
	grep -q '^h2 has no mpp task left' "$work/ctl.out" || bad "vacate: $(cat "$work/ctl.out")"
	cat "$work/ctl.out"
	ctl_ok h1 status
	cat "$work/ctl.out"
	[ "$(grep -c ' spread  *h2 ' "$work/ctl.out")" = 0 ] || bad "tasks left on h2 after vacate"
	grep -q '^h2  .* idle .* 0$' "$work/ctl.out" || bad "status does not show h2 empty and idle"
	[ "$(grep -c '^[0-9a-f]*  *t[0-9a-f]*  *t[0-9a-f]*  *spread  *h[13]  *[0-9]*  *[0-9]*  *[01]$' "$work/ctl.out")" = 3 ] ||
		bad "status does not list the 3 tasks on h1/h3 with their migrations"
	job_wait "$work/out" || bad "the job failed: $(tail -3 "$work/out.err")"
	same "$work/ref.out" "$work/out" "manual migrate and vacate"
	ctl_ok h1 log
	grep -q ' decide reason=vacate .* from=h2 ' "$work/ctl.out" || bad "the log has no vacate decision"
	grep -q ' event job=[0-9a-f]* migrate vtid=.* spawn_us=[0-9]* .*transfer_us=[0-9]* .*host_from=h2 host_to=h' "$work/ctl.out" ||
		bad "the log has no migration with its timing breakdown"
	ctl_ok h1 --json log
	grep -q '"kind": "decide", "reason": "vacate"' "$work/ctl.out" || bad "log --json: $(head -3 "$work/ctl.out")"
	if command -v gnuplot >/dev/null; then
		ctl h1 log --plot "$work/moves.png" || bad "log --plot failed: $(cat "$work/ctl.out")"
		[ -s "$work/moves.png" ] && [ "$(head -c 4 "$work/moves.png" | tail -c 3)" = PNG ] || bad "no PNG written"
	else
		echo "SKIP (part): gnuplot is not installed: mppctl log --plot not tested"
	fi
	ctl_ok h1 stop
	[ $fail = 0 ] && echo "ok: migrate $task h2 -> h3, vacate h2, status, log, same output"
	;;
restart)
	job "$work/ref.out" 3 9000
	job_wait "$work/ref.out" || die "spread failed without scheduler"
	conf overload=off reclaim_bound_secs=10
	ctl_ok h1 start -c "$work/sched.conf"
	ctl_ok h1 load h1 0
	ctl_ok h1 load h3 0
	job "$work/out" 3 9000
	wait_tasks 3 h2 || die "the workers did not show up on h2"
	sleep 1
	ctl_ok h1 stop
	ctl_ok h2 start -c "$work/sched.conf"
	sched2=$(sed -n 's/^scheduler \(t[0-9a-f]*\) started.*/\1/p' "$work/ctl.out")
	sleep 1.5
	ctl_ok h1 status
	[ "$(grep -c ' spread  *h2 ' "$work/ctl.out")" = 3 ] || bad "the new scheduler does not show the 3 tasks on h2: $(cat "$work/ctl.out")"
	ctl_ok h1 status --json
	grep -q "\"scheduler\": \"$sched2\"" "$work/ctl.out" || bad "status does not name the new scheduler $sched2"
	grep -q '"name": "h3", .*"load": 0.00, "load_from": "declared"' "$work/ctl.out" ||
		bad "the declared load of h3 was lost in the restart"
	seen=$(awk -v s="start tid=$sched2" 'index($0, s) { on = 1 } on && / seen job=.* host=h2$/' "$log" | wc -l)
	[ "$seen" = 3 ] || bad "the new scheduler logged $seen tasks on h2, expected 3"
	ctl_ok h1 owner h2 active
	job_wait "$work/out" || bad "the job failed: $(tail -3 "$work/out.err")"
	ctl_ok h1 stop
	same "$work/ref.out" "$work/out" "scheduler restarted"
	after=$(awk -v s="start tid=$sched2" 'index($0, s) { on = 1 } on && / empty host=h2 /' "$log" | sed 's/.*after_ms=//')
	[ -n "$after" ] || bad "the new scheduler did not empty h2"
	[ $fail = 0 ] && echo "ok: restarted scheduler $sched2 found 3 tasks on h2 and emptied it in $after ms, same output"
	;;
hostgone)
	job "$work/ref.out" 2 5000
	job_wait "$work/ref.out" || die "spread failed without scheduler"
	conf overload=off
	ctl_ok h1 start -c "$work/sched.conf"
	job "$work/out" 2 5000
	wait_tasks 2 h2 || die "the workers did not show up on h2"
	"$VM_SH" kill-host "$work/vm" h3 >"$work/kill.log" 2>&1 || die "cannot kill h3: $(cat "$work/kill.log")"
	for ((i = 0; i < 50; i++)); do
		grep -q ' host-gone host=h3 ' "$log" && break
		sleep 0.1
	done
	grep -q ' host-gone host=h3 tasks=0$' "$log" || bad "the scheduler did not notice h3 leaving: $(tail -3 "$log")"
	job_wait "$work/out" || bad "the job failed after h3 left: $(tail -3 "$work/out.err")"
	same "$work/ref.out" "$work/out" "h3 gone, no task there"
	ctl_ok h1 status
	[ "$(grep -c '^h[0-9] ' "$work/ctl.out")" = 2 ] || bad "status after h3 left: $(cat "$work/ctl.out")"
	# now a host with tasks of a job: the loss is reported (once the
	# scheduler itself has seen both there: it reads the job's mailbox
	# every tick, mppctl status asks the tasks)
	from=$(($(wc -l <"$log") + 1))
	job "$work/out2" 2 20000
	wait_tasks 2 h2 || die "the workers did not show up on h2"
	for ((i = 0; i < 100; i++)); do
		[ "$(tail -n +$from "$log" | grep -c ' seen .* host=h2$')" -ge 2 ] && break
		sleep 0.1
	done
	"$VM_SH" kill-host "$work/vm" h2 >"$work/kill.log" 2>&1 || die "cannot kill h2: $(cat "$work/kill.log")"
	for ((i = 0; i < 50; i++)); do
		grep -q ' host-gone host=h2 ' "$log" && break
		sleep 0.1
	done
	grep -q ' host-gone host=h2 tasks=2$' "$log" || bad "h2 left with 2 tasks: $(grep host-gone "$log")"
	[ "$(count ' lost job=[0-9a-f]* vtid=t[0-9a-f]* host=h2: the job may wait for it forever' "$log")" = 2 ] ||
		bad "the 2 lost tasks are not reported: $(tail -4 "$log")"
	ctl_ok h1 stop
	vm_stop
	wait $job_pid 2>/dev/null
	vm_untrack_pid $job_pid
	[ $fail = 0 ] && echo "ok: h3 left without tasks: noticed, job unchanged; h2 left with 2 tasks: both reported lost"
	;;
errors)
	expect() { # expect PATTERN HOST ARGS...: mppctl fails (status 1) with PATTERN on stderr
		local pat=$1
		shift
		if ctl "$@"; then
			bad "mppctl ${*:2} succeeded: $(cat "$work/ctl.out")"
		elif ! grep -q -- "$pat" "$work/ctl.out"; then
			bad "mppctl ${*:2}: expected '$pat', got: $(cat "$work/ctl.out")"
		else
			echo "ok: mppctl ${*:2}: $(cat "$work/ctl.out")"
		fi
	}
	expect "^mppctl: no scheduler log at $work/jobs/sched.log" h1 log
	expect '^mppctl: no scheduler is running (start one with .mppctl start.)$' h1 vacate h2
	expect '^mppctl: no scheduler is running' h1 owner h2 active
	expect '^mppctl: no scheduler is running' h1 stop
	expect '^mppctl: no mpp job is running' h1 migrate t40002 h2
	expect "^mppctl: unknown host 'nohost'" h1 vacate nohost
	expect "^mppctl: 'x1y' is not a task id" h1 migrate x1y h2
	echo "oops" >"$work/bad.conf"
	expect "^mppctl: the scheduler did not start .*: see " h1 start -c "$work/bad.conf"
	grep -q "bad.conf:1: expected 'key = value'" "$work/jobs/sched.out" || bad "no message about the bad configuration"
	expect "^mppctl: cannot read the configuration" h1 start -c "$work/none.conf"
	conf overload=off
	ctl_ok h1 start -c "$work/sched.conf"
	expect '^mppctl: a scheduler already runs' h2 start -c "$work/sched.conf"
	expect "^mppctl: unknown host 'nohost'" h1 owner nohost active
	expect "^mppctl: owner state must be active, idle or auto" h1 owner h2 busy
	expect "^mppctl: load must be a number" h1 load h2 -3
	job "$work/out" 1 3000
	wait_tasks 1 h2 || die "the worker did not show up on h2"
	expect '^mppctl: unknown task t123: no task of a running job' h1 migrate t123 h3
	task=$(grep -o '"vtid": "t[0-9a-f]*", "rtid": "t[0-9a-f]*", "host": "h2"' "$work/st.json" | head -1 | cut -d'"' -f4)
	expect "^mppctl: unknown host 'h9'" h1 migrate "$task" h9
	job_wait "$work/out" || bad "the job failed"
	ctl_ok h1 stop
	mkdir -p "$work/nopvm"
	if env PVM_TMP="$work/nopvm" PVM_ALLOW_ROOT=yes "$MPPCTL" status >"$work/ctl.out" 2>&1; then
		bad "mppctl status without a virtual machine succeeded"
	else
		grep -q '^mppctl: no PVM virtual machine is running' "$work/ctl.out" || bad "no VM: $(cat "$work/ctl.out")"
	fi
	vm_run "$work/vm" h1 "$MPPCTL" frobnicate >"$work/ctl.out" 2>&1
	[ $? = 2 ] && grep -q '^usage: mppctl' "$work/ctl.out" || bad "a bad command: $(cat "$work/ctl.out")"
	;;
*) die "unknown case '$case'" ;;
esac
[ $fail = 0 ] || exit 1
echo "PASS: $case"
