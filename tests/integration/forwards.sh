#!/bin/bash
# forwards.sh: port forwards (<vnet:forward>) on a NAT network vnet starts in
# a throwaway "host" namespace. From an "uplink" namespace, connections to the
# host's address reach listeners in namespace guests; a guest reaches them
# through the host's address (hairpin) and so does a process on the host;
# forward-add/-del change a running network without disturbing an
# established connection through another forward; destroy removes it all.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
command -v socat >/dev/null || { echo "SKIP: socat is not installed"; exit 77; }

setup_ns H U G1 G2 || { echo "cannot create namespaces"; exit 1; }
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
link_uplink "$H" "$U" 10.255.1.1 10.255.1.2
BR=vnbr-fw$((RANDOM % 1000))
G1MAC=52:54:00:00:15:10
G2MAC=52:54:00:00:15:20

cat >"$R/fw.xml" <<EOF
<network>
  <name>fw</name>
  <metadata>
    <vnet:network xmlns:vnet='urn:vnet:network:1'>
      <vnet:forward proto='tcp' port='2222' to='192.168.150.10' toport='22'/>
      <vnet:forward proto='tcp' port='8080' mac='$G1MAC' toport='80'/>
      <vnet:forward proto='tcp' port='3000-3001' to='192.168.150.10' toport='4000-4001'/>
      <vnet:forward proto='tcp' port='7007' to='192.168.150.10' toport='7'/>
    </vnet:network>
  </metadata>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off' delay='0'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.150.100' end='192.168.150.200'/>
      <host mac='$G1MAC' name='g1' ip='192.168.150.10'/>
    </dhcp>
  </ip>
</network>
EOF
run V define "$R/fw.xml"
[ "$RC" -eq 0 ] || t_fail "define" "$ERR"
t0=$(date +%s%N)
run V start fw
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$RC" -eq 0 ] && t_ok "start a NAT network with 4 forwards (${ms} ms)" || t_fail "start" "$ERR"

plug_guest "$H" "$G1" "$BR" "$G1MAC"
plug_guest "$H" "$G2" "$BR" "$G2MAC"
a1=$(dhcp "$G1")
a2=$(dhcp "$G2")
[ "$a1" = 192.168.150.10 ] && t_ok "guest 1 leases its static address" || t_fail "guest 1 leases its static address" "got '$a1'"
case "$a2" in 192.168.150.1[0-9][0-9]) t_ok "guest 2 leases ($a2)" ;; *) t_fail "guest 2 leases" "got '$a2'" ;; esac

for p in 22 80 4001; do listen_peer "$G1" $p || t_fail "listener on guest 1 port $p"; done
listen_peer "$G2" 80 || t_fail "listener on guest 2 port 80"
# an echo service for the long-lived session
ip netns exec "$G1" socat TCP-LISTEN:7,fork,reuseaddr EXEC:cat >/dev/null 2>&1 &
PIDS+=($!)
busywait 2000 sh -c "ip netns exec $G1 ss -ltn | grep -q ':7 '"

# --- from outside
seen=$(seen_as "$U" 10.255.1.1 2222)
[ "$seen" = 10.255.1.2 ] && t_ok "uplink -> host:2222 reaches guest:22 (client address kept)" || t_fail "uplink -> host:2222 reaches guest:22" "saw '$seen'"
seen=$(seen_as "$U" 10.255.1.1 8080)
[ "$seen" = 10.255.1.2 ] && t_ok "forward by MAC (static <host>) reaches guest:80" || t_fail "forward by MAC reaches guest:80" "saw '$seen'"
seen=$(seen_as "$U" 10.255.1.1 3001)
[ "$seen" = 10.255.1.2 ] && t_ok "shifted range: host:3001 -> guest:4001" || t_fail "shifted range: host:3001 -> guest:4001" "saw '$seen'"
can_ping "$U" "$a1" && t_fail "uplink -> guest still blocked (only forwards pass)" || t_ok "uplink -> guest still blocked (only forwards pass)"

