#!/usr/bin/env bash
# vm.sh: a PVM virtual machine of several hosts on this one machine, for
# end-to-end tests (see tests/pvm/README.md).
#
#   vm.sh start DIR --bin BINDIR [--hosts N] [--mode auto|netns|loopback|single]
#               [--hostopt HOST=OPTIONS]... [--owner PID]
#   vm.sh run DIR HOST CMD...      run CMD on HOST (status passed through)
#   vm.sh console DIR [HOST]       the pvm console on HOST (default h1), stdin
#   vm.sh hosts DIR                the host names, one a line
#   vm.sh kill-host DIR HOST [--crash]  make HOST disappear: its pvmd gets
#                                  SIGTERM (--crash: not), then everything
#                                  left on it SIGKILL, its namespace goes
#   vm.sh stop DIR                 halt, kill what is left, undo every change
#
# Modes: netns (one network namespace per host, joined by veth pairs to a
# bridge in a namespace of its own), loopback (one loopback address per host,
# private mount and UTS namespaces for hosts file and host name), single (one
# ordinary pvmd). auto tries them in this order. Every change to the machine
# outside DIR is written to DIR/created before it is made, so that stop can
# undo exactly that, also after a partial start. Each VM gets a number K
# (allocated under a lock in the registry directory) that makes its
# namespace names and addresses unique, so several VMs can run at once.
#
# --owner PID: the VM is stopped when process PID ends (lib.sh passes the
# test script), even by SIGKILL.
#
# Environment: VM_TIMEOUT (seconds to wait for pvmds, default 30),
# VM_REGISTRY (default /run/mpp-pvm-vm as root), PVM_ROOT (/usr/lib/pvm3).
set -uo pipefail

PROG=vm.sh
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
PVM_ROOT=${PVM_ROOT:-/usr/lib/pvm3}
VM_TIMEOUT=${VM_TIMEOUT:-30}
UID_NUM=$(id -u)
if [ -n "${VM_REGISTRY:-}" ]; then
	REGISTRY=$VM_REGISTRY
elif [ "$UID_NUM" = 0 ]; then
	REGISTRY=/run/mpp-pvm-vm
else
	REGISTRY=${TMPDIR:-/tmp}/mpp-pvm-vm-$UID_NUM
fi
SLOTS_MAX=250

die() {
	echo "$PROG: $*" >&2
	exit 1
}

usage() {
	sed -n '5,13p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# --- registry of VM numbers ---------------------------------------------

with_lock() {
	mkdir -p "$REGISTRY" || return 1
	(
		flock 9 || exit 1
		"$@"
	) 9>"$REGISTRY/lock"
}

# A slot file REGISTRY/K holds the directory of the VM using K. It is stale
# when that directory no longer holds a live VM with this K (removed without
# stop, or stopped by a killed stop).
slot_is_stale() {
	local k=$1 dir
	dir=$(cat "$REGISTRY/$k" 2>/dev/null) || return 0
	[ -f "$dir/vm.env" ] || return 0
	(
		. "$dir/vm.env"
		[ "${K:-}" != "$k" ] || [ "${STATE:-}" = stopped ]
	)
}

# Leftovers of a stale slot: its namespaces, hosts files and processes.
# Called under the registry lock.
reclaim_slot() {
	local k=$1 dir ns
	dir=$(cat "$REGISTRY/$k" 2>/dev/null)
	[ -n "$dir" ] && kill_marked "$dir" ""
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in
		mppvm$k-*)
			kill_netns_pids "$ns"
			ip netns del "$ns" 2>/dev/null
			;;
		esac
	done
	rm -rf /etc/netns/mppvm"$k"-* 2>/dev/null
	rmdir /etc/netns 2>/dev/null
	rm -f "$REGISTRY/$k"
}

# Numbers are handed out round-robin, so that a number just freed is not
# reused at once (a test checking that a stopped VM left nothing would
# otherwise see a new VM with the same names).
alloc_slot_locked() {
	local dir=$1 k n last
	# leftovers of VMs whose directory went away without a stop
	for k in $(ls "$REGISTRY" | grep -x '[0-9][0-9]*'); do
		slot_is_stale "$k" && reclaim_slot "$k"
	done
	last=$(cat "$REGISTRY/last" 2>/dev/null)
	[[ $last =~ ^[0-9]+$ ]] || last=0
	for ((n = 1; n <= SLOTS_MAX; n++)); do
		k=$(((last + n - 1) % SLOTS_MAX + 1))
		[ -e "$REGISTRY/$k" ] && continue
		# whatever still carries this free number is garbage (a VM whose
		# journal was lost)
		reclaim_slot "$k"
		echo "$dir" >"$REGISTRY/$k" || return 1
		echo "$k" >"$REGISTRY/last"
		# vm.env with K before the lock is released: the slot is not stale
		K=$k
		save_state || return 1
		echo "$k"
		return 0
	done
	return 1
}

