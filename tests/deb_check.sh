#!/bin/sh
# The Debian package, as CI builds it (.ci/run, docs/packaging.md): build
# the source and binary packages from a clean copy of this tree (its build
# directories left out: CI has built everything in it by then) with
# dpkg-buildpackage
# (nocheck: the suite has run already), lintian with no error allowed (its
# warnings and notes are printed), the contents of each package, then the
# packages unpacked into a scratch root: a program built there through
# pkg-config runs against the packaged library, the packaged tool runs, the
# manual pages are there.
# Usage: deb_check.sh SOURCE_DIR
set -eu
tree=$(cd "$1" && pwd)
ver=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
out=$(mktemp -d)
root=$(mktemp -d)
trap 'rm -rf "$root" "$out"' EXIT
# The sources alone: no build directory, no install prefix, no package
# build's leftovers (lintian would find them in the source package).
src="$out/shmchan-$ver"
mkdir "$src"
tar -C "$tree" --exclude='./build' --exclude='./build-*' --exclude='./ci-prefix' \
	--exclude='./obj-*' --exclude='./.git' -cf - . | tar -x -C "$src"

(cd "$src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc >"$out/dpkg-buildpackage.log" 2>&1) || {
	tail -40 "$out/dpkg-buildpackage.log"
	echo "deb check: dpkg-buildpackage failed (log above)" >&2
	exit 1
}
changes="$out/shmchan_${ver}_${arch}.changes"
echo "deb check: lintian $changes"
rc=0
lintian --fail-on error --display-info "$changes" >"$out/lintian.log" 2>&1 || rc=$?
grep -v '^running with root' "$out/lintian.log" || true
[ "$rc" = 0 ] || { echo "deb check: lintian reports errors (above; exit $rc)" >&2; exit 1; }
for p in libshmchan0.4 libshmchan-dev shmchan-tools; do
	deb="$out/${p}_${ver}_${arch}.deb"
	echo "deb check: $p"
	dpkg -c "$deb" | awk '{ print "  " $6 }'
	dpkg-deb -x "$deb" "$root"
done
libdir=$(dirname "$(find "$root" -name 'libshmchan.so.0.*.*' | head -n 1)")
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
cc -o "$root/hello" "$src/examples/hello_channel.c" $(pkg-config --cflags --libs shmchan)
LD_LIBRARY_PATH=$libdir "$root/hello" 1000 >/dev/null
LD_LIBRARY_PATH=$libdir ldd "$root/hello" | grep -q "$libdir/libshmchan.so.0"
"$root/usr/bin/shmchan" --version | grep -q "^shmchan ${ver%%-*}\$"
test -f "$root/usr/share/man/man1/shmchan.1.gz"
test -f "$root/usr/share/man/man7/shmchan.7.gz"
test -f "$root/usr/share/man/man3/shmchan_channel_write.3.gz"
test -f "$root/usr/share/bash-completion/completions/shmchan"
echo "deb check: ok (libshmchan0.4, libshmchan-dev, shmchan-tools $ver; lintian: no error)"
