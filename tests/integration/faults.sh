#!/bin/bash
# faults.sh: fault injection and crash recovery at every step of `vnet start`.
#  - VNET_FAULT=STEP makes that step fail: start must fail naming the step, and
#    the host namespace must be exactly as before (links, addresses, routes,
#    nft ruleset, iptables, processes, files under --root).
#  - VNET_CRASH=STEP kills vnet with SIGKILL there: `vnet destroy` must then
#    leave the namespace exactly as before, and a new `vnet start` must work.
# Needs a build configured with --enable-fault-injection (else SKIP).
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
if ! grep -q 'define VNET_FAULT_INJECTION 1' "$top_builddir/config.h" 2>/dev/null; then
	echo "SKIP: build without --enable-fault-injection"
	exit 77
fi

setup_ns H U || exit 1
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
link_uplink "$H" "$U" 10.255.0.1 10.255.0.2
ip netns exec "$H" iptables -P FORWARD DROP # so that the coexistence step runs too
# the DHCP checksum fill's chain hangs off mangle POSTROUTING, which iptables creates on first
# use and keeps (a built-in chain, not vnet's): have it before the first snapshot
ip netns exec "$H" iptables -t mangle -P POSTROUTING ACCEPT

cat >"$R/net.xml" <<'X'
<network>
  <name>faulty</name>
  <forward mode='nat'/>
  <bridge name='vnbr-f' stp='off'/>
  <bandwidth><inbound average='10000' peak='20000'/></bandwidth>
  <ip address='10.60.0.1' prefix='24'>
    <dhcp><range start='10.60.0.10' end='10.60.0.20'/></dhcp>
  </ip>
  <ip family='ipv6' address='fd00:60::1' prefix='64'/>
  <route address='10.61.0.0' prefix='24' gateway='10.60.0.254'/>
</network>
X
run V define "$R/net.xml"
[ "$RC" -eq 0 ] || { t_fail "define" "$ERR"; t_done; }

snap() {
	ip -n "$H" -d link show | sed -E 's/ (link-netns|link-netnsid) [^ ]+//g'
	ip -n "$H" addr show | sed 's/ tentative//'
	ip -n "$H" route show
	ip -n "$H" -6 route show
	ip netns exec "$H" nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	ip netns exec "$H" tc qdisc show
	ip netns exec "$H" iptables-save | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]//'
	for p in $(ip netns pids "$H"); do cat "/proc/$p/comm"; done | sort
	(cd "$R" && find . -path ./run/vnet/.locks -prune -o -print | sort)
}
before=$(snap)

# the steps, as vnet names them
steps=$(V -v start faulty 2>&1 >/dev/null | sed -n 's/.*\] step //p')
V destroy faulty >/dev/null 2>&1
[ "$(snap)" = "$before" ] && t_ok "start + destroy leaves the namespace as before" || t_fail "start + destroy leaves the namespace as before" "$(diff <(echo "$before") <(snap))"
n=$(echo "$steps" | wc -l)
[ "$n" -ge 10 ] && t_ok "start has $n journaled steps" || t_fail "start has enough steps" "$steps"

tried=0 clean=0
for s in $steps; do
	tried=$((tried + 1))
	run env VNET_FAULT="$s" ip netns exec "$H" "$VNET" --root "$R" start faulty
	after=$(snap)
	if [ "$RC" -ne 1 ]; then
		t_fail "fault at $s: start fails" "exit $RC"
	elif ! printf '%s' "$ERR" | grep -qF "$s"; then
		t_fail "fault at $s: error names the step" "$ERR"
	elif [ "$after" != "$before" ]; then
		t_fail "fault at $s: rolled back completely" "$(diff <(echo "$before") <(echo "$after"))"
		V destroy faulty >/dev/null 2>&1
	else
		clean=$((clean + 1))
	fi
done
[ "$clean" -eq "$tried" ] && t_ok "fault injection: $clean/$tried steps rolled back cleanly" || t_fail "fault injection: $clean/$tried steps rolled back cleanly"
echo "faults: steps_tried=$tried rolled_back_clean=$clean"

crashed=0 recovered=0 restarted=0
for s in $steps; do
	crashed=$((crashed + 1))
	rc=$( (env VNET_CRASH="$s" ip netns exec "$H" "$VNET" --root "$R" start faulty >/dev/null 2>&1; echo $?) 2>/dev/null)
	[ "$rc" -eq 137 ] || t_fail "crash at $s: vnet was killed" "exit $rc"
	st=$(V list --all | awk '$1=="faulty"{print $2}')
	run V destroy faulty
	after=$(snap)
	if [ "$after" = "$before" ]; then
		recovered=$((recovered + 1))
	else
		t_fail "crash at $s (state '$st'): destroy cleaned up" "$ERR" "$(diff <(echo "$before") <(echo "$after"))"
	fi
	# a crash, then start again: the new start cleans up and comes up
	rc=$( (env VNET_CRASH="$s" ip netns exec "$H" "$VNET" --root "$R" start faulty >/dev/null 2>&1; echo $?) 2>/dev/null)
	run V start faulty
	if [ "$RC" -eq 0 ] && V --json info faulty | grep -q '"dnsmasq_running":true'; then
		restarted=$((restarted + 1))
	else
		t_fail "crash at $s: next start works" "$ERR"
	fi
	V destroy faulty >/dev/null 2>&1