free_slot_locked() {
	local k=$1 dir=$2
	[ "$(cat "$REGISTRY/$k" 2>/dev/null)" = "$dir" ] && rm -f "$REGISTRY/$k"
	return 0
}

# /etc/netns/<ns> directories are made and removed under the lock, so that
# removing an empty /etc/netns never races with another VM's mkdir.
make_netns_dir_locked() {
	mkdir -p "/etc/netns/$1" && cp "$2" "/etc/netns/$1/hosts"
}

remove_netns_dir_locked() {
	rm -rf "/etc/netns/$1"
	rmdir /etc/netns 2>/dev/null
	return 0
}

# --- processes ------------------------------------------------------------

# Live processes whose environment marks them as belonging to VM DIR (and
# to HOST, if not empty). Zombies have no environment and are not listed.
marked_pids() {
	local dir=$1 host=$2 f pid
	for f in $(grep -lzxF "MPPVM_DIR=$dir" /proc/[0-9]*/environ 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/environ}
		[ "$pid" = $$ ] && continue
		if [ -n "$host" ] && ! grep -qzxF "MPPVM_HOST=$host" "$f" 2>/dev/null; then
			continue
		fi
		echo "$pid"
	done
}

kill_pids() {
	[ $# -gt 0 ] && kill -KILL "$@" 2>/dev/null
	return 0
}

kill_netns_pids() {
	kill_pids $(ip netns pids "$1" 2>/dev/null)
}

# Kill the marked processes until none is left (pvmds may spawn while we
# kill); give up after 5 s.
kill_marked() {
	local dir=$1 host=$2 pids i
	for ((i = 0; i < 50; i++)); do
		pids=$(marked_pids "$dir" "$host")
		[ -z "$pids" ] && return 0
		kill_pids $pids
		sleep 0.1
	done
	echo "$PROG: processes of $dir${host:+ on $host} survive SIGKILL: $pids" >&2
	return 1
}

pvmd_pid() {
	local pid
	for pid in $(marked_pids "$1" "$2"); do
		[ "$(cat /proc/"$pid"/comm 2>/dev/null)" = pvmd ] && echo "$pid" && return 0
	done
	return 1
}

# --- state ----------------------------------------------------------------

# The VM's own lock (DIR/lock): a start holds it from beginning to end, so
# that a stop or kill-host never works on a VM being built.
lock_vm() {
	exec 8>>"$DIR/lock" || return 0
	if ! flock -w $((VM_TIMEOUT * 3)) 8; then
		echo "$PROG: $1: $DIR is still locked after $((VM_TIMEOUT * 3)) s, going on" >&2
	fi
}

load_state() {
	DIR=$(cd "$1" 2>/dev/null && pwd) || die "no virtual machine in $1"
	[ -f "$DIR/vm.env" ] || die "no virtual machine in $DIR"
	. "$DIR/vm.env"
}

save_state() {
	{
		printf 'K=%q\n' "$K"
		printf 'ID=%q\n' "${ID:-}"
		printf 'MODE=%q\n' "$MODE"
		printf 'STATE=%q\n' "$STATE"
		printf 'HOSTS=%q\n' "$HOSTS"
		printf 'NAMES=%q\n' "$NAMES"
		printf 'BINDIR=%q\n' "$BINDIR"
	} >"$DIR/vm.env.new" && mv "$DIR/vm.env.new" "$DIR/vm.env"
}

# The journal DIR/created: one line per change made outside DIR, written
# before the change, so that a start killed halfway is still undone.
journal() {
	echo "$*" >>"$DIR/created"
}

undo_journal() {
	local kind arg
	[ -f "$DIR/created" ] || return 0
	tac "$DIR/created" | while read -r kind arg; do
		case $kind in
		netns)
			kill_netns_pids "$arg"
			ip netns del "$arg" 2>/dev/null
			;;
		netnsdir) with_lock remove_netns_dir_locked "$arg" ;;
		alias) ip addr del "$arg" dev lo 2>/dev/null ;;
		esac
	done
	rm -f "$DIR/created"
}

