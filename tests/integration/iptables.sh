#!/bin/bash
# iptables.sh: the iptables fallback (--firewall-backend iptables) gives the
# same semantics as the nftables backend for nat and isolated networks, lives
# in vnet's own chains, and destroy removes exactly what start added.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
command -v iptables-restore >/dev/null || { echo "SKIP: iptables-restore is not installed"; exit 77; }

setup_ns H U G1 G2 G3 || exit 1
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" --firewall-backend iptables "$@"; }
link_uplink "$H" "$U" 10.255.0.1 10.255.0.2
ip -n "$U" route add 192.168.122.0/24 via 10.255.0.1
ip -n "$U" route add 10.30.0.0/24 via 10.255.0.1
listen_peer "$U" 8080 || t_fail "uplink listener"
# Rules and chains, compared as a set per table. The first iptables command on a host
# without them creates the empty built-in tables (filter, nat) as iptables itself does; those
# hold no rule and are not compared.
ipt_state() { ip netns exec "$H" iptables-save | grep -E '^(\*|-A|:[A-Z])' | grep -vE '^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) ACCEPT' | sed -E 's/\[[0-9]+:[0-9]+\]//' | grep -v '^\*'; }
ipt_before=$(ipt_state)

for n in nat isolated; do V define "$top_srcdir/examples/$n.xml" >/dev/null; done
run V start default
[ "$RC" -eq 0 ] && t_ok "start nat with iptables" || t_fail "start nat with iptables" "$ERR"
run V start isolated
[ "$RC" -eq 0 ] && t_ok "start isolated with iptables" || t_fail "start isolated with iptables" "$ERR"
ip netns exec "$H" nft list tables | grep -q 'inet vnet' && t_fail "no nft table with the iptables backend" || t_ok "no nft table with the iptables backend"
ip netns exec "$H" iptables -S | grep -q -- '-N VNET_FWI_virbr0' && t_ok "rules live in vnet's own chains" || t_fail "rules live in vnet's own chains" "$(ip netns exec "$H" iptables -S)"

plug_guest "$H" "$G1" virbr0
plug_guest "$H" "$G2" vnbr-iso
plug_guest "$H" "$G3" vnbr-iso
a1=$(dhcp "$G1"); a2=$(dhcp "$G2"); a3=$(dhcp "$G3")
case "$a1" in 192.168.122.*) t_ok "nat: guest leases ($a1)" ;; *) t_fail "nat: guest leases" "got '$a1'" ;; esac
seen=$(seen_as "$G1" 10.255.0.2 8080)
[ "$seen" = 10.255.0.1 ] && t_ok "nat: uplink sees the host's address" || t_fail "nat: uplink sees the host's address" "saw '$seen'"
can_ping "$U" "$a1" && t_fail "nat: uplink -> guest blocked" || t_ok "nat: uplink -> guest blocked"
can_ping "$G2" 10.255.0.2 && t_fail "isolated: guest -> uplink blocked" || t_ok "isolated: guest -> uplink blocked"
can_ping "$G2" "$a3" && t_ok "isolated: guest <-> guest" || t_fail "isolated: guest <-> guest"
can_ping "$G1" "$a2" && t_fail "nat guest -> isolated guest blocked" || t_ok "nat guest -> isolated guest blocked"

for n in default isolated; do
	run V destroy "$n"
	[ "$RC" -eq 0 ] && t_ok "destroy $n" || t_fail "destroy $n" "$ERR"
done
ipt_after=$(ipt_state)
[ "$ipt_after" = "$ipt_before" ] && t_ok "iptables rules and chains exactly as before" || t_fail "iptables rules and chains exactly as before" "$(diff <(echo "$ipt_before") <(echo "$ipt_after"))"
# destroy is idempotent on what is left after a crash: run the removal of an absent network
run V start default
ip netns exec "$H" iptables -F VNET_FWI_virbr0
run V destroy default
ipt_after=$(ipt_state)
[ "$RC" -eq 0 ] && [ "$ipt_after" = "$ipt_before" ] && t_ok "removal tolerates rules already gone" || t_fail "removal tolerates rules already gone" "$ERR" "$(diff <(echo "$ipt_before") <(echo "$ipt_after"))"
t_done
