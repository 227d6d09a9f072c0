#!/bin/bash
# bench/run.sh: what `make bench` runs (see bench/README.md).
#
#   1. when libvirt is installed: a real libvirtd in a throwaway network + mount
#      namespace (tests/libvirtd-sandbox.sh), reached through virsh;
#   2. bench/vnet-bench in a network namespace of its own, given that virsh
#      command (--virsh) so that it interleaves vnet, libvirt and the kernel
#      limit rep by rep and prints ratio lines;
#   3. guest boot-to-lease: a TCG QEMU guest (tests/e2e/lib.sh) on vnet's NAT
#      network (examples/nat.xml, vnet's documented defaults), from launching
#      `vnet qemu` until the guest prints its DHCP lease.
#
# Usage: bench/run.sh [--no-libvirt] [--no-guest] [--guest-reps N] [--raise-inotify N]
#                     [vnet-bench options]
# (vnet-bench options: --reps N, --modes LIST, --scale LIST, --libvirt-scale LIST,
# --ports LIST, --batch LIST, --no-limit, --quick; see bench/vnet-bench --help)
#
# --raise-inotify N: every dnsmasq (vnet's, run as nobody) holds an inotify instance (it
# watches resolv.conf), and fs.inotify.max_user_instances (128 by default) is per user and
# machine-wide, so more than ~125 networks need it raised: this raises it to N for the run
# and puts the old value back on exit (make bench-full does; nothing else on the machine is
# changed).
#
# Everything runs in namespaces this script (or vnet-bench) creates; they and every
# process in them (libvirtd, dnsmasq, QEMU) are removed on exit, failure or interrupt.
# The machine's /etc/libvirt, /run/libvirt and root network namespace are not touched.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$PWD}
VNET=${VNET:-$top_builddir/tools/vnet}
BENCH=${BENCH:-$top_builddir/bench/vnet-bench}
export top_srcdir top_builddir VNET

libvirt=1 guest=1 guest_reps=5 inotify=0 args=()
while [ $# -gt 0 ]; do
	case $1 in
	--no-libvirt) libvirt=0 ;;
	--no-guest) guest=0 ;;
	--guest-reps) guest_reps=$2; shift ;;
	--raise-inotify) inotify=$2; shift ;;
	--quick) args+=("$1"); guest_reps=1 ;;
	*) args+=("$1") ;;
	esac
	shift
done

if [ "$(id -u)" -ne 0 ]; then
	echo "skip bench reason=\"needs root (network namespaces)\""
	exit 77
fi
for f in "$VNET" "$BENCH"; do
	[ -x "$f" ] || { echo "bench/run.sh: $f is not built (make bench builds it)" >&2; exit 2; }
done

. "$top_srcdir/tests/integration/lib.sh" # setup_ns, mktemp_dir, busywait; trap cleanup_all
. "$top_srcdir/tests/libvirtd-sandbox.sh"

INOTIFY=/proc/sys/fs/inotify/max_user_instances
inotify_old=""
restore_inotify() { [ -z "$inotify_old" ] || echo "$inotify_old" >"$INOTIFY"; }
trap 'cleanup_all; restore_inotify' EXIT
if [ "$inotify" -gt 0 ] && [ "$(cat "$INOTIFY")" -lt "$inotify" ]; then
	inotify_old=$(cat "$INOTIFY")
	echo "$inotify" >"$INOTIFY" && echo "# fs.inotify.max_user_instances $inotify_old -> $inotify for this run"
fi

