#!/bin/sh
# The memory cases that need what a default machine lacks (tests/test_memory.c):
# a hugetlb pool, transparent huge pages for shmem and a hugetlbfs mount. As
# root, give the kernel the first two for the duration of the run
# (vm.nr_hugepages, shmem_enabled "advise"), mount hugetlbfs in a private
# mount namespace (unshare -m: no other process sees it, and it goes with
# the namespace), run the thp, hugetlb and hugetlb_dir cases, and put both
# settings back.
# Here a skip (exit 77) is a failure: the cases must run.
# Usage: memory_env.sh BUILD_DIR
set -eu
test_memory=$1/tests/test_memory
nr=/proc/sys/vm/nr_hugepages
thp=/sys/kernel/mm/transparent_hugepage/shmem_enabled
if [ "$(id -u)" -ne 0 ] || [ ! -w "$nr" ] || [ ! -w "$thp" ]; then
	echo "memory_env: needs root and writable $nr and $thp: not run" >&2
	exit 1
fi
old_nr=$(cat "$nr")
old_thp=$(sed 's/.*\[\(.*\)\].*/\1/' "$thp")
restore() {
	echo "$old_nr" >"$nr"
	echo "$old_thp" >"$thp"
}
trap restore EXIT
# 8 pages of 2 MiB: the hugetlb case's channel takes 3.
[ "$old_nr" -ge 8 ] || echo 8 >"$nr"
echo advise >"$thp"
fail=0
for c in hugetlb thp; do
	rc=0
	"$test_memory" "$c" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "memory_env: test_memory $c exited $rc (77 = skipped: not allowed here)" >&2
		fail=1
	fi
done
rc=0
unshare -m --propagation private sh -c '
	dir=$(mktemp -d /tmp/shmchan-hugetlbfs.XXXXXX)
	mount -t hugetlbfs -o mode=0700 none "$dir" || exit 1
	SHMCHAN_DIR=$dir "$1" hugetlb_dir
	rc=$?
	umount "$dir"
	rmdir "$dir"
	exit $rc' memory_env "$test_memory" || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "memory_env: test_memory hugetlb_dir in a hugetlbfs mount exited $rc" >&2
	fail=1
fi
exit $fail
