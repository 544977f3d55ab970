#!/bin/sh
# The dpkg symbols file of libshmchan from src/libshmchan.map (debian/rules):
# each node SHMCHAN_X.Y lists the symbols it brought, at version X.Y.0.
# Usage: symbols-from-map.sh MAP
set -eu
map=$1
soname=$(sed -n 's/^project(shmchan VERSION \([0-9]*\)\.\([0-9]*\)\..*/libshmchan.so.\1.\2/p' \
	"$(dirname "$map")/../CMakeLists.txt")
pkg=libshmchan$(echo "$soname" | sed 's/^libshmchan\.so\.//')
echo "$soname $pkg #MINVER#"
echo "* Build-Depends-Package: libshmchan-dev"
awk '
	/^SHMCHAN_[0-9.]+ *\{/ { node = $1; sub(/^SHMCHAN_/, "", node); next }
	/^ +shmchan_[a-z0-9_]+;$/ && node != "" {
		sym = $1; sub(/;$/, "", sym)
		printf " %s@SHMCHAN_%s %s.0\n", sym, node, node
	}
' "$map" | sort
# The version node itself is exported as a symbol.
awk '/^SHMCHAN_[0-9.]+ *\{/ { n = $1; printf " %s@%s %s.0\n", n, n, substr(n, 9) }' "$map"
