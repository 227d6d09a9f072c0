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

expect_fail "lab of a bad file" 1 "nonexistent" "$VNET" lab /nonexistent.xml
[ "$(ip netns list | grep -c '^vnl-')" -eq "$ns_before" ] && t_ok "no lab namespace left" || t_fail "no lab namespace left" "$(ip netns list)"
[ -z "$(ls -d /tmp/vnet-lab.* 2>/dev/null)" ] && t_ok "no lab files left" || t_fail "no lab files left"
t_done
