#!/bin/sh
# shmchan watch, hz and tail against the running demo (shm_producer paced
# at 100 frames/s into shm_consumer) and a broadcast ticker
# (tool_fixture ticker), in a pseudo-terminal (script(1)) as a user would
# run them, and into pipes. Rates are only checked to be above zero: speed
# is for the benchmarks.
# Usage: test_watch.sh TOOL FIXTURE PRODUCER CONSUMER
set -u
tool=$1
fixture=$2
producer=$3
consumer=$4
ch="t.watch.$$"
tk="t.watch.$$.tick"
fail=0
ppid_= cpid= tpid=
work=$(mktemp -d)

cleanup() {
	for p in $ppid_ $cpid $tpid; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -f "/dev/shm/shmchan.$ch" "/dev/shm/shmchan.$ch.stats" "/dev/shm/shmchan.$tk"
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

check() { # check DESCRIPTION COMMAND...
	desc=$1
	shift
	if ! "$@"; then
		echo "FAIL: $desc" >&2
		fail=1
	fi
}

# In a pseudo-terminal: script(1) runs the command on one (bounded).
pty() {
	timeout 60 script -qec "$*" /dev/null | tr -d '\r'
}

command -v script >/dev/null || { echo "test_watch: no script(1) (util-linux): skipped"; exit 77; }

"$consumer" --channel "$ch" --quiet >"$work/consumer" 2>&1 &
cpid=$!
"$producer" --channel "$ch" --fps 100 --frames 600 >"$work/producer" 2>&1 &
ppid_=$!
i=0
until "$tool" stat "$ch" 2>/dev/null | grep -q '^written *[1-9]'; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "FAIL: the demo did not start writing" >&2; exit 1; }
	sleep 0.1
done

pty "$tool" watch --count 2 --interval 0.5 "'t.watch.$$*'" >"$work/watch"
check "watch redraws in place on a terminal" grep -q "$(printf '\033\\[2J')" "$work/watch"
check "watch shows the demo's channel moving" awk -v ch="$ch" '
	$1 == ch && $2 == "slot" && $3 + 0 > 0 { ok = 1 } END { exit !ok }' "$work/watch"
check "watch shows the reader's lag" grep -Eq '^  reader [0-9]+ alive: lag [0-9]+' "$work/watch"
check "watch lists the demo's segment as not a channel" sh -c "! grep -q '^$ch.stats ' '$work/watch'"

"$tool" watch --json --count 2 --interval 0.3 "$ch" >"$work/watch.json"
check "watch --json: one object per interval, with rates" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
for l in lines:
    v = json.loads(l)
    assert v["schema"] == 1 and v["interval"] == 0.3
c = json.loads(lines[-1])["channels"][0]
assert c["name"] == sys.argv[2] and c["kind"] == "slot", c
assert c["msgs_per_s"] > 0 and c["bytes_per_s"] > 0 and c["capacity"] == 16, c
assert c["writers_alive"] == 1 and c["readers"][0]["alive"], c
' "$work/watch.json" "$ch"

pty "$tool" hz --count 2 --interval 0.5 "$ch" >"$work/hz"
check "hz on a slot channel says it counts" grep -q "reads the written counter" "$work/hz"
check "hz reports a rate above zero" awk '/^average rate:/ && $3 + 0 > 0 { ok = 1 } END { exit !ok }' \
	"$work/hz"

"$tool" tail "$ch" >/dev/null 2>"$work/tail.err"
check "tail refuses a slot channel (exit 1)" [ $? = 1 ]
check "tail says which kinds it follows" grep -q "follows broadcast channels only" "$work/tail.err"

mkfifo "$work/fifo"
"$fixture" ticker "$tk" 2000 >"$work/fifo" &
tpid=$!
read -r line <"$work/fifo"
[ "$line" = ready ] || { echo "FAIL: the ticker did not start" >&2; exit 1; }
timeout 30 "$tool" tail --count 3 "$tk" >"$work/tail"
check "tail prints three messages" [ "$(grep -c '^#[0-9]* [0-9]* bytes: tick [0-9]*$' "$work/tail")" = 3 ]
timeout 30 "$tool" tail --hex --count 1 "$tk" >"$work/tail.hex"
check "tail --hex dumps a message" grep -Eq '^  00000000  74 69 63 6b .*\|tick [0-9]+\|$' "$work/tail.hex"
pty "$tool" hz --count 2 --interval 0.5 "$tk" >"$work/hz.tick"
check "hz times a broadcast channel's messages" \
	grep -Eq '^	min: [0-9.]+s max: [0-9.]+s std dev: [0-9.]+s window: [0-9]+' "$work/hz.tick"
check "hz on the ticker reports a rate above zero" \
	awk '/^average rate:/ && $3 + 0 > 0 { ok = 1 } END { exit !ok }' "$work/hz.tick"
# The observers took nothing: the ticker's channel lists no subscriber.
check "tail and hz joined nobody" sh -c "\"$tool\" stat --json \"$tk\" | grep -q '\"subscribers\": \\[\\]'"

wait "$ppid_"
check "the demo's producer finished" [ $? = 0 ]
ppid_=
[ $fail = 0 ] && echo "test_watch: ok"
exit $fail
