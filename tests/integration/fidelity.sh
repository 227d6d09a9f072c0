#!/bin/bash
# fidelity.sh: isolation that holds, and the MTU, as real DHCP clients see them (issue 14).
#
# A "host" namespace runs two vnet networks — isolated and NAT, both dual-stack, the NAT one
# with <mtu size='1400'/> — and its /etc/resolv.conf (ip netns exec's /etc/netns/HOST) names an
# "upstream" DNS server in the uplink namespace: a dnsmasq that answers every *.outside.test
# name and logs each query. Guests lease with two real DHCP clients that apply routes, MTU and
# DNS each in their own way: busybox udhcpc (with a script in the style of busybox's default
# one) and ISC dhclient with Debian's own dhclient-script (its resolv.conf writer replaced by
# an enter hook, inside the client's private mount namespace, so no /etc of the host is
# written). Asserted, with the NAT network as the control that makes each "no" meaningful:
#  - a guest of the isolated network gets an address but no IPv4 default route, and from the
#    network's RAs (it does get them: the prefix is on its link) no IPv6 default route;
#  - it resolves the network's own names but not an outside name through the network's DNS,
#    and the upstream server never sees that query (no channel out through DNS);
#  - a guest with one NIC on each network keeps the NAT default route (IPv4 and IPv6), with
#    either client and the isolated NIC leased first;
#  - the NAT network's MTU reaches its guests by DHCP (option 26) with both clients; its
#    <forwarder domain port> reaches a server on that port, and localPtr='yes' keeps reverse
#    lookups of its subnet from going upstream;
#  - a network using an element vnet does not realize (<domain register='yes'>) is defined,
#    but start fails naming it and creates nothing.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
command -v dhclient >/dev/null || [ -x /sbin/dhclient ] || { echo "SKIP: dhclient (isc-dhcp-client) is not installed"; exit 77; }
[ -x /sbin/dhclient-script ] || { echo "SKIP: /sbin/dhclient-script is missing"; exit 77; }

setup_ns H U GI1 GI2 GN1 GN2 GD1 GD2 || exit 1
R=$(mktemp_dir)
T=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }

# --- the outside world: an upstream DNS server that would answer *.outside.test
link_uplink "$H" "$U" 10.255.0.1 10.255.0.2
ip -n "$H" route add default via 10.255.0.2
ip netns exec "$U" dnsmasq -k -C /dev/null --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.255.0.2 --address=/outside.test/198.51.100.7 --log-queries \
	--log-facility="$T/upstream.log" --pid-file="$T/upstream.pid" &
PIDS+=($!)
# a second one on port 5353 for one domain only, named by a <forwarder port>
ip netns exec "$U" dnsmasq -k -C /dev/null --no-resolv --no-hosts --bind-interfaces \
	--listen-address=10.255.0.2 --port=5353 --address=/port.test/198.51.100.8 --log-queries \
	--log-facility="$T/upstream5353.log" --pid-file="$T/upstream5353.pid" &
PIDS+=($!)
# the host namespace's resolver names it: vnet's dnsmasq forwards there unless told not to
mkdir -p "/etc/netns/$H"
TMPDIRS+=("/etc/netns/$H")
echo "nameserver 10.255.0.2" >"/etc/netns/$H/resolv.conf"
busywait 5000 sh -c "ip netns exec '$H' busybox nslookup up.outside.test 10.255.0.2 2>/dev/null | grep -q 198.51.100.7" ||
	{ t_fail "upstream DNS server answers in the uplink" "$(cat "$T/upstream.log" 2>/dev/null)"; t_done; }

cat >"$R/iso.xml" <<'X'
<network><name>fid-iso</name><bridge name='vfi-i' stp='off'/>
  <dns><host ip='10.71.3.5'><hostname>inside</hostname></host></dns>
  <ip address='10.71.3.1' prefix='24'><dhcp><range start='10.71.3.100' end='10.71.3.150'/></dhcp></ip>
  <ip family='ipv6' address='fd71:3::1' prefix='64'/>
</network>
X
cat >"$R/nat.xml" <<'X'
<network><name>fid-nat</name><forward mode='nat'/><bridge name='vfi-n' stp='off'/>
  <mtu size='1400'/>
  <dns><forwarder domain='port.test' addr='10.255.0.2' port='5353'/></dns>
  <ip address='10.71.1.1' prefix='24' localPtr='yes'><dhcp><range start='10.71.1.100' end='10.71.1.150'/></dhcp></ip>
  <ip family='ipv6' address='fd71:1::1' prefix='64'/>
</network>
X
for n in iso nat; do
	run V define "$R/$n.xml" && run V start "fid-$n"
	[ "$RC" -eq 0 ] || { t_fail "start fid-$n" "$ERR"; t_done; }
