#!/usr/bin/env bash
# vm_test.sh: end-to-end tests of the PVM virtual machine helper (vm.sh and
# lib.sh) with plain PVM programs, no mpp.
#
# Usage: tests/pvm/vm_test.sh CASE WORKDIR
#   probe       a VM (mode auto); hosts_probe from h1 and from h3 must see every
#               host; vm.sh run, console and kill-host; nothing left after stop
#   examples    master1/slave1 and gexample of the Debian pvm-examples package
#               across the hosts, with their results and where their tasks ran
#   concurrent  two VMs started at the same moment do not collide
#   modes       loopback (4 hosts, a host option), single, and auto falling back
#               when namespaces or unshare fail; usage errors
#   interrupt   a test script using lib.sh interrupted (SIGTERM, Ctrl-C, during
#               the start too) or failing leaves nothing behind; after a
#               SIGKILL, the watcher stops its VM; without a watcher, vm.sh
#               stop (or the next start, once the directory is gone) cleans up
# WORKDIR is emptied first (VMs left in it by a killed run are stopped).
# Exit status 0 passed, 1 failed, 77 skipped (with the reason on stdout).
# Environment: CC (default cc) builds the PVM programs.
set -u

here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || {
	echo "usage: $0 probe|examples|concurrent|modes|interrupt WORKDIR" >&2
	exit 2
}
tcase=$1
work=$2
. "$here/lib.sh"
if [ "$(id -u)" = 0 ]; then
	registry=${VM_REGISTRY:-/run/mpp-pvm-vm}
else
	registry=${VM_REGISTRY:-${TMPDIR:-/tmp}/mpp-pvm-vm-$(id -u)}
fi

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

ok() {
	echo "ok: $*"
}

now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'
}

fresh_workdir() {
	local env
	if [ -d "$work" ]; then
		for env in $(find "$work" -name vm.env); do
			"$VM_SH" stop "$(dirname "$env")"
		done
		rm -rf "$work"
	fi
	mkdir -p "$work/bin" || fail "cannot create $work"
	work=$(cd "$work" && pwd)
}

need_pvm() {
	command -v pvmd >/dev/null || skip "pvmd not installed (Debian package pvm)"
	command -v pvm >/dev/null || skip "pvm console not installed (Debian package pvm)"
	[ -f /usr/include/pvm3.h ] || skip "pvm3.h not installed (Debian package pvm-dev)"
}

build() {
	local out=$1
	shift
	${CC:-cc} -DHASSTDLIB -O2 -o "$out" "$@" -lgpvm3 -lpvm3 >"$out.log" 2>&1 ||
		fail "cannot build $out: $(cat "$out.log")"
}

build_probe() {
	build "$work/bin/hosts_probe" -Wall "$here/hosts_probe.c"
}

# expect FILE TEXT: FILE holds exactly the lines of TEXT
expect() {
	if [ "$(cat "$1")" != "$2" ]; then
		echo "--- expected" >&2
		echo "$2" >&2
		echo "--- got ($1)" >&2
		cat "$1" >&2
		fail "unexpected output in $1"
	fi
}

vm_field() {
	(. "$1/vm.env" && eval echo "\$$2")
}

# The host names a VM must show: h1..hN with namespaces, this machine alone
# in single mode.
expected_hosts() {
	if [ "$(vm_field "$1" MODE)" = single ]; then
		hostname
	else
		printf '%s\n' $(vm_field "$1" HOSTS)
	fi
}

conf_names() {
	printf 'conf\n' | "$VM_SH" console "$1" "${2:-h1}" 2>/dev/null |
		awk '/^[0-9]+ hosts?,/ { on = 1; next } on && NF == 5 && $2 ~ /^[0-9a-f]+$/ { print $1 }'
}

