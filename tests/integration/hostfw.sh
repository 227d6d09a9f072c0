#!/bin/bash
# hostfw.sh: vnet on hosts with a firewall of their own, each built inside a
# throwaway "host" namespace (never the real host's): a ufw-like host
# (iptables INPUT and FORWARD policy DROP), a clean host; leases, DNS and NAT
# work, and the tagged accepts vnet adds are removed exactly on destroy.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
command -v socat >/dev/null || { echo "SKIP: socat is not installed"; exit 77; }
command -v iptables >/dev/null || { echo "SKIP: iptables is not installed"; exit 77; }

EX="$top_srcdir/examples"

# new_host: a fresh host namespace H with an uplink U (listener on 8080) and a guest G
new_host() {
	setup_ns H U G || { echo "cannot create namespaces"; exit 1; }
	R=$(mktemp_dir)
	[ -d "$R" ] || { echo "cannot create a root directory"; exit 1; }
	link_uplink "$H" "$U" 10.255.0.1 10.255.0.2
	ip -n "$U" route add 192.168.122.0/24 via 10.255.0.1
	listen_peer "$U" 8080 || t_fail "uplink listener"
}
# end_host: the host's processes and namespaces go (the temporary directories stay until exit)
end_host() {
	local p ns
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for ns in "${NS_LIST[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	NS_LIST=()
	PIDS=()
}
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
H_ipt() { ip netns exec "$H" iptables "$@"; }
# dns GUEST SERVER NAME: resolve NAME at SERVER from GUEST
dns() { ip netns exec "$1" busybox nslookup "$3" "$2" 2>/dev/null | grep -q 'Address.*192\.168\.122\.'; }

# ---- a ufw-like host: INPUT and FORWARD policy DROP, loopback and established allowed
new_host
H_ipt -A INPUT -i lo -j ACCEPT
H_ipt -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
H_ipt -P INPUT DROP
H_ipt -P FORWARD DROP
before=$(H_ipt -S)
run V define "$EX/nat.xml"
run V start default
[ "$RC" -eq 0 ] && t_ok "ufw-like host: start nat" || t_fail "ufw-like host: start nat" "$ERR"
n_in=$(H_ipt -S INPUT | grep -c -- '-i virbr0 .*vnet:default')
[ "$n_in" -eq 3 ] && t_ok "ufw-like host: 3 tagged INPUT accepts (DHCP, DNS udp/tcp)" ||
	t_fail "ufw-like host: 3 tagged INPUT accepts (DHCP, DNS udp/tcp)" "$(H_ipt -S INPUT)"
H_ipt -S INPUT | grep 'vnet:default' | grep -qv -- '-i virbr0 -p \(udp\|tcp\) -m \(udp\|tcp\) --dport \(67\|53\) ' &&
	t_fail "ufw-like host: INPUT accepts match the bridge and the port only" "$(H_ipt -S INPUT)" ||
	t_ok "ufw-like host: INPUT accepts match the bridge and the port only"
plug_guest "$H" "$G" virbr0
a=$(dhcp "$G")
case "$a" in 192.168.122.*) t_ok "ufw-like host: guest leases ($a)" ;; *) t_fail "ufw-like host: guest leases" "got '$a'" ;; esac
dns "$G" 192.168.122.1 web && t_ok "ufw-like host: DNS at the gateway" || t_fail "ufw-like host: DNS at the gateway"
seen=$(seen_as "$G" 10.255.0.2 8080)
[ "$seen" = 10.255.0.1 ] && t_ok "ufw-like host: outside reached through NAT" || t_fail "ufw-like host: outside reached through NAT" "seen as '$seen'"
run V destroy default
[ "$RC" -eq 0 ] && t_ok "ufw-like host: destroy" || t_fail "ufw-like host: destroy" "$ERR"
after=$(H_ipt -S)
[ "$before" = "$after" ] && t_ok "ufw-like host: iptables exactly as before" ||
	t_fail "ufw-like host: iptables exactly as before" "$(diff <(echo "$before") <(echo "$after"))"
end_host

# ---- a clean host: no accepts of vnet's in iptables at all
new_host
run V define "$EX/nat.xml"
run V start default
[ "$RC" -eq 0 ] && t_ok "clean host: start nat" || t_fail "clean host: start nat" "$ERR"
ip netns exec "$H" iptables-save 2>/dev/null | grep -q 'vnet:' && t_fail "clean host: nothing added to iptables" "$(H_ipt -S)" || t_ok "clean host: nothing added to iptables"
plug_guest "$H" "$G" virbr0
a=$(dhcp "$G")
case "$a" in 192.168.122.*) t_ok "clean host: guest leases ($a)" ;; *) t_fail "clean host: guest leases" "got '$a'" ;; esac
seen=$(seen_as "$G" 10.255.0.2 8080)
[ "$seen" = 10.255.0.1 ] && t_ok "clean host: outside reached through NAT" || t_fail "clean host: outside reached through NAT" "seen as '$seen'"
run V destroy default
end_host

t_done
