#!/bin/bash
# libvirt-hook.sh: a REAL libvirtd (Debian's libvirt-daemon-system) runs inside
# a throwaway "host" network namespace and a private mount namespace (its
# /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and
# /var/log/libvirt are temporary directories), with vnet-libvirt-hook
# installed as its network hook. A NAT network defined with virsh and
# carrying vnet forwards is started: from an "uplink" namespace a connection
# to the host's address reaches a namespace guest plugged into libvirt's
# bridge; another guest reaches it through the host's address (hairpin); a
# forward naming a guest by MAC is applied when the guest's port is created;
# net-destroy removes every rule the hook added; a broken forward makes
# net-start fail with the hook's message. Nothing outside the namespaces is
# touched. SKIPs (visibly) when libvirtd cannot run here.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
. "$top_srcdir/tests/libvirtd-sandbox.sh"
HOOK="$top_builddir/hooks/vnet-libvirt-hook"
why=$(lvsb_need) || { echo "SKIP: $why"; exit 77; }
command -v socat >/dev/null || { echo "SKIP: socat is not installed (apt-get install socat)"; exit 77; }
[ -x "$HOOK" ] || { echo "SKIP: $HOOK not built"; exit 77; }

setup_ns H U G1 G2 || { echo "cannot create namespaces"; exit 1; }
R=$(mktemp_dir) # vnet's --root for the hook
L=$(mktemp_dir) # libvirt's private directories
touch "$L/stamp"
[ -e /run/libvirt ] && run_libvirt_before=1 || run_libvirt_before=0
lvsb_prepare "$L"
mkdir -p "$L/etc/hooks"
cat >"$L/etc/hooks/network" <<EOF
#!/bin/sh
exec "$HOOK" --root "$R" "\$@"
EOF
chmod 755 "$L/etc/hooks/network"

# libvirtd in H's network namespace, in a mount namespace of its own whose libvirt
# directories are the temporary ones (tests/libvirtd-sandbox.sh); not in a $(...)
# subshell: LVSB_PID and PIDS must be set here
if ! lvsb_start "$H" "$L" >"$L/why"; then
	echo "SKIP: $(cat "$L/why")"
	exit 77
fi
LVPID=$LVSB_PID
t_ok "libvirtd $(LV version 2>/dev/null | awk '/libvirt/{print $NF; exit}') runs in a private namespace"
[ "$(readlink /proc/$LVPID/ns/net)" = "$(ip netns exec "$H" readlink /proc/self/ns/net)" ] && t_ok "libvirtd lives in the host namespace, not the root one" || t_fail "libvirtd lives in the host namespace"

link_uplink "$H" "$U" 10.255.2.1 10.255.2.2
BR=vnlv$((RANDOM % 10000))
NET=vnlv-$NS_SUFFIX
G1MAC=52:54:00:00:16:10
G2MAC=52:54:00:00:16:20
cat >"$L/net.xml" <<EOF
<network>
  <name>$NET</name>
  <metadata>
    <vnet:network xmlns:vnet='urn:vnet:network:1'>
      <vnet:forward proto='tcp' port='2222' to='192.168.160.10' toport='22'/>
      <vnet:forward proto='tcp' port='8080' mac='$G1MAC' toport='80'/>
      <vnet:forward proto='tcp' port='9191' mac='$G2MAC' toport='80'/>
    </vnet:network>
  </metadata>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off' delay='0'/>
  <ip address='192.168.160.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.160.100' end='192.168.160.200'/>
      <host mac='$G1MAC' name='g1' ip='192.168.160.10'/>
    </dhcp>
  </ip>
</network>
EOF
run LV net-define "$L/net.xml"
[ "$RC" -eq 0 ] && t_ok "virsh net-define a NAT network with vnet forwards" || t_fail "virsh net-define" "$ERR"
t0=$(date +%s%N)
run LV net-start "$NET"
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$RC" -ne 0 ]; then
	t_fail "virsh net-start (hook: start, started)" "$ERR" "$(tail -5 "$L/log/libvirtd.log" 2>/dev/null)"
	t_done
fi
t_ok "virsh net-start runs the hook (${ms} ms)"
[ -s "$R/run/vnet-libvirt/$NET/fw-remove" ] && t_ok "hook recorded exactly what it added" || t_fail "hook recorded what it added"
ip netns exec "$H" nft list table inet vnet >/dev/null 2>&1 && t_ok "forwards live in vnet's own table" || t_fail "forwards live in vnet's own table"

plug_guest "$H" "$G1" "$BR" "$G1MAC"
plug_guest "$H" "$G2" "$BR" "$G2MAC"
a1=$(dhcp "$G1")
a2=$(dhcp "$G2")
[ "$a1" = 192.168.160.10 ] && t_ok "guest 1 leases from libvirt's dnsmasq" || t_fail "guest 1 leases from libvirt's dnsmasq" "got '$a1'"
case "$a2" in 192.168.160.*) t_ok "guest 2 leases ($a2)" ;; *) t_fail "guest 2 leases" "got '$a2'" ;; esac
for p in 22 80; do listen_peer "$G1" $p || t_fail "listener on guest 1 port $p"; done
listen_peer "$G2" 80 || t_fail "listener on guest 2 port 80"

