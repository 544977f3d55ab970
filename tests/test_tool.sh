#!/bin/sh
# The shmchan command-line tool against channels in known states: a live
# one, a stale one (its writer died by SIGKILL), a broadcast channel with an
# overrun subscriber, a corrupt file and a foreign name under the prefix.
# Usage: test_tool.sh TOOL FIXTURE
set -u
tool=$1
fixture=$2
tag="t.tool.$$"
live="$tag.live"
stale="$tag.stale"
bcast="$tag.bcast"
corrupt="$tag.corrupt"
foreign="shmchan.$tag.bad name"
# A planted name with terminal escape sequences (set the title, clear the
# screen): the tool must never write them to the terminal.
planted="shmchan.$tag.$(printf '\033]0;owned\007\033[2J')"
fail=0
pid=
bpid=
socks=
dir="/dev/shm/$tag.dir"

cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$bpid" ] && kill -9 "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
	rm -f "/dev/shm/shmchan.$live" "/dev/shm/shmchan.$stale" "/dev/shm/shmchan.$corrupt" \
		"/dev/shm/shmchan.$bcast" "/dev/shm/shmchan.$tag.p1" "/dev/shm/shmchan.$tag.p2" \
		"/dev/shm/$foreign" "/dev/shm/$planted"
	for sock in $socks; do rm -f "/dev/shm/$sock"; done
	rm -rf "$dir"
	rm -f "/dev/shm/osp_shm_$tag.os" "/dev/shm/osp_shm_$tag.ob"
}
trap cleanup EXIT INT TERM

check() { # check DESCRIPTION COMMAND...: the command must succeed
	desc=$1
	shift
	if ! "$@"; then
		echo "FAIL: $desc" >&2
		fail=1
	fi
}

# Fixtures.
fifo=$(mktemp -u)
mkfifo "$fifo"
"$fixture" live "$live" >"$fifo" &
pid=$!
read -r line <"$fifo" # bounded: the fixture prints at once or exits
rm -f "$fifo"
[ "$line" = ready ] || { echo "FAIL: fixture did not start" >&2; exit 1; }
"$fixture" stale "$stale"
mkfifo "$fifo"
"$fixture" broadcast "$bcast" >"$fifo" &
bpid=$!
read -r line <"$fifo"
rm -f "$fifo"
[ "$line" = ready ] || { echo "FAIL: broadcast fixture did not start" >&2; exit 1; }
head -c 20000 /dev/urandom >"/dev/shm/shmchan.$corrupt"
: >"/dev/shm/$foreign"
: >"/dev/shm/$planted"

out=$("$tool" ls 2>/tmp/tool_err.$$)
rc=$?
err=$(cat /tmp/tool_err.$$)
rm -f /tmp/tool_err.$$
check "ls exits 1 when entries are skipped (got $rc)" [ "$rc" = 1 ]
check "ls lists the live channel with its writer alive" \
	sh -c "echo \"\$1\" | grep -E \"^$live +slot +256x8 +3 +- +- +$pid\$\" >/dev/null" _ "$out"
check "ls marks the stale channel and its dead writer" \
	sh -c "echo \"\$1\" | grep -E \"^$stale .* stale .*\\(dead\\)\" >/dev/null" _ "$out"
check "ls reports the corrupt file" \
	sh -c "echo \"\$1\" | grep \"skipping $corrupt: not a shmchan object\" >/dev/null" _ "$err"
check "ls reports the foreign name" \
	sh -c "echo \"\$1\" | grep \"skipping $tag.bad name: invalid argument\" >/dev/null" _ "$err"

esc=$(printf '\033')
check "ls writes no escape byte, on stdout or stderr" \
	sh -c "! printf '%s%s' \"\$1\" \"\$2\" | grep -q \"\$3\"" _ "$out" "$err" "$esc"
check "ls shows the planted name escaped" \
	sh -c "echo \"\$1\" | grep -F 'skipping $tag.\\x1b]0;owned\\x07\\x1b[2J: invalid argument' >/dev/null" \
	_ "$err"