done

# --- the two clients
# udhcpc: like busybox's default script — address, MTU (option 26), default route per router,
# DNS to a file of our own
cat >"$T/udhcpc.sh" <<S
#!/bin/sh
case "\$1" in
bound|renew)
	ip addr flush dev "\$interface" scope global
	ip addr add "\$ip/\${mask:-24}" dev "\$interface"
	[ -n "\$mtu" ] && ip link set dev "\$interface" mtu "\$mtu"
	if [ -n "\$router" ]; then
		while ip route del default dev "\$interface" 2>/dev/null; do :; done
		for r in \$router; do ip route add default via "\$r" dev "\$interface"; done
	fi
	: >"$T/resolv.\$interface.\$(basename "\$(ip netns identify)")"
	for d in \$dns; do echo "nameserver \$d" >>"$T/resolv.\$interface.\$(basename "\$(ip netns identify)")"; done
	;;
esac
exit 0
S
chmod +x "$T/udhcpc.sh"
lease_udhcpc() { # NS IF
	ip netns exec "$1" busybox udhcpc -i "$2" -n -q -f -t 10 -T 1 -A 1 -O mtu -s "$T/udhcpc.sh" >"$T/udhcpc.$1.$2.log" 2>&1
}
# dhclient with Debian's dhclient-script; its enter hooks are replaced (bind mount, inside the
# client's own mount namespace) by one that writes the DNS servers to a file of ours
mkdir -p "$T/enter-hooks.d" "$T/exit-hooks.d"
cat >"$T/enter-hooks.d/vnet-test" <<S
make_resolv_conf() {
	: >"$T/resolv.\$interface.\$(basename "\$(ip netns identify)")"
	for d in \$new_domain_name_servers; do echo "nameserver \$d" >>"$T/resolv.\$interface.\$(basename "\$(ip netns identify)")"; done
}
S
cat >"$T/dhclient.conf" <<'S'
timeout 20;
retry 1;
request subnet-mask, broadcast-address, routers, domain-name-servers, interface-mtu;
S
lease_dhclient() { # NS IF
	ip netns exec "$1" sh -c "mount --bind '$T/enter-hooks.d' /etc/dhcp/dhclient-enter-hooks.d &&
		mount --bind '$T/exit-hooks.d' /etc/dhcp/dhclient-exit-hooks.d &&
		exec dhclient -4 -1 -v -cf '$T/dhclient.conf' -lf '$T/dhclient.$1.$2.leases' \
			-pf '$T/dhclient.$1.$2.pid' -sf /sbin/dhclient-script '$2'" >"$T/dhclient.$1.$2.log" 2>&1
}
port() { # NS NET IFNAME
	run V port-add "$2" --netns "/run/netns/$1" --ifname "$3"
	[ "$RC" -eq 0 ] || { t_fail "port-add $2 for $1" "$ERR"; t_done; }
	# whatever MTU the port came with, the guest starts at 1500: only DHCP may lower it
	ip -n "$1" link set "$3" mtu 1500 2>/dev/null
}
addr4() { ip -n "$1" -4 -o addr show dev "$2" scope global | awk '{print $4}' | cut -d/ -f1 | head -n1; }
def4() { ip -n "$1" -4 route show default | head -n1; }
def6() { ip -n "$1" -6 route show default; }
# ra_seen NS PREFIX IF: an address autoconfigured from an RA for PREFIX (the RA arrived)
ra_seen() { ip -n "$1" -6 addr show dev "$3" | grep -q "inet6 $2:.* dynamic"; }

# resolve NS NAME SERVER: the first answer's address, empty when none
resolve() {
	ip netns exec "$1" busybox nslookup "$2" "$3" 2>/dev/null | awk '/^Name:/ {n = 1} n && /^Address/ {print $NF}' | tail -n1
}