seen=$(seen_as "$U" 10.255.2.1 2222)
[ "$seen" = 10.255.2.2 ] && t_ok "uplink -> host:2222 reaches the guest on libvirt's bridge" || t_fail "uplink -> host:2222 reaches the guest" "saw '$seen'" "$(ip netns exec "$H" iptables -S FORWARD 2>&1 | head -5)"
seen=$(seen_as "$U" 10.255.2.1 8080)
[ "$seen" = 10.255.2.2 ] && t_ok "forward by MAC (static <host>) works" || t_fail "forward by MAC (static <host>) works" "saw '$seen'"
seen=$(seen_as "$G2" 10.255.2.1 2222)
[ "$seen" = 192.168.160.1 ] && t_ok "hairpin: guest 2 -> host:2222 -> guest 1" || t_fail "hairpin: guest 2 -> host:2222 -> guest 1" "saw '$seen'"
seen=$(seen_as "$H" 10.255.2.1 2222)
[ "$seen" = 10.255.2.1 ] && t_ok "a process on the host reaches the forward" || t_fail "a process on the host reaches the forward" "saw '$seen'"
seen=$(seen_as "$U" 10.255.2.1 9191)
[ -z "$seen" ] && t_ok "forward by MAC without lease at start waits" || t_fail "forward by MAC without lease at start waits" "saw '$seen'"

# a port for guest 2 (as a starting domain would create): port-created resolves its MAC
cat >"$L/port.xml" <<EOF
<networkport>
  <uuid>$(cat /proc/sys/kernel/random/uuid)</uuid>
  <owner>
    <name>g2</name>
    <uuid>7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</uuid>
  </owner>
  <mac address='$G2MAC'/>
</networkport>
EOF
run LV net-port-create "$NET" "$L/port.xml"
if [ "$RC" -eq 0 ]; then
	t_ok "virsh net-port-create runs the hook (port-created)"
	grep -q "$G2MAC" "$R/run/vnet-libvirt/$NET/ports" && t_ok "hook keeps the port (MAC -> port)" || t_fail "hook keeps the port"
	seen=$(seen_as "$U" 10.255.2.1 9191)
	[ "$seen" = 10.255.2.2 ] && t_ok "port-created applied the forward to guest 2's lease" || t_fail "port-created applied the forward to guest 2's lease" "saw '$seen'"
	before=$(ip netns exec "$H" nft -a list table inet vnet)
	printf '<hookData>%s%s</hookData>' "$(LV net-dumpxml "$NET")" "$(LV net-port-dumpxml "$NET" "$(LV net-port-list "$NET" --uuid | head -1)")" |
		ip netns exec "$H" "$HOOK" --root "$R" --libvirt-dnsmasq-dir "$L/lib/dnsmasq" "$NET" port-created begin - >/dev/null 2>"$L/replay.err"
	[ $? -eq 0 ] && [ "$(ip netns exec "$H" nft -a list table inet vnet)" = "$before" ] && t_ok "a replayed port-created changes nothing" || t_fail "a replayed port-created changes nothing" "$(cat "$L/replay.err")"
else
	t_fail "virsh net-port-create" "$ERR"
fi
run LV net-update "$NET" add ip-dhcp-host "<host mac='52:54:00:00:16:30' ip='192.168.160.30'/>" --live
[ "$RC" -eq 0 ] && t_ok "virsh net-update runs the hook (updated)" || t_fail "virsh net-update (updated)" "$ERR"
seen=$(seen_as "$U" 10.255.2.1 2222)
[ "$seen" = 10.255.2.2 ] && t_ok "forwards still work after updated" || t_fail "forwards still work after updated" "saw '$seen'"

# --- net-destroy removes everything the hook added
run LV net-destroy "$NET"
[ "$RC" -eq 0 ] && t_ok "virsh net-destroy (stopped)" || t_fail "virsh net-destroy" "$ERR"
ip netns exec "$H" nft list tables | grep -q 'inet vnet' && t_fail "no vnet nft table left" "$(ip netns exec "$H" nft list table inet vnet)" || t_ok "no vnet nft table left"
ip netns exec "$H" iptables-save 2>/dev/null | grep -q 'vnet-libvirt' && t_fail "no tagged iptables accept left" || t_ok "no tagged iptables accept left"
[ ! -e "$R/run/vnet-libvirt/$NET" ] && t_ok "no hook state left" || t_fail "no hook state left" "$(ls -la "$R/run/vnet-libvirt/$NET")"

# --- a broken forward: the hook refuses, libvirt does not start the network
sed -e "s/<name>$NET</<name>$NET-bad</" -e "s/name='$BR'/name='${BR}b'/" -e "s/192.168.160/192.168.161/g" \
	-e "s/to='192.168.161.10' toport='22'/to='10.9.9.9' toport='22'/" "$L/net.xml" >"$L/bad.xml"
run LV net-define "$L/bad.xml"
run LV net-start "$NET-bad"
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "vnet-libvirt-hook: error:.*outside every subnet"; then
	t_ok "a broken forward fails net-start with the hook's message"
else
	t_fail "a broken forward fails net-start with the hook's message" "rc=$RC" "$ERR"
fi
LV net-info "$NET-bad" 2>/dev/null | grep -q 'Active:.*no' && t_ok "the refused network is not active" || t_fail "the refused network is not active"
run LV net-undefine "$NET-bad"
run LV net-undefine "$NET"
kill "$LVPID" 2>/dev/null
[ -z "$(find /etc/libvirt -newer "$L/stamp" 2>/dev/null)" ] && t_ok "the machine's /etc/libvirt is as it was" || t_fail "the machine's /etc/libvirt is as it was" "$(find /etc/libvirt -newer "$L/stamp")"
[ -e /run/libvirt ] && now=1 || now=0
[ "$now" = "$run_libvirt_before" ] && t_ok "the machine's /run/libvirt is as it was" || t_fail "the machine's /run/libvirt is as it was"
t_done