done
[ "$recovered" -eq "$crashed" ] && t_ok "crash recovery by destroy: $recovered/$crashed clean" || t_fail "crash recovery by destroy: $recovered/$crashed clean"
[ "$restarted" -eq "$crashed" ] && t_ok "crash recovery by start: $restarted/$crashed up" || t_fail "crash recovery by start: $restarted/$crashed up"
echo "crashes: injected=$crashed recovered_by_destroy=$recovered recovered_by_start=$restarted"

# drift under a running network
V start faulty >/dev/null
kill "$(cat "$R/run/vnet/faulty/dnsmasq.pid")"
busywait 2000 sh -c "! V --json info faulty 2>/dev/null | grep -q '\"dnsmasq_running\":true'" 2>/dev/null
V --json info faulty | grep -q '"dnsmasq_running":false' && t_ok "info reports a dead dnsmasq" || t_fail "info reports a dead dnsmasq"
ip netns exec "$H" nft flush table inet vnet
V --json info faulty | grep -q '"firewall_present":false' && t_ok "info reports flushed rules" || t_fail "info reports flushed rules"
run V reconcile faulty
if printf '%s' "$OUT" | grep -q 'firewall rules were missing' && printf '%s' "$OUT" | grep -q 'dnsmasq was not running'; then t_ok "reconcile repairs both"; else t_fail "reconcile repairs both" "$OUT $ERR"; fi
V --json info faulty | grep -q '"firewall_present":true' && V --json info faulty | grep -q '"dnsmasq_running":true' && t_ok "after reconcile: rules and dnsmasq in place" || t_fail "after reconcile: rules and dnsmasq in place"
run V reconcile faulty
printf '%s' "$OUT" | grep -q 'in order' && t_ok "reconcile of a healthy network changes nothing" || t_fail "reconcile of a healthy network changes nothing" "$OUT"

# a start that fails and whose rollback fails too keeps its journal: the network is "failed"
# and destroy removes what the rollback left (the bridge here)
V destroy faulty >/dev/null 2>&1
run env VNET_FAULT=dnsmasq,undo:bridge ip netns exec "$H" "$VNET" --root "$R" start faulty
st=$(V list --all | awk '$1=="faulty"{print $2}')
if [ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q 'rollback incomplete' && [ "$st" = failed ] && [ -f "$R/run/vnet/faulty/journal" ]; then
	t_ok "failed start + failed rollback: journal kept, state failed"
else
	t_fail "failed start + failed rollback: journal kept, state failed" "exit $RC, state '$st': $ERR"
fi
run V destroy faulty
[ "$RC" -eq 0 ] && [ "$(snap)" = "$before" ] && t_ok "destroy finishes what the failed rollback left" || t_fail "destroy finishes what the failed rollback left" "$ERR" "$(diff <(echo "$before") <(snap))"
V start faulty >/dev/null

# a journal kind nobody registered (here a typo) makes destroy fail naming it, and keeps the
# journal: the object it records is not silently leaked
V destroy faulty >/dev/null 2>&1
V start faulty >/dev/null
ip -n "$H" link add vnleak type dummy
printf 'brdige\tvnleak\t52:54:00:00:00:01\n' >>"$R/run/vnet/faulty/journal"
run V destroy faulty
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "kind 'brdige'" && [ -f "$R/run/vnet/faulty/journal" ]; then
	t_ok "unknown journal kind: destroy fails naming it, journal kept"
else
	t_fail "unknown journal kind: destroy fails naming it, journal kept" "exit $RC: $ERR"
fi
sed -i '/^brdige/d' "$R/run/vnet/faulty/journal"
ip -n "$H" link del vnleak
run V destroy faulty
[ "$RC" -eq 0 ] && [ "$(snap)" = "$before" ] && t_ok "after fixing the journal: destroy finishes" || t_fail "after fixing the journal: destroy finishes" "$ERR"
V start faulty >/dev/null

# corrupted state: destroy still removes what it can identify
printf 'garbage\x01line\n' >>"$R/run/vnet/faulty/journal"
run V destroy faulty
[ "$(snap)" = "$before" ] && t_ok "corrupt journal line: destroy still cleans up" || t_fail "corrupt journal line: destroy still cleans up" "$ERR" "$(diff <(echo "$before") <(snap))"

t_done
