#!/bin/bash
# libvirt-adopt.sh: `vnet adopt` / `vnet adopt --undo` of a RUNNING libvirt NAT network with
# guests on it, in the throwaway libvirtd sandbox (tests/libvirtd-sandbox.sh): a REAL QEMU
# domain (TCG, <interface type='network'>) and a namespace guest on libvirt's bridge.
#  - adopt: vnet runs the network on the same bridge; libvirt's dnsmasq and rules are gone;
#    libvirt keeps a <forward mode='bridge'> stand-in so a new domain with
#    <source network='NAME'/> starts (and leases from vnet's dnsmasq); the guests keep their
#    addresses (the lease is carried over), reach each other and the uplink through vnet's NAT;
#  - --undo: libvirt's network is back (NAT, its dnsmasq), the guests still connected;
#  - the downtime a guest sees: the namespace guest pings the QEMU guest every 10 ms across
#    each switch-over; the longest gap between replies is printed (median of VNET_ADOPT_ROUNDS
#    adopt/undo rounds, default 5). Measured, not asserted.
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
ping -V 2>/dev/null | grep -q iputils || { echo "SKIP: iputils-ping is not installed (apt-get install iputils-ping)"; exit 77; }
e2e_need_qemu
e2e_build_guest || { echo "cannot build the test guest"; exit 1; }
ROUNDS=${VNET_ADOPT_ROUNDS:-5}

setup_ns H U G || exit 1
R=$(mktemp_dir)
L=$(mktemp_dir)
lvsb_prepare "$L"
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

link_uplink "$H" "$U" 10.255.8.1 10.255.8.2 || { t_fail "uplink"; t_done; }
listen_peer "$U" 7000 || { t_fail "uplink listener"; t_done; }
NET=lvad
BR=virbr-ad$((RANDOM % 100))
cat >"$L/net.xml" <<EOF
<network>
  <name>$NET</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='on' delay='0'/>
  <ip address='192.168.181.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.181.100' end='192.168.181.200'/></dhcp>
  </ip>
</network>
EOF
run LV net-define "$L/net.xml"
[ "$RC" -eq 0 ] || { t_fail "virsh net-define" "$ERR"; t_done; }
LV net-autostart "$NET" >/dev/null
run LV net-start "$NET"
[ "$RC" -eq 0 ] && t_ok "libvirt runs NAT network $NET on $BR" || { t_fail "virsh net-start" "$ERR"; t_done; }

domain_xml() { # NAME CONSOLE-LOG MAC HOLD
	cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$E2E_KERNEL</kernel>
    <initrd>$E2E_INITRD</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet loglevel=1 rdinit=/init vnet.wait=60 vnet.hold=$4</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <interface type='network'><source network='$NET'/><mac address='$3'/><model type='virtio'/><rom enabled='no'/></interface>
    <serial type='file'><source path='$2'/><target port='0'/></serial>
  </devices>
</domain>
EOF
}
domain_xml d2 "$L/d2.log" 52:54:00:88:00:02 900 >"$L/d2.xml"
LV define "$L/d2.xml" >/dev/null && run LV start d2
[ "$RC" -eq 0 ] || { t_fail "virsh start d2 (TCG)" "$ERR" "$(tail -5 "$L/log/qemu/d2.log")"; t_done; }
if ! wait_line "$L/d2.log" "VNET-E2E: lease" 120; then
	t_fail "QEMU guest d2 leases from libvirt" "$(tail -5 "$L/d2.log")"
	t_done
fi
IP2=$(lease_of "$L/d2.log" | cut -d/ -f1)
case "$IP2" in 192.168.181.*) t_ok "QEMU guest d2 leases from libvirt's dnsmasq ($IP2)" ;; *) t_fail "d2 leases" "got '$IP2'"; t_done ;; esac
TAP2=$(LV domiflist d2 | awk '/network/{print $1}')
plug_guest "$H" "$G" "$BR" 52:54:00:88:00:10
IPG=$(dhcp "$G")
case "$IPG" in 192.168.181.*) t_ok "namespace guest G leases from libvirt ($IPG)" ;; *) t_fail "G leases" "got '$IPG'"; t_done ;; esac
can_ping "$G" "$IP2" && t_ok "G reaches d2 on libvirt's bridge" || t_fail "G reaches d2"
seen=$(seen_as "$G" 10.255.8.2 7000)
[ "$seen" = 10.255.8.1 ] && t_ok "G reaches the uplink through libvirt's NAT" || t_fail "G reaches the uplink through libvirt's NAT" "seen as '$seen'"
LV net-dhcp-leases "$NET" | grep -q "$IP2" || t_fail "libvirt knows d2's lease"

# ping G -> d2 every 10 ms in the background; gap FILE: longest silence between replies (ms)
ping_start() { ip netns exec "$G" ping -D -n -i 0.01 -W 1 "$IP2" >"$1" 2>&1 & PINGPID=$!; PIDS+=("$PINGPID"); sleep 0.5; }
ping_stop() { kill -INT "$PINGPID" 2>/dev/null; wait "$PINGPID" 2>/dev/null; }
gap() { awk -F'[][]' '/bytes from/{t=$2; if (p) {g=(t-p)*1000; if (g>m) m=g}; p=t} END{printf "%.0f", m}' "$1"; }
libvirt_dnsmasq() { pgrep -f "dnsmasq/$NET.conf" >/dev/null; }

