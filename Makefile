# Makefile: a thin wrapper around CMake and ctest.
#
#   make          install missing Debian packages (as root), configure, build
#   make deps     only the packages (as non-root: list what is missing)
#   make test     build, then run every test (unit and e2e) with ctest
#   make test-sanitize
#                 configure and build a second tree, build-san, with
#                 MPP_SANITIZE=ON (ASan and UBSan in mppcc, libmpp, the
#                 grammar, the unit tests and the programs mppcc builds), then
#                 run the suite there: every test, with two choices made for
#                 time (a sanitized process runs 3-5 times slower and takes
#                 ~30 ms to start, its compilation 2-4 times longer): the
#                 migration harness repeats less (every program in every mode,
#                 but at most 2000 captures / 256 MiB per stress run and 100
#                 execs; see mpp_sanitize_tests in CMakeLists.txt), and
#                 e2e.csmith runs SAN_CSMITH_SEEDS (5 seeds: a sanitized
#                 csmith program takes up to 30 s to compile).
#   make demo     build, then run a PVM job whose tasks migrate between the
#                 3 hosts of a virtual machine (samples/pvm_demo.sh, as root)
#   make demo-seq build, then checkpoint and restart a sequential sample
#                 (samples/demo.sh)
#   make csmith   build, then the csmith differential test on 250 seeds
#   make fuzz     build, then run each fuzzer (state decoder, pragma parser,
#                 PVM control messages, STATE bodies) for FUZZ_SECONDS (900) each
#   make bench    build, then run the benchmarks in bench/ (bench/run_all.sh)
#   make clean    remove the build directories (BUILD and SAN_BUILD)
#
# Variables: BUILD (build directory, default build), MPP_WERROR (ON/OFF,
# default ON when CI is set, as in .ci/run), MPP_SANITIZE, CMAKE_ARGS;
# SAN_BUILD (default build-san), SAN_CSMITH_SEEDS and SAN_CTEST_ARGS (extra
# ctest options, e.g. -L unit) for test-sanitize.

BUILD ?= build
ifneq ($(CI),)
MPP_WERROR ?= ON
else
MPP_WERROR ?= OFF
endif
MPP_SANITIZE ?= OFF
CMAKE_ARGS ?=
CSMITH_SEEDS ?= 1-250
FUZZ_SECONDS ?= 900
SAN_BUILD ?= build-san
SAN_CSMITH_SEEDS ?= 1-5
SAN_CTEST_ARGS ?=

# Debian 12 packages: build tools and libraries, test tools, and what the
# heterogeneous and PVM tests and the benchmarks will use.
DEB_PACKAGES = gcc pkg-config flex bison libclang-dev libcmocka-dev cmake pvm pvm-dev libpvm3 pvm-examples \
	csmith libcsmith-dev gcc-12-multilib gcc-s390x-linux-gnu libc6-dev-s390x-cross \
	qemu-user-static valgrind gnuplot-nox iproute2 clang-format clang libclang-rt-14-dev

all: build

deps:
	@# the heterogeneous PVM tests fetch s390x and i386 PVM packages with
	@# apt-get download (not installed): apt must know those architectures
	@if [ "$$(id -u)" = 0 ]; then \
		added=""; \
		for a in s390x i386; do \
			dpkg --print-foreign-architectures | grep -qx $$a || { dpkg --add-architecture $$a && added="$$added $$a"; }; \
		done; \
		if [ -n "$$added" ]; then echo "deps: apt architectures added:$$added"; apt-get update || true; fi; \
	fi
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || \
			missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
		echo "deps: all Debian packages present"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "deps: installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	else \
		echo "deps: missing Debian packages (run 'make deps' as root, or apt-get install them):$$missing"; \
	fi

configure: deps
	cmake -S . -B $(BUILD) -DMPP_WERROR=$(MPP_WERROR) -DMPP_SANITIZE=$(MPP_SANITIZE) $(CMAKE_ARGS)

build: configure
	cmake --build $(BUILD) --parallel

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j2

test-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DMPP_WERROR=$(MPP_WERROR) -DMPP_SANITIZE=ON \
		"-DMPP_CSMITH_SEEDS=$(SAN_CSMITH_SEEDS)" $(CMAKE_ARGS)
	cmake --build $(SAN_BUILD) --parallel
	ctest --test-dir $(SAN_BUILD) --output-on-failure -j2 $(SAN_CTEST_ARGS)

demo: build
	MPPCC=$(abspath $(BUILD))/bin/mppcc MPPRUN=$(abspath $(BUILD))/bin/mpprun MPPCTL=$(abspath $(BUILD))/bin/mppctl \
		samples/pvm_demo.sh

demo-seq: build
	MPPCC=$(abspath $(BUILD))/bin/mppcc samples/demo.sh

csmith: build
	MPPCC=$(abspath $(BUILD))/bin/mppcc tests/e2e/csmith_test.sh "$(CSMITH_SEEDS)"

fuzz: build
	MPP_TEST_BUILD_DIR=$(abspath $(BUILD)) tests/fuzz/fuzz.sh run $(FUZZ_SECONDS)

bench: build
	MPP_BENCH_BUILD=$(abspath $(BUILD)) bash bench/run_all.sh

clean:
	rm -rf $(BUILD) $(SAN_BUILD)

.PHONY: all deps configure build test test-sanitize demo demo-seq csmith fuzz bench clean
