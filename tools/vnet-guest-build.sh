#!/bin/bash
# vnet-guest-build: build (once, then cached) the tiny QEMU guest that
# `vnet lab --qemu` and vnet's end-to-end tests boot.
#
# Usage: vnet-guest-build [--quiet] DIR
#
# The guest is made from the host's own Debian packages: the kernel of
# linux-image-amd64 (its bzImage payload extracted to an ELF vmlinux, which
# QEMU boots directly through PVH and so skips the decompressor; the bzImage
# otherwise) and an initramfs of busybox-static plus the virtio-net modules.
# It is built into DIR/guest-KVER-HASH/ (HASH: of this script, which holds
# the guest's /init, so a change rebuilds it); older guest-* directories in
# DIR are removed. On success it prints two lines: the kernel's path, then
# the initramfs's path.
#
# The guest's /init brings eth0 up, leases an address with udhcpc (or takes
# vnet.ip=ADDR/PFX and vnet.gw=GW from the kernel command line), pings the
# router and prints "VNET-E2E: ..." marker lines on the serial console. With
# vnet.lab=1 it then runs the checks of `vnet lab` (gateway, uplink listener
# vnet.up=ADDR:PORT, DNS name vnet.dns=NAME via vnet.gw, other guests
# vnet.others=A,B,...) printing "VNET-LAB: ..." lines, and waits (at most
# vnet.hold seconds) for a line on the console before it powers off.
#
# Exit status: 0 built or cached, 1 the build failed, 3 a part is missing (the
# message names the Debian package to install).
set -u
quiet=false
[ "${1:-}" = "--quiet" ] && { quiet=true; shift; }
if [ $# -ne 1 ] || [ "${1:-}" = "--help" ]; then
	sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
	[ "${1:-}" = "--help" ] && exit 0
	exit 2
fi
out=$1
MODULES="failover net_failover virtio_ring virtio virtio_net virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci"
PATH=$PATH:/usr/sbin:/sbin
say() { $quiet || echo "vnet-guest-build: $*" >&2; }
missing() { echo "vnet-guest-build: $1 (apt-get install $2)" >&2; exit 3; }

BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && [ -x /bin/busybox ] && BUSYBOX=/bin/busybox
[ -n "$BUSYBOX" ] || missing "busybox is not installed" busybox-static
# the initramfs has no libc: busybox must be the static one
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	missing "$BUSYBOX is dynamically linked; the guest needs a static busybox" busybox-static
fi
KVER=${VNET_GUEST_KVER:-$(cd /lib/modules 2>/dev/null && for v in *; do [ -r "/boot/vmlinuz-$v" ] && [ -r "$v/modules.dep" ] && echo "$v"; done | sort -V | tail -n1)}
[ -n "$KVER" ] && [ -r "/boot/vmlinuz-$KVER" ] || missing "no readable /boot/vmlinuz-* with its modules" linux-image-amd64

hash=$(md5sum "$0" | cut -c1-8)
dir="$out/guest-$KVER-$hash"
if [ -s "$dir/initrd.cpio" ] && [ -s "$dir/kernel" ]; then
	cat "$dir/kernel"
	echo "$dir/initrd.cpio"
	exit 0
fi
mkdir -p "$out" || exit 1
# one builder at a time per DIR (the lab's cache is shared)
if command -v flock >/dev/null; then
	exec 9>"$out/.lock" && flock -w 300 9
	if [ -s "$dir/initrd.cpio" ] && [ -s "$dir/kernel" ]; then
		cat "$dir/kernel"
		echo "$dir/initrd.cpio"
		exit 0
	fi
fi
say "building the guest (kernel $KVER, busybox) in $dir"
rm -rf "$out"/guest-*
tmp="$dir.tmp.$$"
root="$tmp/root"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/lib/modules" || exit 1
cp "$BUSYBOX" "$root/bin/busybox" || exit 1
for m in $MODULES; do
	path=$(grep -oE "^[^:]*/$m\.ko(\.xz|\.zst|\.gz)?:" "/lib/modules/$KVER/modules.dep" | head -n1 | tr -d :)
	[ -n "$path" ] || { echo "vnet-guest-build: module $m is not in /lib/modules/$KVER/modules.dep" >&2; exit 1; }
	ko="/lib/modules/$KVER/$path"
	case "$ko" in
	*.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$ko" >"$root/lib/modules/$m.ko" ;;
	*.gz) gzip -dc "$ko" >"$root/lib/modules/$m.ko" ;;
	*) cp "$ko" "$root/lib/modules/$m.ko" ;;
	esac || { echo "vnet-guest-build: cannot unpack $ko" >&2; exit 1; }
