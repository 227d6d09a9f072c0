#!/bin/bash
# overlay-evpn.sh: the same rack as overlay.sh, with BGP EVPN as the control
# plane: each host's vnet runs its own FRR (zebra + bgpd, every file under its
# --root), iBGP l2vpn evpn with advertise-all-vni. Flood lists (type-3) and
# guest MACs (type-2) come from BGP: no static FDB entries. Measures how fast
# a new guest's MAC reaches the other hosts, checks that a stopped host's
# MACs are withdrawn and that destroy removes that host's FRR.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/overlay-lib.sh"
need_root
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
if [ ! -x /usr/lib/frr/bgpd ] || ! command -v vtysh >/dev/null; then
	if [ -z "${VNET_NO_INSTALL:-}" ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends frr >/dev/null 2>&1
	fi
	[ -x /usr/lib/frr/bgpd ] && command -v vtysh >/dev/null || { echo "SKIP: FRR (zebra, bgpd, vtysh) is not installed and could not be installed"; exit 77; }
fi

rack_setup 3 || { echo "cannot create namespaces"; exit 1; }
ip -n "$H1" link add vxprobe type vxlan id 1 dstport 4789 2>/dev/null || { echo "SKIP: no vxlan support in this kernel"; exit 77; }
ip -n "$H1" link del vxprobe
setup_ns G1 G2 G3 G3b || exit 1
T=$(mktemp_dir)
overlay_xml evpn '        <vnet:bgp-peer address="172.31.255.1"/>
        <vnet:bgp-peer address="172.31.255.2"/>
        <vnet:bgp-peer address="172.31.255.3"/>' 'asn="65000"' >"$T/rack.xml"
for i in 1 2 3; do
	run VH $i define "$T/rack.xml"
	[ "$RC" -eq 0 ] || t_fail "define on host $i" "$ERR"
done
vty() { local i=$1 r; shift; eval "r=\$R$i"; ip netns exec "$(eval echo \$H$i)" vtysh --vty_socket "$r/run/vnet/.frr" "$@" 2>/dev/null; }
fdb_has() { ip netns exec "$1" bridge fdb show dev vxlan100 | grep -qi "^$2 .*dst $3"; }
remote_vteps() { ip netns exec "$1" bridge fdb show dev vxlan100 | sed -n 's/^00:00:00:00:00:00 dst \([0-9.]*\) .*/\1/p' | sort | tr '\n' ' '; }

for i in 1 2; do
	run VH $i start rack
	if [ "$RC" -eq 0 ]; then t_ok "start on host $i (own zebra + bgpd)"; else
		eval "r=\$R$i"
		t_fail "start on host $i" "$ERR" "$(cat "$r"/run/vnet/.frr/*.log 2>/dev/null | tail -5)"
		t_done
	fi
done
plug "$H1" "$G1" vnrack0; plug "$H2" "$G2" vnrack0
a1=$(dhcp_mtu "$G1"); a2=$(dhcp_mtu "$G2")
t0=$(date +%s%N)
run VH 3 start rack
[ "$RC" -eq 0 ] && t_ok "start on host 3 ($(ms_since "$t0") ms)" || t_fail "start on host 3" "$ERR"
plug "$H3" "$G3" vnrack0
ip -n "$G3" addr add 10.77.0.33/24 dev eth0
if busywait 30000 can_ping "$G3" "$a1"; then
	t_ok "first cross-host ping $(ms_since "$t0") ms after start on the last host"
else
	t_fail "first cross-host ping after start on the last host" "$(vty 3 -c 'show bgp l2vpn evpn summary')"
fi
ip -n "$G3" addr flush dev eth0
a3=$(dhcp_mtu "$G3")
for g in 1 2 3; do
	eval "a=\$a$g"
	case "$a" in 10.77.0.1[0-9][0-9]) t_ok "guest on host $g leases from the gateway's dnsmasq ($a)" ;;
	*) t_fail "guest on host $g leases from the gateway's dnsmasq" "got '$a'" ;; esac
done

s=$(vty 1 -c 'show bgp l2vpn evpn summary')
n=$(printf '%s\n' "$s" | grep -cE '^172\.31\.255\.[23] .* [0-9]+ +[0-9]+ +N/A|^172\.31\.255\.[23] +4 +65000 .*[0-9]+$')
printf '%s' "$s" | grep -q '172.31.255.2' && printf '%s' "$s" | grep -q '172.31.255.3' && ! printf '%s' "$s" | grep -qE 'Active|Connect|Idle' &&
	t_ok "host 1: iBGP l2vpn evpn sessions to hosts 2 and 3 established" || t_fail "host 1: BGP sessions established" "$s"
v=$(remote_vteps "$H2")
[ "$v" = "172.31.255.1 172.31.255.3 " ] && t_ok "host 2: flood list from type-3 routes (1, 3)" || t_fail "host 2: flood list from type-3 routes" "'$v' $(vty 2 -c 'show evpn vni 100')"
ip netns exec "$H2" bridge fdb show dev vxlan100 | grep -v '^00:00:00:00:00:00' | grep 'dst ' | grep -qv extern_learn &&
	t_fail "host 2: every remote MAC is from BGP (extern_learn), none static" "$(ip netns exec "$H2" bridge fdb show dev vxlan100)" ||
	t_ok "host 2: every remote MAC is from BGP (extern_learn), none static"