# --- hairpin and the host itself
seen=$(seen_as "$G2" 10.255.1.1 2222)
[ "$seen" = 192.168.150.1 ] && t_ok "hairpin: guest 2 -> host:2222 -> guest 1 (masqueraded)" || t_fail "hairpin: guest 2 -> host:2222 -> guest 1" "saw '$seen'"
seen=$(seen_as "$H" 10.255.1.1 2222)
[ "$seen" = 10.255.1.1 ] && t_ok "host process -> host:2222 reaches guest 1 (output DNAT)" || t_fail "host process -> host:2222 reaches guest 1" "saw '$seen'"
seen=$(seen_as "$G2" 192.168.150.1 2222)
[ -z "$seen" ] && t_ok "the network's own gateway address is not forwarded" || t_fail "the network's own gateway address is not forwarded" "saw '$seen'"

run V forward-list fw
n_applied=$(printf '%s\n' "$OUT" | grep -c ' applied$')
[ "$n_applied" -eq 4 ] && t_ok "forward-list: 4 forwards applied" || t_fail "forward-list: 4 forwards applied" "$OUT"

# --- a long-lived session through 7007 while forwards come and go
D=$(mktemp_dir)
mkfifo "$D/in"
ip netns exec "$U" socat -T60 - TCP:10.255.1.1:7007 <"$D/in" >"$D/out" 2>/dev/null &
PIDS+=($!)
exec 7>"$D/in"
echo one >&7
busywait 3000 grep -q one "$D/out" && t_ok "session through forward 7007 echoes" || t_fail "session through forward 7007 echoes"