# check_clean DIR: nothing of the stopped VM in DIR is left on the machine
check_clean() {
	local dir=$1 k left p
	k=$(vm_field "$dir" K)
	[ "$(vm_field "$dir" STATE)" = stopped ] || fail "$dir: state $(vm_field "$dir" STATE) after stop"
	left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^mppvm$k-")
	[ -z "$left" ] || fail "$dir: namespaces left: $left"
	left=$(ls -d /etc/netns/mppvm"$k"-* 2>/dev/null)
	[ -z "$left" ] || fail "$dir: left in /etc/netns: $left"
	left=$(grep -lzF "$dir/" /proc/[0-9]*/environ 2>/dev/null)
	[ -z "$left" ] || {
		for p in $left; do
			p=${p%/environ}
			echo "left: ${p#/proc/} $(tr '\0' ' ' <"$p/cmdline")" >&2
		done
		fail "$dir: processes left"
	}
	left=$(ip -o addr show dev lo 2>/dev/null | grep " 127\.77\.$k\.")
	[ -z "$left" ] || fail "$dir: loopback aliases left: $left"
	if [ "$(cat "$registry/$k" 2>/dev/null)" = "$dir" ]; then
		# what the next look at this needs: who stopped it, and who runs
		{
			echo "vm.env:"
			cat "$dir/vm.env"
			echo "watch.log:"
			cat "$dir/watch.log" 2>/dev/null
			echo "vm.sh processes:"
			pgrep -af 'vm\.sh' | grep -F "$dir"
		} >&2
		fail "$dir: VM number $k still held"
	fi
	ok "nothing of $(basename "$dir") (VM number $k) is left"
}

# host_pids DIR HOST: live processes of HOST in the VM in DIR
host_pids() {
	local f
	for f in $(grep -lzxF "MPPVM_DIR=$1" /proc/[0-9]*/environ 2>/dev/null); do
		grep -qzxF "MPPVM_HOST=$2" "$f" 2>/dev/null && echo "${f//[^0-9]/}"
	done
}

# probe_check DIR HOST: hosts_probe run from HOST sees every host of DIR
probe_check() {
	local dir=$1 h=$2 out
	out=$dir.probe-$h.out
	vm_run "$dir" "$h" "$work/bin/hosts_probe" 30 >"$out" 2>"$out.err" ||
		fail "hosts_probe on $h of $dir failed (status $?): $(cat "$out.err")"
	expect "$out" "$(expected_hosts "$dir")"
	ok "hosts_probe from $h sees $(tr '\n' ' ' <"$out")"
}

single_note() {
	[ "$(vm_field "$1" MODE)" = single ] &&
		echo "NOTE: $(basename "$1") ran in SINGLE-HOST mode (one pvmd on this machine, no namespaces)"
	return 0
}

# --- cases ------------------------------------------------------------------

