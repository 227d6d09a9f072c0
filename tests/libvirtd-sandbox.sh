# libvirtd-sandbox.sh: a REAL libvirtd (Debian's libvirt-daemon-system) in a
# throwaway network namespace and a private mount namespace, for the libvirt
# hook test (tests/integration/libvirt-hook.sh) and the side-by-side
# benchmark (bench/run.sh). Sourced after tests/integration/lib.sh (busywait,
# PIDS, whose cleanup_all kills libvirtd; deleting the network namespace
# kills the dnsmasqs libvirt started in it).
#
# In the mount namespace /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt and /var/log/libvirt are directories under DIR, and /run
# is a fresh tmpfs: the machine's own libvirt files are never read for
# writing, never written, and its running libvirtd (if any) is not reached.
#
#   lvsb_need                     0 when libvirtd and virsh are installed (else prints why)
#   lvsb_prepare DIR              private directories and configuration under DIR
#                                 (a caller may then add DIR/etc/hooks/network)
#   lvsb_start NETNS DIR          start libvirtd in NETNS; sets LVSB_PID; 1 (and prints
#                                 the daemon's last words) when it does not come up
#   LV ARGS...                    virsh -c qemu:///system against the sandboxed libvirtd
#   lvsb_virsh_cmd                prints that virsh command line (for bench/vnet-bench --virsh)
#   lvsb_stop                     stop libvirtd

LVSB_PID=""
LVSB_DIR=""

lvsb_need() {
	local t
	for t in libvirtd virsh unshare nsenter; do
		if ! command -v "$t" >/dev/null; then
			echo "$t is not installed (apt-get install libvirt-daemon-system libvirt-clients)"
			return 1
		fi
	done
}

lvsb_prepare() {
	local L=$1
	mkdir -p "$L/etc" "$L/run" "$L/lib" "$L/cache" "$L/log" || return 1
	cp -a /etc/libvirt/. "$L/etc/" 2>/dev/null
	# no networks of the machine's (its "default" would autostart)
	rm -f "$L"/etc/qemu/networks/*.xml "$L"/etc/qemu/networks/autostart/* 2>/dev/null
	# logs to a file we can show
	cat >>"$L/etc/libvirtd.conf" <<EOF
log_outputs="3:file:/var/log/libvirt/libvirtd.log"
EOF
	LVSB_DIR=$L
}

lvsb_start() {
	local ns=$1 L=$2
	LVSB_DIR=$L
	# exec all the way: $! is libvirtd itself
	ip netns exec "$ns" unshare -m --propagation private sh -c "
		mount --bind '$L/etc' /etc/libvirt &&
		mount -t tmpfs -o mode=755 vnet-run /run && mkdir /run/libvirt &&
		mount --bind '$L/run' /run/libvirt &&
		mount --bind '$L/lib' /var/lib/libvirt &&
		mount --bind '$L/cache' /var/cache/libvirt &&
		mount --bind '$L/log' /var/log/libvirt &&
		exec libvirtd --pid-file '$L/libvirtd.pid'" >"$L/libvirtd.out" 2>&1 &
	LVSB_PID=$!
	disown "$LVSB_PID" # cleanup kills it; no job-control message
	PIDS+=("$LVSB_PID")
	if ! busywait 20000 test -S "$L/run/libvirt-sock" || ! busywait 10000 LV version >/dev/null 2>&1; then
		echo "libvirtd does not run here:"
		sed 's/^/    /' "$L/libvirtd.out" | tail -20
		tail -20 "$L/log/libvirtd.log" 2>/dev/null | sed 's/^/    /'
		return 1
	fi
}

LV() { nsenter -t "$LVSB_PID" -m -n virsh -q -c qemu:///system "$@"; }

lvsb_virsh_cmd() { echo "nsenter -t $LVSB_PID -m -n virsh -q -c qemu:///system"; }

lvsb_stop() {
	[ -n "$LVSB_PID" ] || return 0
	kill "$LVSB_PID" 2>/dev/null
	busywait 5000 sh -c "! kill -0 $LVSB_PID 2>/dev/null" || kill -9 "$LVSB_PID" 2>/dev/null
	LVSB_PID=""
}