host_known() {
	local h
	for h in $HOSTS; do
		[ "$h" = "$1" ] && return 0
	done
	return 1
}

host_ns() {
	echo "mppvm$K-$1"
}

# --- network set-up per mode -------------------------------------------------

REASON=
try() {
	local out
	if ! out=$("$@" 2>&1); then
		REASON="'$*' failed: ${out:-no message}"
		return 1
	fi
}

setup_netns() {
	local br i h ns
	command -v ip >/dev/null || {
		REASON="no 'ip' command (iproute2)"
		return 1
	}
	[ "$UID_NUM" = 0 ] || {
		REASON="needs root"
		return 1
	}
	[ "$K" -le 254 ] || {
		REASON="VM number $K too large for 10.77.K.0/24"
		return 1
	}
	br=$(host_ns br)
	journal netns "$br"
	try ip netns add "$br" || return 1
	try ip -n "$br" link add br0 type bridge || return 1
	try ip -n "$br" link set br0 up || return 1
	i=0
	for h in $HOSTS; do
		i=$((i + 1))
		ns=$(host_ns "$h")
		journal netns "$ns"
		try ip netns add "$ns" || return 1
		try ip -n "$br" link add "$h" type veth peer name eth0 netns "$ns" || return 1
		try ip -n "$br" link set "$h" master br0 up || return 1
		try ip -n "$ns" addr add "10.77.$K.$i/24" dev eth0 || return 1
		try ip -n "$ns" link set eth0 up || return 1
		try ip -n "$ns" link set lo up || return 1
		journal netnsdir "$ns"
		try with_lock make_netns_dir_locked "$ns" "$DIR/hosts" || return 1
	done
	return 0
}

setup_loopback() {
	local i h a
	command -v unshare >/dev/null || {
		REASON="no 'unshare' command"
		return 1
	}
	[ "$K" -le 254 ] || {
		REASON="VM number $K too large for 127.77.K.0/24"
		return 1
	}
	try unshare -m --uts sh -c "mount --bind '$DIR/hosts' /etc/hosts && hostname h1" || return 1
	i=0
	for h in $HOSTS; do
		i=$((i + 1))
		a=127.77.$K.$i
		# 127.0.0.0/8 is local on Linux; add an alias only where it is not
		if ! ip route get "$a" 2>/dev/null | grep -q '^local'; then
			journal alias "$a/32"
			try ip addr add "$a/32" dev lo || return 1
		fi
	done
	return 0
}

setup_single() {
	command -v pvmd >/dev/null || [ -x "$PVM_ROOT/lib/pvmd" ] || {
		REASON="no pvmd"
		return 1
	}
	return 0
}

# --- generated scripts ------------------------------------------------------

write_hosts_file() {
	local i=0 h net
	case $MODE in
	netns) net=10.77.$K ;;
	loopback) net=127.77.$K ;;
	*) return 0 ;;
	esac
	{
		echo "127.0.0.1 localhost"
		for h in $HOSTS; do
			i=$((i + 1))
			echo "$net.$i $h"
		done
	} >"$DIR/hosts"
}

# DIR/host-exec HOST CMD...: runs CMD on HOST with the VM's environment.
write_host_exec() {
	local q_dir q_root
	q_dir=$(printf %q "$DIR")
	q_root=$(printf %q "$PVM_ROOT")
	{
		echo '#!/bin/sh'
		echo "# Generated by $PROG (mode $MODE): run a command on a host of the virtual machine"
		echo "# in $DIR, with the environment its pvmd and tasks use. Usage: host-exec HOST CMD..."
		echo "dir=$q_dir"
		echo 'h=$1; shift'
		echo "case \" $HOSTS \" in *\" \$h \"*) ;; *) echo \"host-exec: no host \$h\" >&2; exit 127 ;; esac"
		echo 'if [ -e "$dir/$h/killed" ]; then echo "host-exec: host $h was killed" >&2; exit 127; fi'
		echo "export PVM_ROOT=$q_root PVM_TMP=\"\$dir/\$h/tmp\" PVM_ALLOW_ROOT=yes PVM_RSH=\"\$dir/rsh\""
		echo 'export MPPVM_DIR="$dir" MPPVM_HOST="$h"'
		case $MODE in
		netns)
			echo "exec ip netns exec \"mppvm$K-\$h\" unshare --uts sh -c 'hostname \"\$0\" && exec \"\$@\"' \"\$h\" \"\$@\""
			;;
		loopback)
			echo "exec unshare -m --uts sh -c 'mount --bind \"\$1\" /etc/hosts && hostname \"\$0\" && shift && exec \"\$@\"' \"\$h\" \"\$dir/hosts\" \"\$@\""
			;;
		single)
			echo 'exec "$@"'
			;;
		esac
	} >"$DIR/host-exec"
	chmod +x "$DIR/host-exec"
}

