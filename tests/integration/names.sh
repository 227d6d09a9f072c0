#!/bin/bash
# names.sh: names and values that other programs read as syntax (issue 13, section 2).
# Interface names follow one rule ([A-Za-z0-9_.-], 1-15 bytes, not starting with '.' or
# '-') wherever vnet takes them: a definition, the libvirt hook's input, port-add --ifname.
# Each case is the injection as a user meets it, in a throwaway "host" namespace under a
# private --root: the definition or command is refused with a clear message and nothing is
# created; an unrelated nft table, iptables' FORWARD chain and an uplink link stay exactly as
# they were. Free text that vnet writes into QMP JSON and its port records (--model, the
# owner) is escaped. Paths with whitespace, ',' '#' '"' are refused as --root/VNET_ROOT.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
HOOK="$top_builddir/hooks/vnet-libvirt-hook"

setup_ns H || exit 1
R=$(mktemp_dir)
T=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
ip -n "$H" link add up0 type veth peer name up1
ip -n "$H" link set up0 address 52:54:00:99:00:01 up
ip netns exec "$H" nft add table inet victim
ip netns exec "$H" nft add chain inet victim keep
links_before=$(ip -n "$H" -o link show | awk -F': ' '{print $2}' | sort)
snapshot() {
	ip -n "$H" -o link show | awk -F': ' '{print $2}' | sort
	ip netns exec "$H" nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	ip netns exec "$H" iptables -S 2>/dev/null
	find "$R" -mindepth 1 ! -path "$R/run/vnet/.locks*" ! -path "$R/run/vnet" ! -path "$R/run" 2>/dev/null | sort
}
before=$(snapshot)
unchanged() { [ "$(snapshot)" = "$before" ]; }

net_xml() { # net_xml FILE BRIDGE-ATTRS [FORWARD]
	cat >"$1" <<EOF
<network>
  <name>nm</name>
  ${3:-<forward mode='nat'/>}
  <bridge $2/>
  <ip address='10.77.0.1' netmask='255.255.255.0'>
    <dhcp><range start='10.77.0.10' end='10.77.0.20'/></dhcp>
  </ip>
</network>
EOF
}

# ---- definitions
net_xml "$T/comma.xml" "name='vb,eth0'"
expect_fail "define <bridge name='vb,eth0'> refused (dnsmasq list)" 1 \
	"comma.xml:4: network 'nm': <bridge name='vb,eth0'>: invalid interface name \(allowed: 1-15 characters from A-Z a-z 0-9 _ \. -" \
	V define "$T/comma.xml"
net_xml "$T/plus.xml" "name='+'"
expect_fail "define <bridge name='+'> refused (iptables wildcard)" 1 \
	"plus.xml:4: .*<bridge name='\+'>: invalid interface name" \
	V --firewall-backend iptables define "$T/plus.xml"
expect_fail "start --firewall-backend iptables of <bridge name='+'> refused" 1 \
	"<bridge name='\+'>: invalid interface name" \
	ip netns exec "$H" "$VNET" --root "$R" --firewall-backend iptables create "$T/plus.xml"
net_xml "$T/star.xml" "name='vb*'"
expect_fail "validate <bridge name='vb*'> refused (nft/dnsmasq wildcard)" 1 \
	"<bridge name='vb\*'>: invalid interface name" V validate "$T/star.xml"
net_xml "$T/fdev.xml" "name='vbfd0'" "<forward mode='nat' dev='eth+'/>"
expect_fail "define <forward dev='eth+'> refused" 1 "<forward dev='eth\+'>: invalid interface name" \
	V define "$T/fdev.xml"
cat >"$T/pool.xml" <<EOF
<network>
  <name>pool</name>
  <forward mode='bridge'>
    <interface dev='up0'/>
    <interface dev='up1,up0'/>
  </forward>
</network>
EOF
expect_fail "define <interface dev='up1,up0'> pool refused" 1 \
	"<interface dev='up1,up0'>: invalid interface name" V define "$T/pool.xml"
net_xml "$T/tftp.xml" "name='vbtf0'"
sed -i "s|<dhcp>|<tftp root='/srv/tftp boot'/><dhcp>|" "$T/tftp.xml"
expect_fail "define <tftp root> with a space refused" 1 "<tftp root='/srv/tftp boot'>: empty, or contains whitespace" \
	V define "$T/tftp.xml"
net_xml "$T/bootp.xml" "name='vbbp0'"
sed -i "s|<dhcp>|<dhcp><bootp file='pxe#x'/>|" "$T/bootp.xml"
expect_fail "define <bootp file> with '#' refused" 1 "<bootp file='pxe#x'>" V define "$T/bootp.xml"
unchanged && t_ok "refused definitions left no link, rule, file or table" ||
	t_fail "refused definitions left no link, rule, file or table" "$(diff <(echo "$before") <(snapshot))"

# ---- the state root
for bad in "$T/a b" "$T/a,b" "$T/a#b" "$T/a\"b"; do
	expect_fail "--root '${bad#"$T"/}' refused" 1 "--root '.*': empty, or contains whitespace" \
		ip netns exec "$H" "$VNET" --root "$bad" list
done
expect_fail "VNET_ROOT with a newline refused" 1 "empty, or contains whitespace" \
	env VNET_ROOT="$T/a
b" ip netns exec "$H" "$VNET" list
[ ! -e "$T/a b" ] && [ ! -e "$T/a,b" ] && t_ok "no refused root was created" || t_fail "no refused root was created"

