#!/bin/bash
# bench/charts.sh OUTPUT-OF-vnet-bench DIR: SVG charts of the scale curves (gnuplot).
#   DIR/scale-start.svg    per-network start time against N networks already running:
#                          vnet's median and its N-th start, libvirt's median, the kernel
#                          limit's single-network start as a reference line
#   DIR/scale-destroy.svg  per-network destroy time against N: vnet one by one, vnet
#                          destroy --all (per network), libvirt one by one, and the kernel
#                          limit's batch figures (per network, one by one and batched)
# Prints "chart FILE" per chart written, or "skip charts reason=..." (no gnuplot, no data).
set -u
in=$1 dir=$2
command -v gnuplot >/dev/null 2>&1 || { echo "skip charts reason=\"gnuplot is not installed (apt-get install gnuplot-nox)\""; exit 0; }
mkdir -p "$dir" || exit 1
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT

# field VALUE-NAME LINE...: the number after NAME= in a line
val() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
series() { # PREFIX METRIC FIELD: "N VALUE" rows, sorted by N
	# a size whose case failed (no repetition: " n=0") has no figure to draw
	grep -E "^$1 scale n=[0-9]+ $2" "$in" | grep -v ' n=0$' | while read -r l; do
		n=$(echo "$l" | sed -n 's/.* n=\([0-9]*\) .*/\1/p')
		v=$(echo "$l" | val "$3")
		[ -n "$n" ] && [ -n "$v" ] && echo "$n $v"
	done | sort -n
}
series vnet "start_each " median_ms >"$d/vnet-start"
series vnet "start_total_ms" last_ms >"$d/vnet-last"
series libvirt "start_each " median_ms >"$d/lv-start"
series vnet "destroy_each " median_ms >"$d/vnet-destroy"
series vnet "destroy_all_ms" per_network_ms >"$d/vnet-destroy-all"
series libvirt "destroy_each " median_ms >"$d/lv-destroy"
grep -E '^limit batch n=' "$in" | while read -r l; do
	n=$(echo "$l" | sed -n 's/.* n=\([0-9]*\) .*/\1/p')
	each=$(echo "$l" | val links_delete_each_total_ms) nfte=$(echo "$l" | val nft_remove_each_total_ms)
	grp=$(echo "$l" | val links_delete_group_ms) nft1=$(echo "$l" | val nft_remove_one_transaction_ms)
	[ -n "$n" ] && [ "$n" -gt 0 ] && echo "$n $(awk -v a="$each" -v b="$nfte" -v c="$grp" -v e="$nft1" -v n="$n" 'BEGIN { printf "%.3f %.3f", (a + b) / n, (c + e) / n }')"
done | sort -n >"$d/limit-batch"
limit=$(grep -E '^limit nat start ' "$in" | val median_ms | head -n1)

[ -s "$d/vnet-start" ] || { echo "skip charts reason=\"no scale lines in $in\""; exit 0; }
plot() { # FILE TITLE then "DATAFILE|USING|TITLE" specs
	local out=$1 title=$2 specs="" s f u t
	shift 2
	for s in "$@"; do
		IFS='|' read -r f u t <<<"$s"
		[ -s "$f" ] || continue
		specs+="${specs:+, }'$f' using $u with linespoints title '$t'"
	done
	[ -n "$limit" ] && [ "$out" = "$dir/scale-start.svg" ] &&
		specs+=", $limit with lines dashtype 2 title 'kernel limit, one NAT network'"
	gnuplot <<G || return 1
set terminal svg size 760,440 dynamic font 'sans,11'
set output '$out'
set title '$title'
set xlabel 'networks running (N)'
set ylabel 'ms per network'
set logscale x
set grid
set key top left
set yrange [0:*]
plot $specs
G
	echo "chart $out"
}
plot "$dir/scale-start.svg" "start: one NAT network with N running" \
	"$d/vnet-start|1:2|vnet, median" "$d/vnet-last|1:2|vnet, the N-th" "$d/lv-start|1:2|libvirt, median"
plot "$dir/scale-destroy.svg" "destroy: per network, N networks" \
	"$d/vnet-destroy|1:2|vnet destroy NAME, median" "$d/vnet-destroy-all|1:2|vnet destroy --all, per network" \
	"$d/lv-destroy|1:2|libvirt net-destroy, median" "$d/limit-batch|1:2|kernel limit, one by one" \
	"$d/limit-batch|1:3|kernel limit, batched"
