#!/bin/bash
# libvirt-attach.sh: `vnet attach` / `vnet detach` with a REAL libvirtd (the throwaway sandbox
# of tests/libvirtd-sandbox.sh, in its own network and mount namespace) and a REAL QEMU domain
# (<domain type='qemu'>, TCG, booting the tiny test kernel + initramfs with <os><kernel>).
# A vnet NAT network runs in the same "host" namespace; an "uplink" namespace plays the
# outside world and reports the source address it sees.
#  - hotplug (--live) into a running domain: the guest finds its NIC, leases from vnet's
#    dnsmasq, reaches the uplink through vnet's NAT; detach removes the interface from the
#    domain, the tap, the port record and the journal;
#  - --config on a stopped domain, then start: the same; `vnet destroy` of the network
#    detaches it first (domain definition clean, port gone);
#  - bad input changes nothing; VNET_FAULT at each step rolls back; VNET_CRASH after the
#    domain got the interface leaves a journal that `vnet destroy` cleans up.
# SKIPs (visibly) when libvirtd or QEMU cannot run here or vnet lacks libvirt's library.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/libvirtd-sandbox.sh"
why=$(lvsb_need) || { echo "SKIP: $why"; exit 77; }
if ! grep -q 'define WITH_LIBVIRT 1' "$top_builddir/config.h"; then
	echo "SKIP: vnet built without libvirt's client library (apt-get install libvirt-dev; ./configure)"
	exit 77
fi
command -v socat >/dev/null || { echo "SKIP: socat is not installed (apt-get install socat)"; exit 77; }
e2e_need_qemu
e2e_build_guest || { echo "cannot build the test guest"; exit 1; }

setup_ns H U || exit 1
R=$(mktemp_dir) # vnet's --root
L=$(mktemp_dir) # libvirt's private directories
lvsb_prepare "$L"
# QEMU as root without relabelling or virtlogd: the sandbox has neither users' homes nor
# virtlogd; the kernel and initramfs stay where the build put them
cat >>"$L/etc/qemu.conf" <<EOF
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
stdio_handler = "file"
EOF
if ! lvsb_start "$H" "$L" >"$L/why"; then
	echo "SKIP: $(cat "$L/why")"
	exit 77
fi
URI="qemu:///system?socket=$L/run/libvirt-sock"
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
A() { # [--json] COMMAND ARGS...: a vnet command with --connect to the sandboxed libvirtd
	local g=()
	[ "$1" = --json ] && { g=(--json); shift; }
	ip netns exec "$H" "$VNET" --root "$R" "${g[@]}" "$1" --connect "$URI" "${@:2}"
}

link_uplink "$H" "$U" 10.255.7.1 10.255.7.2 || { t_fail "uplink"; t_done; }
listen_peer "$U" 7000 || { t_fail "uplink listener"; t_done; }
NET=att
BR=vnbr-att$((RANDOM % 100))
cat >"$R/net.xml" <<EOF
<network>
  <name>$NET</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off'/>
  <ip address='10.77.0.1' prefix='24'>
    <dhcp><range start='10.77.0.10' end='10.77.0.50'/></dhcp>
  </ip>
</network>
EOF
V define "$R/net.xml" >/dev/null && V start "$NET" >/dev/null || { t_fail "vnet network $NET starts"; t_done; }

# a domain without a NIC: its /init waits for eth0 (vnet.wait), leases, checks the gateway
# and the uplink, then holds (vnet.hold) and powers off
domain_xml() { # NAME CONSOLE-LOG
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$E2E_KERNEL</kernel>
    <initrd>$E2E_INITRD</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet loglevel=1 rdinit=/init vnet.wait=90 vnet.lab=1 vnet.up=10.255.7.2:7000 vnet.hold=60</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'><source path='$2'/><target port='0'/></serial>
  </devices>
</domain>
EOF
}
port_count() { V port-list "$NET" 2>/dev/null | grep -c 'vnet[0-9]'; }
iface_count() { LV domiflist "$1" ${2:+"$2"} 2>/dev/null | grep -c ethernet; }
journal_empty() { [ -z "$(ls "$R/run/vnet/$NET/libvirt" 2>/dev/null)" ]; }

# ---- bad input changes nothing
domain_xml d1 "$L/d1.log" >"$L/d1.xml"
run LV define "$L/d1.xml"
[ "$RC" -eq 0 ] || { t_fail "virsh define d1" "$ERR"; t_done; }
expect_fail "attach to an unknown domain" 1 "libvirt has no domain 'nosuch'" A attach nosuch "$NET"
expect_fail "attach to a network that is not running" 1 "network 'nope' is not running" A attach d1 nope
expect_fail "attach --live to a stopped domain" 1 "is not running \(use --config" A attach --live d1 "$NET"
expect_fail "attach with a multicast MAC" 1 "multicast" A attach --config --mac 01:00:5e:00:00:01 d1 "$NET"
expect_fail "attach with a bad model" 1 "not a NIC model" A attach --config --model 'virtio/><x' d1 "$NET"
expect_fail "attach with an unknown portgroup" 1 "has no portgroup 'pg'" A attach --config --portgroup pg d1 "$NET"
[ "$(port_count)" -eq 0 ] && journal_empty && [ "$(iface_count d1 --inactive)" -eq 0 ] &&
	t_ok "refused attaches left no port, no journal, no interface" || t_fail "refused attaches left nothing" "$(V port-list "$NET")"

