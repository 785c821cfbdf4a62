#!/usr/bin/env bash
# demo.sh: checkpoint, move and restart a running program (samples/heat.c).
#
# Builds heat.c twice (cc and mppcc), runs the plain one for reference, then
# the translated one: stopped at its middle poll point (MPP_CHECKPOINT_AT),
# restarted from the state file in a fresh process, and again stopped by
# SIGUSR2 as an owner reclaiming the workstation would, and restarted. Each
# time the stitched output must equal the plain run's. Ends with a timing
# summary. Run by `make demo`; MPPCC overrides the translator.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
mppcc=${MPPCC:-${MPP_TEST_BUILD_DIR:-$root/build}/bin/mppcc}
args=(256 1500) # a 256 x 256 plate, 1500 steps: about a quarter of a second
work=$(mktemp -d "${TMPDIR:-/tmp}/mpp-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
while IFS= read -r v; do
	case $v in MPP_LOG) ;; MPP_*) unset "$v" ;; esac
done < <(compgen -e)

now_us() { echo "${EPOCHREALTIME/./}"; }
ms() { printf '%d.%01d ms' $(($1 / 1000)) $(($1 % 1000 / 100)); }
step() { printf '\n== %s\n' "$*"; }
die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

[[ -x $mppcc ]] || die "no translator at $mppcc (build it with make)"

step "Build: cc and mppcc, same source, same options"
echo "\$ cc -O2 -o heat.plain heat.c"
cc -O2 -o "$work/heat.plain" "$here/heat.c"
echo "\$ mppcc -O2 -o heat heat.c"
t0=$(now_us)
"$mppcc" -O2 -o "$work/heat" "$here/heat.c" || die "mppcc could not build heat.c (see above)"
t_build=$(($(now_us) - t0))

step "Plain run: heat ${args[*]}"
t0=$(now_us)
"$work/heat.plain" "${args[@]}" >"$work/plain.out"
t_plain=$(($(now_us) - t0))
tail -n 3 "$work/plain.out"

step "Translated run, no migration"
t0=$(now_us)
"$work/heat" "${args[@]}" >"$work/mpp.out"
t_mpp=$(($(now_us) - t0))
cmp -s "$work/plain.out" "$work/mpp.out" || die "the translated program's output differs from the plain one"
echo "same output as the plain run"
MPP_REPORT="$work/report" "$work/heat" "${args[@]}" >/dev/null
polls=$(sed -n 's/.* polls=\([0-9]*\).*/\1/p' "$work/report" | tail -n 1)
echo "MPP_REPORT: $(tail -n 1 "$work/report")"
half=$((polls / 2))

step "Checkpoint at poll point $half of $polls, then exit"
echo "\$ MPP_CHECKPOINT=heat.state MPP_CHECKPOINT_AT=$half ./heat ${args[*]}"
rc=0
t0=$(now_us)
MPP_CHECKPOINT="$work/heat.state" MPP_CHECKPOINT_AT=$half "$work/heat" "${args[@]}" \
	>"$work/part1.out" || rc=$?
t_ckpt=$(($(now_us) - t0))
((rc == 75)) || die "expected exit status 75 (checkpoint written), got $rc"
sed 's/^/  | /' "$work/part1.out"
size=$(stat -c %s "$work/heat.state")
echo "exit status 75; state file: $size bytes"

step "Restart in a fresh process"
echo "\$ MPP_RESTART=heat.state ./heat ${args[*]}"
t0=$(now_us)
MPP_RESTART="$work/heat.state" "$work/heat" "${args[@]}" >"$work/part2.out"
t_restart=$(($(now_us) - t0))
sed 's/^/  | /' "$work/part2.out"
cat "$work/part1.out" "$work/part2.out" >"$work/both.out"
if cmp -s "$work/plain.out" "$work/both.out"; then
	echo "first part + restarted part = the plain run's output, line for line"
else
	diff -u "$work/plain.out" "$work/both.out" | head -n 20
	die "the restarted output differs from the plain run"
fi

step "Vacate: SIGUSR2 while running (the owner wants the workstation back)"
echo "\$ MPP_CHECKPOINT=heat.state ./heat ${args[*]} &  sleep; kill -USR2 \$!"
rm -f "$work/heat.state"
delay=$((t_plain * 2 / 5 / 1000))
((delay >= 20)) || delay=20
(exec env MPP_CHECKPOINT="$work/heat.state" "$work/heat" "${args[@]}" >"$work/v1.out") &
pid=$!
sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
t0=$(now_us)
kill -USR2 "$pid"
rc=0
wait "$pid" || rc=$?
t_vacate=$(($(now_us) - t0))
((rc == 75)) || die "expected exit status 75 after SIGUSR2, got $rc"
echo "signalled after $delay ms; exit status 75 $(ms "$t_vacate") later; state file: $(stat -c %s "$work/heat.state") bytes"
MPP_RESTART="$work/heat.state" "$work/heat" "${args[@]}" >"$work/v2.out"
cat "$work/v1.out" "$work/v2.out" >"$work/vboth.out"
cmp -s "$work/plain.out" "$work/vboth.out" || die "the output after vacate and restart differs from the plain run"
echo "restarted: output again equals the plain run"

step "Summary"
printf '  %-38s %s\n' "mppcc build" "$(ms "$t_build")" \
	"plain run" "$(ms "$t_plain")" \
	"translated run (no migration)" "$(ms "$t_mpp")" \
	"run to poll $half, checkpoint, exit" "$(ms "$t_ckpt")" \
	"restart and run to the end" "$(ms "$t_restart")" \
	"SIGUSR2 to exit (vacate)" "$(ms "$t_vacate")"
printf '  %-38s %s\n' "state file" "$size bytes" "poll points passed" "$polls"
