#!/bin/bash
# damaged.sh: `vnet destroy` with a journal that cannot be trusted (issue 13 §5). For each
# damage — journal missing, empty, cut inside its last line, a NUL byte, larger than 16 MiB —
# a running NAT network (bridge, nft chains and map elements, a compat accept in iptables'
# FORWARD, dnsmasq) is destroyed from its definition: destroy succeeds only when the bridge,
# every nft and iptables rule of the network and its dnsmasq are gone, and the namespace is
# exactly as before start. Without a usable journal and without a definition, destroy refuses
# and changes nothing; --force then undoes what the journal still says. Unknown journal
# entries fail destroy, --force skips them. Everything runs in a throwaway namespace.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root

setup_ns H || exit 1
# the DHCP checksum fill's chain hangs off mangle POSTROUTING, which iptables creates on first
# use and keeps: create it before the first snapshot
ip netns exec "$H" iptables -t mangle -P POSTROUTING ACCEPT
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
ip netns exec "$H" iptables -P FORWARD DROP # so that the compat accepts are made too
BR=vnbr-dm
cat >"$R/net.xml" <<X
<network>
  <name>dmg</name>
  <forward mode='nat'/>
  <bridge name='$BR' stp='off'/>
  <ip address='10.62.0.1' prefix='24'>
    <dhcp><range start='10.62.0.10' end='10.62.0.20'/></dhcp>
  </ip>
</network>
X
snap() {
	ip -n "$H" -d link show | sed -E 's/ (link-netns|link-netnsid) [^ ]+//g; s/ [a-z_]+_timer +[0-9.]+//g'
	ip -n "$H" addr show | sed 's/ tentative//'
	ip netns exec "$H" nft list ruleset 2>/dev/null | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	ip netns exec "$H" iptables -S
	ip netns exec "$H" iptables -t nat -S
	ps -eo pid,args | grep "[d]nsmasq.*$R" || true
}
leftovers() {
	ip -n "$H" link show "$BR" >/dev/null 2>&1 && echo "bridge $BR"
	ip netns exec "$H" nft list ruleset 2>/dev/null | grep -q "$BR" && echo "nft rules of $BR"
	ip netns exec "$H" iptables -S | grep -q 'vnet:dmg' && echo "iptables compat accepts"
	ps -eo args | grep -q "[d]nsmasq.*$R/run/vnet/dmg" && echo "dnsmasq"
	[ -e "$R/run/vnet/dmg" ] && echo "state directory"
}
# after a failed case: take everything of the network down by hand (inside H only)
reset() {
	local p
	for p in $(ip netns pids "$H"); do kill -9 "$p" 2>/dev/null; done
	ip -n "$H" link del "$BR" 2>/dev/null
	ip netns exec "$H" nft delete table inet vnet 2>/dev/null
	ip netns exec "$H" iptables -S FORWARD | grep 'vnet:dmg' | sed 's/^-A/-D/' |
		while read -r rule; do eval "ip netns exec $H iptables $rule"; done
	rm -rf "$R/run/vnet/dmg"
}
before=$(snap)
J="$R/run/vnet/dmg/journal"
started() {
	run V start dmg
	[ "$RC" -eq 0 ] && ps -eo args | grep -q "[d]nsmasq.*$R/run/vnet/dmg" &&
		ip netns exec "$H" iptables -S FORWARD | grep -q 'vnet:dmg'
}

run V define "$R/net.xml"
[ "$RC" -eq 0 ] || { t_fail "define" "$ERR"; t_done; }

damage() {
	case $1 in
	missing) rm -f "$J" ;;
	empty) : >"$J" ;;
	cut) # the last line (dnsmasq's) loses its end: its configuration path is cut short
		truncate -s -9 "$J" ;;
	nul) # a NUL byte at the start of the second line hid every line after it
		awk 'NR==2{printf "%c", 0} {print}' "$J" >"$J.new" && cat "$J.new" >"$J" && rm -f "$J.new" ;;
	big) # over the 16 MiB read limit: destroy failed forever
		head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >>"$J" ;;
	esac
}

for d in missing empty cut nul big; do
	if ! started; then
		t_fail "journal $d: start" "$ERR"
		continue
	fi
	damage "$d"
	run V destroy dmg
	left=$(leftovers)
	if [ "$RC" -eq 0 ] && [ -z "$left" ] && [ "$(snap)" = "$before" ]; then
		t_ok "journal $d: destroy removes bridge, rules, dnsmasq"
	else
		t_fail "journal $d: destroy removes bridge, rules, dnsmasq" "exit $RC: $ERR $OUT" "left: $left" \
			"$(diff <(echo "$before") <(snap) | head -20)"
		reset
	fi
done

# destroy --all batches the networks with usable journals; a damaged one is salvaged on its own
if started; then
	damage nul
	run V destroy --all
	left=$(leftovers)
	[ "$RC" -eq 0 ] && [ -z "$left" ] && [ "$(snap)" = "$before" ] &&
		t_ok "journal nul: destroy --all removes bridge, rules, dnsmasq" ||
		{ t_fail "journal nul: destroy --all removes bridge, rules, dnsmasq" "exit $RC: $ERR" "$left"; reset; }
else
	t_fail "start for the --all case" "$ERR"
fi

# No definition left to derive the cleanup from: refuse, change nothing; --force goes on.
if started; then
	damage cut
	rm -f "$R/run/vnet/dmg/net.xml"
	mv "$R/etc/vnet/networks/dmg.xml" "$R/dmg.xml.away"
	mid=$(snap)
	expect_fail "damaged journal, no definition: destroy refuses" 1 \
		"journal '.*' is unusable \(.*damaged line.*\) and no definition is left.*destroy --force dmg" \
		V destroy dmg
	[ "$(snap)" = "$mid" ] && [ -e "$J" ] && t_ok "the refused destroy changed nothing" ||
		t_fail "the refused destroy changed nothing" "$(diff <(echo "$mid") <(snap) | head)"
	run V destroy --force dmg
	if [ "$RC" -eq 0 ] && ! ip -n "$H" link show "$BR" >/dev/null 2>&1 && [ ! -e "$R/run/vnet/dmg" ]; then
		t_ok "destroy --force undoes what the journal still says"
	else
		t_fail "destroy --force undoes what the journal still says" "exit $RC: $ERR" "$(leftovers)"
	fi
	# the cut dnsmasq line could not be undone: that dnsmasq is what --force forgets
	pkill -F "$R/run/vnet/dmg/dnsmasq.pid" 2>/dev/null
	for p in $(ip netns pids "$H"); do kill "$p" 2>/dev/null; done
	mv "$R/dmg.xml.away" "$R/etc/vnet/networks/dmg.xml"
	busywait 3000 sh -c "! ps -eo args | grep -q '[d]nsmasq.*$R/run/vnet/dmg'"
else
	t_fail "start for the no-definition case" "$ERR"
fi

# An entry no undo understands: destroy fails naming it and keeps the journal; --force skips it.
if started; then
	printf 'bogus\tsomething\n' >>"$J"
	expect_fail "unknown journal entry: destroy fails naming it" 1 "journal kind 'bogus'" V destroy dmg
	run V destroy --force dmg
	left=$(leftovers)
	[ "$RC" -eq 0 ] && [ -z "$left" ] && [ "$(snap)" = "$before" ] &&
		t_ok "destroy --force skips it and removes the rest" ||
		t_fail "destroy --force skips it and removes the rest" "exit $RC: $ERR" "$left"
else
	t_fail "start for the unknown-entry case" "$ERR"
fi
t_done
