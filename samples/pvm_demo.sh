#!/usr/bin/env bash
# pvm_demo.sh: a real PVM job whose tasks migrate between the hosts of a
# virtual machine while it runs (samples/stencil.c: a heat equation over 4
# tasks exchanging edge cells at every step).
#
# Builds stencil.c with cc and with mppcc, starts a PVM virtual machine of
# 3 hosts on this machine (network namespaces when available: see
# tests/pvm/README.md), runs the plain program for reference, then the
# translated one with every task moving to the next host every 40 poll
# points (MPP_MIGRATE_EVERY), shows the moves as they happen, checks that
# the results are the same and prints a summary with the frozen times.
# Then the scheduler (mppctl start): the same job runs again with no
# forced moves, one host's owner is declared active midway (mppctl owner),
# the tasks leave that host as it happens, the result is checked again and
# the scheduler's log is printed (and drawn with gnuplot when installed:
# DEMO_PLOT, default build/pvm_demo_moves.png).
# Run by `make demo` (as root); MPPCC, MPPRUN and MPPCTL override the tools.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${MPP_TEST_BUILD_DIR:-$root/build}
mppcc=${MPPCC:-$build/bin/mppcc}
mpprun=${MPPRUN:-$build/bin/mpprun}
mppctl=${MPPCTL:-$(dirname "$mpprun")/mppctl}
plot=${DEMO_PLOT:-$build/pvm_demo_moves.png}
every=${DEMO_EVERY:-40}
args=(4 4000 600) # 4 tasks x 4000 cells, 600 steps
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-pvmdemo.XXXXXX")
while IFS= read -r v; do
	case $v in MPP_LOG) ;; MPP_*) unset "$v" ;; esac
done < <(compgen -e)

die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}
step() { printf '\n== %s\n' "$*"; }
[[ -x $mppcc ]] || die "no translator at $mppcc (build it with make)"
[[ -x $mpprun ]] || die "no mpprun at $mpprun (PVM development files missing when building?)"
[[ $(id -u) = 0 ]] || die "the demo builds network namespaces: run it as root"

. "$root/tests/pvm/lib.sh"
vm_at_exit rm -rf "$work"

step "build samples/stencil.c with cc and with mppcc"
mkdir -p "$work/bin"
cc -O2 -DHASSTDLIB -o "$work/bin/plain_stencil" "$here/stencil.c" -lpvm3
"$mppcc" -O2 -DHASSTDLIB -o "$work/bin/stencil" "$here/stencil.c" -lpvm3
echo "built $work/bin/plain_stencil and $work/bin/stencil"

step "start a PVM virtual machine of 3 hosts"
vm_start "$work/vm" "$work/bin" >"$work/vm.log" 2>&1 || {
	cat "$work/vm.log"
	die "cannot start the virtual machine"
}
grep '^vm:' "$work/vm.log" || true
printf 'hosts: %s (mode %s)\n' "$VM_HOSTS" "$VM_MODE"

step "plain program, for reference"
t0=$EPOCHREALTIME
vm_run "$work/vm" h1 "$work/bin/plain_stencil" "${args[@]}" >"$work/plain.out"
t1=$EPOCHREALTIME
cat "$work/plain.out"
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "(%.2f s)\n", b - a }'

step "translated program, every task moving to the next host every $every poll points"
: >"$work/events"
t0=$EPOCHREALTIME
vm_run "$work/vm" h1 env MPP_MIGRATE_EVERY="$every" MPP_EVENTS="$work/events" "$mpprun" stencil "${args[@]}" \
	>"$work/mpp.out" 2>"$work/mpp.err" || {
	cat "$work/mpp.err"
	die "the translated job failed"
}
t1=$EPOCHREALTIME
# the moves, in the order they happened (MPP_EVENTS: one line per migration)
grep '^migrate ' "$work/events" | while read -r kind vt from to rest; do
	f=${from#from=t} t=${to#to=t}
	fh=$(((0x$f >> 18) & 0xfff)) th=$(((0x$t >> 18) & 0xfff))
	bytes=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' <<<"$rest")
	printf '  task %-7s h%d -> h%d  (%s bytes of state)\n' "${vt#vtid=}" "$fh" "$th" "$bytes"
done >"$work/moves"
head -12 "$work/moves"
moves=$(grep -c '^migrate ' "$work/events" || true)
((moves <= 12)) || echo "  ... ($moves moves in all)"
cat "$work/mpp.out"
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "(%.2f s)\n", b - a }'

