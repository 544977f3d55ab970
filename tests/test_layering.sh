#!/bin/sh
# The architecture's rules, checked on the sources (issue 12):
#  1. The generic channel layer tests no kind: SHMCHAN_KIND_* appears only
#     in the kind files (src/kind*.c, src/kind_pvt.h), which the generic
#     code reaches through the kind table.
#  2. The ring layer (the rings, segments, liveness locks, the futex wait)
#     includes no header of the channel layer above it.
#  3. The include graph of src/ has no cycle.
# Usage: test_layering.sh SOURCE_DIR
set -eu
src="$1/src"
fail=0

generic=$(cd "$src" && ls ./*.c ./*.h | sed 's|^\./||' | grep -v '^kind')
hits=$(cd "$src" && grep -n 'SHMCHAN_KIND_' $generic || true)
if [ -n "$hits" ]; then
	echo "test_layering: the generic layer tests a kind (move it into the kind table):"
	echo "$hits"
	fail=1
fi

ring_layer="slots.c slots_pvt.h ring.c ring_pvt.h rring.c rring_pvt.h bring.c bring_pvt.h wqueue.c segment.c
segment_pvt.h live.c live_pvt.h wait.c wait_pvt.h deadline.c error.c"
channel_hdrs='channel_pvt\.h|handle_pvt\.h|kind_pvt\.h|wake_pvt\.h|stall_pvt\.h|channel_io_pvt\.h|registry_pvt\.h'
hits=$(cd "$src" && grep -nE "#include \"($channel_hdrs)\"" $ring_layer || true)
if [ -n "$hits" ]; then
	echo "test_layering: the ring layer includes a channel-layer header:"
	echo "$hits"
	fail=1
fi

# "a b" for every "a includes b" among src/ files; tsort fails on a loop.
pairs=$(cd "$src" && for f in ./*.c ./*.h; do
	f=${f#./}
	sed -n 's/^#include "\([a-z_]*\.h\)".*/\1/p' "$f" | while read -r h; do
		[ -f "$h" ] && echo "$f $h"
	done
	echo "$f $f"
done)
if ! echo "$pairs" | tsort >/dev/null 2>/tmp/test_layering.$$; then
	echo "test_layering: the include graph has a cycle:"
	cat /tmp/test_layering.$$
	fail=1
fi
rm -f /tmp/test_layering.$$

[ "$fail" = 0 ] && echo "test_layering: ok"
exit "$fail"