case_probe() {
	local vm=$work/vm t rc names
	need_pvm
	build_probe
	t=$(now)
	vm_start "$vm" "$work/bin" || fail "vm start failed"
	echo "time: start $(elapsed "$t") s"
	single_note "$vm"
	if [ "$VM_MODE" != single ]; then
		[ "$VM_HOSTS" = "h1 h2 h3" ] || fail "hosts: $VM_HOSTS"
	fi
	probe_check "$vm" h1
	if [ "$VM_MODE" != single ]; then
		probe_check "$vm" h3
		vm_run "$vm" h2 hostname >"$work/hostname.out"
		expect "$work/hostname.out" h2
		vm_run "$vm" h2 sh -c 'echo "$PVM_TMP"; exit 7' >"$work/status.out"
		rc=$?
		[ $rc = 7 ] || fail "vm.sh run passed status $rc, not 7"
		expect "$work/status.out" "$vm/h2/tmp"
		ok "vm.sh run: host name, PVM_TMP and exit status of h2"
		names=$(conf_names "$vm" h2 | tr '\n' ' ')
		[ "$names" = "h1 h2 h3 " ] || fail "conf on h2 shows: $names"
		ok "console on h2: conf shows $names"

		t=$(now)
		"$VM_SH" kill-host "$vm" h3 || fail "kill-host failed"
		echo "time: kill-host $(elapsed "$t") s"
		for ((rc = 0; rc < 100; rc++)); do
			names=$(conf_names "$vm" | tr '\n' ' ')
			[ "$names" = "h1 h2 " ] && break
			sleep 0.1
		done
		[ "$names" = "h1 h2 " ] || fail "after kill-host h3, conf shows: $names"
		ok "kill-host h3: h1 noticed within $(elapsed "$t") s"
		[ -z "$(ip netns list | awk '{print $1}' | grep -x "mppvm$(vm_field "$vm" K)-h3")" ] ||
			fail "namespace of h3 still there"
		vm_run "$vm" h3 true 2>"$work/killed.err"
		rc=$?
		[ $rc = 127 ] && grep -q "host h3 was killed" "$work/killed.err" || fail "run on a killed host: status $rc"
		vm_run "$vm" h1 "$work/bin/hosts_probe" 30 >"$work/probe-after-kill.out" || fail "probe after kill-host"
		expect "$work/probe-after-kill.out" "$(printf 'h1\nh2')"
		ok "hosts_probe after kill-host h3 sees h1 h2"

		# --crash: h2's pvmd vanishes without a word (h1 would notice in about
		# 3 minutes, and pvm_config blocks until then: not waited for here)
		[ -n "$(host_pids "$vm" h2)" ] || fail "no process on h2 before kill-host"
		"$VM_SH" kill-host "$vm" h2 --crash || fail "kill-host --crash failed"
		[ -z "$(host_pids "$vm" h2)" ] || fail "processes of h2 left: $(host_pids "$vm" h2)"
		vm_run "$vm" h2 true 2>/dev/null
		[ $? = 127 ] || fail "run on a crashed host did not fail"
		ok "kill-host h2 --crash: nothing of h2 is left"
	fi
	t=$(now)
	vm_stop "$vm"
	echo "time: stop $(elapsed "$t") s"
	check_clean "$vm"
	"$VM_SH" stop "$vm" || fail "a second stop failed"
	check_clean "$vm"
	ok "a second stop is harmless"
}

# Example programs run through wrappers that log which host and directory
# each task ran in, then exec the real binary.
build_example() {
	local name=$1
	build "$work/real/$name" -w "$work/examples/$name.c"
	cat >"$work/bin/$name" <<EOF
#!/bin/sh
echo "$name \$(hostname) \$PWD" >>"$work/tasks.log"
exec "$work/real/$name" "\$@"
EOF
	chmod +x "$work/bin/$name"
}

# tasks_on NAME: the hosts (sorted, unique) where tasks NAME ran, in their
# host's work directory
tasks_on() {
	awk -v n="$1" -v w="$vm/" '$1 == n && index($3, w) == 1 { print $2 }' "$work/tasks.log" | sort -u
}

