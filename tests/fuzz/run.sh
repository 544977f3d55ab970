#!/bin/sh
# SPDX-License-Identifier: MIT
#
# A fuzzing campaign: seed corpora from real segments, then each harness in
# turn (one at a time) for SECONDS, with a hang past 2 s counted as a failure.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [HARNESS...]
#
# BUILD_DIR is a build configured with -DCMAKE_C_COMPILER=clang
# -DSHMCHAN_BUILD_FUZZ=ON. HARNESS defaults to all of them (ring rring bring
# wqueue channel inspect). Prints the executions of each harness (libFuzzer's
# final "Done N runs" line) and exits 1 if any failed. A failing harness's
# reproducer and log are kept in BUILD_DIR/fuzz-artifacts/; everything else
# (the scratch corpora, the shared-memory objects shmchan.fuzz.<tag>.*)
# is removed on exit. Extra libFuzzer options: SHMCHAN_FUZZ_ARGS.
set -u

usage() {
	echo "usage: $0 BUILD_DIR SECONDS [HARNESS...]" >&2
	exit 2
}

[ $# -ge 2 ] || usage
build=$1
secs=$2
shift 2
case $secs in
'' | *[!0-9]*) usage ;;
esac
harnesses=${*:-ring rring bring wqueue channel inspect}
bin=$build/tests/fuzz
artifacts=$build/fuzz-artifacts

# Every object this run creates carries the tag (the harnesses and the seed
# program read it), so cleaning up touches nothing of anyone else's.
tag=run$$
SHMCHAN_FUZZ_TAG=$tag
export SHMCHAN_FUZZ_TAG
scratch=$(mktemp -d "${TMPDIR:-/tmp}/shmchan-fuzz.XXXXXX") || exit 1

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	rm -rf "$scratch"
	rm -f /dev/shm/shmchan.fuzz."$tag".*
	rmdir "$artifacts" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for h in $harnesses; do
	if [ ! -x "$bin/fuzz_$h" ]; then
		echo "run.sh: no harness $bin/fuzz_$h (configure with -DSHMCHAN_BUILD_FUZZ=ON)" >&2
		exit 2
	fi
done
"$bin/shmchan-fuzz-seeds" "$scratch/seeds" || {
	echo "run.sh: making the seed corpora failed" >&2
	exit 1
}
mkdir -p "$artifacts" || exit 1

failed=0
# First the inputs that once found a bug (findings/HARNESS-NAME): each must
# run to the end now, within the timeout.
here=$(cd "$(dirname "$0")" && pwd)
for h in $harnesses; do
	for f in "$here"/findings/"$h"-*; do
		[ -e "$f" ] || continue
		if "$bin/fuzz_$h" -timeout=2 -rss_limit_mb=2048 "$f" >"$scratch/replay.log" 2>&1; then
			printf '%-8s replayed %s: ok\n' "$h" "$(basename "$f")"
		else
			failed=1
			printf '%-8s replayed %s: FAILED\n' "$h" "$(basename "$f")"
			grep -E '^(==[0-9]+==|SUMMARY)' "$scratch/replay.log" | head -n 5 | sed 's/^/    /'
		fi
		rm -f /dev/shm/shmchan.fuzz."$tag".*
	done
done
for h in $harnesses; do
	corpus=$scratch/corpus/$h
	log=$scratch/$h.log
	mkdir -p "$corpus"
	cp "$scratch/seeds/$h"/* "$corpus"/
	# shellcheck disable=SC2086 # SHMCHAN_FUZZ_ARGS is a list of options
	"$bin/fuzz_$h" -max_total_time="$secs" -timeout=2 -rss_limit_mb=2048 \
		-artifact_prefix="$artifacts/$h-" -print_final_stats=1 \
		${SHMCHAN_FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
	rc=$?
	done_line=$(grep -E '^Done [0-9]+ runs in ' "$log" | tail -n 1)
	runs=$(echo "$done_line" | sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\).*/\1/p')
	took=$(echo "$done_line" | sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\).*/\2/p')
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		printf '%-8s %12s executions in %s s\n' "$h" "$runs" "$took"
	else
		failed=1
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		cp "$log" "$artifacts/$h.log"
		printf '%-8s FAILED (exit %d) after %s executions; log: %s\n' "$h" "$rc" \
			"${runs:-?}" "$artifacts/$h.log"
		grep -E '^(==[0-9]+==|SUMMARY|.*contract broken|artifact_prefix|Test unit written)' \
			"$log" | head -n 20 | sed 's/^/    /'
	fi
	rm -f /dev/shm/shmchan.fuzz."$tag".*
done
exit $failed