# ---- adopt, checked in full
libvirt_dnsmasq && t_ok "libvirt's dnsmasq for $NET runs" || t_fail "libvirt's dnsmasq runs"
ping_start "$L/ping1"
run V -v --json adopt --connect "$URI" "$NET"
ping_stop
printf '%s\n' "$ERR" | grep -E "stopped|started|adopted" | sed 's/^/      /'
if [ "$RC" -ne 0 ]; then
	t_fail "vnet adopt $NET" "$ERR"
	t_done
fi
sw=$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%s %s %s" % (d["switch_ms"], d["ports"], d["leases"]))')
t_ok "vnet adopt $NET (switch-over, leases, ports: $sw)"
down=$(gap "$L/ping1")
[ -n "$down" ] && t_ok "downtime seen by a guest (G pings d2 every 10 ms): ${down} ms" || t_fail "downtime measured" "$(tail -3 "$L/ping1")"
DOWN=("$down")
V list | grep -E "^ *$NET +active" >/dev/null && t_ok "vnet runs $NET" || t_fail "vnet runs $NET" "$(V list --all)"
LV net-dumpxml "$NET" | grep -q "<forward mode='bridge'/>" && LV net-dumpxml "$NET" | grep -q "<bridge name='$BR'/>" &&
	LV net-info "$NET" | grep -qE 'Active: +yes' && t_ok "libvirt keeps $NET as an active <forward mode='bridge'> stand-in on $BR" ||
	t_fail "libvirt's stand-in" "$(LV net-dumpxml "$NET")"
[ "$(LV net-uuid "$NET")" = "$(V dumpxml "$NET" | sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p')" ] && t_ok "same UUID in libvirt and vnet" || t_fail "same UUID"
! libvirt_dnsmasq && t_ok "libvirt's dnsmasq is gone" || t_fail "libvirt's dnsmasq is gone" "$(pgrep -af dnsmasq)"
# (vnet's own DHCP checksum fill, VNET_CSUM_* tagged vnet:NAME, is not libvirt's)
[ "$(ip netns exec "$H" iptables-save 2>/dev/null | grep -- "$BR" | grep -vc -- 'VNET_CSUM_')" -eq 0 ] && t_ok "libvirt's firewall rules for $BR are gone" ||
	t_fail "libvirt's rules are gone" "$(ip netns exec "$H" iptables-save | grep -- "$BR" | grep -v -- 'VNET_CSUM_' | head -5)"
ip netns exec "$H" nft list table inet vnet 2>/dev/null | grep -q -- "$BR" && t_ok "vnet's rules for $BR are in vnet's table" || t_fail "vnet's rules in vnet's table"
[ "$(ip -n "$H" -o link show "$TAP2" | grep -c "master $BR")" -eq 1 ] && t_ok "d2's tap $TAP2 is back on the bridge" || t_fail "d2's tap is back on the bridge" "$(ip -n "$H" -o link show "$TAP2")"
can_ping "$G" "$IP2" && t_ok "the guests reach each other through vnet's bridge" || t_fail "the guests reach each other after adopt"
a=$(dhcp "$G")
[ "$a" = "$IPG" ] && t_ok "G renews from vnet's dnsmasq and keeps its address ($a)" || t_fail "G keeps its address" "was $IPG, now '$a'"
V dhcp-leases "$NET" | grep -q "$IP2" && t_ok "vnet's dnsmasq carries d2's lease ($IP2)" || t_fail "vnet's dnsmasq carries d2's lease" "$(V dhcp-leases "$NET")"
seen=$(seen_as "$G" 10.255.8.2 7000)
[ "$seen" = 10.255.8.1 ] && t_ok "G reaches the uplink through vnet's NAT" || t_fail "G reaches the uplink through vnet's NAT" "seen as '$seen'"
expect_fail "a second adopt is refused" 1 "already adopted" V adopt --connect "$URI" "$NET"

# a new domain whose definition says <source network='NAME'/> still starts, on vnet's bridge
domain_xml d3 "$L/d3.log" 52:54:00:88:00:03 2 >"$L/d3.xml"
LV define "$L/d3.xml" >/dev/null && run LV start d3
if [ "$RC" -eq 0 ]; then
	t_ok "a domain with <source network='$NET'/> starts on the stand-in"
	if wait_line "$L/d3.log" "VNET-E2E: lease" 120; then
		a=$(lease_of "$L/d3.log")
		case "$a" in 192.168.181.*) t_ok "it leases from vnet's dnsmasq ($a)" ;; *) t_fail "d3 leases from vnet" "got '$a'" ;; esac
	else
		t_fail "d3 leases from vnet's dnsmasq" "$(tail -3 "$L/d3.log")"
	fi
	LV destroy d3 >/dev/null 2>&1
