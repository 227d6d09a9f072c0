#!/bin/bash
# destroy-all.sh: `vnet destroy --all` removes every running network as one batch (one nft
# transaction, one link-group delete) and leaves the host namespace exactly as before; a
# failed batch step falls back network by network; a crash in the middle of the batch leaves
# journals that the next `destroy --all` (or `destroy NAME`) cleans up.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root

setup_ns H U G || exit 1
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
link_uplink "$H" "$U" 10.255.0.1 10.255.0.2
# something of the host's own that must survive: a veth pair and a bridge vnet did not make
ip -n "$H" link add keep0 type veth peer name keep1
# the DHCP checksum fill's chain hangs off mangle POSTROUTING, which iptables creates on first
# use and keeps: create it before the first snapshot
ip netns exec "$H" iptables -t mangle -P POSTROUTING ACCEPT
ip -n "$H" link add keepbr type bridge

N=4
for i in $(seq 1 $N); do
	case $i in 1) fw="<forward mode='nat'/>" ;; 2) fw="<forward mode='route'/>" ;; *) fw="" ;; esac
	cat >"$R/n$i.xml" <<X
<network>
  <name>da$i</name>
  $fw
  <bridge name='vnda$i' stp='off'/>
  <ip address='10.7$i.0.1' prefix='24'>
    <dhcp><range start='10.7$i.0.10' end='10.7$i.0.20'/></dhcp>
  </ip>
</network>
X
	V define "$R/n$i.xml" >/dev/null || { t_fail "define da$i" ""; t_done; }
done

snap() {
	ip -n "$H" -d link show | sed -E 's/ (link-netns|link-netnsid) [^ ]+//g'
	ip -n "$H" addr show | sed 's/ tentative//'
	ip -n "$H" route show
	ip netns exec "$H" nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	for p in $(ip netns pids "$H"); do cat "/proc/$p/comm"; done | sort
	(cd "$R" && find . -path ./run/vnet/.locks -prune -o -print | sort)
}
before=$(snap)

start_all() {
	local i
	for i in $(seq 1 $N); do V start "da$i" >/dev/null 2>&1 || return 1; done
}

# 1. the batch, with a guest port and a lease on the NAT network
if start_all; then
	t_ok "start $N networks (nat, route, isolated x2)"
else
	t_fail "start $N networks" "$(V start da1 2>&1)"
	t_done
fi
port=$(V port-add da1 --netns "$G" 2>/dev/null)
[ -n "$port" ] && dhcp "$G" >/dev/null && t_ok "a namespace guest on da1 leases" || t_fail "a namespace guest on da1 leases" "port '$port'"
run V -v destroy --all
if [ "$RC" -eq 0 ] && [ "$(echo "$OUT" | grep -c '^Network da[0-9] destroyed$')" -eq "$N" ]; then
	t_ok "destroy --all: exit 0, one line per network"
else
	t_fail "destroy --all: exit 0, one line per network" "rc=$RC $OUT $ERR"
fi
echo "$ERR" | grep -q 'batch: firewall' && echo "$ERR" | grep -q 'batch: links' &&
	! echo "$ERR" | grep -q 'failed (' &&
	t_ok "destroy --all ran as one batch (firewall, links)" ||
	t_fail "destroy --all ran as one batch (firewall, links)" "$ERR"
after=$(snap)
[ "$after" = "$before" ] && t_ok "destroy --all leaves the namespace exactly as before" ||
	t_fail "destroy --all leaves the namespace exactly as before" "$(diff <(echo "$before") <(echo "$after"))"
ip -n "$H" link show keep0 >/dev/null 2>&1 && ip -n "$H" link show keepbr >/dev/null 2>&1 &&
	t_ok "links vnet did not make survive" || t_fail "links vnet did not make survive" ""
run V destroy --all
[ "$RC" -eq 0 ] && [ -z "$OUT" ] && t_ok "destroy --all with nothing running: exit 0, nothing printed" ||
	t_fail "destroy --all with nothing running" "rc=$RC $OUT $ERR"
run V --json destroy --all
[ "$RC" -eq 0 ] && [ "$OUT" = "[]" ] && t_ok "destroy --all --json with nothing running: []" ||
	t_fail "destroy --all --json with nothing running: []" "rc=$RC '$OUT'"

# 2. usage
expect_fail "destroy with neither NAME nor --all is a usage error" 2 "give one NAME or --all" V destroy
expect_fail "destroy NAME --all is a usage error" 2 "give one NAME or --all" V destroy da1 --all

# 3. fault injection and crashes inside the batch (test builds only)
if grep -q 'define VNET_FAULT_INJECTION 1' "$top_builddir/config.h" 2>/dev/null; then
	for step in destroy-all-nft destroy-all-links; do
		start_all || { t_fail "start for $step" ""; continue; }
		run env VNET_FAULT=$step ip netns exec "$H" "$VNET" --root "$R" -v destroy --all
		after=$(snap)
		if [ "$RC" -eq 0 ] && echo "$ERR" | grep -q 'network by network' && [ "$after" = "$before" ]; then
			t_ok "a failed batch step ($step) falls back network by network, nothing left"
		else
			t_fail "a failed batch step ($step) falls back network by network" "rc=$RC $ERR $(diff <(echo "$before") <(echo "$after"))"
			V destroy --all >/dev/null 2>&1
		fi
		start_all || { t_fail "start for crash at $step" ""; continue; }
		run env VNET_CRASH=$step ip netns exec "$H" "$VNET" --root "$R" destroy --all
		left=$(V list --all 2>/dev/null | grep -c ' active ')
		run V destroy --all
		after=$(snap)
		if [ "$left" -eq "$N" ] && [ "$RC" -eq 0 ] && [ "$after" = "$before" ]; then
			t_ok "crash at $step: journals kept, the next destroy --all cleans up"
		else
			t_fail "crash at $step: the next destroy --all cleans up" "active after crash: $left; rc=$RC $ERR $(diff <(echo "$before") <(echo "$after"))"
		fi
	done
	# a crash, then single destroys also clean up
	start_all && run env VNET_CRASH=destroy-all-links ip netns exec "$H" "$VNET" --root "$R" destroy --all
	for i in $(seq 1 $N); do V destroy "da$i" >/dev/null 2>&1; done
	after=$(snap)
	[ "$after" = "$before" ] && t_ok "crash in the batch, then destroy NAME for each: nothing left" ||
		t_fail "crash in the batch, then destroy NAME for each" "$(diff <(echo "$before") <(echo "$after"))"
else
	t_skip "fault injection and crashes inside the batch" "build without --enable-fault-injection"
fi
t_done