case_examples() {
	local tar=/usr/share/doc/pvm-examples/examples.tar.gz vm=$work/vm nhost nproc i want got
	need_pvm
	[ -f "$tar" ] || skip "$tar not installed (Debian package pvm-examples)"
	mkdir -p "$work/real"
	tar -xzf "$tar" -C "$work" examples/master1.c examples/slave1.c examples/gexample.c ||
		fail "cannot unpack $tar"
	for i in master1 slave1 gexample; do
		build_example $i
	done
	vm_start "$vm" "$work/bin" || fail "vm start failed"
	single_note "$vm"
	nhost=$(expected_hosts "$vm" | wc -l)
	nproc=$((3 * nhost))

	vm_run "$vm" h1 "$work/bin/master1" >"$work/master1.out" 2>&1 || fail "master1 failed: $(cat "$work/master1.out")"
	[ "$(head -n 1 "$work/master1.out")" = "Spawning $nproc worker tasks ... SUCCESSFUL" ] ||
		fail "master1: $(head -n 1 "$work/master1.out")"
	# slave i returns the sum of its data and its neighbour's: check each value
	for ((i = 0; i < nproc; i++)); do
		if [ $i = 0 ]; then
			want=$(((nproc - 1) * 100))
		else
			want=$(((2 * i - 1) * 100))
		fi
		got=$(grep -c "^I got $want\.000000 from $i; (expecting $want\.000000)$" "$work/master1.out")
		[ "$got" = 1 ] || fail "master1: no single right result of slave $i: $(cat "$work/master1.out")"
	done
	[ "$(wc -l <"$work/master1.out")" = $((nproc + 1)) ] || fail "master1: extra output"
	[ "$(grep -c '^slave1 ' "$work/tasks.log")" = $nproc ] || fail "master1: not $nproc slave1 tasks"
	[ "$(tasks_on slave1)" = "$(expected_hosts "$vm" | sort)" ] ||
		fail "slave1 tasks ran on $(tasks_on slave1 | tr '\n' ' ') only"
	ok "master1/slave1: $nproc right results, slaves on $(tasks_on slave1 | tr '\n' ' ')"

	# gexample: groups (pvmgs found through ep), a reduction over 6 tasks
	printf '10\n6\n' >"$work/gexample.in"
	vm_run "$vm" h1 "$work/bin/gexample" <"$work/gexample.in" >"$work/gexample.out" 2>&1 ||
		fail "gexample failed: $(cat "$work/gexample.out")"
	for want in '--> Using 6 processors <--' 'The 1-Norm is 55 ' 'The product of column 1 is 3.6288e+06 '; do
		grep -qF -- "$want" "$work/gexample.out" || fail "gexample: no '$want' in $(cat "$work/gexample.out")"
	done
	[ "$(grep -c '^gexample ' "$work/tasks.log")" = 6 ] || fail "gexample: not 6 tasks"
	[ "$(tasks_on gexample)" = "$(expected_hosts "$vm" | sort)" ] ||
		fail "gexample tasks ran on $(tasks_on gexample | tr '\n' ' ') only"
	ok "gexample: 1-norm 55, product 10!, tasks on $(tasks_on gexample | tr '\n' ' ')"
	vm_stop "$vm"
	check_clean "$vm"
}

case_concurrent() {
	local a=$work/vmA b=$work/vmB pa pb rc ka kb d t
	need_pvm
	build_probe
	t=$(now)
	vm_start_bg "$a" "$work/bin" >"$work/A.start" 2>&1
	vm_start_bg "$b" "$work/bin" >"$work/B.start" 2>&1
	vm_wait_bg
	rc=$?
	cat "$work/A.start" "$work/B.start"
	[ $rc = 0 ] || fail "concurrent starts failed"
	echo "time: both started in $(elapsed "$t") s"
	single_note "$a"
	ka=$(vm_field "$a" K)
	kb=$(vm_field "$b" K)
	[ "$ka" != "$kb" ] || fail "both VMs have number $ka"
	if [ "$(vm_field "$a" MODE)" = netns ]; then
		[ "$(ip netns list | awk '{print $1}' | grep -c "^mppvm$ka-")" = 4 ] || fail "VM A has not 4 namespaces"
		[ "$(ip netns list | awk '{print $1}' | grep -c "^mppvm$kb-")" = 4 ] || fail "VM B has not 4 namespaces"
	fi
	# both probes at once
	vm_run "$a" h1 "$work/bin/hosts_probe" 30 >"$a.probe.out" 2>&1 &
	pa=$!
	vm_run "$b" h1 "$work/bin/hosts_probe" 30 >"$b.probe.out" 2>&1 &
	pb=$!
	wait $pa || fail "probe on A failed: $(cat "$a.probe.out")"
	wait $pb || fail "probe on B failed: $(cat "$b.probe.out")"
	expect "$a.probe.out" "$(expected_hosts "$a")"
	expect "$b.probe.out" "$(expected_hosts "$b")"
	ok "probes at the same time: A (number $ka) and B (number $kb) each see their own hosts"
	for d in "$a" "$b"; do
		[ "$(conf_names "$d" | sort)" = "$(expected_hosts "$d" | sort)" ] || fail "conf of $d: $(conf_names "$d")"
	done
	ok "each console shows only its own hosts"
	vm_stop "$a"
	check_clean "$a"
	probe_check "$b" h1
	ok "B unaffected by the stop of A"
	vm_stop "$b"
	check_clean "$b"
}

