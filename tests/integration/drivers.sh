#!/bin/bash
# drivers.sh: run the kernel-driver tests (test-drivers) inside a throwaway
# network namespace, with a second one for veth peers. Needs root and
# `ip netns`; exits 77 (SKIP) without them. Whatever happens, the trap removes
# both namespaces and any dnsmasq the test started.
set -u

skip() {
        echo "SKIP: $*"
        exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ip >/dev/null 2>&1 || skip "ip(8) not found"
ip netns list >/dev/null 2>&1 || skip "ip netns unsupported here"

top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
prog=$top_builddir/tests/integration/test-drivers
[ -x "$prog" ] || { echo "FAIL: $prog not built"; exit 1; }

suffix=$$-$RANDOM
ns=vnt-drv-$suffix
peer=vnt-drvp-$suffix
tmp=$(mktemp -d /tmp/vnt-drv.XXXXXX) || exit 1

cleanup() {
        rc=$?
        trap - EXIT INT TERM
        # Kill anything still running from our temporary directory (dnsmasq).
        for p in /proc/[0-9]*; do
                c=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
                case "$c" in
                *"$tmp/"*) kill -9 "${p#/proc/}" 2>/dev/null && echo "cleanup: killed ${p#/proc/}: $c" ;;
                esac
        done
        ip netns del "$ns" 2>/dev/null
        ip netns del "$peer" 2>/dev/null
        rm -rf "$tmp"
        if ip netns list 2>/dev/null | grep -q -e "^$ns\b" -e "^$peer\b"; then
                echo "FAIL: namespace left behind"
                rc=1
        fi
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns" || skip "cannot create a network namespace"
ip netns add "$peer" || exit 1
ip -n "$ns" link set lo up

echo "TEST: drivers in netns $ns"
VNT_NETNS=$ns VNT_PEER_NETNS=/run/netns/$peer VNT_TMPDIR=$tmp \
        ip netns exec "$ns" ${VNT_WRAPPER:-} "$prog"
rc=$?
if [ $rc = 0 ]; then
        echo "TEST: drivers [ OK ]"
elif [ $rc = 77 ]; then
        echo "TEST: drivers [ SKIP ]"
else
        echo "TEST: drivers [ FAIL ]"
fi
exit $rc
