#!/bin/sh
# The video pipeline demo: shm_monitor, shm_consumer and shm_producer, run
# together until the producer has sent its frames and the consumer has checked
# them all. Prints a summary; exits non-zero if any frame was bad or missing.
#
# usage: run_demo.sh BUILD_DIR [--frames N] [--fps F] [--zero-copy]
#                    [--port P] [--channel NAME]
#   --frames N      frames to send (default 3000)
#   --fps F         pace the producer (default: full speed)
#   --zero-copy     the producer builds frames in place (reserve/commit)
#   --port P        monitor port (default 9527; 0 picks a free one)
#   --channel NAME  channel name (default video_ch0)
set -u
build=${1:?usage: run_demo.sh BUILD_DIR [options]}
shift
bin="$build/examples/video"
frames=3000 fps= zc= port=9527 channel=video_ch0
while [ $# -gt 0 ]; do
	case $1 in
	--frames) frames=$2; shift ;;
	--fps) fps="--fps $2"; shift ;;
	--zero-copy) zc=--zero-copy ;;
	--port) port=$2; shift ;;
	--channel) channel=$2; shift ;;
	*) echo "run_demo.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
for p in shm_monitor shm_consumer shm_producer; do
	[ -x "$bin/$p" ] || { echo "run_demo.sh: $bin/$p missing: run make first" >&2; exit 2; }
done
log=$(mktemp -d)
mon=
cleanup() {
	[ -n "$mon" ] && kill "$mon" 2>/dev/null && wait "$mon" 2>/dev/null
	rm -rf "$log"
}
trap cleanup EXIT INT TERM

start=$(date +%s.%N)
# The monitor observes; the demo goes on without it if its port is taken.
"$bin/shm_monitor" --port "$port" --channel "$channel" >"$log/monitor" 2>&1 &
mon=$!
sleep 0.2
if kill -0 "$mon" 2>/dev/null; then
	sed -n 1p "$log/monitor"
else
	echo "demo: monitor not started ($(cat "$log/monitor")); going on without it"
	mon=
fi
"$bin/shm_consumer" --quiet --channel "$channel" >"$log/consumer" 2>&1 &
cons=$!
# shellcheck disable=SC2086
"$bin/shm_producer" --quiet --frames "$frames" --channel "$channel" $fps $zc >"$log/producer" 2>&1
prc=$?
# The consumer ends by itself at end of stream (bounded by its own timeouts).
wait "$cons"
crc=$?
end=$(date +%s.%N)
cat "$log/producer" "$log/consumer"
left=$(ls /dev/shm 2>/dev/null | grep -F "shmchan.$channel" || true)
if [ -n "$left" ]; then
	echo "demo: left behind in /dev/shm: $left" >&2
	crc=1
fi
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
echo "demo: $frames frames, producer exit $prc, consumer exit $crc, $secs s in all ->" \
	"$([ "$prc$crc" = 00 ] && echo ok || echo FAILED)"
[ "$prc$crc" = 00 ]