# DIR/rsh: PVM_RSH. pvmd calls it as `rsh HOST [-l USER] COMMAND...`.
write_rsh() {
	{
		echo '#!/bin/sh'
		echo "# Generated by $PROG: the PVM_RSH of the virtual machine in $DIR."
		echo "# Usage (by pvmd): rsh HOST [-l USER] COMMAND... (COMMAND run by sh -c on HOST)"
		echo "dir=$(printf %q "$DIR")"
		echo 'h=$1; shift'
		echo 'if [ "$1" = -l ]; then shift 2; fi'
		echo 'echo "$(date +%T) $h: $*" >>"$dir/rsh.log"'
		echo 'exec "$dir/host-exec" "$h" sh -c "$*"'
	} >"$DIR/rsh"
	chmod +x "$DIR/rsh"
}

write_hostfile() {
	local h first=1 opt extra
	{
		echo "# Generated by $PROG (mode $MODE)"
		echo "* ep=$BINDIR:$PVM_ROOT/lib"
		set -- $NAMES
		for h in $HOSTS; do
			extra=
			for opt in "${HOSTOPTS[@]}"; do
				[ "${opt%%=*}" = "$h" ] && extra="$extra ${opt#*=}"
			done
			if [ $first = 1 ]; then
				echo "$1 wd=$DIR/$h/work$extra"
				first=0
			else
				echo "&$1 wd=$DIR/$h/work$extra"
			fi
			shift
		done
	} >"$DIR/hostfile"
}

# --- start ------------------------------------------------------------------

# Host names of the running VM as `conf` shows them, one a line.
conf_names() {
	printf 'conf\n' | timeout 10 "$DIR/host-exec" h1 pvm 2>/dev/null |
		awk '/^[0-9]+ hosts?,/ { on = 1; next } on && NF == 5 && $2 ~ /^[0-9a-f]+$/ { print $1 }'
}

