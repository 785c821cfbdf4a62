#!/usr/bin/env bash
# tests/pvm/hetero_test.sh CASE WORKDIR: PVM on a heterogeneous virtual
# machine (hetero.sh: h1 x86_64, h2 an s390x pvmd with s390x tasks, h3 i686
# tasks). CASE:
#   mixed     plain PVM (no mpp): an x86_64 root and an s390x and an i686
#             worker exchange every pvm_pk*/upk* type (programs/alltypes.c)
#   migrate   the same program built with mppcc for each architecture,
#             under MPP_MIGRATE_EVERY: each task moves x86_64 -> s390x ->
#             i686 -> x86_64 ..., and the output equals the run without
#             migration
# Exit status 77 (skip) without PVM, without the emulators or cross
# compilers, or when the s390x/i386 packages cannot be downloaded.
# MPP_PVM_HETERO_CACHE: where the packages are kept (default
# WORKDIR/../hetero-pkgs).
set -u
here=$(cd "$(dirname "$0")" && pwd)
case=${1:?usage: hetero_test.sh CASE WORKDIR}
work=${2:?usage: hetero_test.sh CASE WORKDIR}

. "$here/lib.sh"
. "$here/hetero.sh"
vm_require_pvm

die() {
	echo "FAIL: $*"
	exit 1
}

rm -rf "$work"
mkdir -p "$work/bin" || die "cannot create $work"
work=$(cd "$work" && pwd)
bin=$work/bin
HETERO_EP=$work
vm_hetero_prepare "${MPP_PVM_HETERO_CACHE:-$work/../hetero-pkgs}"

# build TOOL ARCH NAME SRC [ARGS...]: NAME for ARCH with TOOL (cc: the
# plain compiler of ARCH; mppcc: $MPPCC with MPP_CC set to it), as x86_64
# bin/NAME or as the program that the host of ARCH spawns (vm_hetero_task)
build() {
	local tool=$1 arch=$2 name=$3 src=$4 out cc=() env=() libs=()
	shift 4
	out=$bin/$name
	if [ "$arch" != x86_64 ]; then
		out=$work/$name.$arch
		read -r -a libs <<<"${HETERO_LIBS[$arch]}"
	fi
	if [ "$tool" = mppcc ]; then
		cc=("$MPPCC")
		[ "$arch" = x86_64 ] || env=(MPP_CC="${HETERO_CC[$arch]}")
	elif [ "$arch" = x86_64 ]; then
		cc=(cc)
	else
		read -r -a cc <<<"${HETERO_CC[$arch]}"
	fi
	if ! env "${env[@]}" "${cc[@]}" -O2 -o "$out" "$src" "$@" "${libs[@]}" -lpvm3 >"$work/build.$name.$arch.log" 2>&1; then
		die "cannot build $name for $arch with $tool: $(grep -v tmpnam "$work/build.$name.$arch.log" | head -n 5)"
	fi
	[ "$arch" = x86_64 ] || vm_hetero_task "$arch" "$name" "$out" || die "cannot install $name for $arch"
}

start_vm() {
	vm_start "$work/vm" "$bin" "${VM_HETERO_OPTS[@]}" || die "cannot start the heterogeneous virtual machine"
	echo "running in mode $VM_MODE on hosts: $VM_HOSTS"
	if [ "$VM_MODE" = single ]; then
		echo "SKIP: a heterogeneous virtual machine needs several hosts (netns or loopback mode); only single mode works here"
		exit 77
	fi
	# the console's view: two data formats, h2 is the s390x daemon
	printf 'conf\n' | vm_run "$work/vm" h1 pvm >"$work/conf.out" 2>&1
	grep -q '^3 hosts, 2 data formats' "$work/conf.out" && grep -Eq '^ *h2 +[0-9a-f]+ +LINUXS390 ' "$work/conf.out" ||
		die "conf does not show an s390x host h2 and 2 data formats: $(tr -s ' \n' ' ' <"$work/conf.out")"
	echo "ok: conf: $(grep -E '^ *h[0-9] ' "$work/conf.out" | awk '{ printf "%s %s, ", $1, $3 }')2 data formats"
}

case $case in
mixed)
	for a in x86_64 s390x i686; do
		build cc $a alltypes "$here/programs/alltypes.c"
	done
	start_vm
	rounds=60
	t0=$(date +%s.%N)
	vm_run "$work/vm" h1 timeout 120 "$bin/alltypes" $rounds h2 h3 >"$work/out" 2>"$work/err" ||
		die "alltypes failed: $(tail -n 5 "$work/err")"
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	printf '%s\n' "alltypes: $rounds rounds, 0 answers wrong" "worker 1 on h2: 64-bit longs, big-endian" \
		"worker 2 on h3: 32-bit longs, little-endian" | sort >"$work/expected"
	sort "$work/out" >"$work/out.sorted"
	if ! cmp -s "$work/expected" "$work/out.sorted"; then
		diff "$work/expected" "$work/out.sorted"
		die "alltypes on x86_64 with an s390x and an i686 worker: unexpected output"
	fi
	echo "ok: x86_64 root, s390x worker on h2, i686 worker on h3: $rounds rounds of every PVM type, all right ($secs s)"
	;;