# stats WHAT VALUES...: the same line format as vnet-bench
stats() {
	local what=$1
	shift
	[ $# -gt 0 ] || { echo "$what median_ms=0.00 min_ms=0.00 max_ms=0.00 n=0"; return; }
	printf '%s\n' "$@" | sort -n | awk -v what="$what" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { printf "%s median_ms=0.00 min_ms=0.00 max_ms=0.00 n=0\n", what; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s median_ms=%.2f min_ms=%.2f max_ms=%.2f n=%d\n", what, m, v[1], v[NR], NR
		}'
}

# ---------------------------------------------------------------- 1+2. vnet-bench, with libvirt
virsh=()
if [ "$libvirt" = 1 ]; then
	if ! why=$(lvsb_need); then
		echo "skip libvirt reason=\"$why\""
	elif ! setup_ns LVH; then
		echo "skip libvirt reason=\"cannot create a network namespace\""
	else
		LD=$(mktemp_dir)
		lvsb_prepare "$LD"
		if lvsb_start "$LVH" "$LD" >"$LD/why"; then
			# the host bridge the "bridge" mode case names (vnet-bench makes its own)
			ip -n "$LVH" link add br0 type bridge && ip -n "$LVH" link set br0 up
			virsh=(--virsh "$(lvsb_virsh_cmd)")
			echo "# libvirt: libvirtd $(LV version 2>/dev/null | awk '/libvirt/{print $NF; exit}') in a throwaway namespace"
		else
			echo "skip libvirt reason=\"$(head -n1 "$LD/why")\""
			sed 's/^/# /' "$LD/why"
		fi
	fi
fi

BOUT=$(mktemp_dir)/vnet-bench.out
"$BENCH" --vnet "$VNET" "${virsh[@]}" "${args[@]}" | tee "$BOUT"
rc=${PIPESTATUS[0]}
lvsb_stop
[ "$rc" -eq 0 ] || exit "$rc"
# SVG charts of the scale curves (bench/charts.sh; BENCH_CHARTS=DIR, default bench/ of the build)
bash "$top_srcdir/bench/charts.sh" "$BOUT" "${BENCH_CHARTS:-$top_builddir/bench}"

# ---------------------------------------------------------------- 3. guest boot-to-lease
[ "$guest" = 1 ] || exit 0
. "$top_srcdir/tests/e2e/lib.sh" # e2e_need_qemu, e2e_build_guest, qemu_cmd
trap 'e2e_cleanup; restore_inotify' EXIT # e2e_cleanup kills QEMU, then cleanup_all
if ! why=$(e2e_need_qemu 2>&1); then
	echo "skip guest boot_to_lease reason=\"${why#SKIP: }\""
	exit 0
fi
e2e_need_qemu >/dev/null # again, in this shell: sets QEMU and the kernel version
if ! e2e_build_guest >/dev/null 2>&1; then
	echo "skip guest boot_to_lease reason=\"cannot build the guest kernel/initramfs\""
	exit 0
fi
setup_ns GH || exit 1
GR=$(mktemp_dir)
GV() { ip netns exec "$GH" "$VNET" --root "$GR" "$@"; }
if ! GV define "$top_srcdir/examples/nat.xml" >/dev/null || ! GV start default >/dev/null; then
	echo "vnet guest error=network-start-failed"
	exit 1
fi
# guest uptime at a console line ("VNET-E2E: WHAT ... at SECONDS")
uptime_at() { sed -n "s/^VNET-E2E: $2 .* at \([0-9.]*\).*/\1/p" "$1" | tr -d '\r' | head -n1; }
total=() kernel=() nic_lease=()
for i in $(seq 1 "$guest_reps"); do
	log=$GR/guest$i.log
	qemu_cmd "$log"
	t0=$(date +%s%N)
	# a new MAC each time: a first lease, as a new guest gets
	GV qemu --nic "default,mac=$(printf '52:54:00:be:%02x:%02x' $((i / 256)) $((i % 256)))" -- "${QCMD[@]}" >"$GR/qemu$i.out" 2>&1 &
	qp=$!
	QEMU_PIDS+=("$qp")
	end=$((t0 + 120000000000))
	while ! grep -qa "VNET-E2E: lease" "$log" 2>/dev/null && [ "$(date +%s%N)" -lt "$end" ] && kill -0 "$qp" 2>/dev/null; do
		sleep 0.01
	done
	ms=$((($(date +%s%N) - t0) / 1000000))
	addr=$(lease_of "$log")
	{ kill -9 "$qp" && wait "$qp"; } 2>/dev/null
	case "$addr" in
	"" | none)
		echo "vnet guest error=no-lease rep=$i"
		sed 's/^/# /' "$GR/qemu$i.out" | tail -5
		continue
		;;
	esac
	total+=("$ms")
	up=$(uptime_at "$log" lease)
	nic=$(uptime_at "$log" nic)
	[ -n "$up" ] && kernel+=("$(awk -v u="$up" 'BEGIN { printf "%d", u * 1000 }')")
	[ -n "$up" ] && [ -n "$nic" ] && nic_lease+=("$(awk -v u="$up" -v n="$nic" 'BEGIN { printf "%d", (u - n) * 1000 }')")
done
stats "vnet guest boot_to_lease" "${total[@]}"
# the same lease, by the guest's clock: from its kernel's start, and from its NIC appearing
# (link up + DHCP: the part the network is responsible for)
stats "vnet guest uptime_at_lease" "${kernel[@]}"
stats "vnet guest nic_to_lease" "${nic_lease[@]}"
GV destroy default >/dev/null
exit 0
