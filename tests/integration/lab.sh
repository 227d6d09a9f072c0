#!/bin/bash
# lab.sh: `vnet lab` passes for every example, reports JSON, fails when a
# mode's promise is broken (an isolated network whose guests reach the
# uplink), and leaves no namespace, process or file behind.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root

ns_before=$(ip netns list | grep -c '^vnl-')
for f in "$top_srcdir"/examples/*.xml; do
	case "$f" in
	*/overlay-*)
		# one network across hosts: overlay.sh and overlay-evpn.sh run it on three
		expect_fail "lab refuses a multi-host network ($(basename "$f"))" 1 "spans several hosts" "$VNET" lab --quiet "$f"
		continue
		;;
	esac
	run "$VNET" lab --quiet "$f"
	if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q 'every cell as the mode promises' \
		&& printf '%s\n' "$OUT" | grep -q '^teardown  clean'; then
		t_ok "lab $(basename "$f")"
	else
		t_fail "lab $(basename "$f")" "$OUT" "$ERR"
	fi
done

run "$VNET" --json lab --guests 3 "$top_srcdir/examples/nat.xml"
if printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] and len(d["guests"])==3 and all(g["seen_kind"]=="NAT" for g in d["guests"]), d'; then
	t_ok "lab --json: 3 guests, all NATed"
else
	t_fail "lab --json: 3 guests, all NATed" "$OUT"
fi

# without vnet's rules an isolated network leaks: lab must say so and fail
run "$VNET" --firewall-backend none lab --quiet "$top_srcdir/examples/isolated.xml"
if [ "$RC" -eq 1 ] && printf '%s\n' "$OUT" | grep -q 'reached the uplink from an isolated network'; then
	t_ok "lab fails an isolated network that reaches the uplink"
else
	t_fail "lab fails an isolated network that reaches the uplink" "rc=$RC" "$OUT"
fi

# --qemu: g1 is a real QEMU guest (TCG) booted with its NIC from vnet's fd handoff; the guest
# is built like the e2e tests' (and shares their cache in the build tree)
expect_fail "lab --qemu without QEMU names the package" 1 "qemu-system-x86_64 is not installed \(apt-get install qemu-system-x86\)" \
	env PATH=/nonexistent "$VNET" lab --qemu "$top_srcdir/examples/nat.xml"
lab_accel=${VNET_LAB_ACCEL:-tcg}
if ! command -v qemu-system-x86_64 >/dev/null; then
	t_skip "lab --qemu examples/nat.xml" "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
elif ! echo '{"execute":"qmp_capabilities"}{"execute":"quit"}' |
	timeout 30 qemu-system-x86_64 -accel "$lab_accel" -M pc -nodefaults -display none -qmp stdio >/dev/null 2>&1; then
	t_skip "lab --qemu examples/nat.xml" "qemu-system-x86_64 cannot start a machine with -accel $lab_accel"
elif ! VNET_GUEST_BUILD= bash "$top_srcdir/tools/vnet-guest-build.sh" --quiet "$top_builddir/tests/e2e" >/dev/null 2>"$TEST_TMP/guest.err"; then
	t_skip "lab --qemu examples/nat.xml" "cannot build the guest: $(cat "$TEST_TMP/guest.err")"
else
	t0=$(date +%s%N)
	VNET_LAB_CACHE="$top_builddir/tests/e2e" run "$VNET" --json lab --qemu "$top_srcdir/examples/nat.xml"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
g1, g2 = d["guests"]
assert d["ok"], "not ok"
assert g1["kind"] == "qemu" and g2["kind"] == "netns", "kinds"
assert g1["address"].startswith("192.168.122.") and g1["leased"], "g1 address"
assert g1["gateway"] == "ok" and g1["uplink"] == "ok" and g1["seen_as"] == "10.255.0.1" and g1["seen_kind"] == "NAT", "g1 uplink"
assert g1["dns"] == "ok" and g1["other_guests"] == "ok" and g2["other_guests"] == "ok", "g1 dns/others"
assert d["left"] == {"links": 0, "rule_tables": 0, "processes": 0}, "left"
print("g1 %s leased in %.1f s" % (g1["address"], g1["lease_s"]))
' >"$TEST_TMP/qemu.ok" 2>"$TEST_TMP/qemu.err"; then
		t_ok "lab --qemu nat.xml: QEMU guest $(cat "$TEST_TMP/qemu.ok"), every cell ok (${ms} ms)"
	else
		t_fail "lab --qemu nat.xml: the QEMU guest's cells" "$(tail -n1 "$TEST_TMP/qemu.err")" "$OUT" "$ERR"
	fi
	run env VNET_LAB_CACHE="$top_builddir/tests/e2e" "$VNET" lab --qemu "$top_srcdir/examples/isolated.xml"
	if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -qE '^g1 qemu +10\.30\.0\.[0-9]+ +ok [0-9.]+ms +blocked ' &&
		printf '%s\n' "$ERR" | grep -q 'guest g1: booting QEMU' && printf '%s\n' "$ERR" | grep -q 'guest g1: leased'; then
		t_ok "lab --qemu isolated.xml: the QEMU guest is blocked from the uplink; progress lines while it boots"
	else
		t_fail "lab --qemu isolated.xml" "rc=$RC" "$OUT" "$ERR"
	fi
	pgrep -f "vnet.lab=1" >/dev/null && t_fail "no lab QEMU left running" "$(pgrep -af vnet.lab=1)" || t_ok "no lab QEMU left running"
fi

# a lab killed outright (SIGKILL, as a test's timeout does) leaves no lab process behind: its
# uplink listener (a fork of the lab) dies with it
roots_before=$(ls -d /tmp/vnet-lab.* 2>/dev/null)
"$VNET" lab --quiet --guests 1 "$top_srcdir/examples/nat.xml" >/dev/null 2>&1 &
lp=$!
if busywait 60000 sh -c "ip netns pids vnl-$lp-uplink 2>/dev/null | grep -q ."; then
	kill -9 "$lp"
	wait "$lp" 2>/dev/null
	if busywait 3000 sh -c "! ip netns pids vnl-$lp-uplink 2>/dev/null | grep -q ."; then
		t_ok "a lab killed with SIGKILL leaves no listener behind"
	else
		t_fail "a lab killed with SIGKILL leaves no listener behind" "$(ip netns pids vnl-$lp-uplink | xargs -r ps -o pid,cmd -p)"
	fi
else
	kill -9 "$lp" 2>/dev/null
	t_fail "a lab killed with SIGKILL leaves no listener behind" "the lab's uplink listener never started"
fi
for n in $(ip netns list | awk '{print $1}' | grep "^vnl-$lp-"); do
	for p in $(ip netns pids "$n"); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$n"
done
for d in $(ls -d /tmp/vnet-lab.* 2>/dev/null); do
	printf '%s\n' "$roots_before" | grep -qxF "$d" || rm -rf "$d"
done

expect_fail "lab of a bad file" 1 "nonexistent" "$VNET" lab /nonexistent.xml
# bounded wait: under load a namespace's deletion can lag the lab's exit
if busywait 5000 sh -c "[ \$(ip netns list | grep -c '^vnl-') -le $ns_before ]"; then
	t_ok "no lab namespace left"
else
	t_fail "no lab namespace left" "before: $ns_before" "$(ip netns list | grep '^vnl-')"
fi
[ -z "$(ls -d /tmp/vnet-lab.* 2>/dev/null)" ] && t_ok "no lab files left" || t_fail "no lab files left"
t_done
