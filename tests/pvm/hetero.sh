# tests/pvm/hetero.sh: a heterogeneous virtual machine for the PVM tests.
# Source it after lib.sh:
#
#   vm_hetero_prepare CACHE     get the s390x and i386 PVM libraries (and an
#                               s390x pvmd), or exit 77 saying why not
#   vm_hetero_task ARCH NAME BIN  make BIN (built for ARCH: s390x or i686)
#                               the program NAME that PVM spawns on the
#                               host of that architecture
#   vm_start DIR BINDIR "${VM_HETERO_OPTS[@]}"
#
# The virtual machine then has h1: x86_64 (pvmd and tasks), h2: an s390x
# pvmd (the Debian package's, run by qemu-s390x-static) whose tasks are
# s390x programs, h3: an x86_64 pvmd whose tasks are i686 programs run by
# qemu-i386-static. h1 -> h2 -> h3 is the order of pvm_config, so
# MPP_MIGRATE_EVERY moves a task x86_64 -> s390x -> i686 -> x86_64.
#
# The packages are fetched with `apt-get download` and unpacked with
# `dpkg -x` into CACHE (the build directory; fetched once), nothing is
# installed. The s390x and i386 architectures must be known to apt
# (`dpkg --add-architecture s390x; dpkg --add-architecture i386;
# apt-get update`, as .ci/run does). Programs run through wrapper scripts
# that call qemu explicitly: no binfmt_misc entry is registered, nothing
# outside CACHE and the test's work directory changes.
#
# Programs for the other architectures are linked with that architecture's
# libpvm3.so (dynamically, as on x86_64, so that mppcc's --wrap sees the
# same calls): compile them with "${HETERO_CC[ARCH]}", link with
# ${HETERO_LIBS[ARCH]}.

HETERO_S390X_PKGS="pvm libpvm3 pvm-dev libtirpc3 libtirpc-dev libgssapi-krb5-2 libkrb5-3 libk5crypto3 libcom-err2 libkrb5support0 libkeyutils1 libssl3"
HETERO_I386_PKGS="libpvm3 pvm-dev libtirpc3 libtirpc-dev libgssapi-krb5-2 libkrb5-3 libk5crypto3 libcom-err2 libkrb5support0 libkeyutils1 libssl3"
declare -A HETERO_CC HETERO_LIBS HETERO_ROOT
VM_HETERO_OPTS=()
HETERO_CACHE=

_hetero_skip() {
	echo "SKIP: heterogeneous virtual machine: $*"
	exit 77
}