json=$("$tool" ls --json 2>/dev/null)
if command -v python3 >/dev/null 2>&1; then
	check "ls --json is valid JSON with both channels" python3 -c '
import json, sys
v = json.loads(sys.argv[1]); names = {c["name"]: c for c in v}
live, stale, pid = sys.argv[2], sys.argv[3], int(sys.argv[4])
assert names[live]["writers"][0] == {"pid": pid, "alive": True, "messages": 3, "events": 0}
assert names[live]["depth"] == 3 and not names[live]["stale"]
assert names[stale]["stale"] and not names[stale]["writers"][0]["alive"]
' "$json" "$live" "$stale" "$pid"
fi

st=$("$tool" stat "$live")
check "stat shows the counters" sh -c "echo \"\$1\" | grep -E '^written +3$' >/dev/null" _ "$st"
check "stat shows the live writer" \
	sh -c "echo \"\$1\" | grep \"writer      pid $pid, alive, 3 written\" >/dev/null" _ "$st"
check "stat --json parses" sh -c "\"$tool\" stat --json \"$live\" | grep -q '\"written\": 3'"
"$tool" stat nonexistent.$$ 2>/dev/null
check "stat of a missing channel exits 1" [ $? = 1 ]
msg=$("$tool" stat nonexistent.$$ 2>&1)
check "its message says what to do" sh -c "echo \"\$1\" | grep -q \"shmchan ls\"" _ "$msg"
"$tool" frobnicate 2>/dev/null
check "usage error exits 2" [ $? = 2 ]
check "--help reads like a man page" sh -c "\"$tool\" --help | grep -q '^EXIT STATUS'"

st=$("$tool" stat "$bcast")
check "stat shows a broadcast channel's policy and losses" sh -c \
	"echo \"\$1\" | grep -E '^policy +overwrite, 12 positions written, 4 messages lost' >/dev/null" \
	_ "$st"
check "stat shows its subscriber: cursor and losses" sh -c \
	"echo \"\$1\" | grep 'subscriber  pid $bpid, alive, 1 read, 0 abandoned skipped, at 5, 4 lost' >/dev/null" \
	_ "$st"
check "ls shows the broadcast kind and the subscriber" \
	sh -c "echo \"\$1\" | grep -E \"^$bcast +broadcast +64x8 +[0-9]+ +- +$bpid +$bpid\$\" >/dev/null" _ "$out"
check "stat --json has the policy and the subscriber" sh -c \
	"\"$tool\" stat --json \"$bcast\" | grep -q '\"policy\": \"overwrite\", \"lost\": 4, \"subscribers\": \\[{\"pid\": $bpid'"

# Two pollers killed: one's channel is stale, the other's file was removed
# behind the library's back; both sockets are orphans.
socks=$("$fixture" pollers "$tag.p1" "$tag.p2")
nsocks=$(echo "$socks" | grep -c .)
check "the pollers fixture made two sockets (got $nsocks)" [ "$nsocks" = 2 ]

rmout=$("$tool" rm --stale 2>&1)
check "rm --stale writes no escape byte" sh -c "! echo \"\$1\" | grep -q \"\$2\"" _ "$rmout" "$esc"
check "rm --stale removes the stale channel" [ ! -e "/dev/shm/shmchan.$stale" ]
check "rm --stale says so" sh -c "echo \"\$1\" | grep -q \"removed $stale\"" _ "$rmout"
check "rm --stale keeps the live channel" [ -e "/dev/shm/shmchan.$live" ]
check "rm --stale leaves files it cannot judge" [ -e "/dev/shm/shmchan.$corrupt" ]
for sock in $socks; do
	check "rm --stale removes the dead poller's socket $sock" [ ! -e "/dev/shm/$sock" ]