# ---- hotplug into the running domain
run LV start d1
[ "$RC" -eq 0 ] || { t_fail "virsh start d1 (TCG)" "$ERR" "$(tail -5 "$L/log/qemu/d1.log")"; t_done; }
wait_line "$L/d1.log" "VNET-E2E: waiting for eth0" 90 && t_ok "domain d1 boots under TCG (no NIC yet)" ||
	{ t_fail "domain d1 boots" "$(cat "$L/d1.log")"; t_done; }
MAC1=52:54:00:77:00:01
run A --json attach --live --mac "$MAC1" d1 "$NET"
if [ "$RC" -ne 0 ]; then
	t_fail "attach --live (hotplug)" "$ERR"
	t_done
fi
IF1=$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ifname"] if d["live"] and not d["config"] and d["mac"]=="'$MAC1'" else "")')
[ -n "$IF1" ] && t_ok "attach --live --json: $IF1, live only" || t_fail "attach --live --json" "$OUT"
LV domiflist d1 | grep -E "$IF1 +ethernet .*$MAC1" >/dev/null && t_ok "the running domain has interface $IF1 (type ethernet)" ||
	t_fail "the running domain has the interface" "$(LV domiflist d1)"
LV dumpxml d1 | grep -q "<target dev='$IF1' managed='no'/>" && t_ok "libvirt uses vnet's tap unmanaged" || t_fail "libvirt uses vnet's tap unmanaged" "$(LV dumpxml d1 | grep -A4 '<interface')"
V port-list "$NET" | grep -E "^ *$IF1 .*libvirt:d1" >/dev/null && t_ok "vnet records the port, owner libvirt:d1" || t_fail "vnet records the port" "$(V port-list "$NET")"
[ "$(ip -n "$H" -o link show "$IF1" 2>/dev/null | grep -c "master $BR")" -eq 1 ] && t_ok "$IF1 is on vnet's bridge" || t_fail "$IF1 is on vnet's bridge"
if wait_line "$L/d1.log" "VNET-E2E: lease" 90; then
	a=$(lease_of "$L/d1.log")
	case "$a" in 10.77.0.*) t_ok "the guest leases from vnet's dnsmasq ($a)" ;; *) t_fail "the guest leases from vnet's dnsmasq" "got '$a'" ;; esac
	V dhcp-leases "$NET" | grep -qi "$MAC1" && t_ok "vnet's lease table has the guest's MAC" || t_fail "vnet's lease table has the guest's MAC"
else
	t_fail "the guest sees the hot-plugged NIC and leases" "$(tail -5 "$L/d1.log")"
fi
wait_line "$L/d1.log" "VNET-LAB: uplink" 60
seen=$(sed -n 's/^VNET-LAB: uplink \([^ ]*\).*/\1/p' "$L/d1.log" | tr -d '\r' | head -n1)
[ "$seen" = 10.255.7.1 ] && t_ok "the guest reaches the uplink through vnet's NAT" || t_fail "the guest reaches the uplink through vnet's NAT" "seen as '$seen'"
expect_fail "a second attach of the same MAC is refused" 1 "already" A attach --live --mac "$MAC1" d1 "$NET"

run A detach d1 "$MAC1"
[ "$RC" -eq 0 ] && t_ok "detach of the running domain's interface" || t_fail "detach" "$ERR"
busywait 20000 sh -c "[ \$(nsenter -t $LVSB_PID -m -n virsh -q -c qemu:///system domiflist d1 2>/dev/null | grep -c ethernet) -eq 0 ]" &&
	t_ok "detach: the running domain has no interface" || t_fail "detach: the running domain has no interface" "$(LV domiflist d1)"
! ip -n "$H" link show "$IF1" >/dev/null 2>&1 && [ "$(port_count)" -eq 0 ] && journal_empty &&
	t_ok "detach leaves nothing (no tap, no port record, no journal)" || t_fail "detach leaves nothing" "$(ip -n "$H" -o link show "$IF1" 2>&1)" "$(V port-list "$NET")"
expect_fail "detach of an unknown MAC" 1 "attached no interface" A detach d1 "$MAC1"
LV destroy d1 >/dev/null 2>&1