wait_for() {
	local what=$1 i
	shift
	for ((i = 0; i < VM_TIMEOUT * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	REASON="$what not seen after $VM_TIMEOUT s"
	return 1
}

daemon_file_present() {
	[ -e "$DIR/h1/tmp/pvmd.$UID_NUM" ]
}

all_hosts_in_conf() {
	[ "$(conf_names | sort | tr '\n' ' ')" = "$(printf '%s\n' $NAMES | sort | tr '\n' ' ')" ]
}

start_mode() {
	local h out rest i
	MODE=$1
	REASON=
	rm -rf "$DIR"/h[0-9]* "$DIR/hosts" "$DIR/hostfile" "$DIR/rsh" "$DIR/host-exec" "$DIR/rsh.log"
	if [ "$MODE" = single ]; then
		HOSTS=h1
		NAMES=$(hostname)
	else
		HOSTS=$(seq -f 'h%g' 1 "$NHOSTS" | tr '\n' ' ')
		HOSTS=${HOSTS% }
		NAMES=$HOSTS
	fi
	STATE=starting
	save_state
	for h in $HOSTS; do
		mkdir -p "$DIR/$h/tmp" "$DIR/$h/work"
	done
	write_hosts_file
	"setup_$MODE" || return 1
	# test hook: a window in which to interrupt a start (tests/pvm/vm_test.sh)
	if [ -n "${VM_START_PAUSE:-}" ]; then
		touch "$DIR/paused"
		for ((i = 0; i < VM_START_PAUSE * 10; i++)); do
			sleep 0.1
		done
	fi
	write_host_exec
	write_rsh
	write_hostfile
	# without fd 8: the pvmd must not hold the VM's lock
	setsid "$DIR/host-exec" h1 "$PVM_ROOT/lib/pvmd" "$DIR/hostfile" </dev/null >"$DIR/h1/pvmd.out" 2>&1 8>&- &
	if ! wait_for "pvmd on h1" daemon_file_present; then
		REASON="$REASON: $(tail -n 3 "$DIR/h1/pvmd.out" "$DIR/h1/tmp/pvml.$UID_NUM" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
	rest=$(echo "$NAMES" | cut -s -d' ' -f2-)
	if [ -n "$rest" ]; then
		out=$(printf 'add %s\n' "$rest" | timeout $((VM_TIMEOUT + 5)) "$DIR/host-exec" h1 pvm 2>&1)
		echo "$out" >"$DIR/add.log"
		if ! grep -q "^$(echo "$rest" | wc -w) successful" <<<"$out"; then
			REASON="adding $rest failed: $(grep -v '^pvm>\|successful\|HOST *DTID\|exit handler\|still running\|already running\|^$' <<<"$out" | tr -s ' \n' ' ')"
			return 1
		fi
	fi
	wait_for "all hosts in conf" all_hosts_in_conf || return 1
	STATE=running
	save_state
	return 0
}

# Undo a start (or a VM): halt, kill the rest, undo the journal.
# A halt waits for every pvmd: not worth it after a host crashed (it would
# wait minutes), and bounded to 5 s otherwise (it takes milliseconds); the
# SIGKILLs that follow do the rest anyway.
teardown() {
	if [ -f "$DIR/host-exec" ] && ! ls "$DIR"/h*/crashed >/dev/null 2>&1 && pvmd_pid "$DIR" h1 >/dev/null; then
		# in a subshell: the console dies of the halt, and bash would say so
		(printf 'halt\n' | timeout 5 "$DIR/host-exec" h1 pvm) >"$DIR/halt.log" 2>&1
	fi
	kill_marked "$DIR" ""
	undo_journal
}

# SIGINT/SIGTERM during a start: bash runs this once the current command
# ends, so nothing is being created while it undoes the start.
start_interrupted() {
	trap '' INT TERM
	echo "$PROG: start interrupted, undoing it" >&2
	if [ -n "${K:-}" ]; then
		teardown
		STATE=stopped
		save_state
		with_lock free_slot_locked "$K" "$DIR"
	fi
	exit 130
}

cmd_start() {
	local mode=auto bindir= m modes ok=0 owner=
	K= MODE= HOSTS= NAMES= STATE=starting BINDIR=
	# tells this VM from a later one in the same directory
	ID=$(date +%s%N).$$
	NHOSTS=3
	HOSTOPTS=()
	[ $# -ge 1 ] || usage
	DIR=$1
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--bin) bindir=${2:?}; shift 2 ;;
		--hosts) NHOSTS=${2:?}; shift 2 ;;
		--mode) mode=${2:?}; shift 2 ;;
		--hostopt) HOSTOPTS+=("${2:?}"); shift 2 ;;
		--owner) owner=${2:?}; shift 2 ;;
		*) usage ;;
		esac
	done
	[ -n "$bindir" ] || die "start: --bin BINDIR is required"
	[[ $NHOSTS =~ ^[0-9]+$ ]] && [ "$NHOSTS" -ge 1 ] && [ "$NHOSTS" -le 64 ] || die "start: --hosts wants 1..64"
	case $mode in
	auto) modes="netns loopback single" ;;
	netns | loopback | single) modes=$mode ;;
	*) die "start: unknown mode $mode" ;;
	esac
	BINDIR=$(cd "$bindir" 2>/dev/null && pwd) || die "start: no directory $bindir"
	if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
		die "start: $DIR is not empty"
	fi
	mkdir -p "$DIR" || die "start: cannot create $DIR"
	DIR=$(cd "$DIR" && pwd)
	case "$DIR$BINDIR" in
	*[[:space:]:]*) die "start: the paths may not contain blanks or ':' (hostfile syntax)" ;;
	esac
	# held until the start is over: a stop or kill-host waits for it
	exec 8>>"$DIR/lock"
	flock -n 8 || die "start: another vm.sh works on $DIR"
	trap start_interrupted INT TERM
	K=$(with_lock alloc_slot_locked "$DIR") || die "start: no free VM number in $REGISTRY"
	[ -z "$owner" ] || start_watcher "$owner"
	for m in $modes; do
		if start_mode "$m"; then
			ok=1
			break
		fi
		echo "$PROG: $m mode not usable: $REASON" >&2
		teardown
	done
	if [ $ok = 0 ]; then
		STATE=stopped
		save_state
		with_lock free_slot_locked "$K" "$DIR"
		die "start: no mode worked (logs in $DIR)"
	fi
	trap - INT TERM
	echo "vm: mode=$MODE hosts=$NAMES"
}

