# tests/pvm/lib.sh: bash functions for tests that need a PVM virtual machine
# of several hosts (vm.sh beside this file does the work). Source it:
#
#   . tests/pvm/lib.sh
#   vm_require_pvm                              exit 77 (skip) without PVM
#   vm_start DIR BINDIR [vm.sh start options]   start a VM, print its `vm:` line,
#                                               set VM_MODE and VM_HOSTS
#   vm_run DIR HOST CMD...                      run CMD on HOST, its status returned
#   vm_stop [DIR]                               stop DIR (default: every VM started)
#   vm_at_exit CMD...                           also run CMD when the script ends
#   vm_start_bg DIR BINDIR [options]            vm_start in the background (to
#                                               start several VMs at once) ...
#   vm_wait_bg                                  ... and wait for them: status 0
#                                               if all started
#   vm_track DIR                                stop DIR at the end too (for VMs
#                                               started with vm.sh directly)
#   vm_track_pid PID / vm_untrack_pid PID       a background process to end
#                                               (SIGTERM, SIGKILL after 10 s)
#                                               before the VMs are stopped
#
# vm_start installs traps on EXIT, INT and TERM that stop every VM the script
# started, also when the test fails or is interrupted; and, unless
# VM_WATCH=0, asks vm.sh for a watcher that stops the VM if the script dies
# by SIGKILL (ctest's timeout), where no trap runs. The traps belong to
# lib.sh: use vm_at_exit for the script's own cleanup (run after the VMs are
# stopped). vm_start and vm_run run their command in the background and wait
# for it, so that a signal to the script is acted on at once (bash delays
# traps until a foreground command ends); call them directly, with
# redirections, not inside $(...) or a pipeline, where this does not hold.

VM_SH=${VM_SH:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/vm.sh}

# A test that needs PVM (pvm, pvm-dev) ends here with status 77 (a skip)
# when it is not installed.
vm_require_pvm() {
	if [ ! -f /usr/include/pvm3.h ] || ! command -v pvmd >/dev/null 2>&1 && [ ! -x /usr/lib/pvm3/lib/pvmd ]; then
		echo "SKIP: PVM (pvm, pvm-dev) is not installed"
		exit 77
	fi
}
VM_STARTED=()
VM_AT_EXIT=()
VM_CHILD=
VM_STARTING=()
VM_BG=()
VM_TRAPS=0
VM_MODE=
VM_HOSTS=

vm_at_exit() {
	VM_AT_EXIT+=("$*")
}

# Runs "$@" in the background with the caller's stdin and waits for it.
_vm_wait_child() {
	"$@" 0<&0 &
	VM_CHILD=$!
	wait "$VM_CHILD"
	local rc=$?
	VM_CHILD=
	return $rc
}

vm_track_traps() {
	if [ $VM_TRAPS = 0 ]; then
		trap _vm_on_exit EXIT
		trap '_vm_on_signal INT' INT
		trap '_vm_on_signal TERM' TERM
		VM_TRAPS=1
	fi
}

vm_track() {
	vm_track_traps
	VM_STARTED+=("$1")
}

# Ends our vm.sh processes still running: SIGTERM (vm.sh start then undoes
# its own work; SIGINT would not do, background jobs ignore it), SIGKILL
# after 10 s.
_vm_end_children() {
	local pids=("$@") i p alive
	[ ${#pids[@]} -gt 0 ] || return 0
	kill -TERM "${pids[@]}" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		alive=0
		for p in "${pids[@]}"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	kill -KILL "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
}

_vm_cleanup() {
	local i
	trap - EXIT INT TERM
	_vm_end_children $VM_CHILD "${VM_STARTING[@]}" "${VM_BG[@]}"
	VM_CHILD=
	VM_STARTING=()
	VM_BG=()
	vm_stop
	for ((i = ${#VM_AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${VM_AT_EXIT[i]}"
	done
}

_vm_on_exit() {
	local rc=$?
	_vm_cleanup
	exit $rc
}

_vm_on_signal() {
	echo "vm: interrupted by SIG$1, stopping the virtual machines" >&2
	_vm_cleanup
	[ "$1" = INT ] && exit 130
	exit 143
}

_vm_owner() {
	[ "${VM_WATCH:-1}" = 0 ] || echo "--owner $$"
}

vm_start() {
	local dir=$1 bin=$2 rc
	shift 2
	# registered before the start: a start cut short is undone as well
	vm_track "$dir"
	_vm_wait_child "$VM_SH" start "$dir" --bin "$bin" $(_vm_owner) "$@"
	rc=$?
	[ $rc = 0 ] || return $rc
	VM_MODE=$(. "$dir/vm.env" && echo "$MODE")
	VM_HOSTS=$("$VM_SH" hosts "$dir" | tr '\n' ' ')
	VM_HOSTS=${VM_HOSTS% }
	return 0
}

vm_track_pid() {
	vm_track_traps
	VM_BG+=("$1")
}

vm_untrack_pid() {
	local p rest=()
	for p in "${VM_BG[@]}"; do
		[ "$p" = "$1" ] || rest+=("$p")
	done
	VM_BG=("${rest[@]}")
}

vm_start_bg() {
	local dir=$1 bin=$2
	shift 2
	vm_track "$dir"
	"$VM_SH" start "$dir" --bin "$bin" $(_vm_owner) "$@" &
	VM_STARTING+=($!)
}

vm_wait_bg() {
	local p rc=0
	for p in "${VM_STARTING[@]}"; do
		wait "$p" || rc=1
	done
	VM_STARTING=()
	return $rc
}

vm_run() {
	_vm_wait_child "$VM_SH" run "$@"
}

vm_stop() {
	local d rest=()
	if [ $# -gt 0 ]; then
		"$VM_SH" stop "$1"
		for d in "${VM_STARTED[@]}"; do
			[ "$d" = "$1" ] || rest+=("$d")
		done
		VM_STARTED=("${rest[@]}")
		return 0
	fi
	for d in "${VM_STARTED[@]}"; do
		"$VM_SH" stop "$d"
	done
	VM_STARTED=()
}
