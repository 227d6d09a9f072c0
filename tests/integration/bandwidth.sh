#!/bin/bash
# bandwidth.sh: <bandwidth> measured with iperf3 between guest namespaces and
# an "uplink" namespace, through vnet's NAT: the network-wide inbound limit (on
# its bridge: uplink -> guests) and a portgroup's limits (on each port of the
# portgroup, both directions) hold within +-20% of the configured average; a
# network without the element is not limited; a network-wide outbound is
# refused by start, which creates nothing; vnet plan shows the qdiscs and
# classes; destroy leaves no qdisc and no ifb. All in throwaway namespaces;
# iperf3 only between them.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 is not installed"; exit 77; }

setup_ns H U G1 G2 G3 || exit 1
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
HX() { ip netns exec "$H" "$@"; }
link_uplink "$H" "$U" 10.255.0.1 10.255.0.2
if ! HX ip link add vnt-ifbprobe type ifb 2>/dev/null; then
	echo "SKIP: the kernel has no ifb driver"
	exit 77
fi
HX ip link del vnt-ifbprobe

# KB/s as libvirt: 1000 bytes per second
cat >"$R/bw.xml" <<'X'
<network>
  <name>bwnet</name>
  <forward mode='nat'/>
  <bridge name='vnbr-bw' stp='off'/>
  <bandwidth>
    <inbound average='2500' burst='64'/>
  </bandwidth>
  <ip address='10.68.0.1' prefix='24'>
    <dhcp><range start='10.68.0.10' end='10.68.0.50'/></dhcp>
  </ip>
  <portgroup name='slow'>
    <bandwidth>
      <inbound average='625'/>
      <outbound average='375'/>
    </bandwidth>
  </portgroup>
</network>
X
cat >"$R/out.xml" <<'X'
<network>
  <name>netout</name>
  <bridge name='vnbr-out' stp='off'/>
  <bandwidth><outbound average='1000'/></bandwidth>
  <ip address='10.70.0.1' prefix='24'/>
</network>
X
cat >"$R/free.xml" <<'X'
<network>
  <name>free</name>
  <forward mode='nat'/>
  <bridge name='vnbr-free' stp='off'/>
  <ip address='10.69.0.1' prefix='24'>
    <dhcp><range start='10.69.0.10' end='10.69.0.50'/></dhcp>
  </ip>
</network>
X
for n in bw free out; do
	run V define "$R/$n.xml"
	[ "$RC" -eq 0 ] || { t_fail "define $n" "$ERR"; t_done; }
done
run V plan bwnet
printf '%s\n' "$OUT" | grep -q '^class add dev vnbr-bw parent 1:1 classid 1:2 htb rate 2500000Bps ceil 2500000Bps burst 65536b$' &&
	printf '%s\n' "$OUT" | grep -q '^filter add dev PORT parent ffff: .* mirred egress redirect dev ifb-PORT$' &&
	printf '%s\n' "$OUT" | grep -q '^class add dev ifb-PORT parent 1: classid 1:1 htb rate 375000Bps' &&
	t_ok "vnet plan shows the qdiscs, classes and redirects" || t_fail "vnet plan shows the qdiscs, classes and redirects" "$OUT"

for n in bwnet free; do
	run V start "$n"
	[ "$RC" -eq 0 ] || { t_fail "start $n" "$ERR"; t_done; }
done
HX tc class show dev vnbr-bw | grep -q 'class htb 1:2 parent 1:1' && t_ok "the bridge has its htb with libvirt's classes 1:1 and 1:2" ||
	t_fail "the bridge has its htb with classes 1:1 and 1:2" "$(HX tc class show dev vnbr-bw)"
