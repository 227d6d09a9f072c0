#!/bin/bash
# networks.sh: nat, route, isolated and open networks started by vnet for
# real inside a throwaway "host" namespace, with namespace guests leasing
# from vnet's dnsmasq and an "uplink" namespace playing the outside world.
# Asserts each mode's connectivity matrix, Docker-style FORWARD DROP
# coexistence, and that destroy leaves nothing behind.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
command -v socat >/dev/null || { echo "SKIP: socat is not installed"; exit 77; }

setup_ns H U G1 G2 G3 G4 G5 G6 || { echo "cannot create namespaces"; exit 1; }
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
link_uplink "$H" "$U" 10.255.0.1 10.255.0.2
# the uplink routes the guest subnets back to the host (needed to see what the
# host forwards; NAT and isolation must still hold with these routes present)
for s in 192.168.122.0/24 10.20.0.0/24 10.30.0.0/24 10.40.0.0/24; do
	ip -n "$U" route add "$s" via 10.255.0.1
done
listen_peer "$U" 8080 || t_fail "uplink listener"
listen_peer "$U" 8081 || true

# a host whose iptables FORWARD policy is DROP, as Docker leaves it
ip netns exec "$H" iptables -P FORWARD DROP
# and a foreign nftables table that vnet must not touch
ip netns exec "$H" nft add table inet foreign
ip netns exec "$H" nft add chain inet foreign c '{ type filter hook forward priority 10; policy accept; }'
foreign_before=$(ip netns exec "$H" nft list table inet foreign)

EX="$top_srcdir/examples"
for n in nat route isolated open; do
	run V define "$EX/$n.xml"
	[ "$RC" -eq 0 ] || t_fail "define $n" "$ERR"
done
for n in default routed isolated open; do
	t0=$(date +%s%N)
	run V start "$n"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ "$RC" -eq 0 ]; then t_ok "start $n (${ms} ms)"; else t_fail "start $n" "$ERR"; fi
done
expect_fail "start of a running network is refused" 1 "already active" V start default

run V --json info default
if printf '%s' "$OUT" | grep -q '"dnsmasq_running":true' && printf '%s' "$OUT" | grep -q '"firewall_present":true' && printf '%s' "$OUT" | grep -q '"bridge_present":true'; then t_ok "info: bridge, rules and dnsmasq in place"; else t_fail "info: bridge, rules and dnsmasq in place" "$OUT"; fi

plug_guest "$H" "$G1" virbr0 52:54:00:00:00:10
plug_guest "$H" "$G2" virbr0
plug_guest "$H" "$G3" vnbr-route
plug_guest "$H" "$G4" vnbr-iso
plug_guest "$H" "$G5" vnbr-iso
plug_guest "$H" "$G6" vnbr-open

a1=$(dhcp "$G1"); a2=$(dhcp "$G2"); a3=$(dhcp "$G3"); a4=$(dhcp "$G4"); a5=$(dhcp "$G5"); a6=$(dhcp "$G6")
[ "$a1" = 192.168.122.10 ] && t_ok "nat: static host leases its <host> address" || t_fail "nat: static host leases its <host> address" "got '$a1'"
case "$a2" in 192.168.122.*) t_ok "nat: guest leases in the range ($a2)" ;; *) t_fail "nat: guest leases in the range" "got '$a2'" ;; esac
case "$a3" in 10.20.0.1[0-9][0-9]) t_ok "route: guest leases ($a3)" ;; *) t_fail "route: guest leases" "got '$a3'" ;; esac
case "$a4" in 10.30.0.*) t_ok "isolated: guest leases ($a4)" ;; *) t_fail "isolated: guest leases" "got '$a4'" ;; esac
case "$a5" in 10.30.0.*) t_ok "isolated: second guest leases ($a5)" ;; *) t_fail "isolated: second guest leases" "got '$a5'" ;; esac
case "$a6" in 10.40.0.*) t_ok "open: guest leases ($a6)" ;; *) t_fail "open: guest leases" "got '$a6'" ;; esac

run V --json dhcp-leases default
printf '%s' "$OUT" | grep -q "\"ip\":\"$a2\"" && t_ok "dhcp-leases lists the lease" || t_fail "dhcp-leases lists the lease" "$OUT"