done
check "rm --stale removes the channel of the dead pollers" [ ! -e "/dev/shm/shmchan.$tag.p1" ]
check "rm NAME removes a channel" "$tool" rm "$live" "$corrupt"
check "rm removed it" [ ! -e "/dev/shm/shmchan.$live" ]
"$tool" rm "$live" 2>/dev/null
check "rm of a missing channel exits 1" [ $? = 1 ]

# Another directory: --dir for bare names, /DIR/NAME for one channel.
mkdir "$dir"
"$fixture" stale "$dir/$tag.d"
out=$("$tool" --dir "$dir" ls)
check "--dir ls lists the channel there" \
	sh -c "echo \"\$1\" | grep -E \"^$tag.d .* stale \" >/dev/null" _ "$out"
st=$("$tool" stat "$dir/$tag.d")
check "stat of /DIR/NAME names the file" \
	sh -c "echo \"\$1\" | grep -E \"^channel +$dir/$tag.d\$\" >/dev/null" _ "$st"
if [ -n "${T_EMULATED:-}" ]; then
	# qemu-user lists the host's mappings, at other addresses, in a
	# 32-bit guest's /proc/self/smaps: the tool finds none to report.
	echo "test_tool: under qemu-user: not checking the memory line"
else
	check "stat shows the pages behind it" \
		sh -c "echo \"\$1\" | grep -E '^memory +pages of 4 kB$' >/dev/null" _ "$st"
fi
st=$("$tool" --dir "$dir" stat "$tag.d")
check "--dir stat shows the directory" \
	sh -c "echo \"\$1\" | grep -F \"($dir/shmchan.$tag.d)\" >/dev/null" _ "$st"
"$tool" --dir relative ls 2>/dev/null
check "--dir wants an absolute path (exit 2)" [ $? = 2 ]
check "--dir rm --stale removes it" "$tool" --dir "$dir" rm --stale
check "the directory is empty" [ -z "$(ls -A "$dir")" ]
rmdir "$dir"

# newosp's objects: listed by size, described with a geometry.
"$fixture" osp-slot "$tag.os"
check "the fixture made a newosp slot channel" [ $? = 0 ]
"$fixture" osp-bytes "$tag.ob"
check "the fixture made a newosp byte channel" [ $? = 0 ]
out=$("$tool" ls 2>/dev/null)
check "ls lists newosp objects by size" \
	sh -c "echo \"\$1\" | grep -E \"^$tag.os +newosp .*\\(1314816 bytes\\)\$\" >/dev/null" _ "$out"
out=$("$tool" ls --osp-slot 81920x16 2>/dev/null)
check "ls --osp-slot shows the depth of a channel of that geometry" \
	sh -c "echo \"\$1\" | grep -E \"^$tag.os +newosp +81920x16 +2 \" >/dev/null" _ "$out"
check "ls --osp-slot marks an object of another geometry" \
	sh -c "echo \"\$1\" | grep -E \"^$tag.ob +newosp .*not this geometry\" >/dev/null" _ "$out"
st=$("$tool" stat --osp-slot 81920x16 "$tag.os")
check "stat --osp-slot shows the positions" \
	sh -c "echo \"\$1\" | grep -E '^positions +producer 2, consumer 0\$' >/dev/null" _ "$st"
st=$("$tool" stat --osp-bytes "$tag.ob")
check "stat --osp-bytes shows the ring and its bytes" \
	sh -c "echo \"\$1\" | grep -E '^depth +8 bytes of 65536\$' >/dev/null" _ "$st"
json=$("$tool" stat --json --osp-bytes "$tag.ob")
check "stat --json --osp-bytes is valid JSON" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["kind"] == "newosp" and d["format"] == "bytes" and d["write_pos"] == 8, d
' "$json"
"$tool" stat --osp-bytes "$tag.os" 2>/dev/null
check "stat of the wrong format exits 1" [ $? = 1 ]
"$tool" stat --osp-slot 81920 "$tag.os" 2>/dev/null
check "a geometry without a count is a usage error" [ $? = 2 ]

[ $fail = 0 ] && echo "test_tool: ok"
exit $fail