step "summary"
if cmp -s "$work/plain.out" "$work/mpp.out"; then
	echo "same results as the plain program"
else
	diff "$work/plain.out" "$work/mpp.out" || true
	die "the results differ"
fi
n=0 bytes=0
declare -A hosts=()
frozen=()
while read -r kind rest; do
	[[ $kind = migrate ]] || continue
	declare -A kv=()
	for f in $rest; do kv[${f%%=*}]=${f#*=}; done
	n=$((n + 1))
	bytes=$((bytes + kv[bytes]))
	frozen+=($((kv[spawn_us] + kv[notify_us] + kv[flush_us] + kv[capture_us] + kv[transfer_us])))
	to=${kv[to]#t}
	hosts[$(((0x$to >> 18) & 0xfff))]=1
done <"$work/events"
((n > 0)) || die "no migration happened"
sorted=($(printf '%s\n' "${frozen[@]}" | sort -n))
printf '%d migrations onto %d hosts, %d bytes of state each on average\n' $n ${#hosts[@]} $((bytes / n))
printf 'frozen time per migration (request seen -> state taken over): median %d us, max %d us\n' \
	"${sorted[$(((n - 1) / 2))]}" "${sorted[$((n - 1))]}"
echo "(MPP_EVENTS=FILE records these moves for any job; docs/PROTOCOL.md explains them)"

step "the scheduler: owner of a host becomes active while the job runs"
if [[ ! -x $mppctl ]]; then
	echo "(no mppctl at $mppctl: skipping the scheduler part)"
	exit 0
fi
export MPP_JOBDIR=$work/jobs
mkdir -m 700 "$MPP_JOBDIR"
printf 'owner_detect = manual\noverload = off\nreclaim_bound_secs = 10\n' >"$work/sched.conf"
ctl() { vm_run "$work/vm" h1 "$mppctl" "$@"; }
sched_demo() {
	local sargs=(4 4000 16000) i n
	ctl start -c "$work/sched.conf" || return 1
	# the machine's load average is the same on every namespace host:
	# declare the loads instead (see README, "Scheduler and mppctl")
	for h in $VM_HOSTS; do ctl load "$h" 0 >/dev/null || return 1; done
	vm_run "$work/vm" h1 "$work/bin/plain_stencil" "${sargs[@]}" >"$work/plain2.out" || return 1
	vm_run "$work/vm" h1 "$mpprun" -h h1 stencil "${sargs[@]}" >"$work/sched.out" 2>"$work/sched.err" &
	local job=$!
	vm_track_pid $job
	for ((i = 0; i < 100; i++)); do
		ctl --json status >"$work/st.json" 2>/dev/null
		n=$(grep -o '"program": "stencil"' "$work/st.json" | wc -l)
		((n >= 4)) && break
		sleep 0.1
	done
	sleep 1
	echo "-- before:"
	ctl status
	busy=$(grep -o '"host": "h[23]"' "$work/st.json" | head -1 | cut -d'"' -f4)
	busy=${busy:-h2}
	echo "-- mppctl owner $busy active"
	ctl owner "$busy" active
	sleep 0.5
	echo "-- after:"
	ctl status
	wait $job
	local rc=$?
	vm_untrack_pid $job
	((rc == 0)) || { cat "$work/sched.err"; return 1; }
	ctl stop >/dev/null
	echo "-- the scheduler's log (mppctl log):"
	ctl log | grep -E ' (owner|decide|empty|late) |event .* migrate ' | cut -c1-200
	if cmp -s "$work/plain2.out" "$work/sched.out"; then
		echo "same results as the plain program"
	else
		diff "$work/plain2.out" "$work/sched.out" || true
		echo "the results differ"
		return 1
	fi
	if command -v gnuplot >/dev/null; then
		ctl log --plot "$plot" && echo "(open $plot to see the tasks move)"
	fi
	return 0
}
sched_demo || die "the scheduler part failed"
