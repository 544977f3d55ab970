#!/bin/sh
# Turn shmchan-bench's CSV into plots (PNG, or SVG with FORMAT=svg):
#   OUT/latency-SIZE.png   round-trip p50 and p99 per mechanism, SIZE bytes
#   OUT/throughput.png     MB/s against message size, one line per mechanism
#                          that moves every byte (the copies, and the in-place
#                          rows that fill and check every byte)
#   OUT/throughput-inplace.png  the in-place rows that touch only the stamps,
#                          apart
# usage: plot.sh RESULTS.csv [OUT_DIR] [SIZE]
# gnuplot is installed (Debian package gnuplot-nox) if it is missing.
set -eu
csv=${1:?usage: plot.sh RESULTS.csv [OUT_DIR] [SIZE]}
out=${2:-.}
size=${3:-64}
fmt=${FORMAT:-png}
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "plot.sh: installing gnuplot-nox" >&2
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null
	else
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null
	fi
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
term="pngcairo size 1100,600"
[ "$fmt" = svg ] && term="svg size 1100,600"

# Latency at one size: mechanism, p50, p99 (successful runs only).
awk -F, -v s="$size" '$1 == "latency" && $3 == s && $12 == "ok" { printf "\"%s\" %s %s\n", $2, $5, $7 }' \
	"$csv" >"$tmp/lat.dat"
gnuplot <<GP
set terminal $term
set output "$out/latency-$size.$fmt"
set title "Round trip between two processes, $size-byte messages (log scale)"
set ylabel "nanoseconds"
set logscale y
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -35
set grid ytics
set key top left
plot "$tmp/lat.dat" using 2:xtic(1) title "p50", "" using 3 title "p99"
GP

# Throughput against size, one data block per mechanism, in two plots:
# the mechanisms that move every byte, and the in-place "zc (stamps)" rows,
# which write and read only two 8-byte stamps of each message: their MB/s are
# bytes made available, not bytes moved, and would dwarf the others.
# Every series has its own colour, point and dash (no colour repeats within
# a plot).
styles='
set linetype 1 lc rgb "#1f77b4" lw 2
set linetype 2 lc rgb "#d62728" lw 2
set linetype 3 lc rgb "#2ca02c" lw 2
set linetype 4 lc rgb "#ff7f0e" lw 2
set linetype 5 lc rgb "#9467bd" lw 2
set linetype 6 lc rgb "#8c564b" lw 2
set linetype 7 lc rgb "#e377c2" lw 2
set linetype 8 lc rgb "#7f7f7f" lw 2
set linetype 9 lc rgb "#bcbd22" lw 2
set linetype 10 lc rgb "#17becf" lw 2
set linetype 11 lc rgb "#000000" lw 2
set linetype 12 lc rgb "#aec7e8" lw 2
set linetype 13 lc rgb "#98df8a" lw 2
set linetype 14 lc rgb "#ff9896" lw 2
'
awk -F, '$1 == "throughput" && $12 == "ok" { print $2 "," $3 "," $11 }' "$csv" |
	sort -t, -k1,1 -k2,2n >"$tmp/tp.csv"
grep -v ' zc (stamps),' "$tmp/tp.csv" >"$tmp/copy.csv" || true
grep ' zc (stamps),' "$tmp/tp.csv" >"$tmp/zc.csv" || true
for part in copy zc; do
	awk -F, 'BEGIN { m = "" } { if ($1 != m) { if (m != "") printf "\n\n"; m = $1; printf "\"%s\"\n", m } print $2, $3 }' \
		"$tmp/$part.csv" >"$tmp/$part.dat"
done
n=$(awk -F, '{ print $1 }' "$tmp/copy.csv" | sort -u | wc -l)
gnuplot <<GP
set terminal $term
set output "$out/throughput.$fmt"
$styles
set title "Throughput, one producer to one consumer, every byte moved (log-log)"
set xlabel "message size (bytes)"
set ylabel "MB/s (bytes written and read)"
set logscale xy
set grid
set key outside right
plot for [i=0:$n-1] "$tmp/copy.dat" index i using 1:2 with linespoints lt (i+1) pt (i%13+1) title columnheader(1)
GP
n=$(awk -F, '{ print $1 }' "$tmp/zc.csv" | sort -u | wc -l)
if [ "$n" -gt 0 ]; then
	gnuplot <<GP
set terminal $term
set output "$out/throughput-inplace.$fmt"
$styles
set title "In place, stamps only (zc (stamps)): 16 bytes of each message written and read"
set xlabel "message size (bytes)"
set ylabel "MB/s of messages made available (not bytes moved)"
set logscale xy
set grid
set key outside right
set label 1 "Only two 8-byte stamps per message are touched:\nthis is a rate of messages times their size,\nnot a memory bandwidth." at graph 0.03, graph 0.92
plot for [i=0:$n-1] "$tmp/zc.dat" index i using 1:2 with linespoints lt (i+1) pt (i+1) title columnheader(1)
GP
fi
echo "plot.sh: wrote $out/latency-$size.$fmt, $out/throughput.$fmt and $out/throughput-inplace.$fmt"
