#!/usr/bin/env bash
# stream_test.sh: files the program opened, across restores
# (tests/e2e/streams/streams.c, built with mppcc from its pragmas):
#   redirect  stdout redirected by freopen to a file, line buffered, half a
#             line written before each poll, a descriptor from open():
#             the files must equal the plain run's after MPP_STRESS=1,
#             MPP_STRESS_EXEC=3 and a checkpoint + restart (descriptor number
#             kept);
#   vanished  a state whose input file was removed before the restart is
#             refused with status 1 and a message naming the file;
#   unlinked  a capture while the program holds a stream on a file it removed
#             stops with status 70 and a message naming the file.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mppcc=${MPPCC:-$here/../../build/bin/mppcc}
[[ $mppcc == */* ]] && mppcc=$(cd "$(dirname "$mppcc")" && pwd)/$(basename "$mppcc")
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-streams.XXXXXX")
cd "$work"
fail=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	fail=1
}

cc -O2 -o plain "$here/streams/streams.c" || exit 1
"$mppcc" -O2 -o mpp "$here/streams/streams.c" >mppcc.log 2>&1 || {
	bad "mppcc: $(head -n 3 mppcc.log)"
	exit 1
}
unset MPP_STRESS MPP_STRESS_EXEC MPP_CHECKPOINT MPP_CHECKPOINT_AT MPP_RESTART MPP_REPORT

./plain redirect "$work/plain.txt"
for mode in MPP_STRESS=1 MPP_STRESS_EXEC=3; do
	rm -f report
	env $mode MPP_REPORT="$work/report" ./mpp redirect "$work/$mode.txt"
	rc=$?
	caps=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^(captures|restores)=/) { sub(/^[a-z]+=/, "", $i); n += $i }} END { print n + 0 }' report)
	if ((rc != 0)) || ! cmp -s plain.txt "$mode.txt" || ! cmp -s plain.txt.side "$mode.txt.side"; then
		bad "redirect $mode: exit $rc, files differ from the plain run's"
	elif ((caps == 0)); then
		bad "redirect $mode: no capture happened"
	else
		ok "redirect $mode: redirected stdout and descriptor equal the plain run's ($caps captures and restores)"
	fi
done
MPP_CHECKPOINT=state MPP_CHECKPOINT_AT=100 ./mpp redirect "$work/ckpt.txt"
rc1=$?
MPP_RESTART=state ./mpp redirect "$work/ckpt.txt"
rc2=$?
if ((rc1 != 75 || rc2 != 0)) || ! cmp -s plain.txt ckpt.txt || ! cmp -s plain.txt.side ckpt.txt.side; then
	bad "redirect checkpoint: exits $rc1 and $rc2, files differ from the plain run's"
else
	ok "redirect checkpoint at poll 100 and restart: same files ($(tail -n 2 ckpt.txt | head -n 1))"
fi

head -c 3000 /dev/urandom >input.bin
MPP_CHECKPOINT=vanish.state MPP_CHECKPOINT_AT=500 ./mpp read "$work/input.bin" >/dev/null
rc1=$?
rm input.bin
cp vanish.state vanish.copy
MPP_RESTART=vanish.state ./mpp read "$work/input.bin" >out 2>err
rc2=$?
want="mpp: cannot restore 'vanish.state': cannot reopen '$work/input.bin' (a stream opened with mode \"r\"): No such file or directory"
if ((rc1 != 75 || rc2 != 1)) || [[ -s out || $(cat err) != "$want" ]] || ! cmp -s vanish.state vanish.copy; then
	bad "vanished: exits $rc1 and $rc2, stderr: $(cat err)"
	echo "  expected: exits 75 and 1, stderr: $want"
else
	ok "vanished input refused: $(cat err)"
fi

MPP_STRESS=1 ./mpp unlink "$work/gone.txt" >out 2>err
rc=$?
want="mpp: cannot save the stream of '$work/gone.txt': the file was removed or replaced since it was opened, so it could not be opened again"
if ((rc != 70)) || [[ -s out || $(cat err) != "$want" ]]; then
	bad "unlinked: exit $rc, stderr: $(cat err)"
	echo "  expected: exit 70, stderr: $want"
else
	ok "unlinked file refused at capture: $(cat err)"
fi

if ((fail)); then
	echo "files kept in $work"
	exit 1
fi
rm -rf "$work"
exit 0