# --owner PID: a watcher stops the VM when process PID ends without having
# stopped it (killed by SIGKILL, e.g. by ctest's timeout, so that no trap
# ran). It is started in a subshell that exits at once, so that it is no
# longer a descendant of anything that kills process trees, and without the
# inherited file descriptors, so that nobody waits for it.
start_watcher() {
	local pid=$1 since
	since=$(proc_start_time "$pid") || die "start: --owner $pid: no such process"
	(setsid "$SELF" _watch "$DIR" "$ID" "$pid" "$since" </dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &)
}

# start time of a process (field 22 of /proc/PID/stat), to tell it from a
# later process with the same PID
proc_start_time() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- $stat
	echo "${20}"
}

cmd_watch() {
	local dir=$1 id=$2 pid=$3 since=$4 state
	while sleep 1; do
		state=$(. "$dir/vm.env" 2>/dev/null && [ "$ID" = "$id" ] && echo "$STATE") || exit 0
		[ "$state" = stopped ] && exit 0
		[ "$(proc_start_time "$pid")" = "$since" ] && continue
		echo "$(date +%T) owner $pid ended, stopping the VM" >>"$dir/watch.log"
		exec "$SELF" stop "$dir"
	done
}

# --- other commands -----------------------------------------------------------

cmd_stop() {
	[ $# -eq 1 ] || usage
	# a second Ctrl-C must not leave half a VM behind; stop is short
	trap '' INT TERM
	[ -f "$1/vm.env" ] || return 0
	load_state "$1"
	lock_vm stop
	teardown
	STATE=stopped
	save_state
	with_lock free_slot_locked "$K" "$DIR"
	return 0
}

cmd_run() {
	[ $# -ge 3 ] || usage
	load_state "$1"
	[ "$STATE" = running ] || die "run: the virtual machine in $DIR is $STATE"
	host_known "$2" || die "run: no host $2 (hosts: $HOSTS)"
	DIR_H=$2
	shift 2
	exec "$DIR/host-exec" "$DIR_H" "$@"
}

cmd_console() {
	local h=${2:-h1}
	[ $# -ge 1 ] && [ $# -le 2 ] || usage
	load_state "$1"
	[ "$STATE" = running ] || die "console: the virtual machine in $DIR is $STATE"
	host_known "$h" || die "console: no host $h (hosts: $HOSTS)"
	# the console would start a new pvmd where none runs
	pvmd_pid "$DIR" "$h" >/dev/null || die "console: no pvmd runs on $h"
	exec "$DIR/host-exec" "$h" pvm
}

cmd_hosts() {
	[ $# -eq 1 ] || usage
	load_state "$1"
	printf '%s\n' $NAMES
}

cmd_kill_host() {
	local h=${2:-} crash=0 ns pid i
	[ $# -ge 2 ] && [ $# -le 3 ] || usage
	case ${3:-} in
	"") ;;
	--crash) crash=1 ;;
	*) usage ;;
	esac
	load_state "$1"
	host_known "$h" || die "kill-host: no host $h (hosts: $HOSTS)"
	lock_vm kill-host
	touch "$DIR/$h/killed"
	[ $crash = 0 ] || touch "$DIR/$h/crashed"
	# SIGTERM lets the pvmd tell the others at once that it leaves; a pvmd
	# killed silently is noticed only when the others time out (minutes)
	if [ $crash = 0 ] && pid=$(pvmd_pid "$DIR" "$h"); then
		kill -TERM "$pid" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			[ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || break
			sleep 0.1
		done
	fi
	kill_marked "$DIR" "$h"
	if [ "$MODE" = netns ]; then
		ns=$(host_ns "$h")
		kill_netns_pids "$ns"
		ip netns del "$ns" 2>/dev/null
		with_lock remove_netns_dir_locked "$ns"
	fi
	return 0
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
run) cmd_run "$@" ;;
console) cmd_console "$@" ;;
hosts) cmd_hosts "$@" ;;
kill-host) cmd_kill_host "$@" ;;
_watch) cmd_watch "$@" ;;
*) usage ;;
esac
