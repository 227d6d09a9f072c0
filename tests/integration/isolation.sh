#!/bin/bash
# isolation.sh: is isolation real? A "host" namespace runs three vnet networks
# of different modes — NAT (two of them), isolated, routed — with namespace
# guests on each (ports made by `vnet port-add --netns`); an "uplink"
# namespace plays the LAN and the outside, with several addresses. From a
# guest on the isolated network and from one on a NAT network the test tries
# to reach everything else, lets the uplink try to reach the guests
# unsolicited, and has the guests send with spoofed source addresses (and
# another MAC) toward the uplink, where an nft rule records every source that
# arrives. It prints a table of attempts and what got through, asserts that
# nothing libvirt's semantics forbid got through (and that what they allow
# does, so a "blocked" is not an artefact of a broken sandbox), and a summary
# line.
#
# libvirt's semantics, as asserted:
#  - isolated: guests reach each other and the host; nothing is forwarded.
#  - nat: out to anywhere, masqueraded; in only replies (and port forwards);
#    to another NAT network's guests: refused by that network's rules; to a
#    routed network's guests: allowed (its rules accept traffic to its subnet).
#  - route: in and out to and from its subnet, not masqueraded.
#  - the host's own addresses (other networks' gateways, its uplink address)
#    are delivered locally, not forwarded: libvirt filters only DHCP/DNS
#    towards the host, so they are reported, not asserted.
#  - spoofing: libvirt does not stop a guest from using another guest's
#    address inside its own NAT subnet (it is masqueraded like any other); a
#    source outside the network's subnet must be dropped.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
command -v socat >/dev/null || { echo "SKIP: socat is not installed"; exit 77; }

setup_ns H U GN GN2 GO GI GR || exit 1
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }

# --- the uplink: the LAN the host sits on, another host on it, and "the outside"
link_uplink "$H" "$U" 10.255.0.1 10.255.0.2
ip -n "$U" addr add 10.255.0.3/24 dev up0     # another machine on the host's LAN
ip -n "$U" addr add 198.51.100.1/32 dev lo    # the outside
ip -n "$U" addr add 203.0.113.1/32 dev lo     # more outside
ip -n "$H" route add default via 10.255.0.2
# no reverse-path filter in the host, so that a spoofed source is stopped by vnet's rules or
# not at all (bridges made later take the default)
ip netns exec "$H" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
# the uplink routes the guests' subnets to the host (a hostile LAN would): only the routed
# one is meant to be reachable that way
for s in 10.70.1.0/24 10.70.2.0/24 10.70.3.0/24 10.70.4.0/24; do
	ip -n "$U" route add "$s" via 10.255.0.1
done

net() { # net NAME MODE-XML BRIDGE SUBNET-PREFIX
	cat >"$R/$1.xml" <<X
<network><name>$1</name>$2<bridge name='$3' stp='off'/>
  <ip address='$4.1' prefix='24'/></network>
X
	run V define "$R/$1.xml" && run V start "$1"
	[ "$RC" -eq 0 ] || { t_fail "start $1" "$ERR"; t_done; }
}
net nat1 "<forward mode='nat'/>" vnbr-n1 10.70.1
net nat2 "<forward mode='nat'/>" vnbr-n2 10.70.2
net iso "" vnbr-i 10.70.3
net rt "<forward mode='route'/>" vnbr-r 10.70.4

guest() { # guest NS NET ADDR MAC
	run V port-add "$2" --netns "/run/netns/$1" --mac "$4"
	[ "$RC" -eq 0 ] || { t_fail "port-add $2 for $1" "$ERR"; t_done; }
	ip -n "$1" addr add "$3/24" dev eth0
	ip -n "$1" route add default via "${3%.*}.1"
}
guest "$GN" nat1 10.70.1.10 52:54:00:70:01:10
guest "$GN2" nat1 10.70.1.11 52:54:00:70:01:11
guest "$GO" nat2 10.70.2.10 52:54:00:70:02:10
guest "$GI" iso 10.70.3.10 52:54:00:70:03:10
guest "$GR" rt 10.70.4.10 52:54:00:70:04:10

# every namespace answers TCP on port 7000 with the source address it sees
for ns in "$H" "$U" "$GN" "$GN2" "$GO" "$GI" "$GR"; do listen_peer "$ns" 7000; done

