#!/bin/bash
# overlay.sh: one network across three "host" namespaces over a static VXLAN
# overlay (head-end replication). Every host runs vnet with its own --root
# and the same definition (local from eth1); host 1 is the gateway (address,
# NAT, the one dnsmasq), hosts 2 and 3 only bridge. Guests on every host
# lease from host 1 and reach each other; full-size DF frames pass or are
# refused; the underlay firewall drops a VTEP that is not a peer until
# overlay-peer-add; destroying one host leaves the others working.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/overlay-lib.sh"
need_root
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
rack_setup 3 || { echo "cannot create namespaces"; exit 1; }
ip -n "$H1" link add vxprobe type vxlan id 1 dstport 4789 2>/dev/null || { echo "SKIP: no vxlan support in this kernel"; exit 77; }
ip -n "$H1" link del vxprobe
setup_ns G1 G2 G2b G3 || exit 1
T=$(mktemp_dir)
overlay_xml vxlan '        <vnet:peer address="172.31.255.1"/>
        <vnet:peer address="172.31.255.2"/>
        <vnet:peer address="172.31.255.3"/>' 'port="4789"' >"$T/rack.xml"

for i in 1 2 3; do
	run VH $i define "$T/rack.xml"
	[ "$RC" -eq 0 ] || t_fail "define on host $i" "$ERR"
done
run VH 2 plan rack
printf '%s' "$OUT" | grep -q 'role: member' && printf '%s' "$OUT" | grep -q '1500 (measured) - 50' &&
	t_ok "plan on host 2: member, MTU arithmetic from the measured underlay" || t_fail "plan on host 2: member, MTU arithmetic" "$OUT"
for i in 1 2; do
	run VH $i start rack
	[ "$RC" -eq 0 ] && t_ok "start on host $i" || t_fail "start on host $i" "$ERR"
done
plug "$H1" "$G1" vnrack0; plug "$H2" "$G2" vnrack0; plug "$H2" "$G2b" vnrack0
a1=$(dhcp_mtu "$G1"); a2=$(dhcp_mtu "$G2"); a2b=$(dhcp_mtu "$G2b")

# the last host: time from its start to the first cross-host ping
t0=$(date +%s%N)
run VH 3 start rack
[ "$RC" -eq 0 ] && t_ok "start on host 3 ($(ms_since "$t0") ms)" || t_fail "start on host 3" "$ERR"
plug "$H3" "$G3" vnrack0
ip -n "$G3" addr add 10.77.0.33/24 dev eth0
if busywait 5000 can_ping "$G3" "$a1"; then
	t_first=$(ms_since "$t0")
	t_ok "first cross-host ping $(printf '%s' "$t_first") ms after start on the last host"
else
	t_fail "first cross-host ping after start on the last host"
fi
ip -n "$G3" addr flush dev eth0
a3=$(dhcp_mtu "$G3")

for g in 1 2 2b 3; do
	eval "a=\$a$g"
	case "$a" in 10.77.0.1[0-9][0-9]) t_ok "guest on host ${g%b} leases from the gateway's dnsmasq ($a)" ;;
	*) t_fail "guest G$g leases from the gateway's dnsmasq" "got '$a'" ;; esac
done
[ "$(cat "$T/mtu-$G3" 2>/dev/null)" = 1450 ] && t_ok "DHCP hands out the overlay MTU (1450)" || t_fail "DHCP hands out the overlay MTU" "$(cat "$T/mtu-$G3" 2>/dev/null)"
run VH 1 --json dhcp-leases rack
n=$(printf '%s' "$OUT" | grep -o '"ip":' | wc -l)
[ "$n" -eq 4 ] && t_ok "one DHCP server: host 1 holds all 4 leases" || t_fail "one DHCP server: host 1 holds all 4 leases" "$OUT"
d2=$(ip netns pids "$H2" | xargs -r ps -o comm= -p 2>/dev/null | grep -c dnsmasq)
[ "$d2" -eq 0 ] && ! ip -n "$H2" -4 addr show dev vnrack0 | grep -q inet && t_ok "member host runs no dnsmasq and has no address on the bridge" || t_fail "member host runs no dnsmasq, no address"

can_ping "$G2" "$a3" && t_ok "guest host 2 -> guest host 3" || t_fail "guest host 2 -> guest host 3"
can_ping "$G3" "$a1" && t_ok "guest host 3 -> guest host 1" || t_fail "guest host 3 -> guest host 1"
can_ping "$G3" 10.77.0.1 && t_ok "guest host 3 -> gateway on host 1" || t_fail "guest host 3 -> gateway on host 1"