# --- no fd of vnet's leaks into dnsmasq
pid=$(cat "$R/run/vnet/default/dnsmasq.pid")
leaked=$(for fd in /proc/$pid/fd/*; do readlink "$fd"; done | grep -E "locks|journal|fw-remove|/dev/net/tun|\.xml" || true)
[ -n "$pid" ] && [ -z "$leaked" ] && t_ok "no vnet fd leaks into dnsmasq" || t_fail "no vnet fd leaks into dnsmasq" "$leaked"

# --- nat
can_ping "$G1" 192.168.122.1 && t_ok "nat: guest -> gateway" || t_fail "nat: guest -> gateway"
seen=$(seen_as "$G1" 10.255.0.2 8080)
[ "$seen" = 10.255.0.1 ] && t_ok "nat: uplink sees the host's address" || t_fail "nat: uplink sees the host's address" "saw '$seen'"
can_ping "$U" "$a1" && t_fail "nat: uplink -> guest blocked" || t_ok "nat: uplink -> guest blocked"
can_ping "$G1" "$a2" && t_ok "nat: guest <-> guest" || t_fail "nat: guest <-> guest"
ans=$(ip netns exec "$G2" busybox nslookup web.vnet.test 192.168.122.1 2>&1)
printf '%s' "$ans" | grep -q 192.168.122.10 && t_ok "nat: DNS name of a static host resolves" || t_fail "nat: DNS name of a static host resolves" "$ans"

# --- route
seen=$(seen_as "$G3" 10.255.0.2 8080)
[ "$seen" = "$a3" ] && t_ok "route: uplink sees the guest's own address" || t_fail "route: uplink sees the guest's own address" "saw '$seen'"
can_ping "$U" "$a3" && t_ok "route: uplink -> guest allowed" || t_fail "route: uplink -> guest allowed"

# --- isolated
can_ping "$G4" 10.30.0.1 && t_ok "isolated: guest -> gateway" || t_fail "isolated: guest -> gateway"
can_ping "$G4" "$a5" && t_ok "isolated: guest <-> guest" || t_fail "isolated: guest <-> guest" "$a4 -> $a5: $(ip netns exec "$G4" busybox ping -c1 -W1 "$a5" 2>&1)" "$(ip -n "$G5" -o addr show dev eth0)"
can_ping "$G4" 10.255.0.2 && t_fail "isolated: guest -> uplink blocked" || t_ok "isolated: guest -> uplink blocked"
can_ping "$U" "$a4" && t_fail "isolated: uplink -> guest blocked" || t_ok "isolated: uplink -> guest blocked"

# --- open: no rules of vnet's; the host's own policy (FORWARD DROP here) decides
n_open=$(V --json info open | grep -o '"firewall_rules":[0-9]*')
[ "$n_open" = '"firewall_rules":0' ] && t_ok "open: no vnet rules" || t_fail "open: no vnet rules" "$n_open"
can_ping "$G6" 10.255.0.2 && t_fail "open: host policy (DROP) applies" || t_ok "open: host policy (DROP) applies"

# --- across networks
can_ping "$G1" "$a4" && t_fail "nat guest -> isolated guest blocked" || t_ok "nat guest -> isolated guest blocked"
can_ping "$G1" "$a3" && t_ok "nat guest -> routed guest allowed" || t_fail "nat guest -> routed guest allowed"
can_ping "$G3" "$a1" && t_fail "routed guest -> nat guest blocked" || t_ok "routed guest -> nat guest blocked"

# --- coexistence
n_tag=$(ip netns exec "$H" iptables -S FORWARD | grep -c 'vnet:')
[ "$n_tag" -gt 0 ] && t_ok "FORWARD DROP host: tagged accepts added ($n_tag)" || t_fail "FORWARD DROP host: tagged accepts added"
[ "$(ip netns exec "$H" nft list table inet foreign)" = "$foreign_before" ] && t_ok "foreign nft table untouched" || t_fail "foreign nft table untouched"

# --- teardown
for n in default routed isolated open; do
	t0=$(date +%s%N)
	run V destroy "$n"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$RC" -eq 0 ] && t_ok "destroy $n (${ms} ms)" || t_fail "destroy $n" "$ERR"
done
left_links=$(ip -n "$H" -o link show type bridge | wc -l)
[ "$left_links" -eq 0 ] && t_ok "no bridge left" || t_fail "no bridge left" "$(ip -n "$H" -o link show type bridge)"
ip netns exec "$H" nft list tables | grep -q 'inet vnet' && t_fail "no vnet nft table left" "$(ip netns exec "$H" nft list table inet vnet)" || t_ok "no vnet nft table left"
ip netns exec "$H" iptables -S FORWARD | grep -q 'vnet:' && t_fail "tagged FORWARD accepts removed" || t_ok "tagged FORWARD accepts removed"
ip netns exec "$H" iptables -S FORWARD | grep -q -- '-P FORWARD DROP' && t_ok "host FORWARD policy left as it was" || t_fail "host FORWARD policy left as it was"
[ "$(ip netns exec "$H" nft list table inet foreign)" = "$foreign_before" ] && t_ok "foreign nft table still untouched" || t_fail "foreign nft table still untouched"
pids=$(ip netns pids "$H" | xargs -r ps -o comm= -p 2>/dev/null | grep -c dnsmasq)
[ "$pids" -eq 0 ] && t_ok "no dnsmasq left" || t_fail "no dnsmasq left"
[ -z "$(ls -A "$R/run/vnet" 2>/dev/null | grep -v locks)" ] && t_ok "no state left under run/" || t_fail "no state left under run/" "$(ls -R "$R/run/vnet")"
run V destroy default
[ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q 'not active' && t_ok "destroy of an inactive network says so" || t_fail "destroy of an inactive network says so" "$RC $ERR"

t_done
