#!/bin/bash
# fw-details.sh: libvirt's firewall details, live in a throwaway namespace, with
# both firewall backends:
#  - the DHCP checksum fill: replies to UDP port 68 leaving the bridge go
#    through iptables' CHECKSUM --checksum-fill, in a mangle chain of vnet's
#    own jumped to by one rule tagged vnet:NAME (whatever the backend); a real
#    DHCP exchange passes it; destroy removes exactly it and nothing else;
#  - IPv6 NAT leaves ff02::/16 (not all of ff00::/8) alone;
#  - the iptables backend opens UDP 69 for <tftp>.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
command -v iptables-restore >/dev/null || { echo "SKIP: iptables-restore is not installed"; exit 77; }

setup_ns H G || exit 1
R=$(mktemp_dir)
HX() { ip netns exec "$H" "$@"; }
mkdir -p "$R/tftp"
cat >"$R/d.xml" <<X
<network>
  <name>fwd6</name>
  <forward mode='nat'><nat ipv6='yes'/></forward>
  <bridge name='vnbr-d6' stp='off'/>
  <ip address='10.66.0.1' prefix='24'>
    <tftp root='$R/tftp'/>
    <dhcp><range start='10.66.0.10' end='10.66.0.20'/></dhcp>
  </ip>
  <ip family='ipv6' address='fd66::1' prefix='64'/>
</network>
X
# someone else's mangle rule, which must survive vnet
HX iptables -t mangle -A POSTROUTING -p udp --dport 9999 -j ACCEPT
mangle_before=$(HX iptables-save -t mangle | grep -E '^(-A|:[A-Z])' | sed -E 's/\[[0-9]+:[0-9]+\]//')

for be in nftables iptables; do
	V() { ip netns exec "$H" "$VNET" --root "$R" --firewall-backend "$be" "$@"; }
	run V define "$R/d.xml"
	run V start fwd6
	[ "$RC" -eq 0 ] || { t_fail "$be: start" "$ERR"; continue; }
	m=$(HX iptables-save -t mangle)
	printf '%s\n' "$m" | grep -q -- '-A POSTROUTING -o vnbr-d6 -m comment --comment "vnet:fwd6" -j VNET_CSUM_vnbr-d6' &&
		printf '%s\n' "$m" | grep -q -- '-A VNET_CSUM_vnbr-d6 -p udp -m udp --dport 68 -j CHECKSUM --checksum-fill' &&
		t_ok "$be: DHCP checksum fill in vnet's own tagged mangle chain" || t_fail "$be: DHCP checksum fill in vnet's own tagged mangle chain" "$m"
	plug_guest "$H" "$G" vnbr-d6
	a=$(dhcp "$G")
	n=$(HX iptables -t mangle -L VNET_CSUM_vnbr-d6 -v -n -x | awk '/CHECKSUM/{print $1}')
	case "$a" in 10.66.0.*) ;; *) t_fail "$be: guest leases" "got '$a'" ;; esac
	[ "${n:-0}" -gt 0 ] && t_ok "$be: the DHCP replies to $a went through CHECKSUM ($n packets)" || t_fail "$be: DHCP replies went through CHECKSUM" "counter '$n'"
	if [ "$be" = nftables ]; then
		t=$(HX nft list table inet vnet)
		printf '%s\n' "$t" | grep -q 'ip6 daddr ff02::/16 return' && ! printf '%s\n' "$t" | grep -q 'ff00::/8' &&
			t_ok "nftables: IPv6 NAT leaves ff02::/16 alone (not ff00::/8)" || t_fail "nftables: IPv6 NAT exempts ff02::/16" "$t"
	else
		HX ip6tables -t nat -S VNET_NAT_vnbr-d6 | grep -q -- '-d ff02::/16 -j RETURN' &&
			t_ok "iptables: IPv6 NAT leaves ff02::/16 alone" || t_fail "iptables: IPv6 NAT exempts ff02::/16" "$(HX ip6tables -t nat -S)"
		HX iptables -S VNET_INP_vnbr-d6 | grep -q -- '-p udp -m udp --dport 69 -j ACCEPT' &&
			t_ok "iptables: <tftp> opens UDP 69 to the host" || t_fail "iptables: <tftp> opens UDP 69" "$(HX iptables -S VNET_INP_vnbr-d6)"
	fi
	ip -n "$G" link del eth0 2>/dev/null
	run V destroy fwd6
	after=$(HX iptables-save -t mangle | grep -E '^(-A|:[A-Z])' | sed -E 's/\[[0-9]+:[0-9]+\]//')
	[ "$RC" -eq 0 ] && [ "$after" = "$mangle_before" ] && t_ok "$be: destroy removes exactly the checksum fill" ||
		t_fail "$be: destroy removes exactly the checksum fill" "$ERR" "$(diff <(echo "$mangle_before") <(echo "$after"))"
	run V undefine fwd6
done
t_done
