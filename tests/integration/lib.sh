# lib.sh: network-namespace scaffolding for vnet's integration tests, in the
# style of the kernel selftests' lib.sh: unique names, paired setup/undo,
# bounded waits, one "TEST:" line per case. Sourced after tests/cli/lib.sh.
#
# Nothing here touches the root namespace: every link, address, rule and
# process lives in namespaces this script creates and deletes (trap EXIT).

NS_LIST=()
PIDS=()
TMPDIRS=()
NS_SUFFIX="$$-$RANDOM"

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: integration tests need root (network namespaces)"
		exit 77
	fi
	if ! ip netns add "vnt-probe-$NS_SUFFIX" 2>/dev/null; then
		echo "SKIP: cannot create network namespaces here"
		exit 77
	fi
	ip netns del "vnt-probe-$NS_SUFFIX"
	for t in dnsmasq nft busybox; do
		if ! command -v "$t" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$t" ]; then
			echo "SKIP: $t is not installed"
			exit 77
		fi
	done
}

cleanup_all() {
	local p ns d
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for ns in "${NS_LIST[@]}"; do
		# kill whatever still runs inside (dnsmasq, listeners), then the namespace
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	for d in "${TMPDIRS[@]}"; do rm -rf "$d"; done
}
trap cleanup_all EXIT

# setup_ns VAR...: create namespaces with unique names, lo up; VAR holds the name
setup_ns() {
	local v name
	for v in "$@"; do
		name="vnt-$v-$NS_SUFFIX"
		ip netns add "$name" || return 1
		NS_LIST+=("$name")
		ip -n "$name" link set lo up
		eval "$v=\$name"
	done
}

# Callers use R=$(mktemp_dir): a subshell, whose TMPDIRS+= would be lost. So every dir is made
# under one per-script parent, created (and registered for removal) here in the main shell.
TEST_TMP=$(mktemp -d /tmp/vnet-it.XXXXXX)
chmod 755 "$TEST_TMP"
TMPDIRS+=("$TEST_TMP")
mktemp_dir() {
	local d
	d=$(mktemp -d "$TEST_TMP/d.XXXXXX")
	# dnsmasq drops privileges to nobody and must still read its hosts files
	chmod 755 "$d"
	echo "$d"
}

# busywait MS CMD...: retry CMD until it succeeds or MS milliseconds passed
busywait() {
	local ms=$1 start now
	shift
	start=$(date +%s%N)
	while :; do
		"$@" && return 0
		now=$(date +%s%N)
		[ $(((now - start) / 1000000)) -ge "$ms" ] && return 1
		sleep 0.05
	done
}

# link_uplink HOST UPLINK HOSTADDR UPADDR: veth between host and uplink namespaces
link_uplink() {
	local h=$1 u=$2
	ip -n "$h" link add up0 type veth peer name up0 netns "$u" || return 1
	ip -n "$h" addr add "$3/24" dev up0
	ip -n "$u" addr add "$4/24" dev up0
	ip -n "$h" link set up0 up
	ip -n "$u" link set up0 up
}

# plug_guest HOST GUEST BRIDGE [MAC]: veth from the bridge in HOST to eth0 in GUEST
plug_guest() {
	local h=$1 g=$2 br=$3 mac=${4:-} port
	port="vg${RANDOM}"
	ip -n "$h" link add "$port" type veth peer name eth0 netns "$g" || return 1
	[ -n "$mac" ] && ip -n "$g" link set eth0 address "$mac"
	ip -n "$h" link set "$port" master "$br" up || return 1
	ip -n "$g" link set eth0 up
}

UDHCPC_SCRIPT=""
# dhcp GUEST: lease an address on eth0 with busybox udhcpc; prints the address
dhcp() {
	local g=$1
	if [ -z "$UDHCPC_SCRIPT" ]; then
		UDHCPC_SCRIPT=$(mktemp_dir)/udhcpc.sh
		cat >"$UDHCPC_SCRIPT" <<'S'
#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
	;;
esac
exit 0
S
		chmod +x "$UDHCPC_SCRIPT"
	fi
	ip netns exec "$g" busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -A 1 -s "$UDHCPC_SCRIPT" >/dev/null 2>&1 || return 1
	ip -n "$g" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 | head -n1
}

# can_ping NS ADDR: one ping, 1 s timeout
can_ping() { ip netns exec "$1" busybox ping -c1 -W1 -q "$2" >/dev/null 2>&1; }

# listen_peer NS PORT: a TCP listener in NS that answers with the peer address it sees
listen_peer() {
	local ns=$1 port=$2
	ip netns exec "$ns" socat -T2 "TCP-LISTEN:$port,fork,reuseaddr" SYSTEM:'echo $SOCAT_PEERADDR' >/dev/null 2>&1 &
	PIDS+=($!)
	busywait 2000 sh -c "ip netns exec $ns ss -ltn | grep -q ':$port '"
}

# seen_as NS ADDR PORT: connect from NS, print what the listener saw as our address
seen_as() {
	ip netns exec "$1" socat -T2 - "TCP:$2:$3,connect-timeout=2" </dev/null 2>/dev/null
}