links_before=$(HX ip -o link show | wc -l)
expect_fail "a network-wide <outbound> is refused by start" 1 "<bandwidth><outbound>: not supported by vnet" V start netout
[ "$(HX ip -o link show | wc -l)" = "$links_before" ] && t_ok "the refused start created nothing" || t_fail "the refused start created nothing" "$(HX ip -o link show)"
[ -z "$(HX tc qdisc show dev vnbr-free | grep -E 'htb|ingress')" ] && t_ok "a network without <bandwidth> gets no qdisc" || t_fail "a network without <bandwidth> gets no qdisc" "$(HX tc qdisc show dev vnbr-free)"

run V port-add bwnet --netns "/run/netns/$G1"
run V port-add bwnet --netns "/run/netns/$G2" --portgroup slow
p2=$OUT
run V port-add free --netns "/run/netns/$G3"
for g in "$G1" "$G2" "$G3"; do
	a=$(dhcp "$g")
	[ -n "$a" ] || t_fail "guest leases" "$g"
done
HX tc qdisc show dev "$p2" | grep -q 'htb 1: root' && HX ip link show "ifb-$p2" >/dev/null 2>&1 &&
	t_ok "the portgroup's port $p2 has its htb and ifb-$p2" || t_fail "the portgroup's port has its htb and ifb" "$(HX tc qdisc show)"

ip netns exec "$U" iperf3 -s -D -p 5201 >/dev/null 2>&1
busywait 3000 sh -c "ip netns exec $U ss -ltn | grep -q ':5201 '"
# measure GUEST [-R]: Mbit/s received (guest -> uplink, or with -R uplink -> guest), after a
# second of slow start is left out; one retry when the server was still busy
measure() {
	local g=$1 o i
	shift
	for i in 1 2 3; do
		o=$(timeout 30 ip netns exec "$g" iperf3 -c 10.255.0.2 -p 5201 -t 5 -O 1 -J "$@" 2>/dev/null)
		o=$(printf '%s' "$o" | python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' 2>/dev/null) && break
		sleep 1
	done
	echo "${o:-0}"
}
# within PCT% of KB/s
near() { python3 -c 'import sys; m,k,p=map(float,sys.argv[1:]); e=k*8/1000; sys.exit(0 if abs(m-e) <= e*p/100 else 1)' "$1" "$2" "$3"; }
check() {
	local what=$1 kbs=$2 m=$3
	if near "$m" "$kbs" 20; then
		t_ok "$what: $m Mbit/s for average $kbs KB/s ($(python3 -c "print($kbs*8/1000)") Mbit/s)"
	else
		t_fail "$what: within 20% of $kbs KB/s" "measured $m Mbit/s"
	fi
}
m=$(measure "$G1" -R); check "network inbound (uplink -> guest)" 2500 "$m"
m=$(measure "$G2"); check "portgroup outbound (guest -> uplink)" 375 "$m"
m=$(measure "$G2" -R); check "portgroup inbound (uplink -> guest)" 625 "$m"
# no element, no limit: far above every limit configured here (20 Mbit/s)
for dir in "" -R; do
	m=$(measure "$G3" $dir)
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 60 else 1)' "$m" &&
		t_ok "no <bandwidth>: ${dir:-guest -> uplink}${dir:+uplink -> guest} unlimited ($m Mbit/s)" ||
		t_fail "no <bandwidth>: ${dir:-guest -> uplink}${dir:+uplink -> guest} unlimited" "only $m Mbit/s"
done

run V port-del bwnet "$p2"
HX ip link show "ifb-$p2" >/dev/null 2>&1 && t_fail "port-del removes the port's ifb" || t_ok "port-del removes the port's ifb"
for n in bwnet free; do V destroy "$n" >/dev/null; done
[ -z "$(HX ip -o link show type ifb)" ] && [ -z "$(HX tc qdisc show | grep -E 'htb|ingress')" ] &&
	t_ok "destroy leaves no ifb and no qdisc" || t_fail "destroy leaves no ifb and no qdisc" "$(HX ip -o link show type ifb; HX tc qdisc show)"
t_done
