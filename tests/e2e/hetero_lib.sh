# hetero_lib.sh: what the heterogeneous tests share: the compilers and
# emulators of each architecture, and finding out which ones work here.
# Sourced by hetero_test.sh and hetero_fit_test.sh.

# cc_of ARCH: the compiler command (MPP_CC); emu_of ARCH: how to run its
# binaries. For i686, SSE arithmetic so that doubles round as on x86_64;
# for s390x, a static binary without the stack protector (qemu 7.2 aborts
# the others) and no fused multiply-add.
cc_of() {
	case $1 in
	x86_64) echo "cc" ;;
	i686) echo "gcc -m32 -msse2 -mfpmath=sse" ;;
	s390x) echo "s390x-linux-gnu-gcc -static -fno-stack-protector -ffp-contract=off" ;;
	esac
}
emu_of() {
	case $1 in
	x86_64) echo "" ;;
	i686) echo "qemu-i386-static" ;;
	s390x) echo "qemu-s390x-static" ;;
	esac
}
# The plain i686 build needs the kernel headers that mppcc finds by itself
# on hosts without gcc-multilib.
plain_extra() {
	if [[ $1 == i686 && ! -e /usr/include/asm && -d /usr/include/x86_64-linux-gnu/asm ]]; then
		echo "-idirafter /usr/include/x86_64-linux-gnu"
	fi
}

# hetero_detect DIR ARCH...: sets archs (those that can be built and run
# here) and longsize[ARCH]; says why the others are skipped. DIR: scratch.
declare -A longsize
archs=()
hetero_detect() {
	local probe=$1 a c x emu
	shift
	mkdir -p "$probe"
	printf '#include <errno.h>\n#include <stdio.h>\nint main(void) { printf("%%d\\n", (int)sizeof(long)); return errno; }\n' >"$probe/p.c"
	for a in "$@"; do
		case $a in
		x86_64)
			if [[ $(uname -m) != x86_64 ]]; then
				echo "skip [$a] this host is $(uname -m), not x86_64"
				continue
			fi
			longsize[$a]=8
			;;
		i686 | s390x)
			read -r -a c <<<"$(cc_of "$a")"
			emu=$(emu_of "$a")
			if ! command -v "${c[0]}" >/dev/null; then
				echo "skip [$a] no compiler ${c[0]} (Debian: $([[ $a == i686 ]] && echo gcc-12-multilib || echo gcc-s390x-linux-gnu libc6-dev-s390x-cross))"
				continue
			fi
			read -r -a x <<<"$(plain_extra "$a")"
			if ! "${c[@]}" "${x[@]}" -o "$probe/$a" "$probe/p.c" >"$probe/$a.log" 2>&1; then
				echo "skip [$a] ${c[*]} cannot build a C program: $(head -n 1 "$probe/$a.log") (Debian: $([[ $a == i686 ]] && echo gcc-12-multilib || echo libc6-dev-s390x-cross))"
				continue
			fi
			if ! command -v "$emu" >/dev/null; then
				echo "skip [$a] no emulator $emu (Debian: qemu-user-static)"
				continue
			fi
			if ! "$emu" "$probe/$a" >"$probe/$a.out" 2>&1; then
				echo "skip [$a] $emu cannot run a program built by ${c[*]}"
				continue
			fi
			longsize[$a]=$(cat "$probe/$a.out")
			;;
		*)
			echo "skip [$a] unknown architecture"
			continue
			;;
		esac
		archs+=("$a")
	done
}