m1=$(ip -n "$G1" link show eth0 | sed -n 's/.*ether \([0-9a-f:]*\).*/\1/p')
busywait 3000 fdb_has "$H2" "$m1" 172.31.255.1 && busywait 3000 fdb_has "$H3" "$m1" 172.31.255.1 &&
	t_ok "guest 1's MAC is in hosts 2 and 3's FDB, towards host 1" || t_fail "guest 1's MAC in the other FDBs" "$(ip netns exec "$H3" bridge fdb show dev vxlan100)"

can_ping "$G2" "$a3" && t_ok "guest host 2 -> guest host 3" || t_fail "guest host 2 -> guest host 3"
can_ping "$G3" 10.77.0.1 && t_ok "guest host 3 -> gateway on host 1" || t_fail "guest host 3 -> gateway on host 1"
r=$(df_ping "$G2" "$a3" 1450)
[ "$r" = reply ] && t_ok "full-MTU (1450) DF ping across hosts passes" || t_fail "full-MTU DF ping across hosts passes" "$r"
r=$(df_ping "$G2" "$a3" 1451)
[ "$r" = refused ] && t_ok "1451-byte DF ping is refused, not lost" || t_fail "1451-byte DF ping is refused, not lost" "$r"

# --- a new guest: time from its first frame until hosts 1 and 2 know its MAC
plug "$H3" "$G3b" vnrack0
ip -n "$G3b" addr add 10.77.0.34/24 dev eth0
m=$(ip -n "$G3b" link show eth0 | sed -n 's/.*ether \([0-9a-f:]*\).*/\1/p')
t0=$(date +%s%N)
ip netns exec "$G3b" busybox arping -c 1 -U -I eth0 10.77.0.34 >/dev/null 2>&1
if busywait 5000 fdb_has "$H1" "$m" 172.31.255.3 && busywait 5000 fdb_has "$H2" "$m" 172.31.255.3; then
	t_ok "new guest's MAC reaches hosts 1 and 2 in $(ms_since "$t0") ms"
else
	t_fail "new guest's MAC reaches the other hosts" "$(ip netns exec "$H1" bridge fdb show dev vxlan100)"
fi
busywait 3000 can_ping "$G1" 10.77.0.34 && t_ok "new guest reachable from host 1" || t_fail "new guest reachable from host 1"
rx=$(avg_rtt "$G1" 10.77.0.34); rs=$(avg_rtt "$G3" 10.77.0.34)
[ -n "$rx" ] && [ -n "$rs" ] && t_ok "latency: cross-host ${rx} ms, same-host ${rs} ms (avg of 20)" || t_fail "latency measured" "'$rx' '$rs'"

# --- a stopped host: its MACs are withdrawn everywhere else
m3=$(ip -n "$G3" link show eth0 | sed -n 's/.*ether \([0-9a-f:]*\).*/\1/p')
t0=$(date +%s%N)
run VH 3 destroy rack
[ "$RC" -eq 0 ] && t_ok "destroy on host 3" || t_fail "destroy on host 3" "$ERR"
gone() { ! fdb_has "$H1" "$m3" 172.31.255.3 && ! fdb_has "$H2" "$m3" 172.31.255.3 && [ "$(remote_vteps "$H1")" = "172.31.255.2 " ]; }
busywait 15000 gone && t_ok "host 3's MACs and flood entry withdrawn from hosts 1, 2 ($(ms_since "$t0") ms)" || t_fail "host 3's MACs withdrawn" "$(ip netns exec "$H1" bridge fdb show dev vxlan100)"
! ip -n "$H3" link show vxlan100 >/dev/null 2>&1 && t_ok "host 3: vxlan link gone" || t_fail "host 3: vxlan link gone"
fr=$(ip netns pids "$H3" | xargs -r ps -o comm= -p 2>/dev/null | grep -cE 'zebra|bgpd')
[ "$fr" -eq 0 ] && [ ! -e "$R3/run/vnet/.frr" ] && t_ok "host 3: its FRR stopped and its configuration removed" || t_fail "host 3: FRR stopped, files removed" "$fr $(ls "$R3/run/vnet/.frr" 2>&1)"
ip netns exec "$H3" nft list tables | grep -q 'inet vnet' && t_fail "host 3: no vnet table left" || t_ok "host 3: no vnet table left"
can_ping "$G2" "$a1" && t_ok "hosts 1 and 2 still work" || t_fail "hosts 1 and 2 still work"

for i in 1 2; do
	run VH $i destroy rack
	[ "$RC" -eq 0 ] || t_fail "destroy on host $i" "$ERR"
done
left=""
for i in 1 2 3; do
	eval "h=\$H$i; r=\$R$i"
	ip -n "$h" -o link show type vxlan | grep -q . && left="$left vxlan@$i"
	ip netns pids "$h" | xargs -r ps -o comm= -p 2>/dev/null | grep -qE 'zebra|bgpd' && left="$left frr@$i"
	[ -n "$(ls -A "$r/run/vnet" 2>/dev/null | grep -v locks)" ] && left="$left state@$i"
done
[ -z "$left" ] && t_ok "destroy everywhere leaves nothing behind (links, FRR, state)" || t_fail "destroy everywhere leaves nothing behind" "$left"
t_done
