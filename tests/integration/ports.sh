#!/bin/bash
# ports.sh: guest ports without QEMU — namespace guests (veth), persistent and
# named taps, macvtaps on device pools (least used first; passthrough one guest
# per device with the device's MAC restored), `vnet qemu` exec'ing a stand-in
# for QEMU, MAC uniqueness, reconcile after the kernel ended a port, and
# destroy removing every port. All inside a throwaway "host" namespace.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root

setup_ns H G1 G2 G3 || { echo "cannot create namespaces"; exit 1; }
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
HX() { ip netns exec "$H" "$@"; }
# a namespace guest's namespace must be reachable from inside H: use the /run/netns path
NSP() { echo "/run/netns/$1"; }

run V define "$top_srcdir/examples/nat.xml"
run V start default
[ "$RC" -eq 0 ] || { t_fail "start default" "$ERR"; t_done; }
HX ip link set virbr0 mtu 1400

# --- namespace guests
t0=$(date +%s%N)
run V port-add default --netns "$(NSP "$G1")" --mac 52:54:00:00:00:10
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
p1=$OUT
if [ "$RC" -eq 0 ] && [ -n "$p1" ]; then t_ok "port-add --netns prints the host interface ($p1, ${ms} ms)"; else t_fail "port-add --netns" "$ERR"; fi
m=$(HX cat "/sys/class/net/$p1/address" 2>/dev/null)
[ "$m" = fe:54:00:00:00:10 ] && t_ok "host side MAC is the guest's with 0xFE first" || t_fail "host side MAC is the guest's with 0xFE first" "got '$m'"
[ "$(HX cat /sys/class/net/$p1/mtu)" = 1400 ] && t_ok "port carries the bridge's MTU" || t_fail "port carries the bridge's MTU" "$(HX cat /sys/class/net/$p1/mtu)"
[ "$(basename "$(HX readlink /sys/class/net/$p1/master)")" = virbr0 ] && t_ok "port is enslaved to the bridge" || t_fail "port is enslaved to the bridge"
gm=$(ip netns exec "$G1" cat /sys/class/net/eth0/address 2>/dev/null)
[ "$gm" = 52:54:00:00:00:10 ] && t_ok "guest end is eth0 in the namespace with the guest MAC" || t_fail "guest end is eth0 in the namespace with the guest MAC" "got '$gm'"
a1=$(dhcp "$G1")
[ "$a1" = 192.168.122.10 ] && t_ok "namespace guest leases its static <host> address" || t_fail "namespace guest leases its static <host> address" "got '$a1'"

expect_fail "a second port with the same MAC is refused" 1 "MAC 52:54:00:00:00:10 is already used by port '$p1'" \
	V port-add default --netns "$(NSP "$G2")" --mac 52:54:00:00:00:10
run V port-add default --netns "$(NSP "$G2")"
p2=$OUT
a2=$(dhcp "$G2")
case "$a2" in 192.168.122.*) t_ok "guest with a generated MAC leases ($a2)" ;; *) t_fail "guest with a generated MAC leases" "got '$a2' $ERR" ;; esac
m2=$(ip netns exec "$G2" cat /sys/class/net/eth0/address)
case "$m2" in 52:54:00:*) t_ok "generated MAC is 52:54:00:xx:xx:xx ($m2)" ;; *) t_fail "generated MAC is 52:54:00:xx:xx:xx" "$m2" ;; esac
can_ping "$G1" "$a2" && t_ok "guest <-> guest through ports" || t_fail "guest <-> guest through ports"
expect_fail "namespace already holding eth0 is refused" 1 "already has an interface 'eth0'" \
	V port-add default --netns "$(NSP "$G1")"
[ "$(HX ip -o link show | grep -c vnet)" -eq 2 ] && t_ok "refusals left no link behind" || t_fail "refusals left no link behind" "$(HX ip -o link show | grep vnet)"

