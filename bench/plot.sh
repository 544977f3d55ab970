#!/bin/sh
# Turn shmchan-bench's CSV into plots (PNG, or SVG with FORMAT=svg):
#   OUT/latency-SIZE.png   round-trip p50 and p99 per mechanism, SIZE bytes
#   OUT/throughput.png     MB/s against message size, one line per mechanism
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

# Throughput against size, one data block per mechanism.
awk -F, '$1 == "throughput" && $12 == "ok" { print $2 "," $3 "," $11 }' "$csv" |
	sort -t, -k1,1 -k2,2n >"$tmp/tp.csv"
awk -F, 'BEGIN { m = "" } { if ($1 != m) { if (m != "") printf "\n\n"; m = $1; printf "\"%s\"\n", m } print $2, $3 }' \
	"$tmp/tp.csv" >"$tmp/tp.dat"
n=$(awk -F, '{ print $1 }' "$tmp/tp.csv" | sort -u | wc -l)
gnuplot <<GP
set terminal $term
set output "$out/throughput.$fmt"
set title "Throughput, one producer to one consumer (log-log)"
set xlabel "message size (bytes)"
set ylabel "MB/s"
set logscale xy
set grid
set key outside right
plot for [i=0:$n-1] "$tmp/tp.dat" index i using 1:2 with linespoints title columnheader(1)
GP
echo "plot.sh: wrote $out/latency-$size.$fmt and $out/throughput.$fmt"
