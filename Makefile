# Thin wrapper around CMake so the everyday commands stay short.
#   make          build (gcc, warnings are errors) into build/
#   make demo     build and run the video pipeline demo (DEMO_ARGS="--fps 60
#                 --zero-copy --frames N" to vary it)
#   make test     the whole suite: gcc, clang, ASan+UBSan and TSan builds, each
#                 running every ctest test, plus the format check
#   make check    only the gcc build's tests (quick, for development)
#   make man      remake the manual pages in docs/man (make man-check, part
#                 of make test, checks them)
#   make abi-check  the exported symbols and the ABI against the dump kept
#                 for the SONAME (needs abigail-tools; part of make test);
#                 make abi-dump records that dump
#   make test-cross  cross-build for aarch64 and armhf and run every ctest
#                 test under qemu-user (needs gcc-aarch64-linux-gnu,
#                 gcc-arm-linux-gnueabihf, qemu-user and qemu-user-binfmt;
#                 .ci/run installs them and registers binfmt_misc)
#   make bench    build and run the benchmarks (pinned to CPUs 0 and 1)
#   make fuzz     build the libFuzzer harnesses (clang) and run each for
#                 FUZZ_SECONDS (default 600: a long campaign; CI runs 60)
#   make spin     model-check the stepping-over and sleep/wake protocols
#                 (tests/spin, needs spin)
#   make install  build what is installed (in build-install) and install it
#                 into PREFIX (default /usr/local); docs/building.md
JOBS ?= 2
# The interpreter the Python module is built for (python/CMakeLists.txt).
PYTHON ?= /usr/bin/python3
PREFIX ?= /usr/local
CMAKE ?= cmake
CTEST ?= ctest
CTEST_FLAGS ?= --output-on-failure -j$(JOBS)

# configure-and-build DIR EXTRA_FLAGS
define build
	$(CMAKE) -S . -B $(1) -DSHMCHAN_WERROR=ON $(2) >/dev/null
	$(CMAKE) --build $(1) -j$(JOBS)
endef


.PHONY: all demo bench check test abi-check abi-dump man man-check test-gcc test-clang test-asan test-tsan test-cross \
	test-aarch64 test-armhf spin fuzz format format-check install clean

# make test's gcc and clang builds require the Python module and its tests
# (python/), the C++ header's tests (cpp/), the GStreamer plugin and its
# tests (gst/) and the DDS bridge and its tests (bridge/), so that CI cannot
# skip them for want of a package; a plain make builds them where the
# interpreter's headers, a C++ compiler, GStreamer's and Cyclone DDS's
# development files are installed.
BINDING_FLAGS ?= -DSHMCHAN_BUILD_PYTHON=ON -DSHMCHAN_BUILD_CPP=ON -DSHMCHAN_BUILD_GST=ON \
	-DSHMCHAN_BUILD_BRIDGE=ON

all:
	$(call build,build,)

demo: all
	sh examples/video/run_demo.sh build $(DEMO_ARGS)

bench: all
	./build/bench/shmchan-bench --csv build/bench.csv $(BENCH_FLAGS)
	./build/bench/shmchan-wake-bench
	./build/bench/shmchan-fanout-bench --csv build/fanout.csv
	./build/bench/shmchan-memory-bench --csv build/memory_bench.csv
	@if [ -d build/python/shmchan ]; then \
		PYTHONPATH=build/python $(PYTHON) bench/python_bench.py --csv build/python_bench.csv; \
	else echo "make bench: no Python module in build/python (python3-dev missing): Python benchmark skipped"; fi

check: all
	cd build && $(CTEST) $(CTEST_FLAGS)

test-gcc:
	$(call build,build,$(BINDING_FLAGS))
	cd build && $(CTEST) $(CTEST_FLAGS)

test-clang:
	$(call build,build-clang,-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ $(BINDING_FLAGS))
	cd build-clang && $(CTEST) $(CTEST_FLAGS)

test-asan:
	$(call build,build-asan,-DCMAKE_C_COMPILER=gcc -DSHMCHAN_SANITIZE=address)
	cd build-asan && $(CTEST) $(CTEST_FLAGS)