# ---- --config on the stopped domain, then start; destroy of the network detaches it
MAC2=52:54:00:77:00:02
run A attach --config --mac "$MAC2" --model virtio d1 "$NET"
[ "$RC" -eq 0 ] && t_ok "attach --config to the stopped domain" || t_fail "attach --config" "$ERR"
IF2=$(LV dumpxml --inactive d1 | sed -n "s/.*<target dev='\([^']*\)' managed='no'.*/\1/p")
[ -n "$IF2" ] && t_ok "the persistent definition has the interface ($IF2)" || t_fail "the persistent definition has the interface"
: >"$L/d1.log"
run LV start d1
[ "$RC" -eq 0 ] || t_fail "virsh start d1 with the vnet NIC" "$ERR" "$(tail -5 "$L/log/qemu/d1.log")"
if wait_line "$L/d1.log" "VNET-LAB: uplink" 120; then
	a=$(lease_of "$L/d1.log")
	seen=$(sed -n 's/^VNET-LAB: uplink \([^ ]*\).*/\1/p' "$L/d1.log" | tr -d '\r' | head -n1)
	case "$a" in 10.77.0.*) t_ok "booted with it: leases $a" ;; *) t_fail "booted with it: leases" "got '$a'" ;; esac
	[ "$seen" = 10.255.7.1 ] && t_ok "booted with it: reaches the uplink through vnet's NAT" || t_fail "booted with it: reaches the uplink" "seen as '$seen'"
else
	t_fail "the domain boots with the vnet NIC and leases" "$(tail -5 "$L/d1.log")"
fi
run V destroy "$NET"
[ "$RC" -eq 0 ] && printf '%s' "$OUT" | grep -q "Detached 1 interface" && t_ok "vnet destroy detaches the domain's interface first" ||
	t_fail "vnet destroy detaches first" "$OUT" "$ERR"
[ "$(iface_count d1 --inactive)" -eq 0 ] && t_ok "destroy: the persistent definition has no interface" || t_fail "destroy: the persistent definition has no interface" "$(LV domiflist d1 --inactive)"
busywait 20000 sh -c "[ \$(nsenter -t $LVSB_PID -m -n virsh -q -c qemu:///system domiflist d1 2>/dev/null | grep -c ethernet) -eq 0 ]" &&
	t_ok "destroy: the running domain has no interface" || t_fail "destroy: the running domain has no interface" "$(LV domiflist d1)"
! ip -n "$H" link show "$IF2" >/dev/null 2>&1 && [ ! -e "$R/run/vnet/$NET" ] && t_ok "destroy leaves nothing of the network" || t_fail "destroy leaves nothing of the network" "$(ls -R "$R/run/vnet")"
LV destroy d1 >/dev/null 2>&1

# ---- faults (builds with --enable-fault-injection)
if grep -q 'define VNET_FAULT_INJECTION 1' "$top_builddir/config.h"; then
	V start "$NET" >/dev/null || t_fail "restart $NET"
	links0=$(ip -n "$H" -o link show | wc -l)
	for step in libvirt-record libvirt-port libvirt-attach libvirt-attached; do
		run ip netns exec "$H" env VNET_FAULT="$step" "$VNET" --root "$R" attach --connect "$URI" --config --mac 52:54:00:77:00:03 d1 "$NET"
		if [ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "step $step" && [ "$(port_count)" -eq 0 ] && journal_empty &&
			[ "$(iface_count d1 --inactive)" -eq 0 ] && [ "$(ip -n "$H" -o link show | wc -l)" -eq "$links0" ]; then
			t_ok "VNET_FAULT=$step: attach fails and leaves nothing"
		else
			t_fail "VNET_FAULT=$step: attach fails and leaves nothing" "rc=$RC $ERR" "$(V port-list "$NET")" "$(LV domiflist d1 --inactive)"
		fi
	done
	ip netns exec "$H" env VNET_CRASH=libvirt-attached "$VNET" --root "$R" attach --connect "$URI" --config --mac 52:54:00:77:00:04 d1 "$NET" >/dev/null 2>&1
	[ "$(iface_count d1 --inactive)" -eq 1 ] && ! journal_empty && t_ok "VNET_CRASH=libvirt-attached: killed with the domain holding the interface" ||
		t_fail "VNET_CRASH=libvirt-attached leaves a journal" "$(LV domiflist d1 --inactive)"
	run V destroy "$NET"
	[ "$RC" -eq 0 ] && [ "$(iface_count d1 --inactive)" -eq 0 ] && [ ! -e "$R/run/vnet/$NET" ] &&
		! ip -n "$H" -o link show | grep -q ': vnet[0-9]' &&
		t_ok "destroy after the crash detaches and cleans up" || t_fail "destroy after the crash cleans up" "$OUT $ERR" "$(LV domiflist d1 --inactive)"
else
	t_skip "fault injection at every attach step" "build without --enable-fault-injection"
fi

LV undefine d1 >/dev/null 2>&1
kill "$LVSB_PID" 2>/dev/null
t_done