migrate)
	: "${MPPCC:?MPPCC must name mppcc}" "${MPPRUN:?MPPRUN must name mpprun}"
	for a in x86_64 s390x i686; do
		build mppcc $a alltypes "$here/programs/alltypes.c"
	done
	start_vm
	rounds=40
	run() { # run OUT [VAR=VALUE...]: the job under mpprun on h1
		local out=$1
		shift
		rm -f "$out.events"
		vm_run "$work/vm" h1 env "$@" MPP_EVENTS="$out.events" timeout 120 "$MPPRUN" alltypes $rounds \
			>"$out" 2>"$out.err"
	}
	# timings EVENTS: one line per migration, "FROM TO frozen capture
	# transfer restore" (us; FROM, TO: 1 x86_64, 2 s390x, 3 i686); frozen
	# as bench/pvm_migrate.sh counts it: spawn + notify + flush + capture +
	# transfer, from the request to the destination's acknowledgement
	timings() {
		local kind v f t rest
		declare -A restore
		while read -r kind v f rest; do
			[ "$kind" = arrive ] || continue
			[[ $rest =~ restore_us=([0-9]+) ]] && restore[${v#vtid=}@${f#at=}]=${BASH_REMATCH[1]}
		done <"$1"
		while read -r kind v f t rest; do
			[ "$kind" = migrate ] || continue
			local -A k=()
			for kv in $rest; do
				k[${kv%%=*}]=${kv#*=}
			done
			echo "$(((0x${f#from=t} >> 18) & 0xfff)) $(((0x${t#to=t} >> 18) & 0xfff))" \
				$((k[spawn_us] + k[notify_us] + k[flush_us] + k[capture_us] + k[transfer_us])) \
				"${k[capture_us]} ${k[transfer_us]} ${restore[${v#vtid=}@${t#to=}]:-0}"
		done <"$1"
	}
	run "$work/ref.out" || die "the job failed without migration: $(tail -n 5 "$work/ref.out.err")"
	[ "$(cat "$work/ref.out")" = "alltypes: $rounds rounds, 0 answers wrong" ] ||
		die "the job without migration printed: $(head -n 3 "$work/ref.out")"
	echo "ok: without migration: $(cat "$work/ref.out")"
	for n in ${MPP_PVM_EVERY:-3 5 7}; do
		out=$work/every$n.out
		t0=$(date +%s.%N)
		if ! run "$out" MPP_MIGRATE_EVERY="$n"; then
			echo "--- last error lines:"
			tail -n 5 "$out.err"
			die "MPP_MIGRATE_EVERY=$n: the job failed or timed out"
		fi
		secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		cmp -s "$work/ref.out" "$out" || {
			diff "$work/ref.out" "$out" | head -n 10
			die "MPP_MIGRATE_EVERY=$n: the output differs"
		}
		moves=$(grep -c '^migrate ' "$out.events")
		# each task's hosts in turn (the host of a tid is bits 18..29: 1 h1
		# x86_64, 2 h2 s390x, 3 h3 i686), e.g. "t40008: 1 2 3 1"
		paths=$(
			declare -A path
			order=()
			while read -r _ v f t _; do
				v=${v#vtid=} f=${f#from=t} t=${t#to=t}
				if [ -z "${path[$v]:-}" ]; then
					path[$v]=$(((0x$f >> 18) & 0xfff))
					order+=("$v")
				fi
				path[$v]+=" $(((0x$t >> 18) & 0xfff))"
			done < <(grep '^migrate ' "$out.events")
			for v in "${order[@]}"; do
				echo "$v: ${path[$v]}"
			done
		)
		echo "$paths" >"$out.paths"
		grep -q ': .*1 2 3 1' <<<"$paths" || {
			echo "$paths"
			die "MPP_MIGRATE_EVERY=$n: no task went x86_64 -> s390x -> i686 -> x86_64 ($moves migrations)"
		}
		full=$(grep -c ': .*1 2 3 1' <<<"$paths")
		timings "$out.events" >>"$work/timings"
		printf 'ok: MPP_MIGRATE_EVERY=%-3s %3d migrations, %d of %d tasks went x86_64 -> s390x -> i686 -> x86_64, %.1f s, same output\n' \
			"$n" "$moves" "$full" "$(wc -l <<<"$paths")" "$secs"
	done
	# medians per direction
	echo "frozen time per direction (medians over the runs above, ms): frozen = request to acknowledgement"
	for pair in "1 2 x86_64 -> s390x" "2 3 s390x -> i686" "3 1 i686 -> x86_64"; do
		read -r a b name <<<"$pair"
		awk -v a="$a" -v b="$b" '$1 == a && $2 == b' "$work/timings" | sort -n -k3 |
			awk -v name="$name" '{ f[NR] = $3; c[NR] = $4; t[NR] = $5; r[NR] = $6 }
				END { if (NR == 0) { printf "  %-18s no migration\n", name; exit }
					m = int((NR + 1) / 2)
					printf "  %-18s %3d moves  frozen %7.1f  (capture %.1f, transfer %.1f; restore %.1f)\n",
						name, NR, f[m] / 1000, c[m] / 1000, t[m] / 1000, r[m] / 1000 }'
	done
	;;
*) die "unknown case '$case'" ;;
esac
echo "PASS: $case"