# --- taps
run V port-add default --mac 52:54:00:00:00:20
pt=$OUT
flags=$(HX cat "/sys/class/net/$pt/tun_flags" 2>/dev/null)
if [ "$RC" -eq 0 ] && [ -n "$flags" ] && [ $((flags & 0x0002)) -ne 0 ]; then t_ok "port-add alone: a persistent tap ($pt) outlives vnet"; else t_fail "port-add alone: a persistent tap" "rc $RC '$OUT' $ERR flags '$flags'"; fi
[ $((flags & 0x4000)) -ne 0 ] && t_ok "tap has IFF_VNET_HDR" || t_fail "tap has IFF_VNET_HDR" "tun_flags $flags"
[ "$(HX cat /sys/class/net/$pt/mtu)" = 1400 ] && t_ok "tap carries the bridge's MTU" || t_fail "tap carries the bridge's MTU"
run V port-add default --ifname guesttap0 --persist --queues 2
[ "$OUT" = guesttap0 ] && [ $(( $(HX cat /sys/class/net/guesttap0/tun_flags) & 0x0100 )) -ne 0 ] && t_ok "--ifname names the tap; --queues 2 makes it multiqueue" || t_fail "--ifname / --queues" "$OUT $ERR"
expect_fail "an existing interface name is refused" 1 "interface 'guesttap0' already exists" V port-add default --ifname guesttap0
expect_fail "an invalid MAC is refused" 1 "not a valid MAC" V port-add default --mac 52:54:zz:00:00:01
expect_fail "a multicast MAC is refused" 1 "multicast" V port-add default --mac 01:00:5e:00:00:01
expect_fail "port-add on an inactive network says so" 1 "not active" V port-add nosuchnet
expect_fail "port-del of an unknown port says so" 1 "has no port 'vnet99'" V port-del default vnet99
expect_fail "port-add needs a network" 2 "exactly one network" V port-add

run V --json port-list default
n=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
[ "$n" = 4 ] && t_ok "port-list --json lists 4 ports" || t_fail "port-list --json lists 4 ports" "$OUT"
run V port-list default
printf '%s\n' "$OUT" | grep -qE "^ guesttap0 +tap .* virbr0 +2 +persistent" && t_ok "port-list table shows type, link, queues, owner" || t_fail "port-list table" "$OUT"

run V port-del default guesttap0
HX ip link show guesttap0 >/dev/null 2>&1 && t_fail "port-del removes the tap" || t_ok "port-del removes the tap"
V port-list default | grep -q guesttap0 && t_fail "port-del drops the record" || t_ok "port-del drops the record"

# reconcile: the kernel ends a port (the namespace goes, taking the veth with it)
ip netns del "$G2"
busywait 2000 sh -c "! ip netns exec $H ip link show $p2 >/dev/null 2>&1"
run V --json port-list default
printf '%s' "$OUT" | grep -q "\"$p2\"" && t_fail "port-list drops a port whose namespace is gone" "$OUT" || t_ok "port-list drops a port whose namespace is gone"
run V port-add default --netns "$(NSP "$G3")" --mac "$m2"
[ "$RC" -eq 0 ] && t_ok "its MAC is free again" || t_fail "its MAC is free again" "$ERR"

# --- vnet qemu with a stand-in for QEMU: what crosses the exec, and the owner
FAKE=$(mktemp_dir)/fake-qemu
cat >"$FAKE" <<'S'
#!/bin/bash
echo "ARGS $*"
# list our fds from a child, into a file: a pipeline would race with the pipe this shell
# itself opens for it (seen under load)
ls -l /proc/$$/fd >"/tmp/fake-qemu-fds.$$"
awk '$9 > 2 && $9 != 255 {print "FD", $9, $11}' "/tmp/fake-qemu-fds.$$"
rm -f "/tmp/fake-qemu-fds.$$"
sleep "${FAKE_SLEEP:-0}"
S
chmod +x "$FAKE"
OUTF=$(mktemp_dir)/out
(FAKE_SLEEP=3 ip netns exec "$H" "$VNET" --root "$R" qemu --nic default,mac=52:54:00:00:00:30,queues=2 --nic default -- "$FAKE" -m 64 >"$OUTF" 2>&1) &
fpid=$!
busywait 2000 grep -q ARGS "$OUTF"
args=$(grep ARGS "$OUTF")
if printf '%s' "$args" | grep -qE -- "-m 64 -netdev tap,id=vnet0,fds=[0-9]+:[0-9]+,vhost=off -device virtio-net-pci,netdev=vnet0,mac=52:54:00:00:00:30,mq=on,vectors=6 -netdev tap,id=vnet1,fd=[0-9]+,vhost=off -device virtio-net-pci,netdev=vnet1,mac=52:54:00:"; then t_ok "vnet qemu appends -netdev/-device for each --nic"; else t_fail "vnet qemu appends -netdev/-device" "$args" "$(cat "$OUTF")"; fi
nfd=$(grep -c '^FD ' "$OUTF"); ntun=$(grep -c '^FD .*/dev/net/tun' "$OUTF")
[ "$nfd" = 3 ] && [ "$ntun" = 3 ] && t_ok "only the 3 queue fds cross the exec" || t_fail "only the 3 queue fds cross the exec" "$(grep '^FD' "$OUTF")"
run V --json port-list default
printf '%s' "$OUT" | grep -q '"owner":"vnet qemu"' && t_ok "port-list shows the QEMU process as owner" || t_fail "port-list shows the QEMU process as owner" "$OUT"
wait "$fpid"
run V --json port-list default
printf '%s' "$OUT" | grep -q '"vnet qemu"' && t_fail "after QEMU exits its taps are gone and port-list drops them" "$OUT" || t_ok "after QEMU exits its taps are gone and port-list drops them"
expect_fail "vnet qemu without a command is a usage error" 2 "QEMU command" V qemu --nic default
expect_fail "vnet qemu: bad --nic key" 2 "unknown key 'foo'" V qemu --nic default,foo=1 -- true
expect_fail "vnet qemu: exec failure removes its ports" 1 "cannot run '/nonexistent/qemu'" V qemu --nic default,mac=52:54:00:00:00:31 -- /nonexistent/qemu
V port-list default | grep -q 52:54:00:00:00:31 && t_fail "no port left after a failed exec" || t_ok "no port left after a failed exec"