else
	t_fail "a domain with <source network='$NET'/> starts on the stand-in" "$ERR"
fi

# ---- undo
ping_start "$L/ping2"
run V adopt --undo --connect "$URI" "$NET"
ping_stop
[ "$RC" -eq 0 ] && t_ok "vnet adopt --undo: $OUT" || t_fail "vnet adopt --undo" "$ERR"
t_ok "downtime of the give-back seen by G: $(gap "$L/ping2") ms"
LV net-dumpxml "$NET" | grep -q "<forward mode='nat'" && LV net-info "$NET" | grep -qE 'Active: +yes' &&
	LV net-info "$NET" | grep -qE 'Autostart: +yes' && t_ok "libvirt runs its NAT network again (autostart kept)" || t_fail "libvirt runs its network again" "$(LV net-dumpxml "$NET")"
libvirt_dnsmasq && t_ok "libvirt's dnsmasq is back" || t_fail "libvirt's dnsmasq is back"
! V dumpxml "$NET" >/dev/null 2>&1 && [ ! -e "$R/run/vnet/$NET" ] && [ ! -e "$R/run/vnet-adopt/$NET" ] &&
	t_ok "vnet's network, definition and journal are gone" || t_fail "vnet's side is gone" "$(ls -R "$R/run")"
ip netns exec "$H" nft list table inet vnet 2>/dev/null | grep -q -- "$BR" && t_fail "no vnet rules for $BR left" || t_ok "no vnet rules for $BR left"
# libvirt's bridge runs STP (stp='on'): a re-attached port forwards after the kernel's delay
busywait 15000 can_ping "$G" "$IP2" && t_ok "the guests are still connected" || t_fail "the guests are still connected"
seen=$(seen_as "$G" 10.255.8.2 7000)
[ "$seen" = 10.255.8.1 ] && t_ok "G reaches the uplink through libvirt's NAT again" || t_fail "G reaches the uplink through libvirt's NAT again" "seen as '$seen'"

# ---- faults during the switch-over give the network back; a crash is undone by --undo
back_to_libvirt() {
	LV net-dumpxml "$NET" | grep -q "<forward mode='nat'" && LV net-info "$NET" | grep -qE 'Active: +yes' &&
		! V dumpxml "$NET" >/dev/null 2>&1 && [ ! -e "$R/run/vnet-adopt/$NET" ] && [ ! -e "$R/run/vnet/$NET" ] &&
		busywait 15000 can_ping "$G" "$IP2"
}
if grep -q 'define VNET_FAULT_INJECTION 1' "$top_builddir/config.h"; then
	for step in adopt-define adopt-stop-libvirt adopt-start adopt-standin; do
		run ip netns exec "$H" env VNET_FAULT="$step" "$VNET" --root "$R" adopt --connect "$URI" "$NET"
		[ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "step $step" && back_to_libvirt &&
			t_ok "VNET_FAULT=$step: adopt fails, libvirt runs the network again, guests connected" ||
			t_fail "VNET_FAULT=$step: adopt fails and gives the network back" "rc=$RC $ERR" "$(LV net-dumpxml "$NET" | head -5)"
	done
	ip netns exec "$H" env VNET_CRASH=adopt-standin "$VNET" --root "$R" adopt --connect "$URI" "$NET" >/dev/null 2>&1
	[ -e "$R/run/vnet-adopt/$NET" ] && t_ok "VNET_CRASH=adopt-standin: killed halfway, the journal remains" || t_fail "VNET_CRASH=adopt-standin leaves a journal"
	run V adopt --undo --connect "$URI" "$NET"
	[ "$RC" -eq 0 ] && back_to_libvirt && t_ok "adopt --undo after the crash gives the network back, guests connected" ||
		t_fail "adopt --undo after the crash" "$ERR"
else
	t_skip "fault injection at every adopt step" "build without --enable-fault-injection"
fi

# ---- more rounds for the figure
for i in $(seq 2 "$ROUNDS"); do
	ping_start "$L/ping-r$i"
	V adopt --connect "$URI" "$NET" >/dev/null 2>"$L/err" || { t_fail "adopt round $i" "$(cat "$L/err")"; ping_stop; break; }
	ping_stop
	DOWN+=("$(gap "$L/ping-r$i")")
	sleep 0.5
	V adopt --undo --connect "$URI" "$NET" >/dev/null 2>"$L/err" || { t_fail "undo round $i" "$(cat "$L/err")"; break; }
	busywait 15000 can_ping "$G" "$IP2" # libvirt's STP delay before the next round
done
med=$(printf '%s\n' "${DOWN[@]}" | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}')
t_ok "adopt downtime over ${#DOWN[@]} rounds: median ${med} ms (each: ${DOWN[*]} ms)"
busywait 15000 can_ping "$G" "$IP2" && t_ok "after every round the guests are connected" || t_fail "after every round the guests are connected"

LV destroy d2 >/dev/null 2>&1
LV undefine d2 >/dev/null 2>&1
LV undefine d3 >/dev/null 2>&1
LV net-destroy "$NET" >/dev/null 2>&1
kill "$LVSB_PID" 2>/dev/null
t_done
