#!/usr/bin/env bash
# diskfull_test.sh: a checkpoint written to a full disk (a small tmpfs, so
# root only; skipped, exit 77, where it cannot be mounted). The program is
# tests/e2e/diskfull/bigstate.c (a state of about 64 KiB). The write fails
# with status 70 and a message naming the file and "No space left on
# device"; the file on disk is the old complete one (or none, for a first
# checkpoint), no temporary file is left; a restart from the old file, and
# from a new one written once there is room again, prints what the plain
# program prints. The tmpfs is unmounted at the end, also on failure.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mppcc=${MPPCC:-$here/../../build/bin/mppcc}
[[ $mppcc == */* ]] && mppcc=$(cd "$(dirname "$mppcc")" && pwd)/$(basename "$mppcc")
[ "$(id -u)" = 0 ] || {
	echo "SKIP: mounting a small tmpfs needs root"
	exit 77
}
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-diskfull.XXXXXX")
mnt=$work/mnt
mounted=0
cleanup() {
	[ $mounted = 1 ] && umount "$mnt"
	mounted=0
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
cd "$work" || exit 1
fail=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	fail=1
}
die() {
	echo "FAIL $*"
	exit 1
}

N=8192 STEPS=400
cc -O2 -o plain "$here/diskfull/bigstate.c" || die "cc cannot build bigstate.c"
"$mppcc" -O2 -o mpp "$here/diskfull/bigstate.c" >mppcc.log 2>&1 || die "mppcc: $(head -n 3 mppcc.log)"
unset MPP_STRESS MPP_STRESS_EXEC MPP_CHECKPOINT MPP_CHECKPOINT_AT MPP_RESTART MPP_REPORT
./plain $N $STEPS >ref.out || die "the plain program failed"

mkdir -p "$mnt"
if ! mount -t tmpfs -o size=256k mpp-diskfull "$mnt" 2>mount.err; then
	echo "SKIP: cannot mount a tmpfs: $(cat mount.err)"
	exit 77
fi
mounted=1
state=$mnt/s.state

# fill: leave about KiB kilobytes free on the tmpfs
fill() {
	rm -f "$mnt/filler"
	local avail
	avail=$(df --output=avail -B1024 "$mnt" | tail -n 1)
	[ "$avail" -gt "$1" ] || return 0
	dd if=/dev/zero of="$mnt/filler" bs=1024 count=$((avail - $1)) status=none 2>/dev/null
}

# ckpt_fails WHAT ENV...: the program must stop with status 70 and a message
# about the full disk, leaving no temporary file
ckpt_fails() {
	local what=$1 rc
	shift
	env "$@" MPP_CHECKPOINT="$state" ./mpp $N $STEPS >out 2>err
	rc=$?
	if [ $rc != 70 ]; then
		bad "$what: status $rc, expected 70: $(head -n 2 err)"
	elif ! grep -q "^mpp: cannot write the checkpoint '$state': cannot write '$state.tmp.[0-9]*': No space left on device$" err; then
		bad "$what: the message does not say why: $(head -n 2 err)"
	elif ls "$mnt" | grep -q '\.tmp\.'; then
		bad "$what: a temporary file was left: $(ls "$mnt")"
	elif [ -s out ]; then
		bad "$what: the program went on after the failed checkpoint: $(head -n 2 out)"
	else
		ok "$what: status 70, $(cat err)"
	fi
}

# restart_ok WHAT: a restart from the file prints the plain program's output
restart_ok() {
	local rc
	MPP_RESTART="$state" ./mpp $N $STEPS >out 2>err
	rc=$?
	if [ $rc != 0 ] || ! cmp -s ref.out out; then
		bad "$1: restart: status $rc, output '$(head -n 1 out)' expected '$(cat ref.out)' $(head -n 2 err)"
	else
		ok "$1: the restart prints the plain program's output"
	fi
}

# 1. the first checkpoint, disk full: no file at all afterwards
fill 32
ckpt_fails "first checkpoint, disk full" MPP_CHECKPOINT_AT=100
[ ! -e "$state" ] || bad "first checkpoint, disk full: '$state' exists"

# 2. room again: the checkpoint is written
rm -f "$mnt/filler"
MPP_CHECKPOINT="$state" MPP_CHECKPOINT_AT=100 ./mpp $N $STEPS >out 2>err
rc=$?
[ $rc = 75 ] && [ -s "$state" ] || die "checkpoint with room: status $rc, $(head -n 2 err)"
size=$(stat -c %s "$state")
[ "$size" -gt 65536 ] || bad "the state is $size bytes, expected more than 64 KiB (the test needs it)"
cp "$state" old.state
ok "checkpoint with room: status 75, $size bytes"

# 3. a later checkpoint over it, disk full: the old file stays, whole
fill 32
ckpt_fails "second checkpoint, disk full" MPP_RESTART="$state" MPP_CHECKPOINT_AT=200
cmp -s old.state "$state" || bad "second checkpoint, disk full: the old file changed"
restart_ok "the old file after the failed write"

# 4. room again: the new complete file replaces the old one
rm -f "$mnt/filler"
MPP_RESTART="$state" MPP_CHECKPOINT="$state" MPP_CHECKPOINT_AT=200 ./mpp $N $STEPS >out 2>err
rc=$?
if [ $rc != 75 ]; then
	bad "second checkpoint with room: status $rc, $(head -n 2 err)"
elif cmp -s old.state "$state"; then
	bad "second checkpoint with room: the file did not change"
else
	ok "second checkpoint with room: status 75, a new file"
	restart_ok "the new file"
fi

cleanup
[ $fail = 0 ] || {
	echo "work files in $work"
	exit 1
}
rm -rf "$work"
echo PASS