isolated_guest() { # NS CLIENT
	local ns=$1 c=$2 a
	port "$ns" fid-iso eth0
	if ! "lease_$c" "$ns" eth0; then
		t_fail "$c on the isolated network: leases an address" "$(tail -n5 "$T/$c.$ns.eth0.log" 2>/dev/null)"
		return
	fi
	a=$(addr4 "$ns" eth0)
	case $a in 10.71.3.*) t_ok "$c on the isolated network: leases $a" ;;
	*) t_fail "$c on the isolated network: leases an address" "got '$a'" ;; esac
	[ -z "$(def4 "$ns")" ] && t_ok "$c on the isolated network: no IPv4 default route" ||
		t_fail "$c on the isolated network: no IPv4 default route" "$(def4 "$ns")"
	grep -q "nameserver 10.71.3.1" "$T/resolv.eth0.$ns" 2>/dev/null &&
		t_ok "$c on the isolated network: DNS server offered (10.71.3.1)" ||
		t_fail "$c on the isolated network: DNS server offered" "$(cat "$T/resolv.eth0.$ns" 2>&1)"
	# the RA arrives (the guest autoconfigures an address from it) but names no default router
	if busywait 10000 ra_seen "$ns" fd71:3 eth0; then
		sleep 1 # any default route would come with the same RA; give a second one time
		[ -z "$(def6 "$ns")" ] && t_ok "$c on the isolated network: RA received, no IPv6 default route" ||
			t_fail "$c on the isolated network: no IPv6 default route" "$(def6 "$ns")"
	else
		t_fail "$c on the isolated network: RA received" "no fd71:3::/64 address from an RA"
	fi
}

# --- guests on the isolated network, one per client
isolated_guest "$GI1" udhcpc
isolated_guest "$GI2" dhclient

# DNS from the isolated network: its own names yes, outside names no, and nothing upstream
a=$(resolve "$GI1" inside 10.71.3.1)
[ "$a" = 10.71.3.5 ] && t_ok "isolated: the network's own name resolves (inside = $a)" ||
	t_fail "isolated: the network's own name resolves" "got '$a'"
a=$(resolve "$GI1" iso.outside.test 10.71.3.1)
[ -z "$a" ] && t_ok "isolated: an outside name does not resolve through the network's DNS" ||
	t_fail "isolated: an outside name does not resolve through the network's DNS" "resolved to $a"
a=$(resolve "$GI2" iso2.outside.test 10.71.3.1)
[ -z "$a" ] && t_ok "isolated: nor from the dhclient guest" ||
	t_fail "isolated: an outside name does not resolve (dhclient guest)" "resolved to $a"

# --- control: guests on the NAT network get what the isolated ones must not
nat_guest() { # NS CLIENT
	local ns=$1 c=$2 a m
	port "$ns" fid-nat eth0
	if ! "lease_$c" "$ns" eth0; then
		t_fail "$c on the NAT network: leases an address" "$(tail -n5 "$T/$c.$ns.eth0.log" 2>/dev/null)"
		return
	fi
	a=$(addr4 "$ns" eth0)
	case "$(def4 "$ns")" in
	"default via 10.71.1.1 dev eth0"*) t_ok "$c on the NAT network: $a, default route via 10.71.1.1" ;;
	*) t_fail "$c on the NAT network: default route via its gateway" "'$(def4 "$ns")'" ;;
	esac
	m=$(ip netns exec "$ns" cat /sys/class/net/eth0/mtu)
	[ "$m" = 1400 ] && t_ok "$c on the NAT network: <mtu size='1400'> applied by DHCP (eth0 mtu $m)" ||
		t_fail "$c on the NAT network: <mtu size='1400'> applied by DHCP" "eth0 mtu $m"
	busywait 10000 sh -c "ip -n '$ns' -6 route show default | grep -q 'dev eth0'" &&
		t_ok "$c on the NAT network: IPv6 default route from the RA" ||
		t_fail "$c on the NAT network: IPv6 default route from the RA" "none"
}
nat_guest "$GN1" udhcpc
nat_guest "$GN2" dhclient
a=$(resolve "$GN1" nat.outside.test 10.71.1.1)
[ "$a" = 198.51.100.7 ] && t_ok "NAT: an outside name resolves through the network's DNS (upstream works)" ||
	t_fail "NAT: an outside name resolves through the network's DNS" "got '$a'"
# <forwarder domain port>: the query goes to that port (the server on 53 knows no port.test)
a=$(resolve "$GN1" www.port.test 10.71.1.1)
[ "$a" = 198.51.100.8 ] && t_ok "NAT: <forwarder domain='port.test' port='5353'> answers (www.port.test = $a)" ||
	t_fail "NAT: <forwarder port='5353'> is used" "got '$a'; $(grep port.test "$T/upstream.log" "$T/upstream5353.log")"
# localPtr='yes': reverse lookups of the subnet stay local (no answer, nothing upstream)
a=$(resolve "$GN1" 10.71.1.77 10.71.1.1)
if [ -z "$a" ] && ! grep -q "77\.1\.71\.10\.in-addr\.arpa" "$T/upstream.log" "$T/upstream5353.log"; then
	t_ok "NAT: localPtr='yes' keeps reverse lookups of 10.71.1.0/24 local"
else
	t_fail "NAT: localPtr='yes' keeps reverse lookups of 10.71.1.0/24 local" "answer '$a'; $(grep -h in-addr "$T/upstream.log" "$T/upstream5353.log")"