done
cat >"$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $MODULES; do insmod /lib/modules/\$m.ko || echo "VNET-E2E: insmod \$m failed"; done
arg() { sed -n "s/.*vnet\\.\$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
up() { cut -d' ' -f1 /proc/uptime; }
wait=\$(arg wait); wait=\${wait:-15}
echo "VNET-E2E: waiting for eth0 at \$(up)"
i=0
while [ ! -e /sys/class/net/eth0 ] && [ \$i -lt \$((wait * 10)) ]; do sleep 0.1; i=\$((i + 1)); done
echo "VNET-E2E: nic \$(cat /sys/class/net/eth0/address 2>/dev/null || echo none) at \$(up)"
ip link set lo up
ip link set eth0 up
if [ -n "\$(arg ip)" ]; then
	ip addr add "\$(arg ip)" dev eth0
	[ -n "\$(arg gw)" ] && ip route add default via "\$(arg gw)" && echo "\$(arg gw)" >/tmp/router
else
	udhcpc -i eth0 -n -q -f -t 20 -T 1 -A 1 -s /udhcpc.sh >/dev/null 2>&1
fi
addr=\$(ip -4 -o addr show dev eth0 | awk '{print \$4}')
router=\$(cat /tmp/router 2>/dev/null)
echo "VNET-E2E: lease \${addr:-none} router \${router:-none} at \$(up)"
if [ -n "\$(arg lab)" ]; then
	# vnet lab: the same cells as a namespace guest's
	gw=\$(arg gw); gw=\${gw:-\$router}
	t=\$(ping -c 1 -W 2 "\$gw" 2>/dev/null | sed -n 's/.*time=\\([0-9.]*\\).*/\\1/p')
	[ -z "\$t" ] && t=\$(ping -c 1 -W 2 "\$gw" 2>/dev/null | sed -n 's/.*time=\\([0-9.]*\\).*/\\1/p')
	if [ -n "\$t" ]; then echo "VNET-LAB: gateway ok \$t"; else echo "VNET-LAB: gateway blocked"; fi
	u=\$(arg up)
	seen=\$(nc -w 2 "\${u%:*}" "\${u##*:}" </dev/null 2>/dev/null | tr -d '\\r\\n')
	echo "VNET-LAB: uplink \${seen:-blocked}"
	if [ -n "\$(arg dns)" ]; then
		if nslookup -type=a "\$(arg dns)" "\$gw" 2>/dev/null | grep -q "Name:"; then echo "VNET-LAB: dns ok"; else echo "VNET-LAB: dns FAIL"; fi
	fi
	o=\$(arg others)
	if [ -n "\$o" ]; then
		res=ok
		for a in \$(echo "\$o" | tr , ' '); do
			ping -c 1 -W 1 "\$a" >/dev/null 2>&1 || ping -c 1 -W 1 "\$a" >/dev/null 2>&1 || res=blocked
		done
		echo "VNET-LAB: others \$res"
	fi
	echo "VNET-LAB: checked at \$(up)"
	# stay reachable while the other guests check us; the lab writes a line when done
	hold=\$(arg hold); read -t "\${hold:-60}" line </dev/console
	echo "VNET-LAB: powering off"
else
	if [ -n "\$router" ] && ping -c 2 -W 2 "\$router" >/dev/null 2>&1; then echo "VNET-E2E: ping ok"; else echo "VNET-E2E: ping failed"; fi
	hold=\$(arg hold)
	[ -n "\$hold" ] && sleep "\$hold"
fi
echo "VNET-E2E: done"
poweroff -f
INIT
cat >"$root/udhcpc.sh" <<'S'
#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	echo "${router%% *}" >/tmp/router
	[ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
	;;
esac
exit 0
S
chmod +x "$root/init" "$root/udhcpc.sh"
(cd "$root" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) >"$tmp/initrd.cpio" || exit 1
# vmlinux from the bzImage's compressed payload: PVH boot skips the decompressor
kernel="/boot/vmlinuz-$KVER"
if command -v python3 >/dev/null && python3 - "/boot/vmlinuz-$KVER" "$tmp/vmlinux" <<'PY' 2>/dev/null; then kernel="$dir/vmlinux"; fi
import gzip, lzma, sys, zlib
data = open(sys.argv[1], "rb").read()
def unxz(b):
    return lzma.LZMADecompressor().decompress(b)
def ungz(b):
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(b)
for magic, fn in ((b"\xfd7zXZ\x00", unxz), (b"\x1f\x8b\x08", ungz), (b"\x5d\x00\x00", unxz)):
    off = data.find(magic)
    while off >= 0:
        try:
            out = fn(data[off:])
        except Exception:
            out = b""
        # an ELF kernel with a PVH entry note
        if out[:4] == b"\x7fELF" and b"Xen\x00" in out:
            open(sys.argv[2], "wb").write(out)
            sys.exit(0)
        off = data.find(magic, off + 1)
sys.exit(1)
PY
echo "$kernel" >"$tmp/kernel"
rm -rf "$root"
mv "$tmp" "$dir" || exit 1
trap - EXIT
say "guest ready: $kernel + $dir/initrd.cpio"
echo "$kernel"
echo "$dir/initrd.cpio"
