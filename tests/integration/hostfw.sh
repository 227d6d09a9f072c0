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

# ---- a Docker-like host: iptables FORWARD policy DROP (INPUT accepts)
new_host
H_ipt -P FORWARD DROP
before=$(H_ipt -S)
run V define "$EX/nat.xml"
run V start default
[ "$RC" -eq 0 ] && t_ok "Docker-like host: start nat" || t_fail "Docker-like host: start nat" "$ERR"
printf '%s' "$ERR" | grep -q 'warning' && t_fail "Docker-like host: no warning (vnet's accepts win)" "$ERR" || t_ok "Docker-like host: no warning (vnet's accepts win)"
H_ipt -S INPUT | grep -q 'vnet:' && t_fail "Docker-like host: nothing added to INPUT (policy ACCEPT)" "$(H_ipt -S INPUT)" || t_ok "Docker-like host: nothing added to INPUT (policy ACCEPT)"
plug_guest "$H" "$G" virbr0
a=$(dhcp "$G")
case "$a" in 192.168.122.*) t_ok "Docker-like host: guest leases ($a)" ;; *) t_fail "Docker-like host: guest leases" "got '$a'" ;; esac
seen=$(seen_as "$G" 10.255.0.2 8080)
[ "$seen" = 10.255.0.1 ] && t_ok "Docker-like host: outside reached through NAT" || t_fail "Docker-like host: outside reached through NAT" "seen as '$seen'"
run V --json info default
printf '%s' "$OUT" | grep -q '"healthy":true,"host_firewall_ok":true,"warnings":\[\]' && t_ok "Docker-like host: info says healthy" || t_fail "Docker-like host: info says healthy" "$OUT"
run V destroy default
[ "$before" = "$(H_ipt -S)" ] && t_ok "Docker-like host: iptables exactly as before" || t_fail "Docker-like host: iptables exactly as before" "$(H_ipt -S)"
end_host

# ---- a foreign nft table whose input hook drops (NixOS-like): vnet cannot win, it must say so
new_host
ip netns exec "$H" nft -f - <<'NFT'
table inet hostfw {
	chain input { type filter hook input priority 0; policy drop; iifname "lo" accept; }
	chain forward { type filter hook forward priority 0; policy accept; iifname "virbr*" tcp dport 8080 counter reject; }
}
NFT
run V define "$EX/nat.xml"
run V start default
[ "$RC" -eq 0 ] && t_ok "foreign drop table: start nat" || t_fail "foreign drop table: start nat" "$ERR"
w_dhcp='vnet: warning: table inet hostfw chain input (policy drop) will drop DHCP from virbr0: guests will get no address'
w_dns='vnet: warning: table inet hostfw chain input (policy drop) will drop DNS from virbr0: guests cannot resolve names through the gateway'
printf '%s\n' "$ERR" | grep -qxF "$w_dhcp" && t_ok "foreign drop table: start warns about DHCP (exact line)" || t_fail "foreign drop table: start warns about DHCP (exact line)" "$ERR"
printf '%s\n' "$ERR" | grep -qxF "$w_dns" && t_ok "foreign drop table: start warns about DNS (exact line)" || t_fail "foreign drop table: start warns about DNS (exact line)" "$ERR"
# the rule matches tcp 8080 only: the check's probe packet (tcp 443) passes it; name it with a port 443 rule
ip netns exec "$H" nft insert rule inet hostfw forward iifname "virbr0" tcp dport 443 drop
h=$(ip netns exec "$H" nft -a list chain inet hostfw forward | sed -n 's/.*dport 443 drop # handle \([0-9]*\)$/\1/p')
run V info default
printf '%s\n' "$OUT" | grep -qx 'Healthy: *NO' && t_ok "foreign drop table: info does not say healthy" || t_fail "foreign drop table: info does not say healthy" "$OUT"
printf '%s\n' "$OUT" | grep -qxF "${w_dhcp#vnet: }" && t_ok "foreign drop table: info names table and chain" || t_fail "foreign drop table: info names table and chain" "$OUT"
printf '%s\n' "$OUT" | grep -qxF "warning: table inet hostfw chain forward rule handle $h (iifname \"virbr0\" tcp dport 443 drop) will drop traffic forwarded from virbr0: guests cannot reach the outside" &&
	t_ok "foreign drop table: info names the dropping rule by handle and text" || t_fail "foreign drop table: info names the dropping rule by handle and text" "$OUT"
run V --json info default
printf '%s' "$OUT" | grep -q '"healthy":false,"host_firewall_ok":false,"warnings":\["table inet hostfw chain input (policy drop) will drop DHCP from virbr0: guests will get no address",' &&
	t_ok "foreign drop table: info --json: healthy false, warnings" || t_fail "foreign drop table: info --json: healthy false, warnings" "$OUT"
plug_guest "$H" "$G" virbr0
a=$(dhcp "$G")
[ -z "$a" ] && t_ok "foreign drop table: indeed no lease (as warned)" || t_fail "foreign drop table: indeed no lease (as warned)" "got '$a'"
# the host's owner accepts the network's traffic in their table: the warnings go
ip netns exec "$H" nft insert rule inet hostfw input iifname "virbr0" udp dport '{ 53, 67 }' accept
ip netns exec "$H" nft flush chain inet hostfw forward
run V --json info default
printf '%s' "$OUT" | grep -q '"healthy":true,"host_firewall_ok":true' && t_ok "foreign table accepting the network: healthy again" || t_fail "foreign table accepting the network: healthy again" "$OUT"
run V destroy default
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
