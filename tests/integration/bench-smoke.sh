#!/bin/bash
# bench-smoke.sh: the benchmark at its smallest sizes (bench/run.sh without the
# libvirtd and the guest, 2 repetitions, 1-2 networks, 1 port), checking that
# every line it prints is well-formed and that the figures `make bench` is
# read for are there — not the timings (they would be flaky in a test). The
# libvirt side is a stand-in "virsh" that succeeds at once, so the
# interleaving and the ratio lines run too. Nothing is left behind.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
BENCH="$top_builddir/bench/vnet-bench"
[ -x "$BENCH" ] || { echo "SKIP: $BENCH not built"; exit 77; }

D=$(mktemp_dir)
printf '#!/bin/sh\nexit 0\n' >"$D/fake-virsh"
chmod 755 "$D/fake-virsh"
before=$(pgrep -fc '/tmp/vnet-bench\.')

run env BENCH="$BENCH" BENCH_CHARTS="$D/charts" bash "$top_srcdir/bench/run.sh" --no-libvirt --no-guest --reps 2 \
	--modes nat,isolated,bridge --scale 1,2 --libvirt-scale 2 --batch 2 --ports 1 --virsh "$D/fake-virsh"
[ "$RC" -eq 0 ] && t_ok "bench/run.sh exits 0" || t_fail "bench/run.sh exits 0" "rc=$RC" "$ERR"

num='[0-9]+(\.[0-9]+)?'
stat="median_ms=$num min_ms=$num max_ms=$num n=[0-9]+"
bad=$(printf '%s\n' "$OUT" | grep -vE "^#|^(vnet|libvirt|limit) [a-z0-9=_ -]+ $stat\$|^ratio [a-z0-9=_ -]+ [a-z]+/[a-z]+=$num\$|^(vnet|libvirt) scale n=[0-9]+ (rules_on_forward_path_last=[0-9]+|start_total_ms=$num first_ms=$num last_ms=$num|destroy_total_ms=$num|destroy_all_ms=$num per_network_ms=$num networks=[0-9]+)\$|^limit batch n=[0-9]+( [a-z_]+_ms=$num){4}\$|^vnet qemu overhead_ms=-?$num\$|^skip [a-z_ ]+ reason=\".*\"\$|^chart [^ ]+\.svg\$")
[ -z "$bad" ] && t_ok "every line is a comment, a figure, a ratio or a skip" || t_fail "every line is well-formed" "$bad"
errs=$(printf '%s\n' "$OUT" | grep 'error=')
[ -z "$errs" ] && t_ok "no case reports an error" || t_fail "no case reports an error" "$errs"

has() { printf '%s\n' "$OUT" | grep -qE "^$1"; }
for l in "vnet nat start median_ms" "vnet nat destroy median_ms" "vnet isolated start median_ms" \
	"libvirt nat start median_ms" "limit nat start median_ms" "limit nat destroy median_ms" \
	"ratio nat start libvirt/vnet=" "ratio nat destroy libvirt/vnet=" "ratio nat start vnet/limit=" \
	"ratio isolated start libvirt/vnet=" "vnet bridge start median_ms" "ratio bridge destroy libvirt/vnet=" \
	"vnet scale n=2 start_each median_ms" "vnet scale n=2 start_total_ms" "vnet scale n=2 destroy_total_ms" \
	"vnet scale n=2 destroy_all_ms=" \
	"vnet scale n=2 rules_on_forward_path_last=" "libvirt scale n=2 start_total_ms" \
	"ratio scale n=2 start_total libvirt/vnet=" "limit batch n=2 links_delete_each_total_ms" \
	"vnet ports tap n=1 add_each" "vnet ports netns-veth n=1 del_each" "vnet ports macvtap n=1 add_each" \
	"vnet qemu handoff median_ms" "vnet qemu overhead_ms="; do
	has "$l" && t_ok "prints: $l" || t_fail "prints: $l"
done
has "vnet nat start $stat" && printf '%s\n' "$OUT" | grep -q '^vnet nat start .* n=2$' &&
	t_ok "--reps 2: n=2" || t_fail "--reps 2: n=2" "$(printf '%s\n' "$OUT" | grep '^vnet nat start')"
has "libvirt scale n=1 " && t_fail "libvirt runs only at --libvirt-scale sizes" || t_ok "libvirt runs only at --libvirt-scale sizes"
# the scale charts (bench/charts.sh), as SVG with one curve per series
if command -v gnuplot >/dev/null 2>&1; then
	for c in scale-start scale-destroy; do
		f="$D/charts/$c.svg"
		if has "chart $f" && grep -q '<svg' "$f" && [ "$(grep -c '<path' "$f")" -ge 3 ]; then
			t_ok "chart $c.svg written, with its curves"
		else
			t_fail "chart $c.svg written, with its curves" "$(printf '%s\n' "$OUT" | grep chart)"
		fi
	done
else
	t_skip "scale charts" "gnuplot is not installed"
fi
has "vnet guest|skip guest" && t_fail "--no-guest: no guest figure" || t_ok "--no-guest: no guest figure"

# nothing left: no process of a bench root, no bench root
[ "$(pgrep -fc '/tmp/vnet-bench\.')" -le "$before" ] && t_ok "no process left behind" || t_fail "no process left behind" "$(pgrep -af '/tmp/vnet-bench\.')"
left=$(find /tmp -maxdepth 1 -name 'vnet-bench.*' -newer "$D/fake-virsh" 2>/dev/null)
[ -z "$left" ] && t_ok "the bench root is removed" || t_fail "the bench root is removed" "$left"

# an interrupted run leaves nothing behind either
"$BENCH" --vnet "$VNET" --reps 50 --modes nat --scale "" --ports "" --no-limit >"$D/int.out" 2>&1 &
bp=$!
busywait 10000 grep -q '^#' "$D/int.out"
sleep 0.3
kill -TERM "$bp"
wait "$bp" 2>/dev/null
# (SIGKILLed children take a moment to be gone)
busywait 3000 sh -c "[ \$(pgrep -fc '/tmp/vnet-bench\.') -le $before ]" && t_ok "SIGTERM: no process left behind" || t_fail "SIGTERM: no process left behind" "$(pgrep -af '/tmp/vnet-bench\.')"
left=$(find /tmp -maxdepth 1 -name 'vnet-bench.*' -newer "$D/fake-virsh" 2>/dev/null)
[ -z "$left" ] && t_ok "SIGTERM: the bench root is removed" || t_fail "SIGTERM: the bench root is removed" "$left"
t_done