CH2222=$(ip netns exec "$H" nft -a list chain inet vnet "vn_${BR//-/_2d}_f_tcp_2222" 2>&1)
t0=$(date +%s%N)
run V forward-add fw --proto tcp --port 9090 --to "$a2" --toport 80
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$RC" -eq 0 ] && t_ok "forward-add on the running network (${ms} ms)" || t_fail "forward-add" "$ERR"
seen=$(seen_as "$U" 10.255.1.1 9090)
[ "$seen" = 10.255.1.2 ] && t_ok "the added forward works" || t_fail "the added forward works" "saw '$seen'"
echo two >&7
busywait 3000 grep -q two "$D/out" && t_ok "established session survives forward-add" || t_fail "established session survives forward-add"
[ "$(ip netns exec "$H" nft -a list chain inet vnet "vn_${BR//-/_2d}_f_tcp_2222" 2>&1)" = "$CH2222" ] && t_ok "forward-add left the other forwards' rules untouched" || t_fail "forward-add left the other forwards' rules untouched"
grep -q "port=\"9090\"" "$R/etc/vnet/networks/fw.xml" && t_ok "forward-add updated the persistent definition" || t_fail "forward-add updated the persistent definition"
grep -q "port=\"9090\"" "$R/run/vnet/fw/net.xml" && t_ok "forward-add updated the live definition" || t_fail "forward-add updated the live definition"

expect_fail "forward-add of a claimed port is refused" 1 "overlaps" V forward-add fw --proto tcp --port 8080 --to "$a2"
expect_fail "forward-add to an address outside the network is refused" 1 "outside every subnet" V forward-add fw --port 9999 --to 10.9.9.9

# a MAC without static <host>: resolved through guest 2's lease
run V forward-add fw --port 9191 --mac "$G2MAC" --toport 80
seen=$(seen_as "$U" 10.255.1.1 9191)
[ "$RC" -eq 0 ] && [ "$seen" = 10.255.1.2 ] && t_ok "forward by MAC resolved through the DHCP lease" || t_fail "forward by MAC resolved through the DHCP lease" "$ERR" "saw '$seen'"
run V --json forward-list fw
printf '%s' "$OUT" | grep -q '"port":"9191".*"source":"lease","applied":true' && t_ok "forward-list --json shows the lease source" || t_fail "forward-list --json shows the lease source" "$OUT"

run V forward-del fw --proto tcp --port 9090
[ "$RC" -eq 0 ] && t_ok "forward-del on the running network" || t_fail "forward-del" "$ERR"
seen=$(seen_as "$U" 10.255.1.1 9090)
[ -z "$seen" ] && t_ok "the deleted forward is gone" || t_fail "the deleted forward is gone" "saw '$seen'"
run V forward-del fw --port 2222
echo three >&7
busywait 3000 grep -q three "$D/out" && t_ok "established session survives forward-del of others" || t_fail "established session survives forward-del of others"
grep -q "port=\"9090\"\|port=\"2222\"" "$R/etc/vnet/networks/fw.xml" && t_fail "forward-del updated the persistent definition" || t_ok "forward-del updated the persistent definition"
expect_fail "forward-del of an unknown forward says so" 1 "has no forward of tcp port 4444" V forward-del fw --port 4444
exec 7>&-

# --- every change to vnet's shared nft table holds the root-wide firewall lock (the table's
# removal holds it too): with the lock held elsewhere, forward-add and the libvirt hook wait
# for it and give up naming it, instead of changing the table under the holder
LOCK="$R/run/vnet/.locks/.firewall.lock"
exec 9>"$LOCK"
flock 9
run env VNET_LOCK_TIMEOUT_MS=300 ip netns exec "$H" "$VNET" --root "$R" forward-add fw --port 9393 --to 192.168.150.10
[ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "'.firewall' is busy" && t_ok "forward-add waits for the firewall lock" || t_fail "forward-add waits for the firewall lock" "exit $RC: $ERR"
HOOK="$top_builddir/hooks/vnet-libvirt-hook"
cat >"$R/hookdata.xml" <<EOF
<hookData><network><name>fwhook</name>
  <metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>
    <vnet:forward proto='tcp' port='9494' to='192.168.151.10'/>
  </vnet:network></metadata>
  <forward mode='nat'/><bridge name='${BR}h'/><ip address='192.168.151.1' prefix='24'/>
</network></hookData>
EOF
run env VNET_LOCK_TIMEOUT_MS=300 sh -c "ip netns exec '$H' '$HOOK' --root '$R' fwhook started begin - <'$R/hookdata.xml'"
[ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "'.firewall' is busy" && t_ok "the libvirt hook waits for the firewall lock" || t_fail "the libvirt hook waits for the firewall lock" "exit $RC: $ERR"
flock -u 9
exec 9>&-
run env ip netns exec "$H" "$HOOK" --root "$R" fwhook stopped end - <"$R/hookdata.xml"
grep -q 9393 "$R/etc/vnet/networks/fw.xml" && t_fail "a refused forward-add changed nothing" || t_ok "a refused forward-add changed nothing"

# --- teardown
run V destroy fw
[ "$RC" -eq 0 ] && t_ok "destroy" || t_fail "destroy" "$ERR"
ip netns exec "$H" nft list tables | grep -q 'inet vnet' && t_fail "no vnet nft table left" "$(ip netns exec "$H" nft list table inet vnet)" || t_ok "no vnet nft table left"
seen=$(seen_as "$U" 10.255.1.1 8080)
[ -z "$seen" ] && t_ok "no forward answers after destroy" || t_fail "no forward answers after destroy" "saw '$seen'"
run V start fw
n=$(ip netns exec "$H" nft list table inet vnet | grep -c 'jump vn_.*_f_')
# 8080, 3000-3001, 7007; 9191 names a MAC whose lease went with the old run: it waits
[ "$RC" -eq 0 ] && [ "$n" -eq 3 ] && t_ok "restart applies the edited forwards (3, 1 waiting)" || t_fail "restart applies the edited forwards" "$ERR" "$n"
run V destroy fw
t_done
