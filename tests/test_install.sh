#!/bin/sh
# Install the library into a scratch prefix, then build programs outside the
# tree against the installed copy, through pkg-config and through CMake's
# find_package, and run them: a writer and a reader in two processes.
# Usage: test_install.sh SOURCE_DIR BUILD_DIR (TOOLCHAIN=file for a cross build)
set -eu
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
# The library directory as the build named it: lib, lib64, or a multiarch
# one (Debian's lib/x86_64-linux-gnu).
libdir=$(dirname "$(find "$prefix" -name 'libshmchan.so.0.*' | head -n 1)")
test -f "$prefix/include/shmchan.h"
test -x "$prefix/bin/shmchan"
"$prefix/bin/shmchan" --version | grep -q '^shmchan '
test -f "$libdir/pkgconfig/shmchan.pc"
ls "$libdir"/libshmchan.so.0* >/dev/null
# The manual, the completion, the docs and the licence.
test -f "$prefix/share/man/man1/shmchan.1"
test -f "$prefix/share/man/man7/shmchan.7"
test -f "$prefix/share/man/man3/shmchan_channel_write.3"
test -f "$prefix/share/man/man3/shmchan_config_check.3"
test -f "$prefix/share/doc/shmchan/LICENSE"
test -f "$prefix/share/doc/shmchan/CHANGELOG.md"
test -f "$prefix/share/doc/shmchan/docs/guarantees.md"
comp="$prefix/share/bash-completion/completions/shmchan"
test -f "$comp"
if command -v bash >/dev/null; then
	got=$(bash -c '. "$1"; COMP_WORDS=(shmchan wa); COMP_CWORD=1; _shmchan; echo "${COMPREPLY[*]}"' _ "$comp")
	[ "$got" = watch ] || { echo "completion of 'shmchan wa': got '$got'" >&2; exit 1; }
fi

# Exported symbols: only the public API.
if nm -D --defined-only "$libdir/libshmchan.so" | awk '{print $3}' | grep -v '^shmchan_[a-z]' | grep -v '^SHMCHAN_' | grep .; then
	echo "unexpected exported symbols (above)" >&2
	exit 1
fi
if nm -D --defined-only "$libdir/libshmchan.so" | awk '{print $3}' | grep '^shmchan__'; then
	echo "internal symbols exported (above)" >&2
	exit 1
fi
readelf -d "$libdir/libshmchan.so" | grep -q 'SONAME.*\[libshmchan.so.0.4\]'

# 1. pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$work/hello_pc" "$src/examples/hello_channel.c" \
	$(pkg-config --cflags --libs shmchan)
LD_LIBRARY_PATH="$libdir" "$work/hello_pc" writer "t.install.$$" 20000 &
wpid=$!
LD_LIBRARY_PATH="$libdir" "$work/hello_pc" reader "t.install.$$" 20000
wait $wpid
# The program resolved the installed library, not the build tree's (a
# cross build, run by qemu-user, asks the target's loader to say so).
if [ -n "${TOOLCHAIN:-}" ]; then
	# (QEMU_SET_ENV: for the target's loader, not for qemu's own.)
	QEMU_SET_ENV="LD_LIBRARY_PATH=$libdir,LD_TRACE_LOADED_OBJECTS=1" "$work/hello_pc" |
		grep -q "$libdir/libshmchan.so.0"
else
	LD_LIBRARY_PATH="$libdir" ldd "$work/hello_pc" | grep -q "$libdir/libshmchan.so.0"
fi

# 2. find_package
mkdir "$work/cm"
cat >"$work/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(shmchan 0.4 REQUIRED)
add_executable(hello "$src/examples/hello_channel.c")
target_link_libraries(hello PRIVATE shmchan::shmchan)
CM
cmake -S "$work/cm" -B "$work/cm/build" -DCMAKE_PREFIX_PATH="$prefix" \
	${TOOLCHAIN:+-DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN"} >/dev/null
cmake --build "$work/cm/build" >/dev/null
LD_LIBRARY_PATH="$libdir" "$work/cm/build/hello" 5000

# 3. The C++ header (installed when the build had a C++ compiler, cpp/):
# the example against the installed copy, through pkg-config.
if [ -f "$prefix/include/shmchan.hpp" ]; then
	${CXX:-c++} -std=c++17 -Wall -Wextra -Werror -o "$work/pingpong" "$src/cpp/examples/pingpong.cpp" \
		$(pkg-config --cflags --libs shmchan)
	LD_LIBRARY_PATH="$libdir" "$work/pingpong" 1000 >/dev/null
fi

# 4. The Python module (installed when the build had the interpreter's
# headers, python/): imported from the installed copy, outside the tree.
pkg=$(find "$prefix" -path '*-packages/shmchan/__init__.py' 2>/dev/null | head -n 1)
if [ -n "$pkg" ]; then
	site=$(dirname "$(dirname "$pkg")")
	(cd "$work" && PYTHONPATH="$site" PYTHONDONTWRITEBYTECODE=1 ${PYTHON:-/usr/bin/python3} -c \
		"import shmchan, sys; assert shmchan.__file__.startswith(sys.argv[1]), shmchan.__file__" "$site")
fi
echo "install: ok"
