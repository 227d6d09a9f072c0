#!/bin/bash
# port-faults.sh: fault injection and crash recovery at every step of
# `vnet port-add`, for each kind of port: a persistent tap, a namespace guest
# (veth), a macvtap (bridge mode) and a passthrough macvtap (the pool device's
# MAC is changed and must come back).
#  - VNET_FAULT=STEP makes that step fail: port-add must fail naming the step,
#    and the host namespace (and the guest's) must be exactly as before: links,
#    addresses, routes, nft ruleset, processes, files under --root including
#    the network's ports dir.
#  - VNET_CRASH=STEP kills vnet with SIGKILL there: `vnet port-list`
#    (reconcile) must then leave everything exactly as before; and after a
#    second crash there, `vnet destroy` must leave the namespace as it was
#    without the network.
# Needs a build configured with --enable-fault-injection (else SKIP).
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
if ! grep -q 'define VNET_FAULT_INJECTION 1' "$top_builddir/config.h" 2>/dev/null; then
	echo "SKIP: build without --enable-fault-injection"
	exit 77
fi

setup_ns H G || exit 1
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
HX() { ip netns exec "$H" "$@"; }

cat >"$R/nat.xml" <<'X'
<network>
  <name>pnat</name>
  <forward mode='nat'/>
  <bridge name='vnbr-p' stp='off'/>
  <port isolated='yes'/>
  <ip address='10.62.0.1' prefix='24'>
    <dhcp><range start='10.62.0.10' end='10.62.0.20'/></dhcp>
  </ip>
  <portgroup name='shaped' default='yes'>
    <bandwidth><inbound average='1000'/><outbound average='500'/></bandwidth>
  </portgroup>
</network>
X
cat >"$R/mv.xml" <<'X'
<network><name>pmv</name><forward mode='bridge'><interface dev='pool0'/></forward></network>
X
cat >"$R/pt.xml" <<'X'
<network><name>ppt</name><forward mode='passthrough'><interface dev='pool1'/></forward></network>
X
# macvtap pool devices: veths (no dummy driver needed)
for d in pool0 pool1; do
	HX ip link add "$d" type veth peer name "${d}p"
	HX ip link set "${d}p" up
	HX ip link set "$d" up
done
for n in nat mv pt; do
	run V define "$R/$n.xml"
	[ "$RC" -eq 0 ] || { t_fail "define $n" "$ERR"; t_done; }
done
for n in pnat pmv ppt; do V start "$n" >/dev/null || { t_fail "start $n"; t_done; }; done
HX ip link set vnbr-p mtu 1400 2>/dev/null # so the MTU step has something to copy

# The bridge's running timers, and the offload limits the kernel derives from whichever ports
# it had last (tso_max_size rises once a tap was enslaved), are not state vnet sets: left out.
snap() {
	ip -n "$H" -d link show | sed -E 's/ (link-netns|link-netnsid) [^ ]+//g' |
		sed -E 's/ [a-z_]*timer +[0-9.]+//g; s/ (gso|tso|gro|gso_ipv4|gro_ipv4)_max_(size|segs) [0-9]+//g'
	ip -n "$H" addr show | sed 's/ tentative//'
	ip -n "$H" route show
	ip -n "$G" -d link show | sed -E 's/ (link-netns|link-netnsid) [^ ]+//g'
	ip -n "$G" addr show
	# counters move with every packet (a guest's DHCP through the checksum-fill jump)
	ip netns exec "$H" nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	ip netns exec "$H" tc qdisc show
	for p in $(ip netns pids "$H"); do cat "/proc/$p/comm"; done | sort
	(cd "$R" && find . -path ./run/vnet/.locks -prune -o -print | sort)
}
# settle SNAP: the bridge loses its carrier a moment after its last port goes (the kernel's
# linkwatch): wait, bounded, for the namespace to look like SNAP again
same_as() { [ "$(snap)" = "$1" ]; }
settle() { busywait 3000 same_as "$1"; }

# the kinds of port: label, network, extra port-add arguments
KINDS=(
	"tap pnat"
	"netns pnat --netns /run/netns/$G"
	"macvtap pmv"
	"passthrough ppt"
)

