#!/bin/bash
# qemu.sh: real QEMU guests on vnet networks, each case inside a throwaway
# "host" namespace with its own --root:
#   - vnet qemu on a NAT network: the guest leases in the range and pings the gateway
#   - vnet-bridge-helper (setuid, in a temp dir) for QEMU run as nobody: allowed by the
#     ACL, and refused for a bridge the ACL does not list
#   - QMP hotplug into a running guest, which then leases; QMP unplug
#   - macvtap (bridge mode) on a veth "uplink" whose far side runs dnsmasq
#   - --queues 2 multiqueue tap; QEMU killed: no tap remains, port-list accurate
# QEMU runs with TCG unless VNET_E2E_ACCEL=kvm; vhost=off (no vhost-net here).
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
need_root
e2e_need_qemu
t0=$(date +%s%N)
e2e_build_guest || { echo "cannot build the guest kernel/initramfs"; exit 1; }
echo "guest: $E2E_KERNEL + $E2E_INITRD (ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms), accel $E2E_ACCEL"

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
in_range() { # in_range ADDR/PFX LO HI (last octet, 192.168.122.x)
	local a=${1%/*}
	case "$a" in 192.168.122.*) [ "${a##*.}" -ge "$2" ] && [ "${a##*.}" -le "$3" ] ;; *) false ;; esac
}
show_log() { printf '%s\n' "--- console:" "$(tr -d '\r' <"$1" | grep -a 'VNET-E2E\|error\|Kernel panic' | tail -n 12)"; }

# ---------------------------------------------------------------- vnet qemu on NAT
setup_ns H1 || exit 1
R=$(mktemp_dir)
V() { ip netns exec "$H1" "$VNET" --root "$R" "$@"; }
V define "$top_srcdir/examples/nat.xml" >/dev/null && V start default >/dev/null || t_fail "start default"
LOG=$R/nat.log
qemu_cmd "$LOG"
t0=$(date +%s%N)
ip netns exec "$H1" "$VNET" --root "$R" qemu --nic default,mac=52:54:00:e2:e0:01 -- "${QCMD[@]}" >"$R/qemu.out" 2>&1 &
qp=$!
QEMU_PIDS+=("$qp")
if wait_line "$LOG" "VNET-E2E: lease" 120; then
	lease_ms=$(ms_since "$t0")
	guest_s=$(sed -n 's/^VNET-E2E: lease .* at \([0-9.]*\).*/\1/p' "$LOG" | tr -d '\r')
fi
addr=$(lease_of "$LOG")
if in_range "$addr" 2 254; then t_ok "vnet qemu: NAT guest leases $addr (boot-to-lease ${lease_ms} ms, guest uptime ${guest_s} s)"; else t_fail "vnet qemu: NAT guest leases in the range" "got '$addr'" "$(cat "$R/qemu.out")" "$(show_log "$LOG")"; fi
wait_line "$LOG" "VNET-E2E: ping" 30
grep -q "VNET-E2E: ping ok" "$LOG" && t_ok "vnet qemu: guest pings the gateway" || t_fail "vnet qemu: guest pings the gateway" "$(show_log "$LOG")"
V --json dhcp-leases default | grep -q 52:54:00:e2:e0:01 && t_ok "vnet qemu: dnsmasq lease carries the --nic MAC" || t_fail "vnet qemu: dnsmasq lease carries the --nic MAC"
wait_gone "$qp" 30 && t_ok "guest powers off, QEMU exits" || t_fail "guest powers off, QEMU exits"
[ "$(ip -n "$H1" -o link show type tun | wc -l)" -eq 0 ] && t_ok "after QEMU exits no tap remains" || t_fail "after QEMU exits no tap remains" "$(ip -n "$H1" -o link show type tun)"
run V --json port-list default
[ "$OUT" = "[]" ] && t_ok "port-list is accurate after QEMU exited" || t_fail "port-list is accurate after QEMU exited" "$OUT"

# ---------------------------------------------------------------- --queues 2, then kill -9
LOG=$R/mq.log
qemu_cmd "$LOG" "vnet.hold=120"
ip netns exec "$H1" "$VNET" --root "$R" qemu --nic default,queues=2 -- "${QCMD[@]}" -smp 2 >"$R/qemu-mq.out" 2>&1 &
qp=$!
QEMU_PIDS+=("$qp")
wait_line "$LOG" "VNET-E2E: ping" 120
tap=$(ip -n "$H1" -o link show type tun | awk -F': ' '{print $2}' | cut -d@ -f1 | head -n1)
flags=$(ip netns exec "$H1" cat "/sys/class/net/$tap/tun_flags" 2>/dev/null)
addr=$(lease_of "$LOG")
if in_range "$addr" 2 254 && [ -n "$flags" ] && [ $((flags & 0x0100)) -ne 0 ]; then
	t_ok "--queues 2: QEMU takes a multiqueue tap ($tap), guest leases $addr"
else
	t_fail "--queues 2: multiqueue tap accepted by QEMU" "tap '$tap' flags '$flags' lease '$addr'" "$(cat "$R/qemu-mq.out")" "$(show_log "$LOG")"
fi
{ kill -9 "$qp"; wait "$qp"; } 2>/dev/null
busywait 3000 sh -c "[ \$(ip -n $H1 -o link show type tun | wc -l) -eq 0 ]" && t_ok "QEMU killed: its tap is gone" || t_fail "QEMU killed: its tap is gone"
run V --json port-list default
[ "$OUT" = "[]" ] && t_ok "port-list is accurate after QEMU was killed" || t_fail "port-list is accurate after QEMU was killed" "$OUT"

# ---------------------------------------------------------------- QMP hotplug
LOG=$R/qmp.log
QMP=$R/qmp.sock
qemu_cmd "$LOG" "vnet.wait=120 vnet.hold=120"
ip netns exec "$H1" "${QCMD[@]}" -qmp "unix:$QMP,server=on,wait=off" >"$R/qemu-qmp.out" 2>&1 &
qp=$!
QEMU_PIDS+=("$qp")
if wait_line "$LOG" "VNET-E2E: waiting for eth0" 120; then
	t0=$(date +%s%N)
	run V port-add default --qmp "$QMP" --mac 52:54:00:e2:e0:03
	hp=$OUT
	[ "$RC" -eq 0 ] && t_ok "port-add --qmp hotplugs $hp into the running guest ($(ms_since "$t0") ms)" || t_fail "port-add --qmp hotplugs into the running guest" "$ERR"
	wait_line "$LOG" "VNET-E2E: ping" 60
	addr=$(lease_of "$LOG")
	in_range "$addr" 2 254 && grep -q "nic 52:54:00:e2:e0:03" "$LOG" && t_ok "hotplugged guest leases $addr" || t_fail "hotplugged guest leases" "got '$addr'" "$(show_log "$LOG")"
	run V --json port-list default
	printf '%s' "$OUT" | grep -q "\"owner_pid\":$qp" && t_ok "port-list: the hotplugged port's owner is QEMU (pid $qp)" || t_fail "port-list: the hotplugged port's owner is QEMU" "$OUT"
	expect_fail "port-add --qmp of a used MAC is refused before QEMU is touched" 1 "already used" V port-add default --qmp "$QMP" --mac 52:54:00:e2:e0:03
	run V port-add default --qmp "$QMP" --model no-such-nic
	[ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "QEMU:" && [ "$(V --json port-list default | grep -o ifname | wc -l)" -eq 1 ] &&
		t_ok "a failed device_add is undone (netdev_del, port removed)" || t_fail "a failed device_add is undone" "$RC $ERR" "$(V port-list default)"
	run V port-del default "$hp" --qmp "$QMP" --timeout 30000
	[ "$RC" -eq 0 ] && ! ip -n "$H1" link show "$hp" >/dev/null 2>&1 && t_ok "port-del --qmp unplugs (DEVICE_DELETED) and removes the port" || t_fail "port-del --qmp unplugs" "$ERR"
else
	t_fail "QMP guest boots" "$(cat "$R/qemu-qmp.out")" "$(show_log "$LOG")"
fi
{ kill -9 "$qp"; wait "$qp"; } 2>/dev/null

# ---------------------------------------------------------------- the bridge helper
HELPER_DIR=$(mktemp_dir)
cp "$VNET_BRIDGE_HELPER" "$HELPER_DIR/vnet-bridge-helper"
chown root:root "$HELPER_DIR/vnet-bridge-helper"
chmod 4755 "$HELPER_DIR/vnet-bridge-helper"
ACL=$("$VNET_BRIDGE_HELPER" --acl-path)
ip -n "$H1" link add vnbr-deny type bridge
LOG=$R/helper.log
touch "$LOG" "$R/helper.out" && chown nobody "$LOG" "$R/helper.out"
# QEMU runs as nobody: give it a kernel and initramfs it can read wherever the build dir is
# (a clone under a 0700 directory is not traversable by nobody)
cp "$E2E_KERNEL" "$HELPER_DIR/vmlinux" && cp "$E2E_INITRD" "$HELPER_DIR/initrd"
chmod 644 "$HELPER_DIR/vmlinux" "$HELPER_DIR/initrd"
E2E_KERNEL=$HELPER_DIR/vmlinux
E2E_INITRD=$HELPER_DIR/initrd
# QEMU as nobody; the ACL at the helper's built-in path, on a tmpfs in a private mount namespace.
# (LeakSanitizer cannot stop the world in a setuid process, which is not dumpable: in sanitizer
# builds the helper runs without leak detection.)
helper_qemu() { # helper_qemu BRIDGE MAC
	qemu_cmd "$LOG"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 ip netns exec "$H1" unshare -m --propagation private sh -c '
		acl=$1; shift
		d=$(dirname "$acl"); [ -d "$d" ] || d=$(dirname "$d")
		mount -t tmpfs -o mode=755 vnet-e2e-acl "$d" || exit 99
		mkdir -p "$(dirname "$acl")" && printf "allow virbr0\n" >"$acl" && chmod 644 "$acl"
		exec setpriv --reuid nobody --regid nogroup --clear-groups "$@"' sh "$ACL" \
		"${QCMD[@]}" -netdev "bridge,id=n0,br=$1,helper=$HELPER_DIR/vnet-bridge-helper" \
		-device "virtio-net-pci,netdev=n0,mac=$2" >"$R/helper.out" 2>&1
}
run helper_qemu vnbr-deny 52:54:00:e2:e0:05
if [ "$RC" -ne 0 ] && grep -q "access denied by ACL file $ACL: nobody may not attach to bridge 'vnbr-deny'" "$R/helper.out"; then
	t_ok "bridge helper refuses a bridge the ACL does not list, clearly"
else
	t_fail "bridge helper refuses a bridge the ACL does not list" "rc $RC" "$(cat "$R/helper.out")"
fi
[ "$(ip -n "$H1" -o link show type tun | wc -l)" -eq 0 ] && t_ok "refused: no tap made" || t_fail "refused: no tap made"
t0=$(date +%s%N)
run helper_qemu virbr0 52:54:00:e2:e0:06
addr=$(lease_of "$LOG")
if in_range "$addr" 2 254 && grep -q "ping ok" "$LOG"; then
	t_ok "bridge helper: QEMU as nobody gets a tap on virbr0, guest leases $addr ($(ms_since "$t0") ms)"
else
	t_fail "bridge helper: QEMU as nobody, ACL allows virbr0" "rc $RC" "$(cat "$R/helper.out")" "$(show_log "$LOG")"
fi
[ "$(ip -n "$H1" -o link show type tun | wc -l)" -eq 0 ] && t_ok "bridge helper: the tap went with QEMU" || t_fail "bridge helper: the tap went with QEMU"
V destroy default >/dev/null

# ---------------------------------------------------------------- macvtap on an uplink
setup_ns H2 U2 || exit 1
R2=$(mktemp_dir)
V2() { ip netns exec "$H2" "$VNET" --root "$R2" "$@"; }
ip -n "$H2" link add up0 type veth peer name up0 netns "$U2"
ip -n "$H2" link set up0 up
ip -n "$U2" addr add 10.77.0.1/24 dev up0
ip -n "$U2" link set up0 up
ip netns exec "$U2" dnsmasq -k --conf-file=/dev/null --interface=up0 --bind-interfaces --port=0 \
	--no-ping --dhcp-range=10.77.0.50,10.77.0.99,1h --dhcp-option=3,10.77.0.1 \
	--dhcp-leasefile="$R2/uplink.leases" --pid-file= --user=root >/dev/null 2>&1 &
PIDS+=($!)
cat >"$R2/mv.xml" <<'X'
<network><name>uplink</name><forward mode='bridge'><interface dev='up0'/></forward></network>
X
V2 define "$R2/mv.xml" >/dev/null && V2 start uplink >/dev/null || t_fail "start macvtap network"
LOG=$R2/mv.log
qemu_cmd "$LOG"
ip netns exec "$H2" "$VNET" --root "$R2" qemu --nic uplink,mac=52:54:00:e2:e0:07 -- "${QCMD[@]}" >"$R2/qemu.out" 2>&1 &
qp=$!
QEMU_PIDS+=("$qp")
busywait 5000 sh -c "ip -n $H2 -d link show type macvtap | grep -q 'macvtap mode bridge'"
mv=$(ip -n "$H2" -o link show type macvtap | awk -F': ' '{print $2}' | cut -d@ -f1 | head -n1)
[ -n "$mv" ] && t_ok "vnet qemu on a macvtap network: $mv in bridge mode on up0" || t_fail "macvtap created" "$(cat "$R2/qemu.out")"
wait_line "$LOG" "VNET-E2E: ping" 120
addr=$(lease_of "$LOG")
case "$addr" in 10.77.0.*) grep -q "ping ok" "$LOG" && t_ok "macvtap guest leases $addr from the uplink's DHCP server and pings it" || t_fail "macvtap guest pings the uplink" "$(show_log "$LOG")" ;;
*) t_fail "macvtap guest leases from the uplink's DHCP server" "got '$addr'" "$(cat "$R2/qemu.out")" "$(show_log "$LOG")" ;;
esac
wait_gone "$qp" 30
run V2 --json port-list uplink
[ "$OUT" = "[]" ] && ! ip -n "$H2" link show "$mv" >/dev/null 2>&1 && t_ok "QEMU gone: port-list removes its macvtap" || t_fail "QEMU gone: port-list removes its macvtap" "$OUT" "$(ip -n "$H2" -o link show type macvtap)"
V2 destroy uplink >/dev/null

t_done
