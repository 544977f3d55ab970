#!/bin/sh
# SPDX-License-Identifier: MIT
# Two bridges over Cyclone DDS on the loopback interface: a writer fills
# channel A, `shmchan-bridge export A` publishes it, `shmchan-bridge import
# B` (which creates B with A's geometry) writes it into B, and a reader of
# B checks every byte, the order and the count, then the end of the stream
# reaches both bridges and they exit 0.
#
#   loopback.sh slot|record SHMCHAN-BRIDGE BRIDGE_CHECK
#
# slot:   200,000 messages of 1 to 4,000 bytes, slots of 4,096 x 256.
# record: 2,000 frames of 76,816 bytes, a record buffer of 1 MiB.
#
# Network hygiene: Cyclone is confined to lo (no other interface selected,
# multicast off, the peer listed), in a random domain of its own (0-200),
# so that parallel runs never meet and nothing leaves the machine; its
# trace (configuration only) is checked for it. Every wait is bounded.
set -u

what=$1 bridge=$2 check=$3
command -v timeout >/dev/null 2>&1 || { echo "loopback: no timeout(1)"; exit 77; }

case $what in
slot)
	geo="--slot-size 4096 --slot-count 256" count=200000 sizes="--max 4000" ;;
record)
	geo="--buffer-size 1048576" count=2000 sizes="--size 76816" ;;
*)
	echo "loopback: slot or record" >&2; exit 2 ;;
esac

dir=$(mktemp -d "${TMPDIR:-/tmp}/shmchan-bridge.XXXXXX") || exit 1
a=t.bridge.$$.$what.a b=t.bridge.$$.$what.b topic=shmchan_bridge_test_$$_$what
dom=$(( $(od -An -N2 -tu2 /dev/urandom) % 201 ))
export CYCLONEDDS_URI="<CycloneDDS><Domain id=\"any\"><General><Interfaces>\
<NetworkInterface name=\"lo\"/></Interfaces><AllowMulticast>false</AllowMulticast></General>\
<Discovery><ParticipantIndex>auto</ParticipantIndex><Peers><Peer address=\"127.0.0.1\"/></Peers>\
<MaxAutoParticipantIndex>20</MaxAutoParticipantIndex></Discovery>\
<Tracing><Verbosity>config</Verbosity><OutputFile>$dir/cdds.\${CYCLONEDDS_PID}.log</OutputFile>\
</Tracing></Domain></CycloneDDS>"

pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -f "/dev/shm/shmchan.$a" "/dev/shm/shmchan.$b"
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "loopback $what: FAIL: $*"
	for f in "$dir"/*.out "$dir"/*.err; do [ -s "$f" ] && sed "s|^|  $(basename "$f"): |" "$f"; done
	exit 1
}

echo "loopback $what: domain $dom, channels $a -> $b, topic $topic"
start=$(date +%s.%N)
# The import first (it creates B), the reader of B, the export (it waits
# for A), and the writer of A last.
timeout 240 "$bridge" import "$b" --topic "$topic" --domain "$dom" $geo --stats \
	>"$dir/import.out" 2>"$dir/import.err" & pi=$!
timeout 240 "$check" read "$b" --count $count $sizes >"$dir/read.out" 2>"$dir/read.err" & pr=$!
timeout 240 "$bridge" export "$a" --topic "$topic" --domain "$dom" --wait-created 60 --stats \
	>"$dir/export.out" 2>"$dir/export.err" & pe=$!
pids="$pi $pr $pe"
timeout 240 "$check" write "$a" --count $count $sizes $geo >"$dir/write.out" 2>"$dir/write.err"
sw=$?
wait $pe; se=$?
wait $pi; si=$?
wait $pr; sr=$?
pids=
end=$(date +%s.%N)

[ $sw -eq 0 ] || fail "writer exit $sw"
[ $se -eq 0 ] || fail "export exit $se"
[ $si -eq 0 ] || fail "import exit $si"
[ $sr -eq 0 ] || fail "reader exit $sr"
grep -q "lost 0, duplicates 0, reordered 0, too large 0, invalid 0" "$dir/import.err" ||
	fail "the import counted losses"
grep -q "messages $count," "$dir/export.err" || fail "the export did not carry $count"

# Cyclone ran where it was told: every participant selected lo alone,
# multicast off. (A misspelt element of the configuration is fatal in
# Cyclone 0.10: the bridges would have failed.)
n=0
for log in "$dir"/cdds.*.log; do
	[ -f "$log" ] || continue
	n=$((n + 1))
	grep -q "selected interfaces: lo (index [0-9]* priority [0-9]*)$" "$log" ||
		fail "$(basename "$log"): not on lo alone: $(grep 'selected interfaces' "$log")"
	grep -q "AllowMulticast/#text: false" "$log" || fail "$(basename "$log"): multicast on"
done
[ $n -eq 2 ] || fail "$n Cyclone traces, not 2"

left=$(ls /dev/shm | grep -F "t.bridge.$$." || true)
[ -z "$left" ] || fail "left in /dev/shm: $left"

cat "$dir/write.out" "$dir/read.out" "$dir/export.err" "$dir/import.err"
awk -v s="$start" -v e="$end" -v n=$count \
	'BEGIN { printf "loopback: %d messages end to end in %.2f s: %.0f msg/s (processes started to exited)\n", n, e - s, n / (e - s) }' |
	sed "s/^loopback:/loopback $what:/"
echo "loopback $what: ok"
