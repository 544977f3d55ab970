#!/bin/sh
# The ABI check (docs/abi.md), run by `make test` (make abi-check):
#  1. The functions the headers declare SHMCHAN_API, the symbols
#     src/libshmchan.map lists and the symbols the library exports are the
#     same set.
#  2. The built library's ABI (abidiff, Debian's abigail-tools) equals the
#     dump kept for its SONAME, tests/abi/<SONAME>.abi. An incompatible change
#     needs a new SONAME (0.x: a new minor version) and a new dump; a
#     compatible one (an added function) needs the dump refreshed with
#     `make abi-dump`, in the same commit as the change.
#  3. Every older dump kept is of another SONAME than the library's: a
#     release's ABI is never reused under its name.
# Usage: check.sh SOURCE_DIR LIBRARY (the real file, libshmchan.so.X.Y.Z)
set -eu
src=$1
lib=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

command -v abidiff >/dev/null || {
	echo "abi check: abidiff not found (install Debian's abigail-tools)" >&2
	exit 1
}

sed -n 's/^SHMCHAN_API .*[ *]\(shmchan_[a-z_0-9]*\)(.*/\1/p' "$src"/include/shmchan/*.h |
	sort >"$work/declared"
sed -n 's/^    \(shmchan_[a-z_0-9]*\);$/\1/p' "$src/src/libshmchan.map" | sort >"$work/mapped"
nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' |
	sort >"$work/exported"
[ -s "$work/declared" ] || { echo "abi check: no SHMCHAN_API function found" >&2; exit 1; }
for pair in "declared mapped" "mapped exported"; do
	set -- $pair
	if ! diff "$work/$1" "$work/$2" >"$work/diff"; then
		echo "abi check: $1 and $2 symbols differ (< $1, > $2):"
		cat "$work/diff"
		fail=1
	fi
done

soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
dump="$src/tests/abi/$soname.abi"
if [ ! -f "$dump" ]; then
	echo "abi check: no dump for $soname: a new SONAME needs one (make abi-dump)"
	fail=1
else
	rc=0
	# (Every type the library's exported functions reach is public: the
	# library exports nothing else, checked above.)
	abidiff "$dump" "$lib" >"$work/abidiff" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		cat "$work/abidiff"
		if [ $((rc & 3)) -ne 0 ]; then
			echo "abi check: abidiff failed (exit $rc)"
		else
			echo "abi check: the ABI of $soname changed (above). An incompatible" \
				"change (a removed symbol, a type's size or layout, a signature)" \
				"needs a new SONAME: bump the minor version (0.x) and record its" \
				"dump; a compatible one (an added function) needs" \
				"tests/abi/$soname.abi refreshed (make abi-dump)."
		fi
		fail=1
	fi
fi
for d in "$src"/tests/abi/*.abi; do
	other=$(sed -n 's/.*soname=.\([^'\''"]*\).*/\1/p' "$d" | head -n 1)
	if [ "$d" != "$dump" ] && [ "$other" = "$soname" ]; then
		echo "abi check: $d records the library's SONAME $soname too"
		fail=1
	fi
done

[ "$fail" = 0 ] && echo "abi check: ok ($soname, $(wc -l <"$work/exported") symbols, no ABI change)"
exit "$fail"
