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

# ---- vnet watch: a flushed ruleset, flushed addresses, a killed dnsmasq, a ufw reload
new_host
run V define "$EX/nat.xml"
run V start default
orig=$(ip netns exec "$H" nft list table inet vnet)
ip netns exec "$H" "$VNET" --root "$R" watch --interval 0 >"$R/watch.log" 2>&1 &
WATCH=$!
PIDS+=("$WATCH")
busywait 3000 grep -q 'watching' "$R/watch.log" && t_ok "watch: runs in the foreground" || t_fail "watch: runs in the foreground" "$(cat "$R/watch.log")"
plug_guest "$H" "$G" virbr0
a=$(dhcp "$G")
# seen_nat: the uplink sees the guest as the host's address (NAT); without vnet's rules the
# guest still gets through (the uplink routes the subnet back) but under its own address
seen_nat() { [ "$(ip netns exec "$G" socat -T1 - TCP:10.255.0.2:8080,connect-timeout=0.3 </dev/null 2>/dev/null)" = 10.255.0.1 ]; }
seen_nat && t_ok "watch: NAT guest reaches the outside ($a)" || t_fail "watch: NAT guest reaches the outside" "lease '$a'"
ip netns exec "$H" nft flush ruleset
t0=$(date +%s%N)
if busywait 5000 seen_nat; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -le 2000 ] && t_ok "watch: NAT back ${ms} ms after nft flush ruleset (bound 2 s)" || t_fail "watch: NAT back within 2 s of nft flush ruleset" "took ${ms} ms"
else
	t_fail "watch: NAT back after nft flush ruleset" "$(cat "$R/watch.log")"
fi
worst=0
for i in $(seq 1 20); do
	ip netns exec "$H" nft flush ruleset
	t0=$(date +%s%N)
	busywait 3000 sh -c "ip netns exec $H nft list chain inet vnet vn_virbr0_in >/dev/null 2>&1" || break
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt "$worst" ] && worst=$ms
done
sleep 0.5 # a late pass would add a second copy now
[ "$(ip netns exec "$H" nft list table inet vnet)" = "$orig" ] && t_ok "watch: after 20 flushes exactly one copy of every rule (worst ${worst} ms)" ||
	t_fail "watch: after 20 flushes exactly one copy of every rule" "$(diff <(echo "$orig") <(ip netns exec "$H" nft list table inet vnet))"
[ "$(ip netns exec "$H" nft list tables | wc -l)" -eq 1 ] && t_ok "watch: nothing but vnet's table re-created" || t_fail "watch: nothing but vnet's table re-created" "$(ip netns exec "$H" nft list tables)"
seen_nat && t_ok "watch: NAT works after 20 flushes" || t_fail "watch: NAT works after 20 flushes"
ip -n "$H" addr flush dev virbr0
busywait 2000 sh -c "ip -n $H -4 addr show dev virbr0 | grep -q 'inet 192.168.122.1/24'" && t_ok "watch: flushed bridge address re-added" || t_fail "watch: flushed bridge address re-added" "$(ip -n "$H" addr show dev virbr0)"
old=$(cat "$R/run/vnet/default/dnsmasq.pid")
kill -9 "$old"
busywait 2000 sh -c "p=\$(cat $R/run/vnet/default/dnsmasq.pid 2>/dev/null); [ -n \"\$p\" ] && [ \"\$p\" != $old ] && kill -0 \$p" && t_ok "watch: killed dnsmasq restarted" || t_fail "watch: killed dnsmasq restarted" "$(cat "$R/watch.log")"
a2=$(dhcp "$G")
case "$a2" in 192.168.122.*) t_ok "watch: guest leases from the restarted dnsmasq" ;; *) t_fail "watch: guest leases from the restarted dnsmasq" "got '$a2'" ;; esac
# a ufw-like firewall turned on, then reloaded (its INPUT rules replaced, ours gone)
H_ipt -P INPUT DROP
busywait 2000 sh -c "[ \$(ip netns exec $H iptables -S INPUT | grep -c 'vnet:default') -eq 3 ]" && t_ok "watch: INPUT turned DROP: tagged accepts added" || t_fail "watch: INPUT turned DROP: tagged accepts added" "$(H_ipt -S INPUT)"
H_ipt -F INPUT
busywait 2000 sh -c "[ \$(ip netns exec $H iptables -S INPUT | grep -c 'vnet:default') -eq 3 ]" && t_ok "watch: ufw reload (INPUT flushed): tagged accepts back, once" || t_fail "watch: ufw reload (INPUT flushed): tagged accepts back, once" "$(H_ipt -S INPUT)"
ip -n "$G" addr flush dev eth0
a3=$(dhcp "$G")
case "$a3" in 192.168.122.*) t_ok "watch: guest leases through the re-added accepts" ;; *) t_fail "watch: guest leases through the re-added accepts" "got '$a3'" ;; esac
grep -q 'firewall rules were missing: re-applied' "$R/watch.log" && t_ok "watch: each repair logged" || t_fail "watch: each repair logged" "$(cat "$R/watch.log")"
kill "$WATCH"
busywait 2000 sh -c "! kill -0 $WATCH 2>/dev/null" && t_ok "watch: SIGTERM stops it" || t_fail "watch: SIGTERM stops it"
run V destroy default
[ "$(H_ipt -S | grep -c 'vnet:')" -eq 0 ] && t_ok "watch: destroy removes the accepts watch added" || t_fail "watch: destroy removes the accepts watch added" "$(H_ipt -S)"
end_host

# ---- a clean host: no accepts of vnet's in iptables at all
new_host
run V define "$EX/nat.xml"
run V start default
[ "$RC" -eq 0 ] && t_ok "clean host: start nat" || t_fail "clean host: start nat" "$ERR"
# (the DHCP checksum fill lives in mangle, in a chain of vnet's own, on every host)
ip netns exec "$H" iptables-save -t filter 2>/dev/null | grep -q 'vnet:' && t_fail "clean host: no accept added to iptables' filter table" "$(H_ipt -S)" || t_ok "clean host: no accept added to iptables' filter table"
plug_guest "$H" "$G" virbr0
a=$(dhcp "$G")
case "$a" in 192.168.122.*) t_ok "clean host: guest leases ($a)" ;; *) t_fail "clean host: guest leases" "got '$a'" ;; esac
seen=$(seen_as "$G" 10.255.0.2 8080)
[ "$seen" = 10.255.0.1 ] && t_ok "clean host: outside reached through NAT" || t_fail "clean host: outside reached through NAT" "seen as '$seen'"
run V destroy default
end_host

t_done