# A directory of stand-ins for ip and unshare that refuse, first on PATH.
make_refusing() {
	local dir=$work/fake real
	mkdir -p "$dir"
	real=$(command -v ip)
	cat >"$dir/ip" <<EOF
#!/bin/sh
if [ "\$1" = netns ] && [ "\$2" = add ]; then
	echo "fake ip: namespaces refused for this test" >&2
	exit 1
fi
exec "$real" "\$@"
EOF
	if [ "$1" = both ]; then
		printf '#!/bin/sh\necho "fake unshare: refused for this test" >&2\nexit 1\n' >"$dir/unshare"
	else
		rm -f "$dir/unshare"
	fi
	chmod +x "$dir"/*
	echo "$dir"
}

case_modes() {
	local vm out fake rc
	need_pvm
	build_probe
	if [ "$(id -u)" != 0 ]; then
		echo "SKIPPED PART: loopback and fallback checks need root; single mode only"
	else
		vm=$work/loop4
		vm_start "$vm" "$work/bin" --mode loopback --hosts 4 --hostopt h2=sp=2000 || fail "loopback start"
		[ "$VM_MODE" = loopback ] && [ "$VM_HOSTS" = "h1 h2 h3 h4" ] || fail "loopback: $VM_MODE $VM_HOSTS"
		probe_check "$vm" h1
		printf 'conf\n' | "$VM_SH" console "$vm" >"$work/loop4.conf"
		grep -Eq '^ +h2 +[0-9a-f]+ +[A-Z0-9_]+ +2000 ' "$work/loop4.conf" || fail "h2 speed: $(cat "$work/loop4.conf")"
		grep -Eq '^ +h3 +[0-9a-f]+ +[A-Z0-9_]+ +1000 ' "$work/loop4.conf" || fail "h3 speed: $(cat "$work/loop4.conf")"
		ok "--hostopt h2=sp=2000 reaches the hostfile"
		vm_stop "$vm"
		check_clean "$vm"

		# auto, with namespaces refused: loopback, and it says why
		fake=$(make_refusing ip)
		vm=$work/auto-nonetns
		PATH=$fake:$PATH vm_start "$vm" "$work/bin" 2>"$work/auto-nonetns.err" || fail "auto start without netns"
		cat "$work/auto-nonetns.err"
		[ "$VM_MODE" = loopback ] || fail "auto without netns chose $VM_MODE"
		grep -q "netns mode not usable: .*namespaces refused for this test" "$work/auto-nonetns.err" ||
			fail "auto gave no reason for leaving netns"
		probe_check "$vm" h1
		vm_stop "$vm"
		check_clean "$vm"

		# auto, with namespaces and unshare refused: single, and it says why
		fake=$(make_refusing both)
		vm=$work/auto-single
		PATH=$fake:$PATH vm_start "$vm" "$work/bin" 2>"$work/auto-single.err" || fail "auto start without unshare"
		cat "$work/auto-single.err"
		[ "$VM_MODE" = single ] || fail "auto without netns and unshare chose $VM_MODE"
		grep -q "loopback mode not usable: .*unshare: refused for this test" "$work/auto-single.err" ||
			fail "auto gave no reason for leaving loopback"
		single_note "$vm"
		probe_check "$vm" h1
		vm_stop "$vm"
		check_clean "$vm"
	fi

	vm=$work/single
	vm_start "$vm" "$work/bin" --mode single || fail "single start"
	[ "$VM_MODE" = single ] && [ "$VM_HOSTS" = "$(hostname)" ] || fail "single: $VM_MODE $VM_HOSTS"
	single_note "$vm"
	probe_check "$vm" h1

	# usage errors, each with a message and a non-zero status
	out=$("$VM_SH" start "$vm" --bin "$work/bin" 2>&1)
	rc=$?
	[ $rc = 1 ] && grep -q "is not empty" <<<"$out" || fail "start in a used directory: $rc $out"
	out=$("$VM_SH" start "$work/x" --bin "$work/bin" --mode bogus 2>&1)
	rc=$?
	[ $rc = 1 ] && grep -q "unknown mode bogus" <<<"$out" || fail "unknown mode: $rc $out"
	out=$("$VM_SH" start "$work/x" 2>&1)
	rc=$?
	[ $rc = 1 ] && grep -q "bin BINDIR is required" <<<"$out" || fail "no --bin: $rc $out"
	out=$("$VM_SH" run "$vm" h9 true 2>&1)
	rc=$?
	[ $rc = 1 ] && grep -q "no host h9" <<<"$out" || fail "run on h9: $rc $out"
	vm_stop "$vm"
	check_clean "$vm"
	out=$("$VM_SH" run "$vm" h1 true 2>&1)
	rc=$?
	[ $rc = 1 ] && grep -q "is stopped" <<<"$out" || fail "run on a stopped VM: $rc $out"
	out=$(echo conf | "$VM_SH" console "$vm" 2>&1)
	rc=$?
	[ $rc = 1 ] && grep -q "is stopped" <<<"$out" || fail "console of a stopped VM: $rc $out"
	ok "usage errors refused with a message"
}

# The child of case_interrupt: a test script as tests write them.
case__child() {
	local phase=$3
	vm_at_exit "echo child cleanup ran >>'$work/child.log'"
	[ "$phase" = start ] && export VM_START_PAUSE=60
	vm_start "$work/vm" "$work/bin" || exit 1
	touch "$work/ready"
	case $phase in
	run) vm_run "$work/vm" h1 sleep 600 ;;
	fail) fail "failing on purpose" ;;
	esac
	exit 0
}

# interrupt_one PHASE SIGNAL STATUS: the child stopped by SIGNAL (INT to its
# process group, as Ctrl-C would, or TERM to it alone) must exit with STATUS,
# its VM undone.
interrupt_one() {
	local phase=$1 sig=$2 want=$3 pid rc i t
	rm -rf "$work/vm" "$work/ready" "$work/child.log"
	# setsid: a process group to signal; perl: a background job's ignored
	# SIGINT back to default
	setsid perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' "$0" _child "$work" "$phase" \
		>"$work/child.out" 2>&1 &
	pid=$!
	vm_track_pid $pid
	for ((i = 0; i < 600; i++)); do
		if [ "$phase" = start ]; then
			[ -e "$work/vm/paused" ] && break
		else
			[ -e "$work/ready" ] && break
		fi
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	[ $phase = fail ] || kill -0 $pid 2>/dev/null || fail "child ended early: $(cat "$work/child.out")"
	[ $phase = start ] || [ -e "$work/ready" ] || fail "child not ready: $(cat "$work/child.out")"
	if [ "$phase" = run ]; then
		# the VM really runs, with the task on h1
		[ -n "$(grep -lzxF "MPPVM_DIR=$work/vm" /proc/[0-9]*/environ 2>/dev/null)" ] || fail "no VM process"
	fi
	t=$(now)
	case $sig in
	INT) kill -INT -- -$pid ;;
	TERM) kill -TERM $pid ;;
	none) ;;
	esac
	for ((i = 0; i < 300; i++)); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	kill -0 $pid 2>/dev/null && fail "child still running 30 s after SIG$sig"
	wait $pid
	rc=$?
	vm_untrack_pid $pid
	[ $rc = "$want" ] || fail "child of phase $phase, SIG$sig: status $rc, not $want: $(cat "$work/child.out")"
	grep -q "child cleanup ran" "$work/child.log" || fail "the child's own cleanup did not run"
	if [ "$sig" != none ]; then
		grep -q "^vm: interrupted by SIG$sig, stopping the virtual machines" "$work/child.out" ||
			fail "lib.sh did not see SIG$sig: $(cat "$work/child.out")"
	fi
	if [ "$phase" = start ]; then
		grep -q "start interrupted, undoing it" "$work/child.out" ||
			fail "vm.sh start was not interrupted: $(cat "$work/child.out")"
	fi
	check_clean "$work/vm"
	ok "phase $phase, ${sig/none/no signal}: status $rc, VM undone in $(elapsed "$t") s"
}