test-tsan:
	$(call build,build-tsan,-DCMAKE_C_COMPILER=gcc -DSHMCHAN_SANITIZE=thread)
	cd build-tsan && $(CTEST) $(CTEST_FLAGS)

# cross-test TRIPLET: build with cmake/toolchain-TRIPLET.cmake, run under
# qemu-user with the target's libraries from /usr/TRIPLET.
define cross_test
	$(call build,build-$(1),-DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/toolchain-$(1).cmake)
	cd build-$(1) && QEMU_LD_PREFIX=/usr/$(1) $(CTEST) $(CTEST_FLAGS)
endef

test-aarch64:
	$(call cross_test,aarch64-linux-gnu)

test-armhf:
	$(call cross_test,arm-linux-gnueabihf)

test-cross: test-aarch64 test-armhf
	@echo "make test-cross: every test passed under qemu-aarch64 and qemu-arm"

spin:
	sh tests/spin/run.sh

FUZZ_SECONDS ?= 600
fuzz:
	$(CMAKE) -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DSHMCHAN_BUILD_FUZZ=ON \
		-DSHMCHAN_BUILD_TESTS=OFF -DSHMCHAN_BUILD_BENCH=OFF -DSHMCHAN_BUILD_EXAMPLES=OFF >/dev/null
	$(CMAKE) --build build-fuzz -j$(JOBS)
	sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# The manual pages (docs/man/README.md): made from the headers, the tool's
# --help and docs/man/shmchan.7.in; man-check (part of make test) fails when
# the committed pages are not what the sources make, when an exported symbol
# has no page, or when a page has roff warnings.
man: all
	rm -rf docs/man/man1 docs/man/man3 docs/man/man7
	$(PYTHON) docs/man/genman.py . docs/man build/tools/shmchan

man-check: all
	$(PYTHON) docs/man/genman.py --check . build/tools/shmchan

test: format-check abi-check man-check test-gcc test-clang test-asan test-tsan
	@echo "make test: every build passed (gcc, clang, asan+ubsan, tsan), ABI unchanged"

# The ABI check (tests/abi/check.sh, docs/abi.md): symbols, and abidiff
# against the dump kept for the library's SONAME. abi-dump records that dump.
ABI_LIB = $(shell readlink -f build/libshmchan.so 2>/dev/null)
ABIDW_FLAGS = --no-corpus-path --short-locs --no-comp-dir-path

abi-check: all
	sh tests/abi/check.sh . $(ABI_LIB)

abi-dump: all
	abidw $(ABIDW_FLAGS) \
		--out-file tests/abi/$$(readelf -d build/libshmchan.so | \
		sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p').abi $(ABI_LIB)

# The sources to format: git's list, or (a tarball, no git) the tree's own,
# never an empty list (clang-format would read its standard input).
FORMAT_FILES = $(shell git ls-files '*.c' '*.h' '*.cpp' '*.hpp' 2>/dev/null)
ifeq ($(strip $(FORMAT_FILES)),)
FORMAT_FILES = $(shell find include src tests tools examples bench python cpp gst bridge -name '*.[ch]' -o -name '*.[ch]pp' 2>/dev/null | sort)
endif

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

# install builds only what it installs (no tests, benchmarks or examples)
# and does not turn warnings into errors: a compiler newer than CI's must
# not stop an install (docs/building.md).
INSTALL_FLAGS ?=
install:
	$(CMAKE) -S . -B build-install -DCMAKE_INSTALL_PREFIX=$(PREFIX) -DBUILD_TESTING=OFF \
		-DSHMCHAN_BUILD_TESTS=OFF -DSHMCHAN_BUILD_BENCH=OFF -DSHMCHAN_BUILD_EXAMPLES=OFF \
		$(INSTALL_FLAGS) >/dev/null
	$(CMAKE) --build build-install -j$(JOBS)
	$(CMAKE) --install build-install --prefix $(PREFIX)

clean:
	rm -rf build build-clang build-asan build-tsan build-aarch64-linux-gnu \
		build-arm-linux-gnueabihf build-fuzz build-install
