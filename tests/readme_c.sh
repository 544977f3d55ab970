#!/bin/sh
# Every C block of README.md and docs/*.md that has a main() is a program:
# compiled as given (C11, the build's warnings as errors) against this
# tree's headers and static library, and run (bounded), so that the
# examples people copy compile and do what they say.
# Usage: readme_c.sh SOURCE_DIR CC LIBRARY (libshmchan.a) [CFLAGS (a
# sanitizer build's)]
set -eu
src=$1
cc=$2
lib=$3
extra=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for doc in "$src/README.md" "$src"/docs/*.md; do
	base=$(basename "$doc" .md)
	awk -v out="$tmp/$base" '
		/^```c$/ { k++; f = sprintf("%s.%d.c", out, k); inblock = 1; next }
		/^```/ && inblock { inblock = 0; close(f); next }
		inblock { print > f }
	' "$doc"
done
for f in "$tmp"/*.c; do
	[ -e "$f" ] || continue
	grep -q '^int main(' "$f" || continue
	n=$((n + 1))
	# shellcheck disable=SC2086
	if ! "$cc" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $extra -I"$src/include" -o "$f.bin" \
		"$f" "$lib" -lpthread -lrt; then
		echo "readme_c: $(basename "$f") does not compile (above)" >&2
		exit 1
	fi
	if ! timeout 60 "$f.bin"; then
		echo "readme_c: $(basename "$f") failed" >&2
		exit 1
	fi
done
[ "$n" -gt 0 ] || { echo "readme_c: no C program found in README.md and docs/*.md" >&2; exit 1; }
echo "readme_c: ok ($n programs)"
