# lib.sh: real QEMU guests for vnet's end-to-end tests (sourced after
# tests/cli/lib.sh and tests/integration/lib.sh).
#
# The guest is built from the host's Debian packages, once per build tree:
# the kernel of linux-image-amd64 (its bzImage payload extracted to an ELF
# vmlinux, which QEMU boots directly through PVH; the bzImage otherwise), and
# an initramfs of busybox-static plus the virtio modules. Its /init brings up
# eth0, leases an address with udhcpc, pings the router and powers off,
# printing "VNET-E2E: ..." marker lines on the serial console.
#
# /dev/kvm on the machines this was written on is kvm-pvm, which opens fine but
# cannot run a stock kernel: QEMU uses TCG unless VNET_E2E_ACCEL=kvm.

E2E_MODULES="failover net_failover virtio_ring virtio virtio_net virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci"
E2E_ACCEL=${VNET_E2E_ACCEL:-tcg}
QEMU_PIDS=()
QEMU=""

e2e_cleanup() {
	local p
	for p in "${QEMU_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	cleanup_all
}
trap e2e_cleanup EXIT

# e2e_need_qemu: exit 77 (SKIP, with the reason) when QEMU or the guest's parts are missing
e2e_need_qemu() {
	QEMU=$(command -v qemu-system-x86_64 || true)
	if [ -z "$QEMU" ]; then
		echo "SKIP: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
		exit 77
	fi
	if ! echo '{"execute":"qmp_capabilities"}{"execute":"quit"}' |
		timeout 30 "$QEMU" -accel "$E2E_ACCEL" -M pc -nodefaults -display none -qmp stdio >/dev/null 2>&1; then
		echo "SKIP: $QEMU cannot start a machine with -accel $E2E_ACCEL"
		exit 77
	fi
	if [ ! -x /bin/busybox ]; then
		echo "SKIP: /bin/busybox is missing (apt-get install busybox-static)"
		exit 77
	fi
	E2E_KVER=$(cd /lib/modules 2>/dev/null && for v in *; do [ -r "/boot/vmlinuz-$v" ] && echo "$v"; done | sort -V | tail -n1)
	if [ -z "$E2E_KVER" ]; then
		echo "SKIP: no readable /boot/vmlinuz-* with modules (apt-get install linux-image-amd64)"
		exit 77
	fi
}

# e2e_build_guest: kernel + initramfs under the build tree, built once
e2e_build_guest() {
	# keyed by kernel and by this file (which holds /init), so a change rebuilds it
	local dir="$top_builddir/tests/e2e/guest-$E2E_KVER-$(md5sum "$top_srcdir/tests/e2e/lib.sh" | cut -c1-8)"
	local root m path ko
	E2E_DIR=$dir
	E2E_INITRD="$dir/initrd.cpio"
	if [ -s "$E2E_INITRD" ] && [ -s "$dir/kernel" ]; then
		E2E_KERNEL=$(cat "$dir/kernel")
		return 0
	fi
	rm -rf "$top_builddir"/tests/e2e/guest-*
	mkdir -p "$dir" || return 1
	root="$dir/root"
	mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/lib/modules" || return 1
	cp /bin/busybox "$root/bin/busybox" || return 1
	for m in $E2E_MODULES; do
		path=$(grep -oE "^[^:]*/$m\.ko(\.xz|\.zst|\.gz)?:" "/lib/modules/$E2E_KVER/modules.dep" | head -n1 | tr -d :)
		[ -n "$path" ] || { echo "module $m not in modules.dep" >&2; return 1; }
		ko="/lib/modules/$E2E_KVER/$path"
		case "$ko" in
		*.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;;
		*.zst) zstd -qdc "$ko" >"$root/lib/modules/$m.ko" ;;
		*.gz) gzip -dc "$ko" >"$root/lib/modules/$m.ko" ;;
		*) cp "$ko" "$root/lib/modules/$m.ko" ;;
		esac || return 1
	done
	cat >"$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $E2E_MODULES; do insmod /lib/modules/\$m.ko || echo "VNET-E2E: insmod \$m failed"; done
arg() { sed -n "s/.*vnet\\.\$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
wait=\$(arg wait); wait=\${wait:-15}
echo "VNET-E2E: waiting for eth0 at \$(cut -d' ' -f1 /proc/uptime)"
i=0
while [ ! -e /sys/class/net/eth0 ] && [ \$i -lt \$((wait * 10)) ]; do sleep 0.1; i=\$((i + 1)); done
echo "VNET-E2E: nic \$(cat /sys/class/net/eth0/address 2>/dev/null || echo none) at \$(cut -d' ' -f1 /proc/uptime)"
ip link set eth0 up
udhcpc -i eth0 -n -q -f -t 20 -T 1 -A 1 -s /udhcpc.sh >/dev/null 2>&1
addr=\$(ip -4 -o addr show dev eth0 | awk '{print \$4}')
router=\$(cat /tmp/router 2>/dev/null)
echo "VNET-E2E: lease \${addr:-none} router \${router:-none} at \$(cut -d' ' -f1 /proc/uptime)"
if [ -n "\$router" ] && ping -c 2 -W 2 "\$router" >/dev/null 2>&1; then echo "VNET-E2E: ping ok"; else echo "VNET-E2E: ping failed"; fi
hold=\$(arg hold)
[ -n "\$hold" ] && sleep "\$hold"
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
	;;
esac
exit 0
S
	chmod +x "$root/init" "$root/udhcpc.sh"
	(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) >"$E2E_INITRD.tmp" || return 1
	mv "$E2E_INITRD.tmp" "$E2E_INITRD"
	# vmlinux from the bzImage's compressed payload: PVH boot skips the decompressor
	E2E_KERNEL="/boot/vmlinuz-$E2E_KVER"
	if python3 - "/boot/vmlinuz-$E2E_KVER" "$dir/vmlinux" <<'PY' 2>/dev/null; then E2E_KERNEL="$dir/vmlinux"; fi
import bz2, gzip, lzma, sys, zlib
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
	echo "$E2E_KERNEL" >"$dir/kernel"
	rm -rf "$root"
}

# qemu_cmd LOG [extra kernel args]: the common QEMU command line (array QCMD)
qemu_cmd() {
	local log=$1 extra=${2:-}
	QCMD=("$QEMU" -accel "$E2E_ACCEL" -M pc -m 256 -smp 1 -nodefaults -no-user-config
		-nographic -no-reboot -serial "file:$log" -monitor none
		-global virtio-net-pci.romfile=
		-kernel "$E2E_KERNEL" -initrd "$E2E_INITRD"
		-append "console=ttyS0 panic=-1 quiet loglevel=1 rdinit=/init $extra")
}

# wait_line LOG PATTERN SECONDS: bounded wait for a console line
wait_line() {
	busywait "$(($3 * 1000))" grep -qa -- "$2" "$1" 2>/dev/null
}

# wait_gone PID SECONDS
wait_gone() {
	busywait "$(($2 * 1000))" sh -c "! kill -0 $1 2>/dev/null"
}

# lease_of LOG: the address the guest leased ("none" when it did not)
lease_of() { sed -n 's/^VNET-E2E: lease \([^ ]*\).*/\1/p' "$1" | tr -d '\r' | head -n1; }
