#!/bin/sh
# SPDX-License-Identifier: MIT
# GStreamer pipelines in several processes through shmchansink and
# shmchansrc (docs/gstreamer.md). Each case compares what the receivers got
# (checksumsink: each frame's timestamp and SHA-1) with what the same
# source gives in one process, frame by frame.
#   two_process     300 frames of 1920x1080 RGB, the sender started first
#                   and waiting for its reader
#   receiver_first  the same with the receiver started first
#   allocate        the same with allocate=true: videotestsrc draws each
#                   frame inside the channel (no copy)
#   sender_restart  the sender killed (SIGKILL) mid-stream and started again:
#                   the receiver reports it, waits, and goes on to the end
#   broadcast3      one sender, three receivers, every frame to each
#   inspect         gst-inspect-1.0 shows both elements and their properties
# Usage: pipelines.sh CASE (GST_PLUGIN_PATH names the plugin's directory).
# Every process runs under timeout; exit 77 (skipped) without gst-launch-1.0
# or the plugins the cases use.
set -u
case_name=${1:?usage: pipelines.sh CASE}
for t in gst-launch-1.0 gst-inspect-1.0 timeout; do
	command -v "$t" >/dev/null || { echo "skipped: $t not found" >&2; exit 77; }
done
for e in videotestsrc checksumsink shmchansink shmchansrc; do
	gst-inspect-1.0 "$e" >/dev/null 2>&1 ||
		{ echo "skipped: GStreamer element $e not found (Debian: gstreamer1.0-plugins-base, -bad)" >&2; exit 77; }
done

dir=$(mktemp -d /tmp/shmchan-gst.XXXXXX)
name="t.gstp.$$.$case_name"
pids=""
cleanup() {
	# The processes under timeout first, then timeout itself.
	for p in $pids; do pkill -KILL -P "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$dir"
	rm -f "/dev/shm/shmchan.$name"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT
fail() { echo "FAIL ($case_name): $*" >&2; exit 1; }

HD="video/x-raw,format=RGB,width=1920,height=1080,framerate=30/1"
SMALL="video/x-raw,format=RGB,width=320,height=240,framerate=30/1"
src() { echo "videotestsrc pattern=ball num-buffers=$1 ! $2"; }

# The frames of the source in one process: the reference.
reference() { # frames caps out
	timeout 120 gst-launch-1.0 -q $(src "$1" "$2") ! checksumsink >"$3" ||
		fail "the reference pipeline failed"
}

# Start a receiver in the background; its pid in $last. Not quiet, so
# that its warnings are seen: its output goes to OUT.log, from which
# wait_ok keeps the frame lines (checksumsink's) in OUT.
receiver() { # out [extra src properties]
	out=$1; shift
	timeout 120 gst-launch-1.0 shmchansrc channel="$name" timestamp-mode=writer "$@" \
		! checksumsink >"$out.log" 2>&1 &
	last=$!
	pids="$pids $last"
	eval "out_$last=\$out"
}

wait_ok() { # pid what
	wait "$1" || fail "$2 exited with $? ($(cat "$dir"/*.err "$dir"/*.log 2>/dev/null | grep -v '^[0-9]' | head -5))"
	eval "o=\${out_$1:-}"
	[ -z "$o" ] || grep -E '^[0-9]+:[0-9]{2}:[0-9]{2}\.[0-9]{9} [0-9a-f]{40}$' "$o.log" >"$o"
}

same() { # got want
	cmp -s "$1" "$2" || fail "$(basename "$1"): $(wc -l <"$1") frames, \
$(diff "$1" "$2" | head -4 | tr '\n' ' ')"
}

case $case_name in
two_process)
	reference 300 "$HD" "$dir/ref"
	timeout 120 gst-launch-1.0 -q $(src 300 "$HD") ! shmchansink channel="$name" \
		wait-for-readers=1 >"$dir/tx.err" 2>&1 &
	tx=$!
	pids="$pids $tx"
	sleep 0.3
	receiver "$dir/rx"; rx=$last
	wait_ok "$tx" "the sender"
	wait_ok "$rx" "the receiver"
	same "$dir/rx" "$dir/ref"
	echo "two_process: 300 frames of 1920x1080 RGB, every timestamp and checksum as sent"
	;;
