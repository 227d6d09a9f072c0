# overlay-lib.sh: a small rack for the overlay tests — an "underlay"
# namespace with a bridge, N "host" namespaces each with an eth1 on it
# (172.31.255.N/24, MTU 1500) and its own vnet --root, and namespace guests
# plugged into a host's network bridge at the bridge's MTU (as vnet's ports
# copy it). Sourced after tests/cli/lib.sh and tests/integration/lib.sh.

# rack_setup N: namespaces UL, H1..HN; R1..RN roots
rack_setup() {
	local n=$1 i h
	setup_ns UL || return 1
	ip -n "$UL" link add ul0 type bridge || return 1
	ip -n "$UL" link set ul0 up
	for i in $(seq 1 "$n"); do
		setup_ns "H$i" || return 1
		eval "h=\$H$i"
		ip -n "$UL" link add "ul$i" type veth peer name eth1 netns "$h" || return 1
		ip -n "$UL" link set "ul$i" master ul0 up
		ip -n "$h" addr add "172.31.255.$i/24" dev eth1
		ip -n "$h" link set eth1 up
		eval "R$i=\$(mktemp_dir)"
	done
}

# VH I ARGS...: vnet on host I with its own root
VH() {
	local i=$1 h r
	shift
	eval "h=\$H$i; r=\$R$i"
	ip netns exec "$h" "$VNET" --root "$r" "$@"
}

# plug HOSTNS GUESTNS BRIDGE: veth into the bridge, both ends at the bridge's MTU
plug() {
	local h=$1 g=$2 br=$3 port mtu
	port="vg${RANDOM}"
	mtu=$(ip -n "$h" -o link show "$br" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
	ip -n "$h" link add "$port" mtu "$mtu" type veth peer name eth0 netns "$g" mtu "$mtu" || return 1
	ip -n "$h" link set "$port" master "$br" up || return 1
	ip -n "$g" link set eth0 up
}

# dhcp_mtu GUEST: like dhcp, also records the DHCP interface-mtu option in $T/mtu-GUEST
DHCP_MTU_SCRIPT=""
dhcp_mtu() {
	local g=$1
	if [ -z "$DHCP_MTU_SCRIPT" ]; then
		DHCP_MTU_SCRIPT=$(mktemp_dir)/udhcpc.sh
		cat >"$DHCP_MTU_SCRIPT" <<'S'
#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
	echo "${mtu:-none}" > "$DHCP_MTU_OUT"
	;;
esac
exit 0
S
		chmod +x "$DHCP_MTU_SCRIPT"
	fi
	DHCP_MTU_OUT="$T/mtu-$g" ip netns exec "$g" env DHCP_MTU_OUT="$T/mtu-$g" \
		busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -A 1 -O mtu -s "$DHCP_MTU_SCRIPT" >/dev/null 2>&1 || return 1
	ip -n "$g" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 | head -n1
}

# avg_rtt NS ADDR: average RTT in ms of 20 pings 50 ms apart
avg_rtt() {
	ip netns exec "$1" busybox ping -c 20 -i 0.05 -W 1 -q "$2" 2>/dev/null |
		sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p'
}

# df_ping NS ADDR TOTAL: one ICMP echo of TOTAL bytes (IP header included) with DF set.
# Prints "reply", "refused" (EMSGSIZE locally, or ICMP frag-needed back) or "lost".
df_ping() {
	ip netns exec "$1" python3 - "$2" "$3" <<'P'
import socket, struct, sys, time, errno
dst, total = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO
s.setsockopt(socket.IPPROTO_IP, 11, 1)  # IP_RECVERR
s.settimeout(0.2)
payload = b"v" * (total - 28)
def csum(b):
    if len(b) % 2: b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
hdr = struct.pack("!BBHHH", 8, 0, 0, 0x7e57, 1)
pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), 0x7e57, 1) + payload
try:
    s.sendto(pkt, (dst, 0))
except OSError as e:
    print("refused" if e.errno == errno.EMSGSIZE else "error %d" % e.errno); sys.exit(0)
end = time.time() + 2
while time.time() < end:
    try:
        d, a = s.recvfrom(65535)
    except socket.timeout:
        continue
    except OSError as e:
        print("refused" if e.errno == errno.EMSGSIZE else "error %d" % e.errno); sys.exit(0)
    ihl = (d[0] & 15) * 4
    t, c = d[ihl], d[ihl + 1]
    if t == 0 and a[0] == dst: print("reply"); sys.exit(0)
    if t == 3 and c == 4: print("refused"); sys.exit(0)
print("lost")
P
}

# overlay_xml TYPE EXTRA...: the one definition every host runs (local from eth1)
overlay_xml() {
	local type=$1 body=$2 attrs=$3
	cat <<X
<network>
  <name>rack</name>
  <uuid>6a2c1f38-7a4e-4d2b-9a55-0c1b7d3e9f10</uuid>
  <metadata>
    <vnet:network xmlns:vnet="urn:vnet:network:1">
      <vnet:overlay type="$type" vni="100" local-dev="eth1" gateway="172.31.255.1" $attrs>
$body
      </vnet:overlay>
    </vnet:network>
  </metadata>
  <forward mode="nat"/>
  <bridge name="vnrack0" stp="off" delay="0"/>
  <mac address="52:54:00:2a:10:01"/>
  <ip address="10.77.0.1" netmask="255.255.255.0">
    <dhcp>
      <range start="10.77.0.100" end="10.77.0.199"/>
    </dhcp>
  </ip>
</network>
X
}

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