mtu=$(ip -n "$H2" -o link show vxlan100 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
bmtu=$(ip -n "$H2" -o link show vnrack0 | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
ip -n "$H2" -d link show vxlan100 | grep -q 'vxlan id 100 local 172.31.255.2 .*dstport 4789' && [ "$mtu" = 1450 ] && [ "$bmtu" = 1450 ] &&
	t_ok "vxlan100: vni 100, local from eth1, dstport 4789, bridge and link at 1450" || t_fail "vxlan100 attributes" "$(ip -n "$H2" -d link show vxlan100) bridge $bmtu"
fdb=$(ip netns exec "$H2" bridge fdb show dev vxlan100 | sed -n 's/^00:00:00:00:00:00 dst \([0-9.]*\) .*/\1/p' | sort | tr '\n' ' ')
[ "$fdb" = "172.31.255.1 172.31.255.3 " ] && t_ok "flood list on host 2: the two other hosts" || t_fail "flood list on host 2" "$fdb"

r=$(df_ping "$G2" "$a3" 1450)
[ "$r" = reply ] && t_ok "full-MTU (1450) DF ping across hosts passes" || t_fail "full-MTU DF ping across hosts passes" "$r"
r=$(df_ping "$G2" "$a3" 1451)
[ "$r" = refused ] && t_ok "1451-byte DF ping is refused, not lost" || t_fail "1451-byte DF ping is refused, not lost" "$r"

rx=$(avg_rtt "$G2" "$a3"); rs=$(avg_rtt "$G2" "$a2b")
[ -n "$rx" ] && [ -n "$rs" ] && t_ok "latency: cross-host ${rx} ms, same-host ${rs} ms (avg of 20)" || t_fail "latency measured" "'$rx' '$rs'"

# --- a VTEP that is not a peer: the underlay firewall drops it until overlay-peer-add
ip -n "$UL" addr add 172.31.255.9/24 dev ul0
ip -n "$UL" link add vx9 mtu 1450 type vxlan id 100 local 172.31.255.9 dstport 4789
ip netns exec "$UL" bridge fdb append 00:00:00:00:00:00 dev vx9 dst 172.31.255.1
ip -n "$UL" addr add 10.77.0.9/24 dev vx9
ip -n "$UL" link set vx9 up
can_ping "$UL" 10.77.0.1 && t_fail "stranger VTEP is dropped by the underlay firewall" || t_ok "stranger VTEP is dropped by the underlay firewall"
drops=$(ip netns exec "$H1" nft list chain inet vnet vn_vnrack0_ovl | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
[ "${drops:-0}" -gt 0 ] && t_ok "its packets counted as dropped ($drops)" || t_fail "its packets counted as dropped" "$drops"
run VH 1 overlay-peer-add rack 172.31.255.9
[ "$RC" -eq 0 ] && busywait 3000 can_ping "$UL" 10.77.0.1 && t_ok "overlay-peer-add: the new VTEP reaches the gateway" || t_fail "overlay-peer-add: the new VTEP reaches the gateway" "$ERR"
can_ping "$G2" "$a3" && t_ok "traffic between the others undisturbed" || t_fail "traffic between the others undisturbed"
expect_fail "overlay-peer-add of an existing peer is refused" 1 "already a peer" VH 1 overlay-peer-add rack 172.31.255.9
run VH 1 overlay-peer-del rack 172.31.255.9
[ "$RC" -eq 0 ] && ! can_ping "$UL" 10.77.0.1 && t_ok "overlay-peer-del: the VTEP is cut off again" || t_fail "overlay-peer-del: the VTEP is cut off again" "$ERR"
ip -n "$UL" link del vx9

# --- destroy on host 3: its link, flood entries and rules go; the others keep working
run VH 3 destroy rack
[ "$RC" -eq 0 ] && t_ok "destroy on host 3" || t_fail "destroy on host 3" "$ERR"
! ip -n "$H3" link show vxlan100 >/dev/null 2>&1 && ! ip -n "$H3" link show vnrack0 >/dev/null 2>&1 &&
	t_ok "host 3: vxlan link and bridge gone" || t_fail "host 3: vxlan link and bridge gone"
ip netns exec "$H3" nft list tables | grep -q 'inet vnet' && t_fail "host 3: no vnet table left" || t_ok "host 3: no vnet table left"
[ -z "$(ip netns exec "$H3" bridge fdb show | grep 'dst 172.31.255')" ] && t_ok "host 3: no FDB entries left" || t_fail "host 3: no FDB entries left"
can_ping "$G2" "$a1" && t_ok "hosts 1 and 2 still work" || t_fail "hosts 1 and 2 still work"

for i in 1 2; do
	run VH $i destroy rack
	[ "$RC" -eq 0 ] || t_fail "destroy on host $i" "$ERR"
done
left=""
for i in 1 2 3; do
	eval "h=\$H$i; r=\$R$i"
	ip -n "$h" -o link show type vxlan | grep -q . && left="$left vxlan@$i"
	ip netns exec "$h" nft list tables | grep -q 'inet vnet' && left="$left nft@$i"
	[ -n "$(ls -A "$r/run/vnet" 2>/dev/null | grep -v locks)" ] && left="$left state@$i"
done
[ -z "$left" ] && t_ok "destroy everywhere leaves nothing behind" || t_fail "destroy everywhere leaves nothing behind" "$left"
t_done