# _hetero_fetch CACHE ARCH PKGS: CACHE/ARCH holds the unpacked packages
# (CACHE/ARCH.done once complete); 1 with the reason in HETERO_WHY.
_hetero_fetch() {
	local cache=$1 arch=$2 pkgs=$3 p out deb
	[ -f "$cache/$arch.done" ] && return 0
	rm -rf "$cache/$arch" "$cache/$arch.debs"
	mkdir -p "$cache/$arch.debs" || return 1
	local list=()
	for p in $pkgs; do
		list+=("$p:$arch")
	done
	if ! out=$(cd "$cache/$arch.debs" && apt-get -q -o APT::Sandbox::User=root download "${list[@]}" 2>&1); then
		HETERO_WHY="'apt-get download ${list[*]}' failed: $(grep -E '^E:' <<<"$out" | head -n 2 | tr '\n' ' ')(apt needs 'dpkg --add-architecture $arch; apt-get update')"
		return 1
	fi
	for deb in "$cache/$arch.debs"/*.deb; do
		if ! out=$(dpkg -x "$deb" "$cache/$arch" 2>&1); then
			HETERO_WHY="'dpkg -x $deb' failed: $out"
			return 1
		fi
	done
	touch "$cache/$arch.done"
}

vm_hetero_prepare() {
	local cache=$1 t a
	for t in qemu-s390x-static qemu-i386-static s390x-linux-gnu-gcc gcc apt-get dpkg; do
		command -v "$t" >/dev/null || _hetero_skip "no $t (Debian: qemu-user-static, gcc-s390x-linux-gnu, gcc-12-multilib, apt)"
	done
	mkdir -p "$cache" || _hetero_skip "cannot create $cache"
	HETERO_CACHE=$(cd "$cache" && pwd)
	HETERO_WHY=
	# one fetch at a time: tests run in parallel share the cache
	if ! (
		flock 9 &&
			_hetero_fetch "$HETERO_CACHE" s390x "$HETERO_S390X_PKGS" &&
			_hetero_fetch "$HETERO_CACHE" i386 "$HETERO_I386_PKGS" ||
			{
				echo "$HETERO_WHY" >"$HETERO_CACHE/why"
				exit 1
			}
	) 9>"$HETERO_CACHE/lock"; then
		_hetero_skip "cannot get the PVM packages of s390x and i386: $(cat "$HETERO_CACHE/why" 2>/dev/null)"
	fi
	for a in s390x i386; do
		HETERO_ROOT[$a]=$HETERO_CACHE/$a
		[ -f "$HETERO_CACHE/$a/usr/include/pvm3.h" ] ||
			_hetero_skip "no pvm3.h in the unpacked $a packages ($HETERO_CACHE/$a)"
	done
	t=$HETERO_CACHE/s390x
	HETERO_CC[s390x]="s390x-linux-gnu-gcc -ffp-contract=off -isystem $t/usr/include"
	HETERO_LIBS[s390x]="-L$t/usr/lib/s390x-linux-gnu -Wl,-rpath-link,$t/usr/lib/s390x-linux-gnu:$t/lib/s390x-linux-gnu"
	t=$HETERO_CACHE/i386
	HETERO_CC[i686]="gcc -m32 -msse2 -mfpmath=sse -isystem $t/usr/include"
	HETERO_LIBS[i686]="-L$t/usr/lib/i386-linux-gnu -Wl,-rpath-link,$t/usr/lib/i386-linux-gnu:$t/lib/i386-linux-gnu"
	# the s390x pvmd: dynamically linked, its libraries from the cache
	t=$HETERO_CACHE/s390x
	[ -e "$t/usr/lib/pvm3/lib/pvmd" ] || _hetero_skip "no pvmd in the unpacked pvm:s390x ($t/usr/lib/pvm3/lib/pvmd)"
	{
		echo '#!/bin/sh'
		echo '# the s390x pvmd of a heterogeneous test VM (tests/pvm/hetero.sh)'
		echo "QEMU_LD_PREFIX=/usr/s390x-linux-gnu LD_LIBRARY_PATH=$t/usr/lib/s390x-linux-gnu:$t/lib/s390x-linux-gnu exec qemu-s390x-static $t/usr/lib/pvm3/lib/pvmd \"\$@\""
	} >"$HETERO_CACHE/pvmd-s390x" && chmod +x "$HETERO_CACHE/pvmd-s390x" ||
		_hetero_skip "cannot write $HETERO_CACHE/pvmd-s390x"
	[ -d /usr/s390x-linux-gnu/lib ] || _hetero_skip "no s390x C library in /usr/s390x-linux-gnu (Debian: libc6-s390x-cross)"
	# can programs be built and run as the tasks will be?
	local ep=${HETERO_EP:-$PWD} pr
	pr=$ep/probe
	mkdir -p "$pr" || _hetero_skip "cannot create $pr"
	printf '#include <pvm3.h>\nint main(void) { return pvm_getopt(PvmRoute) < -100; }\n' >"$pr/probe.c"
	for a in s390x i686; do
		local cc libs
		read -r -a cc <<<"${HETERO_CC[$a]}"
		read -r -a libs <<<"${HETERO_LIBS[$a]}"
		"${cc[@]}" -o "$pr/probe.$a" "$pr/probe.c" "${libs[@]}" -lpvm3 >"$pr/probe.$a.log" 2>&1 ||
			_hetero_skip "'${cc[*]}' cannot build a PVM program: $(grep -v tmpnam "$pr/probe.$a.log" | head -n 2 | tr '\n' ' ')(Debian: $([ $a = i686 ] && echo gcc-12-multilib || echo gcc-s390x-linux-gnu libc6-dev-s390x-cross))"
	done
	HETERO_EP=$pr/probe-ep
	mkdir -p "$HETERO_EP/ep-s390x/real" "$HETERO_EP/ep-i686/real"
	for a in s390x i686; do
		vm_hetero_task "$a" probe "$pr/probe.$a" && "$HETERO_EP/ep-$a/probe" >"$pr/probe.$a.log" 2>&1 ||
			_hetero_skip "the $a build of a PVM program does not run under qemu: $(head -n 2 "$pr/probe.$a.log" | tr '\n' ' ')"
	done
	HETERO_EP=$ep
	VM_HETERO_OPTS=(--hostopt "h2=dx=$HETERO_CACHE/pvmd-s390x ep=$HETERO_EP/ep-s390x"
		--hostopt "h3=ep=$HETERO_EP/ep-i686")
	mkdir -p "$HETERO_EP/ep-s390x/real" "$HETERO_EP/ep-i686/real"
}

# vm_hetero_task ARCH NAME BIN: BIN becomes EP/real/NAME, started by the
# wrapper EP/NAME, the file PVM spawns by name (from the host's ep=). The
# emulator reports the real file as /proc/self/exe, so that a migrating
# task finds its name, NAME, as on x86_64.
vm_hetero_task() {
	local arch=$1 name=$2 bin=$3 ep emu libs env=
	case $arch in
	s390x)
		emu=qemu-s390x-static
		env="QEMU_LD_PREFIX=/usr/s390x-linux-gnu "
		libs=${HETERO_ROOT[s390x]}/usr/lib/s390x-linux-gnu:${HETERO_ROOT[s390x]}/lib/s390x-linux-gnu
		;;
	i686)
		emu=qemu-i386-static
		libs=${HETERO_ROOT[i386]}/usr/lib/i386-linux-gnu:${HETERO_ROOT[i386]}/lib/i386-linux-gnu
		;;
	*) return 1 ;;
	esac
	ep=$HETERO_EP/ep-$arch
	cp "$bin" "$ep/real/$name" || return 1
	{
		echo '#!/bin/sh'
		echo "# $name built for $arch (tests/pvm/hetero.sh)"
		echo "${env}LD_LIBRARY_PATH=$libs exec $emu $ep/real/$name \"\$@\""
	} >"$ep/$name" && chmod +x "$ep/$name"
}
