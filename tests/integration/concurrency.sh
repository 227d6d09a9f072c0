#!/bin/bash
# concurrency.sh: many vnet clients at once on a few networks (2 cores here, so
# many processes per core). No crash, no deadlock (a busy network answers
# "busy" within the lock timeout), every network's final state is what its
# last successful operation left, and nothing leaks.
# CLIENTS (32), NETS (8) and CONC_SECONDS (20) can be overridden.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
CLIENTS=${CLIENTS:-32}
NETS=${NETS:-8}
SECONDS_RUN=${CONC_SECONDS:-20}

setup_ns H || exit 1
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
snap() {
	ip -n "$H" -d link show
	ip netns exec "$H" nft list ruleset | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'
	for p in $(ip netns pids "$H"); do cat "/proc/$p/comm"; done | sort
}
# the DHCP checksum fill's chain hangs off mangle POSTROUTING, which iptables creates on first
# use and keeps (a built-in chain, not vnet's): have it before the first snapshot
ip netns exec "$H" iptables -t mangle -P POSTROUTING ACCEPT
before=$(snap)
for i in $(seq 0 $((NETS - 1))); do
	cat >"$R/n$i.xml" <<X
<network><name>n$i</name><forward mode='nat'/><bridge name='vnc$i' stp='off'/>
<ip address='10.70.$i.1' prefix='24'><dhcp><range start='10.70.$i.10' end='10.70.$i.20'/></dhcp></ip></network>
X
	V define "$R/n$i.xml" >/dev/null || t_fail "define n$i"
done

LOG=$R/ops
mkdir -p "$LOG"
client() {
	local c=$1 end=$(( $(date +%s) + SECONDS_RUN )) n op rc err
	while [ "$(date +%s)" -lt "$end" ]; do
		n=n$((RANDOM % NETS))
		case $((RANDOM % 2)) in 0) op=start ;; 1) op=destroy ;; esac
		err=$(VNET_LOCK_TIMEOUT_MS=3000 ip netns exec "$H" "$VNET" --root "$R" "$op" "$n" 2>&1 >/dev/null)
		rc=$?
		# one line per operation: time client net op rc kind
		kind=ok
		if [ $rc -ne 0 ]; then
			case "$err" in
			*"already active"*) kind=already-active ;;
			*"not active"*) kind=not-active ;;
			*busy*) kind=busy ;;
			*) kind="other:$(printf '%s' "$err" | tr '\n' ' ' | cut -c1-200)" ;;
			esac
		fi
		echo "$(date +%s%N) $c $n $op $rc $kind"
	done >"$LOG/c$c"
}
for c in $(seq 1 "$CLIENTS"); do client "$c" & done
wait

cat "$LOG"/c* | sort -n >"$LOG/all"
total=$(wc -l <"$LOG/all")
crashes=$(awk '$5 >= 128' "$LOG/all" | wc -l)
others=$(grep -c ' other:' "$LOG/all")
echo "concurrency: clients=$CLIENTS networks=$NETS seconds=$SECONDS_RUN operations=$total" \
	"ok=$(awk '$6=="ok"' "$LOG/all" | wc -l) busy=$(awk '$6=="busy"' "$LOG/all" | wc -l)" \
	"already_active=$(awk '$6=="already-active"' "$LOG/all" | wc -l) not_active=$(awk '$6=="not-active"' "$LOG/all" | wc -l)" \
	"unexpected=$others crashes=$crashes"
[ "$total" -gt 0 ] && t_ok "$total operations by $CLIENTS clients" || t_fail "operations ran"
[ "$crashes" -eq 0 ] && t_ok "no crash" || t_fail "no crash" "$(awk '$5 >= 128' "$LOG/all" | head -3)"
[ "$others" -eq 0 ] && t_ok "only expected failures (busy / already active / not active)" || t_fail "only expected failures" "$(grep ' other:' "$LOG/all" | head -3)"

# final state = last successful operation per network
consistent=0
for i in $(seq 0 $((NETS - 1))); do
	last=$(awk -v n="n$i" '$3==n && $5==0 {op=$4} END {print op}' "$LOG/all")
	want=inactive
	[ "$last" = start ] && want=active
	info=$(V --json info "n$i")
	case "$want" in
	active) printf '%s' "$info" | grep -q '"state":"active"' && printf '%s' "$info" | grep -q '"bridge_present":true' \
		&& printf '%s' "$info" | grep -q '"firewall_present":true' && printf '%s' "$info" | grep -q '"dnsmasq_running":true' && consistent=$((consistent + 1)) ;;
	inactive) printf '%s' "$info" | grep -q '"state":"inactive"' && ! ip -n "$H" link show "vnc$i" >/dev/null 2>&1 && consistent=$((consistent + 1)) ;;
	esac
done
[ "$consistent" -eq "$NETS" ] && t_ok "final state matches the last successful operation ($consistent/$NETS)" || t_fail "final state matches the last successful operation ($consistent/$NETS)"
for i in $(seq 0 $((NETS - 1))); do V destroy "n$i" >/dev/null 2>&1; done
[ "$(snap)" = "$before" ] && t_ok "nothing leaked after destroying all" || t_fail "nothing leaked after destroying all" "$(diff <(echo "$before") <(snap) | head -20)"

t_done
