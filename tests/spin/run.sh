#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Model-check the protocols of tests/spin/*.pml with SPIN, exhaustively (no
# bitstate hashing, no hash compaction): every model must pass, and every
# deliberately broken variant (-DBROKEN=k) must make SPIN report an error.
#
#   tests/spin/run.sh            all checks (about a minute on 2 cores)
#   QUICK=1 tests/spin/run.sh    skip the largest configuration
#
# Needs spin (Debian: apt-get install spin) and a C compiler (CC, default cc).
# Exit status: 0 all as required, 1 a check failed, 2 tools missing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
SPIN=${SPIN:-spin}
CC=${CC:-cc}
QUICK=${QUICK:-0}

if ! command -v "$SPIN" >/dev/null 2>&1; then
	echo "run.sh: $SPIN not found (apt-get install spin)" >&2
	exit 2
fi
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "run.sh: $CC not found" >&2
	exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/shmchan-spin.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM

failures=0
n=0

now() { date +%s.%N; }

# check EXPECT MODEL MODE NAME -Dflags...
#   EXPECT  pass | fail   (fail: SPIN must find an error)
#   MODE    safety | ltl  (ltl: acceptance cycles under weak fairness)
check() {
	expect=$1 model=$2 mode=$3 name=$4
	shift 4
	n=$((n + 1))
	dir="$scratch/$n"
	mkdir "$dir"
	t0=$(now)
	case $mode in
	safety)
		ccflags="-DSAFETY -DCOLLAPSE"
		panflags="-m200000"
		;;
	ltl)
		ccflags="-DNFAIR=3 -DCOLLAPSE"
		panflags="-m200000 -a -f"
		set -- "$@" -DLTL
		;;
	esac
	# Broken variants stop at the first error: no need to optimise them.
	opt=-O2
	[ "$expect" = fail ] && opt=-O0
	if ! (cd "$dir" && "$SPIN" "$@" -a "$here/$model" >spin.out 2>&1); then
		echo "FAIL $name: spin -a failed:"
		sed 's/^/    /' "$dir/spin.out"
		failures=$((failures + 1))
		return 0
	fi
	# shellcheck disable=SC2086
	if ! (cd "$dir" && $CC $opt -w $ccflags -o pan pan.c >cc.out 2>&1); then
		echo "FAIL $name: compiling pan failed:"
		sed 's/^/    /' "$dir/cc.out"
		failures=$((failures + 1))
		return 0
	fi
	# shellcheck disable=SC2086
	(cd "$dir" && ./pan $panflags >pan.out 2>&1) || true
	t1=$(now)
	out="$dir/pan.out"
	errors=$(sed -n 's/.*errors: *\([0-9][0-9]*\).*/\1/p' "$out" | tail -n 1)
	states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$out" | tail -n 1)
	panwall=$(sed -n 's/^pan: elapsed time \([0-9.e+-]*\) seconds.*/\1/p' "$out" | tail -n 1)
	wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
	what=$(grep -m 1 -E '^pan:[0-9]+: ' "$out" | sed 's/^pan:[0-9]*: //; s/ (at depth.*//' || true)
	case $what in
	"assertion violated"*)
		# Name the assertion by its line (its comment says which property).
		ln=$(cd "$dir" && "$SPIN" "$@" -t -k "$(basename "$model").trail" "$here/$model" 2>&1 |
			sed -n 's/^spin: .*:\([0-9][0-9]*\), Error: assertion violated.*/\1/p' | head -n 1)
		[ -n "$ln" ] && what="assertion violated at $model:$ln: $(sed -n "${ln}p" "$here/$model" |
			sed 's/^[[:space:]]*//; s/[[:space:]][[:space:]]*/ /g')"
		;;
	esac
	incomplete=$(grep -m 1 -E 'max search depth too small|out of memory|MEMLIM|bitstate|hash-compact' "$out" || true)
	line="$name: ${states:-?} states, errors: ${errors:-?}, pan ${panwall:-?} s, total ${wall} s"
	if [ -z "$errors" ] || [ -z "$states" ]; then
		echo "FAIL $line (could not read pan's report)"
		sed 's/^/    /' "$out"
		failures=$((failures + 1))
	elif [ "$expect" = pass ]; then
		if [ "$errors" -ne 0 ]; then
			echo "FAIL $line"
			echo "    $what"
			(cd "$dir" && "$SPIN" "$@" -t -k "$(basename "$model").trail" -p -g \
				"$here/$model" 2>&1 | tail -n 60 | sed 's/^/    /') || true
			failures=$((failures + 1))
		elif [ -n "$incomplete" ]; then
			echo "FAIL $line (search incomplete: $incomplete)"
			failures=$((failures + 1))
		else
			echo "ok   $line"
		fi
	else
		if [ "$errors" -eq 0 ]; then
			echo "FAIL $line (the broken variant must fail)"
			failures=$((failures + 1))
		else
			echo "ok   $line (error found as required: $what)"
		fi
	fi
	rm -rf "$dir"
}