receiver_first)
	reference 300 "$HD" "$dir/ref"
	receiver "$dir/rx"; rx=$last
	sleep 0.5
	timeout 120 gst-launch-1.0 -q $(src 300 "$HD") ! shmchansink channel="$name" \
		>"$dir/tx.err" 2>&1 || fail "the sender failed: $(cat "$dir/tx.err")"
	wait_ok "$rx" "the receiver"
	same "$dir/rx" "$dir/ref"
	echo "receiver_first: 300 frames, every timestamp and checksum as sent"
	;;
allocate)
	reference 300 "$HD" "$dir/ref"
	timeout 120 gst-launch-1.0 -q $(src 300 "$HD") ! shmchansink channel="$name" \
		wait-for-readers=1 allocate=true >"$dir/tx.err" 2>&1 &
	tx=$!
	pids="$pids $tx"
	receiver "$dir/rx"; rx=$last
	wait_ok "$tx" "the sender"
	wait_ok "$rx" "the receiver"
	same "$dir/rx" "$dir/ref"
	echo "allocate: 300 frames of 1920x1080 RGB drawn in the channel, every timestamp and checksum as sent"
	;;
sender_restart)
	reference 3000 "$SMALL" "$dir/ref"
	receiver "$dir/rx"; rx=$last
	# At most 500 frames a second (the reference covers 3,000).
	# Not under timeout: the SIGKILL below must reach gst-launch itself.
	gst-launch-1.0 -q $(src 100000 "$SMALL") ! identity sleep-time=2000 \
		! shmchansink channel="$name" >"$dir/tx1.err" 2>&1 &
	tx=$!
	pids="$pids $tx"
	sleep 1.5
	kill -9 "$tx"
	wait "$tx" 2>/dev/null
	sleep 0.5
	timeout 120 gst-launch-1.0 -q $(src 60 "$SMALL") ! shmchansink channel="$name" \
		>"$dir/tx2.err" 2>&1 || fail "the second sender failed: $(cat "$dir/tx2.err")"
	wait_ok "$rx" "the receiver"
	got=$(wc -l <"$dir/rx")
	[ "$got" -gt 60 ] || fail "only $got frames"
	# Every frame is one the source made (none torn), and the second
	# sender's 60 came whole, in order, at the end.
	sort -u "$dir/ref" >"$dir/ref.sorted"
	sort -u "$dir/rx" | comm -23 - "$dir/ref.sorted" >"$dir/extra"
	[ ! -s "$dir/extra" ] || fail "frames not from the source: $(head -2 "$dir/extra")"
	tail -n 60 "$dir/rx" >"$dir/rx.tail"
	head -n 60 "$dir/ref" >"$dir/ref.head"
	same "$dir/rx.tail" "$dir/ref.head"
	grep -q "gone without ending the stream" "$dir/rx.log" ||
		fail "the receiver did not report the killed writer: $(grep -v '^[0-9]' "$dir/rx.log" | head -3)"
	echo "sender_restart: $got frames ($((got - 60)) from the killed sender), reported, then the restarted one's 60 in order"
	;;
broadcast3)
	reference 300 "$SMALL" "$dir/ref"
	timeout 120 gst-launch-1.0 -q $(src 300 "$SMALL") ! shmchansink channel="$name" \
		kind=broadcast wait-for-readers=3 >"$dir/tx.err" 2>&1 &
	tx=$!
	pids="$pids $tx"
	receiver "$dir/rx1"; r1=$last
	receiver "$dir/rx2"; r2=$last
	receiver "$dir/rx3"; r3=$last
	wait_ok "$tx" "the sender"
	for r in $r1 $r2 $r3; do wait_ok "$r" "a receiver"; done
	for i in 1 2 3; do same "$dir/rx$i" "$dir/ref"; done
	echo "broadcast3: 300 frames to each of 3 receivers, every timestamp and checksum as sent"
	;;
inspect)
	gst-inspect-1.0 shmchansink >"$dir/sink" || fail "gst-inspect-1.0 shmchansink"
	gst-inspect-1.0 shmchansrc >"$dir/src" || fail "gst-inspect-1.0 shmchansrc"
	for p in channel kind slot-size slot-count buffer-size policy wait-for-readers replace allocate dropped in-place; do
		grep -q "^  $p  *:" "$dir/sink" || fail "shmchansink: no property $p"
	done
	for p in channel hold timestamp-mode is-live connect-timeout frames lost copied; do
		grep -q "^  $p  *:" "$dir/src" || fail "shmchansrc: no property $p"
	done
	echo "inspect: both elements and their properties"
	;;
*)
	fail "no such case"
	;;
esac