# ---- the libvirt hook: a crafted <bridge name> in hookData
hookdata() { # hookdata BRIDGE [FORWARD-LINE]
	cat <<EOF
<hookData><network><name>inj</name><uuid>11111111-2222-3333-4444-555555555555</uuid>
<metadata><vnet:network xmlns:vnet='urn:vnet:network:1'>$2</vnet:network></metadata>
<forward mode='nat'/><bridge name='$1'/>
<ip address='10.77.0.1' netmask='255.255.255.0'/></network></hookData>
EOF
}
if [ -x "$HOOK" ]; then
	hookdata 'x" . 10.77.0.0/24 }; delete table inet victim; add element inet vnet hairpin4 { "x' >"$T/h1.xml"
	run ip netns exec "$H" "$HOOK" --root "$R" inj started begin - <"$T/h1.xml"
	if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "invalid interface name" &&
		ip netns exec "$H" nft list table inet victim >/dev/null 2>&1; then
		t_ok "hook: nft commands in <bridge name> refused, other table intact"
	else
		t_fail "hook: nft commands in <bridge name> refused, other table intact" "exit $RC: $ERR" "$(ip netns exec "$H" nft list tables)"
	fi
	# '../' in the bridge name redirected the read of libvirt's dnsmasq status file
	mkdir -p "$T/lv/dnsmasq"
	echo '[{"ip-address": "10.77.0.66", "mac-address": "52:54:00:66:66:66"}]' >"$T/lv/decoy.status"
	hookdata '../decoy' "<vnet:forward proto='tcp' port='2222' mac='52:54:00:66:66:66' toport='22'/>" >"$T/h2.xml"
	run ip netns exec "$H" "$HOOK" --root "$R" --libvirt-dnsmasq-dir "$T/lv/dnsmasq" inj started begin - <"$T/h2.xml"
	if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "<bridge name='../decoy'>: invalid interface name" &&
		! ip netns exec "$H" nft list ruleset | grep -q 10.77.0.66; then
		t_ok "hook: '../' in <bridge name> refused, no file outside read"
	else
		t_fail "hook: '../' in <bridge name> refused, no file outside read" "exit $RC: $ERR" "$(ip netns exec "$H" nft list ruleset | grep 10.77.0.66)"
	fi
	unchanged && t_ok "hook: refused input changed nothing" ||
		t_fail "hook: refused input changed nothing" "$(diff <(echo "$before") <(snapshot))"
else
	t_skip "hook: crafted <bridge name>" "$HOOK not built"
fi

# ---- ports of a running network
net_xml "$T/ok.xml" "name='vbnm0'"
run V define "$T/ok.xml"
run V start nm
if [ "$RC" -ne 0 ]; then
	t_fail "start a network for the port cases" "$ERR"
	t_done
fi
for bad in 'vn,x' '+' 'vn*' '-vn' '../x'; do
	expect_fail "port-add --ifname '$bad' refused" 1 "'.*' is not a valid interface name \(allowed: 1-15" \
		V port-add nm --ifname "$bad"
done
ip -n "$H" -o link show | grep -qE ': (vn,x|\+|vn\*|-vn)[:@]' && t_fail "no link was made for a refused name" ||
	t_ok "no link was made for a refused name"

# A QMP socket path is the port's owner in its record: a line break in it added record lines
# of its own ("ifname=up0" with up0's MAC), and destroy deleted the uplink. The --model text
# went into device_add's JSON as it was.
cat >"$T/fakeqmp.py" <<'EOF'
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(4)
while True:
    c, _ = s.accept()
    c.sendall(b'{"QMP": {"version": {}, "capabilities": []}}\r\n')
    buf = b""
    while True:
        data, anc, _, _ = c.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
        for lvl, typ, d in anc:
            if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                for i in range(0, len(d) - len(d) % 4, 4):
                    os.close(int.from_bytes(d[i:i + 4], sys.byteorder))
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            with open(log, "ab") as f:
                f.write(line + b"\n")
            c.sendall(b'{"return": {}}\r\n')
    c.close()
EOF
QP="$T/q
ifname=up0
host_mac=52:54:00:99:00:01
x"
# the system's interpreter: a version manager's shim may stop in the background
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
ip netns exec "$H" "$PY" "$T/fakeqmp.py" "$QP" "$T/qmp.log" </dev/null &
PIDS+=($!)
busywait 5000 test -S "$QP" || t_fail "fake QMP server listens"
run V port-add nm --qmp "$QP" --model 'virtio-net-pci","romfile":"/etc/shadow'
if [ "$RC" -eq 0 ]; then
	t_ok "port-add --qmp with a crafted socket path and --model"
	dev=$(grep device_add "$T/qmp.log")
	drv=$(printf '%s' "$dev" | "$PY" -c 'import json,sys; a=json.load(sys.stdin)["arguments"]; print(a["driver"], "romfile" in a)' 2>&1)
	[ "$drv" = 'virtio-net-pci","romfile":"/etc/shadow False' ] && t_ok "--model stays one JSON string in device_add" ||
		t_fail "--model stays one JSON string in device_add" "$dev" "$drv"
	run V port-list nm
	printf '%s\n' "$OUT" | grep -q '^ *up0 ' && t_fail "port-list does not show up0 as a port" "$OUT" || t_ok "port-list does not show up0 as a port"
else
	t_fail "port-add --qmp with a crafted socket path and --model" "$ERR"
fi
run V destroy nm
[ "$RC" -eq 0 ] && t_ok "destroy nm" || t_fail "destroy nm" "$ERR"
ip -n "$H" link show up0 >/dev/null 2>&1 && t_ok "the uplink up0 survived destroy" || t_fail "the uplink up0 survived destroy"
ip netns exec "$H" nft list table inet victim >/dev/null 2>&1 && t_ok "the unrelated nft table survived" || t_fail "the unrelated nft table survived"
t_done