echo "$("$SPIN" -V | head -n 1); $($CC --version | head -n 1)"

# Stepping over (ring.c S1/S2, P3/P4): safety + invalid end states.
s2="-DN=2 -DNPROD=2 -DMSGS=2 -DW=2 -DMAXDEAD=1 -DDISCARD=1"
s4="-DN=4 -DNPROD=2 -DMSGS=3 -DMSGSLAST=2 -DW=1 -DMAXDEAD=1 -DDISCARD=0"
s3p="-DN=2 -DNPROD=3 -DMSGS=1 -DW=1 -DMAXDEAD=1 -DDISCARD=0"
# shellcheck disable=SC2086
{
check pass stepping.pml safety "stepping N=2 2 producers x2 msgs, 1 may die" $s2
check pass stepping.pml safety "stepping N=4 2 producers 3+2 msgs, 1 may die" $s4
if [ "$QUICK" = 1 ]; then
	echo "skip stepping N=2 3 producers x1 msg (QUICK=1)"
else
	check pass stepping.pml safety "stepping N=2 3 producers x1 msg, 1 may die" $s3p
fi
check fail stepping.pml safety "stepping BROKEN=1 (P3 commit as a plain store)" $s2 -DBROKEN=1
check fail stepping.pml safety "stepping BROKEN=2 (S2 without the liveness verdict)" $s2 -DBROKEN=2
check fail stepping.pml safety "stepping BROKEN=3 (S1 as a plain store)" $s2 -DBROKEN=3
check fail stepping.pml safety "stepping BROKEN=4 (claim word stored after P2)" $s2 -DBROKEN=4
}

# Sleep/wake (wait.c W1-W5, K1-K3): no lost wake-up, waiter count sound.
w12="-DNWAITER=1 -DNWAKER=2 -DROUNDS=1"
w21="-DNWAITER=2 -DNWAKER=1 -DROUNDS=2"
w21d="-DNWAITER=2 -DNWAKER=1 -DROUNDS=2 -DDIE=1"
w22d="-DNWAITER=2 -DNWAKER=2 -DROUNDS=1 -DDIE=1"
# shellcheck disable=SC2086
{
check pass wait.pml safety "wait 1 waiter, 2 wakers" $w12
check pass wait.pml safety "wait 2 waiters, 1 waker x2" $w21
check pass wait.pml safety "wait 2 waiters (1 may die), 1 waker x2" $w21d
check pass wait.pml safety "wait 2 waiters (1 may die), 2 wakers" $w22d
check pass wait.pml ltl "wait LTL <>done, weak fairness, 1 waiter, 2 wakers" $w12
check pass wait.pml ltl "wait LTL <>done, weak fairness, 2 waiters (1 may die), 1 waker x2" $w21d
check fail wait.pml safety "wait BROKEN=1 (waker loads the count before publishing)" $w12 -DBROKEN=1
check fail wait.pml ltl "wait LTL BROKEN=1 (waker loads the count before publishing)" $w12 -DBROKEN=1
check fail wait.pml safety "wait BROKEN=2 (re-check before announcing)" $w12 -DBROKEN=2
check fail wait.pml safety "wait BROKEN=3 (futex word loaded after the re-check)" $w12 -DBROKEN=3
check fail wait.pml safety "wait BROKEN=4 (sleep bit set before the increment)" $w21d -DBROKEN=4
}

if [ "$failures" -ne 0 ]; then
	echo "run.sh: $failures of $n checks FAILED"
	exit 1
fi
echo "run.sh: all $n checks as required"