case_interrupt() {
	local rc pid
	need_pvm
	command -v perl >/dev/null || skip "perl not found (it resets SIGINT for the child)"
	# if this script is interrupted, its children's VMs go too
	vm_track "$work/vm"
	vm_track "$work/vm2"
	interrupt_one run TERM 143
	interrupt_one run INT 130
	interrupt_one start TERM 143
	interrupt_one start INT 130
	interrupt_one fail none 1

	# SIGKILL: no trap runs; the watcher stops the VM
	rm -rf "$work/vm" "$work/ready"
	"$0" _child "$work" run >"$work/child.out" 2>&1 &
	pid=$!
	vm_track_pid $pid
	for ((rc = 0; rc < 600; rc++)); do
		[ -e "$work/ready" ] && break
		sleep 0.1
	done
	[ -e "$work/ready" ] || fail "child not ready: $(cat "$work/child.out")"
	kill -KILL $pid
	wait $pid 2>/dev/null
	vm_untrack_pid $pid
	t=$(now)
	for ((rc = 0; rc < 200; rc++)); do
		[ "$(vm_field "$work/vm" STATE)" = stopped ] && [ -z "$(grep -lzxF "MPPVM_DIR=$work/vm" /proc/[0-9]*/environ 2>/dev/null)" ] && break
		sleep 0.1
	done
	grep -q "owner $pid ended, stopping the VM" "$work/vm/watch.log" 2>/dev/null ||
		fail "the watcher did not act (owner $pid, state $(vm_field "$work/vm" STATE)): $(cat "$work/vm/watch.log" 2>&1)"
	check_clean "$work/vm"
	ok "after SIGKILL, the watcher stopped the VM within $(elapsed "$t") s"

	# SIGKILL without a watcher: vm.sh stop cleans up
	rm -rf "$work/vm" "$work/ready"
	VM_WATCH=0 "$0" _child "$work" run >"$work/child.out" 2>&1 &
	pid=$!
	vm_track_pid $pid
	for ((rc = 0; rc < 600; rc++)); do
		[ -e "$work/ready" ] && break
		sleep 0.1
	done
	[ -e "$work/ready" ] || fail "child not ready: $(cat "$work/child.out")"
	kill -KILL $pid
	wait $pid 2>/dev/null
	vm_untrack_pid $pid
	sleep 1.5
	[ -n "$(grep -lzxF "MPPVM_DIR=$work/vm" /proc/[0-9]*/environ 2>/dev/null)" ] ||
		fail "after SIGKILL, nothing left to clean: the test proves nothing"
	"$VM_SH" stop "$work/vm"
	check_clean "$work/vm"
	ok "after SIGKILL, vm.sh stop cleans up"

	# SIGKILL, then the directory removed: the next start reclaims the rest
	rm -rf "$work/vm" "$work/ready"
	VM_WATCH=0 "$0" _child "$work" run >"$work/child.out" 2>&1 &
	pid=$!
	vm_track_pid $pid
	for ((rc = 0; rc < 600; rc++)); do
		[ -e "$work/ready" ] && break
		sleep 0.1
	done
	[ -e "$work/ready" ] || fail "child not ready: $(cat "$work/child.out")"
	kill -KILL $pid
	wait $pid 2>/dev/null
	vm_untrack_pid $pid
	cp "$work/vm/vm.env" "$work/killed.env"
	rm -rf "$work/vm"
	[ -n "$(grep -lzxF "MPPVM_DIR=$work/vm" /proc/[0-9]*/environ 2>/dev/null)" ] ||
		fail "after SIGKILL and rm -rf, nothing left to reclaim: the test proves nothing"
	vm_start "$work/vm2" "$work/bin" || fail "start after a removed VM"
	vm_stop "$work/vm2"
	mkdir -p "$work/vm"
	cp "$work/killed.env" "$work/vm/vm.env"
	sed -i 's/^STATE=.*/STATE=stopped/' "$work/vm/vm.env"
	check_clean "$work/vm"
	ok "after SIGKILL and rm -rf, the next start reclaims what was left"
}

case $tcase in
_child)
	case__child "$@"
	;;
probe | examples | concurrent | modes | interrupt)
	fresh_workdir
	"case_$tcase"
	echo "PASS: pvm $tcase"
	;;
*)
	echo "usage: $0 probe|examples|concurrent|modes|interrupt WORKDIR" >&2
	exit 2
	;;
esac