# the uplink records every UDP source that arrives on ports 40000-40099, before anything else
ip netns exec "$U" nft -f - <<'N' || { t_fail "observer ruleset in the uplink"; t_done; }
table ip obs {
	set seen { type ipv4_addr . inet_service; flags dynamic; size 1024; }
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		udp dport 40000-40099 add @seen { ip saddr . udp dport }
	}
}
N
seen_udp() { ip netns exec "$U" nft list set ip obs seen | grep -oE "[0-9.]+ \. $1\b" | cut -d' ' -f1 | sort -u | paste -sd,; }

ROWS=()
n_forbidden=0 forbidden_through=0 n_allowed=0 allowed_through=0 n_info=0
# attempt FROM-LABEL FROM-NS TO-LABEL ADDR RULE: RULE is forbidden, allowed or host (reported)
attempt() {
	local seen got
	seen=$(ip netns exec "$2" socat -T1 - "TCP:$4:7000,connect-timeout=1" </dev/null 2>/dev/null)
	if [ -n "$seen" ]; then got="through (seen as $seen)"; else got="blocked"; fi
	ROWS+=("$(printf '%-10s %-36s %-10s %s' "$1" "$3 $4" "$5" "$got")")
	case $5 in
	forbidden)
		n_forbidden=$((n_forbidden + 1))
		if [ -n "$seen" ]; then
			forbidden_through=$((forbidden_through + 1))
			t_fail "$1 -> $3 $4 is refused" "got through, seen as $seen"
		else
			t_ok "$1 -> $3 $4 is refused"
		fi ;;
	allowed)
		n_allowed=$((n_allowed + 1))
		if [ -n "$seen" ]; then
			allowed_through=$((allowed_through + 1))
			t_ok "$1 -> $3 $4 works (seen as $seen)"
		else
			t_fail "$1 -> $3 $4 works" "blocked"
		fi ;;
	*) n_info=$((n_info + 1)) ;;
	esac
	LAST_SEEN=$seen
}

# --- from the isolated network's guest
attempt iso-guest "$GI" "own gateway" 10.70.3.1 host
attempt iso-guest "$GI" "nat1 guest" 10.70.1.10 forbidden
attempt iso-guest "$GI" "nat2 guest" 10.70.2.10 forbidden
attempt iso-guest "$GI" "routed guest" 10.70.4.10 forbidden
attempt iso-guest "$GI" "nat1 gateway" 10.70.1.1 host
attempt iso-guest "$GI" "routed gateway" 10.70.4.1 host
attempt iso-guest "$GI" "host uplink addr" 10.255.0.1 host
attempt iso-guest "$GI" "uplink" 10.255.0.2 forbidden
attempt iso-guest "$GI" "uplink LAN host" 10.255.0.3 forbidden
attempt iso-guest "$GI" "outside" 198.51.100.1 forbidden
attempt iso-guest "$GI" "outside" 203.0.113.1 forbidden

# --- from a NAT network's guest
attempt nat-guest "$GN" "own gateway" 10.70.1.1 host
attempt nat-guest "$GN" "same-net guest" 10.70.1.11 allowed
attempt nat-guest "$GN" "nat2 guest" 10.70.2.10 forbidden
attempt nat-guest "$GN" "isolated guest" 10.70.3.10 forbidden
attempt nat-guest "$GN" "routed guest" 10.70.4.10 allowed
attempt nat-guest "$GN" "nat2 gateway" 10.70.2.1 host
attempt nat-guest "$GN" "isolated gateway" 10.70.3.1 host
attempt nat-guest "$GN" "host uplink addr" 10.255.0.1 host
attempt nat-guest "$GN" "uplink" 10.255.0.2 allowed
[ "$LAST_SEEN" = 10.255.0.1 ] && t_ok "NAT guest is seen outside as the host (masqueraded)" || t_fail "NAT guest is seen outside as the host" "seen as '$LAST_SEEN'"
attempt nat-guest "$GN" "uplink LAN host" 10.255.0.3 allowed
attempt nat-guest "$GN" "outside" 198.51.100.1 allowed
attempt nat-guest "$GN" "outside" 203.0.113.1 allowed

# --- unsolicited, from the uplink
attempt uplink "$U" "nat1 guest" 10.70.1.10 forbidden
attempt uplink "$U" "nat2 guest" 10.70.2.10 forbidden
attempt uplink "$U" "isolated guest" 10.70.3.10 forbidden
attempt uplink "$U" "routed guest" 10.70.4.10 allowed
[ "$LAST_SEEN" = 10.255.0.2 ] && t_ok "routed network: not masqueraded (guest sees the uplink's own address)" || t_fail "routed network: not masqueraded" "seen as '$LAST_SEEN'"