# --- macvtap pools
# the pool devices: veths (no dummy driver needed)
for d in pool0 pool1 pool2; do HX ip link add "$d" type veth peer name "${d}p"; HX ip link set "${d}p" up; done
for d in pool0 pool1 pool2; do HX ip link set "$d" up; done
D=$(mktemp_dir)
cat >"$D/mv.xml" <<'X'
<network><name>mv</name><forward mode='bridge'><interface dev='pool0'/><interface dev='pool1'/></forward></network>
X
cat >"$D/pt.xml" <<'X'
<network><name>pt</name><forward mode='passthrough'><interface dev='pool2'/></forward></network>
X
V define "$D/mv.xml" >/dev/null && V start mv >/dev/null
V define "$D/pt.xml" >/dev/null && V start pt >/dev/null
t0=$(date +%s%N)
run V port-add mv --mac 52:54:00:00:01:01
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
m1=$OUT
run V port-add mv --mac 52:54:00:00:01:02
m2=$OUT
if HX ip -d link show "$m1" | grep -q "macvtap mode bridge" && \
   HX test -e "/sys/class/net/$m1/lower_pool0" && HX test -e "/sys/class/net/$m2/lower_pool1"; then
	t_ok "macvtaps in bridge mode, least used device first ($m1 on pool0, $m2 on pool1; ${ms} ms)"
else
	t_fail "macvtaps in bridge mode, least used first" "$(HX ip -d link show "$m1")" "$(HX ls /sys/class/net/$m2/)"
fi
[ "$(HX cat /sys/class/net/$m1/address)" = 52:54:00:00:01:01 ] && t_ok "macvtap carries the guest MAC" || t_fail "macvtap carries the guest MAC"
expect_fail "netns ports are refused on a macvtap network" 1 "cannot have netns ports" V port-add mv --netns "$(NSP "$G3")"
orig=$(HX cat /sys/class/net/pool2/address)
run V port-add pt --mac 52:54:00:00:02:01
pp=$OUT
[ "$(HX cat /sys/class/net/pool2/address)" = 52:54:00:00:02:01 ] && HX ip -d link show "$pp" | grep -q "mode passthru" && t_ok "passthrough: the device takes the guest MAC" || t_fail "passthrough: the device takes the guest MAC" "$ERR $(HX ip -d link show "$pp")"
expect_fail "passthrough: one guest per device" 1 "no free device" V port-add pt
run V port-del pt "$pp"
[ "$(HX cat /sys/class/net/pool2/address)" = "$orig" ] && t_ok "passthrough: port-del restores the device MAC" || t_fail "passthrough: port-del restores the device MAC"

# --- destroy removes every port
run V destroy default
left=$(HX ip -o link show | grep -cE "vnet[0-9]|$pt")
[ "$RC" -eq 0 ] && [ "$left" -eq 0 ] && t_ok "destroy removes every port of the network" || t_fail "destroy removes every port of the network" "$ERR" "$(HX ip -o link show)"
ip netns exec "$G1" ip link show eth0 >/dev/null 2>&1 && t_fail "the namespace guest's end went with it" || t_ok "the namespace guest's end went with it"
run V destroy mv
HX ip link show "$m1" >/dev/null 2>&1 && t_fail "destroy removes macvtaps" || t_ok "destroy removes macvtaps"
V destroy pt >/dev/null
[ -z "$(ls -A "$R/run/vnet" 2>/dev/null | grep -v locks)" ] && t_ok "no state left under run/" || t_fail "no state left under run/" "$(ls -R "$R/run/vnet")"

t_done
