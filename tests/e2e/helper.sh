#!/bin/bash
# helper.sh: vnet-bridge-helper as installed, for QEMU run as nobody, with the network under
# vnet's default root "/" (not a private --root, which a privileged helper rightly ignores):
#   - in a private mount namespace with tmpfs on /run and on the directories of /etc/vnet and
#     of the helper's ACL file, so the host's own /run and /etc are never touched;
#   - the helper installed setuid root (chmod 4755) and, separately, with the file capability
#     cap_net_admin+ep; in both: --check shows CAP_NET_ADMIN alone and no_new_privs, QEMU as
#     nobody leases and pings through it, `vnet port-list` shows the port (owner: the helper
#     for nobody, pid: QEMU), `vnet destroy` removes it while QEMU still runs;
#   - a caller whose bounding set lacks CAP_NET_ADMIN gets a one-line refusal, not a helper
#     that keeps every other capability;
#   - a link that is not a bridge (a veth the ACL allows) is refused and no tap is left.
# QEMU runs with TCG unless VNET_E2E_ACCEL=kvm.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

# ---------------------------------------------------------------- outside: namespaces, installs
if [ -z "${VNET_E2E_HELPER_INNER:-}" ]; then
	need_root
	e2e_need_qemu
	for t in setcap setpriv unshare; do
		command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
	done
	e2e_build_guest || { echo "cannot build the guest kernel/initramfs"; exit 1; }
	# the namespace exists before the mount namespace is made, so both see it and the trap
	# here deletes it
	setup_ns H || exit 1
	D=$(mktemp_dir)
	for m in setuid filecap; do
		mkdir -p "$D/$m" && cp "$VNET_BRIDGE_HELPER" "$D/$m/vnet-bridge-helper" &&
			chown root:root "$D/$m/vnet-bridge-helper" || exit 1
	done
	chmod 4755 "$D/setuid/vnet-bridge-helper"
	chmod 0755 "$D/filecap/vnet-bridge-helper"
	setcap cap_net_admin+ep "$D/filecap/vnet-bridge-helper" || { echo "SKIP: setcap failed here"; exit 77; }
	# QEMU runs as nobody: a kernel and initramfs it can read wherever the build dir is
	cp "$E2E_KERNEL" "$D/vmlinux" && cp "$E2E_INITRD" "$D/initrd" && chmod 644 "$D/vmlinux" "$D/initrd"
	# (LeakSanitizer cannot stop the world in a setuid process: no leak detection here)
	S=$(mktemp -d /tmp/vnet-e2e-scratch.XXXXXX) || exit 1
	VNET_E2E_HELPER_INNER=1 VNET_E2E_SCRATCH=$S H=$H D=$D E2E_KERNEL=$D/vmlinux E2E_INITRD=$D/initrd VNET_E2E_QEMU=$QEMU \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		unshare -m --propagation private bash "$top_srcdir/tests/e2e/helper.sh"
	rc=$?
	rmdir "$S" # its mounts went with the mount namespace
	exit $rc
fi

# ---------------------------------------------------------------- inside the mount namespace
unset VNET_ROOT VNET_BRIDGE_ACL
QEMU=$VNET_E2E_QEMU
# Scratch mounts live on a tmpfs of this mount namespace, on a directory the outside removes:
# lib.sh's rm -rf of its temp dirs must never meet a bind mount of /run/netns.
M=$VNET_E2E_SCRATCH
mount -t tmpfs -o mode=700 vnet-e2e-scratch "$M" || { echo "cannot mount a scratch tmpfs"; exit 1; }
# tmpfs on /run, keeping /run/netns (namespaces are bind mounts there)
mkdir -p "$M/netns" && mount --rbind /run/netns "$M/netns" &&
	mount -t tmpfs -o mode=755 vnet-e2e-run /run && mkdir -p /run/netns &&
	mount --rbind "$M/netns" /run/netns && umount -R -l "$M/netns" ||
	{ echo "cannot make a private /run"; exit 1; }
# private_dir DIR: an empty tmpfs on DIR; when DIR does not exist, an overlay on its parent
# first (in this mount namespace only) so that it can be made without writing the host's /etc
private_dir() {
	local d=$1 p
	if [ ! -d "$d" ]; then
		p=$(dirname "$d")
		[ -d "$p" ] || private_dir "$p" || return 1
		if [ ! -d "$d" ]; then
			mkdir -p "$M/ovl$p" && mount -t tmpfs vnet-e2e-ovl "$M/ovl$p" &&
				mkdir "$M/ovl$p/up" "$M/ovl$p/work" &&
				mount -t overlay vnet-e2e-ovl -o "lowerdir=$p,upperdir=$M/ovl$p/up,workdir=$M/ovl$p/work" "$p" &&
				mkdir "$d" || return 1
		fi
	fi
	mount -t tmpfs -o mode=755 vnet-e2e "$d"
}
ACL=$("$VNET_BRIDGE_HELPER" --acl-path)
private_dir /etc/vnet || { echo "cannot make a private /etc/vnet"; exit 1; }
case "$(dirname "$ACL")" in /etc/vnet) ;; *) private_dir "$(dirname "$ACL")" || { echo "cannot make a private $(dirname "$ACL")"; exit 1; } ;; esac
printf 'allow virbr0\nallow hveth0\n' >"$ACL" && chmod 644 "$ACL"