# --- spoofing toward the uplink: UDP from a source the guest does not own, with another MAC
# spoof FROM-LABEL NS SRC PORT RULE WHAT
n_spoof=0 spoof_dropped=0 spoof_outside=0 spoof_masq=0
spoof() {
	local ns=$2 src=$3 port=$4 mac seen got what
	mac=$(ip netns exec "$ns" cat /sys/class/net/eth0/address)
	ip -n "$ns" link set eth0 address 52:54:00:66:66:66
	ip -n "$ns" addr add "$src/32" dev eth0 2>/dev/null
	for _ in 1 2 3; do
		echo spoof | ip netns exec "$ns" socat -u - "UDP-SENDTO:198.51.100.1:$port,bind=$src" 2>/dev/null
	done
	ip -n "$ns" addr del "$src/32" dev eth0 2>/dev/null
	ip -n "$ns" link set eth0 address "$mac"
	sleep 0.2
	seen=$(seen_udp "$port")
	if [ -n "$seen" ]; then got="through (seen as $seen)"; else got="dropped"; fi
	what="spoof src $src -> outside"
	[ "$5" = allowed ] && what="own src $src, new MAC -> outside"
	ROWS+=("$(printf '%-10s %-36s %-10s %s' "$1" "$what" "$5" "$got")")
	n_spoof=$((n_spoof + 1))
	case $5 in
	forbidden)
		spoof_outside=$((spoof_outside + 1))
		if [ -z "$seen" ]; then
			spoof_dropped=$((spoof_dropped + 1))
			t_ok "$1: spoofed source $src ($6) is dropped"
		else
			t_fail "$1: spoofed source $src ($6) is dropped" "arrived at the uplink as $seen"
		fi ;;
	masq)
		if [ "$seen" = 10.255.0.1 ]; then
			spoof_masq=$((spoof_masq + 1))
			t_ok "$1: spoofed source $src ($6) is masqueraded, as libvirt does"
		else
			t_fail "$1: spoofed source $src ($6) is masqueraded, as libvirt does" "seen as '$seen'"
		fi ;;
	esac
}
# sanity: the guest's own address arrives (so that "dropped" below means something)
spoof nat-guest "$GN" 10.70.1.10 40000 allowed "its own address" # MAC changed, address its own
[ "$(seen_udp 40000)" = 10.255.0.1 ] && t_ok "nat-guest: UDP with another MAC reaches the uplink, masqueraded" || t_fail "nat-guest: UDP reaches the uplink" "seen as '$(seen_udp 40000)'"
spoof nat-guest "$GN" 10.70.1.11 40001 masq "another guest of its network"
spoof nat-guest "$GN" 10.70.2.10 40002 forbidden "a guest of another NAT network"
spoof nat-guest "$GN" 10.70.4.10 40003 forbidden "a guest of the routed network"
spoof nat-guest "$GN" 10.99.0.5 40004 forbidden "an address of no network"
spoof nat-guest "$GN" 10.255.0.3 40005 forbidden "a host on the uplink's LAN"
spoof iso-guest "$GI" 10.70.1.10 40006 forbidden "a NAT guest's address"
spoof iso-guest "$GI" 10.99.0.6 40007 forbidden "an address of no network"
spoof routed-g "$GR" 10.70.1.10 40008 forbidden "a NAT guest's address"
spoof routed-g "$GR" 10.99.0.7 40009 forbidden "an address of no network"

echo
echo "from       to                                   libvirt    observed"
printf '%s\n' "${ROWS[@]}"
echo
[ "$forbidden_through" -eq 0 ] && t_ok "nothing libvirt forbids got through ($n_forbidden attempts)" || t_fail "nothing libvirt forbids got through" "$forbidden_through of $n_forbidden got through"
echo "isolation: attempts=$((n_forbidden + n_allowed + n_info)) forbidden=$n_forbidden forbidden_through=$forbidden_through allowed=$n_allowed allowed_through=$allowed_through host_local=$n_info spoofs=$n_spoof spoofs_outside_subnet=$spoof_outside spoofs_outside_dropped=$spoof_dropped spoofs_in_subnet_masqueraded=$spoof_masq"

for n in nat1 nat2 iso rt; do V destroy "$n" >/dev/null 2>&1; done
t_done
