#!/bin/sh
# SPDX-License-Identifier: MIT
# cpp_compile: what shmchan.hpp must refuse at compile time, and the C++
# blocks of the README and docs/cpp.md, compiled as given at -std=c++17 and
# -std=c++20 with the warnings of CI (each block is a whole program).
#   compile.sh CXX SOURCE_DIR
set -u
cxx=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags="-fsyntax-only -Wall -Wextra -Wpedantic -Werror -I$src/include -I$src/cpp/include"
fail=0

# refuse NAME EXPECTED-MESSAGE BODY: BODY (inside main) must not compile,
# and the diagnostic must say EXPECTED-MESSAGE.
refuse() {
	printf '#include <shmchan.hpp>\n#include <string>\nint main() {\n\t%s\n}\n' "$3" >"$tmp/$1.cpp"
	if $cxx -std=c++17 $flags "$tmp/$1.cpp" >"$tmp/$1.log" 2>&1; then
		echo "cpp_compile: $1 compiled, but must not: $3"
		fail=1
	elif ! grep -q "$2" "$tmp/$1.log"; then
		echo "cpp_compile: $1 failed without saying '$2':"
		cat "$tmp/$1.log"
		fail=1
	fi
}

# The same body with an accepted type compiles: the refusals above are
# about the type, not about a typo in the harness.
printf '#include <shmchan.hpp>\nint main() {\n\tshmchan::writer w;\n\t(void)w.send<int>(1);\n\t(void)w.send("x", 1);\n\tshmchan::reader r;\n\t(void)r.recv<double>();\n}\n' >"$tmp/ok.cpp"
if ! $cxx -std=c++17 $flags "$tmp/ok.cpp" >"$tmp/ok.log" 2>&1; then
	echo "cpp_compile: the accepted uses do not compile:"
	cat "$tmp/ok.log"
	fail=1
fi
refuse send_string "trivially copyable" 'shmchan::writer w; std::string s; (void)w.send<std::string>(s);'
refuse send_pointer "pointer" 'shmchan::writer w; int i = 0; (void)w.send<int *>(&i);'
refuse recv_string "trivially copyable" 'shmchan::reader r; (void)r.recv<std::string>();'
refuse send_deduced "no matching" 'shmchan::writer w; double d = 1; (void)w.send(d);'
refuse copy_writer "deleted" 'shmchan::writer w; shmchan::writer w2 = w; (void)w2;'
refuse copy_loan "deleted" 'shmchan::loan l; shmchan::loan l2 = l; (void)l2;'

# The C++ blocks of the docs.
n=0
for doc in "$src/README.md" "$src/docs/cpp.md"; do
	[ -f "$doc" ] || continue
	awk -v dir="$tmp" -v base="$(basename "$doc" .md)" '
		/^```cpp$/ { inblk = 1; k++; f = sprintf("%s/%s.%d.cpp", dir, base, k); next }
		/^```/ { inblk = 0; next }
		inblk { print > f }
	' "$doc"
done
for f in "$tmp"/README.*.cpp "$tmp"/cpp.*.cpp; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	for std in 17 20; do
		if ! $cxx -std=c++$std $flags "$f" >"$f.log" 2>&1; then
			echo "cpp_compile: $(basename "$f") (block of the docs) fails at -std=c++$std:"
			cat "$f.log"
			fail=1
		fi
	done
done
if [ "$n" -eq 0 ]; then
	echo "cpp_compile: no C++ block found in README.md and docs/cpp.md"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "cpp_compile: 6 refusals refused, $n C++ block(s) of the docs compiled -> ok"
exit "$fail"