V() { ip netns exec "$H" "$VNET" "$@"; } # the default root, "/"
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
show_log() { printf '%s\n' "--- console:" "$(tr -d '\r' <"$1" | grep -a 'VNET-E2E\|error\|Kernel panic' | tail -n 12)"; }
taps() { ip -n "$H" -o link show type tun | wc -l; }
as_nobody() { ip netns exec "$H" setpriv --reuid nobody --regid nogroup --clear-groups "$@"; }

run V define "$top_srcdir/examples/nat.xml"
[ "$RC" -eq 0 ] && [ -f /etc/vnet/networks/default.xml ] && t_ok "define under the default root / (private /etc/vnet)" || t_fail "define under /" "$ERR"
ip -n "$H" link add hveth0 type veth peer name hveth1

mac=10
for mode in setuid filecap; do
	HELPER=$D/$mode/vnet-bridge-helper
	run V start default
	[ "$RC" -eq 0 ] && [ "$(cat /run/vnet/default/bridge 2>/dev/null)" = virbr0 ] || t_fail "$mode: start default under /" "$ERR"

	run as_nobody "$HELPER" --check
	if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q '^privileged: yes' &&
		printf '%s\n' "$OUT" | grep -q '^CapPrm:[[:space:]]*0000000000001000$' &&
		printf '%s\n' "$OUT" | grep -q '^CapEff:[[:space:]]*0000000000001000$' &&
		printf '%s\n' "$OUT" | grep -q '^CapAmb:[[:space:]]*0000000000000000$' &&
		printf '%s\n' "$OUT" | grep -q '^NoNewPrivs:[[:space:]]*1$' &&
		{ [ "$mode" = filecap ] || printf '%s\n' "$OUT" | grep -q '^CapBnd:[[:space:]]*0000000000001000$'; }; then
		t_ok "$mode helper run by nobody keeps CAP_NET_ADMIN alone, no_new_privs"
	else
		t_fail "$mode helper run by nobody keeps CAP_NET_ADMIN alone, no_new_privs" "rc $RC" "$OUT" "$ERR"
	fi

	LOG=$D/$mode.log
	: >"$LOG" && chown nobody "$LOG"
	qemu_cmd "$LOG" "vnet.hold=120"
	mac=$((mac + 1))
	t0=$(date +%s%N)
	# (not through a function: $! must be QEMU's pid, which ip netns exec and setpriv keep)
	ip netns exec "$H" setpriv --reuid nobody --regid nogroup --clear-groups \
		"${QCMD[@]}" -netdev "bridge,id=n0,br=virbr0,helper=$HELPER" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:e2:e1:$mac" \
		-netdev "bridge,id=n1,br=virbr0,helper=$HELPER" \
		-device "virtio-net-pci,netdev=n1,mac=52:54:00:e2:e2:$mac" >"$D/$mode.out" 2>&1 &
	qp=$!
	QEMU_PIDS+=("$qp")
	wait_line "$LOG" "VNET-E2E: ping" 120
	addr=$(lease_of "$LOG")
	case "$addr" in
	192.168.122.*) grep -qa "ping ok" "$LOG" &&
		t_ok "$mode: QEMU as nobody leases $addr through the helper ($(ms_since "$t0") ms) and pings" ||
		t_fail "$mode: QEMU as nobody pings the gateway" "$(show_log "$LOG")" ;;
	*) t_fail "$mode: QEMU as nobody leases through the helper" "got '$addr'" "$(cat "$D/$mode.out")" "$(show_log "$LOG")" ;;
	esac

	run V --json port-list default
	tap=$(ip -n "$H" -o link show type tun | awk -F': ' '{print $2}' | cut -d@ -f1 | sort)
	set -- $tap
	if [ $# -eq 2 ] && printf '%s' "$OUT" | grep -q "\"ifname\":\"$1\"" &&
		printf '%s' "$OUT" | grep -q "\"ifname\":\"$2\"" &&
		[ "$(printf '%s' "$OUT" | grep -o '"owner":"bridge-helper (nobody)"' | wc -l)" -eq 2 ] &&
		[ "$(printf '%s' "$OUT" | grep -o "\"owner_pid\":$qp[,}]" | wc -l)" -eq 2 ]; then
		t_ok "$mode: port-list shows $1 and $2, owner the helper for nobody, pid QEMU's"
	else
		t_fail "$mode: port-list shows the helper's two ports" "taps '$tap'" "$OUT" "$ERR"
	fi
	run V port-del default "$2"
	if [ "$RC" -eq 0 ] && ! ip -n "$H" link show "$2" >/dev/null 2>&1 && ip -n "$H" link show "$1" >/dev/null 2>&1 &&
		[ "$(V --json port-list default | grep -o '"ifname"' | wc -l)" -eq 1 ]; then
		t_ok "$mode: port-del removes $2, $1 stays"
	else
		t_fail "$mode: port-del removes a helper port" "rc $RC $ERR" "$(ip -n "$H" -o link show type tun)"
	fi

	run V destroy default
	if [ "$RC" -eq 0 ] && kill -0 "$qp" 2>/dev/null && [ "$(taps)" -eq 0 ]; then
		t_ok "$mode: destroy removes the helper's tap while QEMU still holds it"
	else
		t_fail "$mode: destroy removes the helper's tap" "rc $RC $ERR" "$(ip -n "$H" -o link show type tun)"
	fi
	{ kill -9 "$qp"; wait "$qp"; } 2>/dev/null
done

# ---------------------------------------------------------------- refusals
run V start default
HELPER=$D/setuid/vnet-bridge-helper
# a bounding set without CAP_NET_ADMIN: setuid gives every capability but that one
run ip netns exec "$H" setpriv --bounding-set -net_admin --reuid nobody --regid nogroup --clear-groups \
	"$HELPER" --br=virbr0 --fd=0
if [ "$RC" -eq 1 ] && [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] &&
	printf '%s' "$ERR" | grep -q '^vnet-bridge-helper: error: CAP_NET_ADMIN is not obtainable'; then
	t_ok "setuid helper without CAP_NET_ADMIN in the bounding set: one-line refusal"
else
	t_fail "setuid helper without CAP_NET_ADMIN in the bounding set refuses" "rc $RC" "$OUT" "$ERR"
fi

for mode in setuid filecap; do
	LOG=$D/veth-$mode.log
	: >"$LOG" && chown nobody "$LOG"
	qemu_cmd "$LOG"
	run as_nobody "${QCMD[@]}" -netdev "bridge,id=n0,br=hveth0,helper=$D/$mode/vnet-bridge-helper" \
		-device "virtio-net-pci,netdev=n0"
	if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "vnet-bridge-helper: error: bridge 'hveth0': 'hveth0' is not a bridge (it is a veth link): refused" &&
		[ "$(taps)" -eq 0 ] && [ -z "$(ip -n "$H" -o link show master hveth0)" ]; then
		t_ok "$mode: a veth is not a bridge: refused, QEMU shows why, no tap left"
	else
		t_fail "$mode: a link that is not a bridge is refused" "rc $RC" "$ERR" "$(ip -n "$H" -o link show type tun)"
	fi
done

# the arguments and the ACL as the installed helper meets them (no QEMU needed: it stops first)
for bad in "--fd=" "--fd= 3" "--fd=3 "; do
	run as_nobody "$HELPER" --br=virbr0 "$bad"
	[ "$RC" -eq 2 ] && printf '%s' "$ERR" | grep -q "^vnet-bridge-helper: error: --fd '.*': not a file descriptor" &&
		t_ok "setuid: '$bad' is refused (usage error)" || t_fail "setuid: '$bad' is refused" "rc $RC" "$ERR"
done
cp "$ACL" "$M/acl.saved"
printf 'allow virbr0\n' >"$M/inc.conf"
printf 'include inc.conf\n' >"$ACL"
run as_nobody "$HELPER" --br=virbr0 --fd=0
[ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "include 'inc.conf': the path must be absolute (access denied)" &&
	t_ok "setuid: a relative include in the ACL is refused" || t_fail "setuid: a relative include in the ACL is refused" "rc $RC" "$ERR"
printf 'allow all\n\0deny virbr0\n' >"$ACL" # the NUL hid the deny
run as_nobody "$HELPER" --br=virbr0 --fd=0
[ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "contains a NUL byte: refused (access denied)" &&
	t_ok "setuid: an ACL with a NUL byte is refused" || t_fail "setuid: an ACL with a NUL byte is refused" "rc $RC" "$ERR"
cp "$M/acl.saved" "$ACL"
[ "$(taps)" -eq 0 ] && t_ok "refusals leave no tap" || t_fail "refusals leave no tap" "$(ip -n "$H" -o link show type tun)"
V destroy default >/dev/null

t_done