tried=0 clean=0 crashed=0 by_list=0 by_destroy=0
for k in "${KINDS[@]}"; do
	read -r label net extra <<<"$k"
	# shellcheck disable=SC2086 # $extra is a list of arguments
	add() { "$@" port-add "$net" --mac 52:54:00:00:07:01 $extra; }
	# the previous kind's last port has gone: let the bridge lose its carrier first
	busywait 3000 sh -c "! ip -n $H link show vnbr-p | grep -q LOWER_UP"
	before=$(snap)
	steps=$(add V -v 2>&1 >/dev/null | sed -n 's/.*\] step //p')
	port=$(V port-list "$net" | awk 'NR>2{print $1}')
	run V port-del "$net" "$port"
	settle "$before"
	n=$(echo "$steps" | grep -c .)
	if [ "$RC" -eq 0 ] && [ "$n" -ge 4 ] && [ "$(snap)" = "$before" ]; then
		t_ok "$label: port-add has $n steps; add + del leaves all as before"
	else
		t_fail "$label: port-add has steps; add + del leaves all as before" "$steps" "$ERR" "$(diff <(echo "$before") <(snap))"
		continue
	fi

	kclean=0 kn=0
	for s in $steps; do
		tried=$((tried + 1)) kn=$((kn + 1))
		run add env VNET_FAULT="$s" ip netns exec "$H" "$VNET" --root "$R"
		settle "$before"
		after=$(snap)
		if [ "$RC" -ne 1 ]; then
			t_fail "$label: fault at $s: port-add fails" "exit $RC"
			V port-del "$net" "$OUT" >/dev/null 2>&1
		elif ! printf '%s' "$ERR" | grep -qF "step $s"; then
			t_fail "$label: fault at $s: error names the step" "$ERR"
		elif [ "$after" != "$before" ]; then
			t_fail "$label: fault at $s: rolled back completely" "$(diff <(echo "$before") <(echo "$after"))"
		else
			clean=$((clean + 1)) kclean=$((kclean + 1))
		fi
	done
	[ "$kclean" -eq "$kn" ] && t_ok "$label: fault at each step: $kclean/$kn rolled back byte for byte" || t_fail "$label: fault at each step: $kclean/$kn rolled back byte for byte"

	kl=0 kd=0 kn=0
	for s in $steps; do
		crashed=$((crashed + 1)) kn=$((kn + 1))
		rc=$( (add env VNET_CRASH="$s" ip netns exec "$H" "$VNET" --root "$R" >/dev/null 2>&1; echo $?) 2>/dev/null)
		[ "$rc" -eq 137 ] || t_fail "$label: crash at $s: vnet was killed" "exit $rc"
		run V port-list "$net"
		settle "$before"
		after=$(snap)
		if [ "$RC" -eq 0 ] && [ "$after" = "$before" ]; then
			by_list=$((by_list + 1)) kl=$((kl + 1))
		else
			t_fail "$label: crash at $s: port-list reconciles to as before" "$ERR" "$(diff <(echo "$before") <(echo "$after"))"
			V port-del "$net" "$(V port-list "$net" | awk 'NR>2{print $1}')" >/dev/null 2>&1
		fi
		# again, then destroy: as if the network had never run; then up again for the next step
		V destroy "$net" >/dev/null 2>&1
		down=$(snap)
		V start "$net" >/dev/null 2>&1
		[ "$net" = pnat ] && HX ip link set vnbr-p mtu 1400
		before=$(snap)
		rc=$( (add env VNET_CRASH="$s" ip netns exec "$H" "$VNET" --root "$R" >/dev/null 2>&1; echo $?) 2>/dev/null)
		run V destroy "$net"
		settle "$down"
		after=$(snap)
		if [ "$RC" -eq 0 ] && [ "$after" = "$down" ]; then
			by_destroy=$((by_destroy + 1)) kd=$((kd + 1))
		else
			t_fail "$label: crash at $s: destroy cleans up" "$ERR" "$(diff <(echo "$down") <(echo "$after"))"
		fi
		V start "$net" >/dev/null 2>&1
		[ "$net" = pnat ] && HX ip link set vnbr-p mtu 1400
		before=$(snap)
	done
	[ "$kl" -eq "$kn" ] && t_ok "$label: crash at each step: port-list reconciles $kl/$kn" || t_fail "$label: crash at each step: port-list reconciles $kl/$kn"
	[ "$kd" -eq "$kn" ] && t_ok "$label: crash at each step: destroy cleans $kd/$kn" || t_fail "$label: crash at each step: destroy cleans $kd/$kn"
	run add V
	[ "$RC" -eq 0 ] && t_ok "$label: port-add works after all that ($OUT)" || t_fail "$label: port-add works after all that" "$ERR"
	V port-del "$net" "$OUT" >/dev/null 2>&1
done

[ "$tried" -gt 0 ] && [ "$clean" -eq "$tried" ] && t_ok "port-add fault injection: $clean/$tried steps rolled back cleanly" || t_fail "port-add fault injection: $clean/$tried steps rolled back cleanly"
recovered=$((by_list < by_destroy ? by_list : by_destroy))
[ "$crashed" -gt 0 ] && [ "$by_list" -eq "$crashed" ] && [ "$by_destroy" -eq "$crashed" ] && t_ok "port-add crash recovery: $crashed/$crashed by port-list and by destroy" || t_fail "port-add crash recovery" "port-list $by_list/$crashed, destroy $by_destroy/$crashed"
echo "port-faults: steps_tried=$tried rolled_back_clean=$clean"
echo "port-crashes: injected=$crashed recovered=$recovered recovered_by_port_list=$by_list recovered_by_destroy=$by_destroy"

for n in pnat pmv ppt; do V destroy "$n" >/dev/null 2>&1; done
t_done
