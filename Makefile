# Makefile: a thin wrapper around CMake and ctest.
#
#   make          install missing Debian packages (as root), configure, build
#   make deps     only the packages (as non-root: list what is missing)
#   make test     build, then run every test (unit and e2e) with ctest
#   make demo     build, then run a PVM job whose tasks migrate between the
#                 3 hosts of a virtual machine (samples/pvm_demo.sh, as root)
#   make demo-seq build, then checkpoint and restart a sequential sample
#                 (samples/demo.sh)
#   make csmith   build, then the csmith differential test on 250 seeds
#   make bench    build, then run the benchmarks in bench/ (bench/run_all.sh)
#   make clean    remove the build directory
#
# Variables: BUILD (build directory, default build), MPP_WERROR (ON/OFF,
# default ON when CI is set, as in .ci/run), MPP_SANITIZE, CMAKE_ARGS.

BUILD ?= build
ifneq ($(CI),)
MPP_WERROR ?= ON
else
MPP_WERROR ?= OFF
endif
MPP_SANITIZE ?= OFF
CMAKE_ARGS ?=
CSMITH_SEEDS ?= 1-250

# Debian 12 packages: build tools and libraries, test tools, and what the
# heterogeneous and PVM tests and the benchmarks will use.
DEB_PACKAGES = gcc pkg-config flex bison libclang-dev libcmocka-dev cmake pvm pvm-dev libpvm3 pvm-examples \
	csmith libcsmith-dev gcc-12-multilib gcc-s390x-linux-gnu libc6-dev-s390x-cross \
	qemu-user-static valgrind gnuplot-nox iproute2 clang-format

all: build

deps:
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

demo: build
	MPPCC=$(abspath $(BUILD))/bin/mppcc MPPRUN=$(abspath $(BUILD))/bin/mpprun MPPCTL=$(abspath $(BUILD))/bin/mppctl \
		samples/pvm_demo.sh

demo-seq: build
	MPPCC=$(abspath $(BUILD))/bin/mppcc samples/demo.sh

csmith: build
	MPPCC=$(abspath $(BUILD))/bin/mppcc tests/e2e/csmith_test.sh "$(CSMITH_SEEDS)"

bench: build
	MPP_BENCH_BUILD=$(abspath $(BUILD)) bash bench/run_all.sh

clean:
	rm -rf $(BUILD)

.PHONY: all deps configure build test demo demo-seq csmith bench clean