fi
# a 1500-byte packet: a guest still at 1500 sends one frame the 1400-byte bridge drops; one
# that learnt the MTU sends two fragments that pass
for ns in "$GN1" "$GN2"; do
	ip netns exec "$ns" busybox ping -c1 -W3 -s 1472 10.71.1.1 >/dev/null 2>&1 &&
		t_ok "NAT: a 1500-byte ping from $ns reaches the gateway" ||
		t_fail "NAT: a 1500-byte ping from $ns reaches the gateway"
done

# --- one guest on both networks, the isolated NIC leased first
dual_guest() { # NS CLIENT
	local ns=$1 c=$2
	port "$ns" fid-iso eth1
	port "$ns" fid-nat eth0
	"lease_$c" "$ns" eth1 || t_fail "$c, two NICs: leases on the isolated NIC" "$(tail -n5 "$T/$c.$ns.eth1.log" 2>/dev/null)"
	"lease_$c" "$ns" eth0 || t_fail "$c, two NICs: leases on the NAT NIC" "$(tail -n5 "$T/$c.$ns.eth0.log" 2>/dev/null)"
	case "$(ip -n "$ns" -4 route show default)" in
	"default via 10.71.1.1 dev eth0"*) t_ok "$c, NICs on isolated + NAT: keeps the NAT default route (IPv4)" ;;
	*) t_fail "$c, NICs on isolated + NAT: keeps the NAT default route (IPv4)" "$(ip -n "$ns" -4 route show default)" ;;
	esac
	busywait 10000 ra_seen "$ns" fd71:3 eth1
	busywait 10000 sh -c "ip -n '$ns' -6 route show default | grep -q 'dev eth0'"
	sleep 1
	if def6 "$ns" | grep -q "dev eth0" && ! def6 "$ns" | grep -q "dev eth1"; then
		t_ok "$c, NICs on isolated + NAT: IPv6 default route only via the NAT NIC"
	else
		t_fail "$c, NICs on isolated + NAT: IPv6 default route only via the NAT NIC" "$(def6 "$ns")"
	fi
}
dual_guest "$GD1" udhcpc
dual_guest "$GD2" dhclient

# the upstream server saw the NAT network's query, and none of the isolated network's
if grep -q "query\[A\] nat.outside.test" "$T/upstream.log" &&
	! grep -q "iso2\?.outside.test" "$T/upstream.log"; then
	t_ok "upstream DNS saw the NAT network's query and none from the isolated network"
else
	t_fail "upstream DNS saw the NAT network's query and none from the isolated network" "$(grep query "$T/upstream.log")"
fi

# --- an element vnet does not realize: start fails naming it and creates nothing
cat >"$R/ref.xml" <<'X'
<network><name>fid-ref</name><forward mode='nat'/><bridge name='vfi-r' stp='off'/>
  <domain name='ref.test' localOnly='yes' register='yes'/>
  <ip address='10.71.5.1' prefix='24'><dhcp><range start='10.71.5.100' end='10.71.5.150'/></dhcp></ip>
</network>
X
nft_before=$(ip netns exec "$H" nft list ruleset | wc -l)
run V define "$R/ref.xml"
[ "$RC" -eq 0 ] && t_ok "a network with <domain register='yes'> can be defined" || t_fail "a network with <domain register='yes'> can be defined" "$ERR"
run V start fid-ref
if [ "$RC" -eq 1 ] && printf '%s\n' "$ERR" | grep -q "^vnet: error: .*<domain register='yes'>: not supported by vnet (.*systemd-resolved"; then
	t_ok "start refuses <domain register='yes'>, naming it"
else
	t_fail "start refuses <domain register='yes'>, naming it" "rc=$RC $ERR"
fi
left=""
ip -n "$H" link show vfi-r >/dev/null 2>&1 && left="$left bridge"
[ "$(ip netns exec "$H" nft list ruleset | wc -l)" -eq "$nft_before" ] || left="$left nft-rules"
ip netns exec "$H" nft list ruleset | grep -q vfi-r && left="$left nft-vfi-r"
[ -e "$R/run/vnet/fid-ref/journal" ] && left="$left journal"
pgrep -f "$R/run/vnet/fid-ref/" >/dev/null && left="$left dnsmasq"
[ -z "$left" ] && t_ok "the refused start created nothing (bridge, rules, journal, dnsmasq)" ||
	t_fail "the refused start created nothing" "left:$left"
V list --all 2>/dev/null | grep -q "fid-ref .*inactive" && t_ok "the refused network is listed inactive" ||
	t_fail "the refused network is listed inactive" "$(V list --all 2>&1)"

for n in iso nat ref; do V destroy "fid-$n" >/dev/null 2>&1; done
t_done
