# lib.sh: real QEMU guests for vnet's end-to-end tests (sourced after
# tests/cli/lib.sh and tests/integration/lib.sh).
#
# The guest is built from the host's Debian packages, once per build tree, by
# tools/vnet-guest-build.sh (installed as libexecdir/vnet/vnet-guest-build for
# `vnet lab --qemu`): the kernel of linux-image-amd64 (its bzImage payload
# extracted to an ELF vmlinux, which QEMU boots directly through PVH; the
# bzImage otherwise), and an initramfs of busybox-static plus the virtio
# modules. Its /init brings up eth0, leases an address with udhcpc, pings the
# router and powers off, printing "VNET-E2E: ..." marker lines on the serial
# console.
#
# /dev/kvm on the machines this was written on is kvm-pvm, which opens fine but
# cannot run a stock kernel: QEMU uses TCG unless VNET_E2E_ACCEL=kvm.

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

# e2e_build_guest: kernel + initramfs under the build tree, built once by the
# guest builder that `vnet lab --qemu` uses too (tools/vnet-guest-build.sh)
e2e_build_guest() {
	local out
	out=$(bash "$top_srcdir/tools/vnet-guest-build.sh" --quiet "$top_builddir/tests/e2e") || return 1
	E2E_KERNEL=$(printf '%s\n' "$out" | sed -n 1p)
	E2E_INITRD=$(printf '%s\n' "$out" | sed -n 2p)
	E2E_DIR=$(dirname "$E2E_INITRD")
	[ -s "$E2E_KERNEL" ] && [ -s "$E2E_INITRD" ]
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
