#!/bin/bash
# port-isolation.sh: <port isolated='yes'> on the network and on <portgroup>s,
# applied to every port vnet makes on the bridge (namespace veths, taps): two
# isolated guests cannot reach each other, both reach the gateway; a port of a
# non-isolated portgroup reaches isolated ones; port-add --portgroup selects the
# portgroup (default: the one with default='yes'); an unknown portgroup is
# refused and creates nothing. All inside throwaway namespaces.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root

setup_ns H G1 G2 G3 G4 || { echo "cannot create namespaces"; exit 1; }
R=$(mktemp_dir)
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
HX() { ip netns exec "$H" "$@"; }
isolated_flag() { HX cat "/sys/class/net/$1/brport/isolated" 2>/dev/null; }

cat >"$R/iso.xml" <<'X'
<network>
  <name>piso</name>
  <forward mode='nat'/>
  <bridge name='vnbr-iso' stp='off'/>
  <port isolated='yes'/>
  <ip address='10.63.0.1' prefix='24'>
    <dhcp><range start='10.63.0.10' end='10.63.0.50'/></dhcp>
  </ip>
  <portgroup name='shared'>
    <port isolated='no'/>
  </portgroup>
</network>
X
cat >"$R/pg.xml" <<'X'
<network>
  <name>ppg</name>
  <bridge name='vnbr-pg' stp='off'/>
  <ip address='10.64.0.1' prefix='24'/>
  <portgroup name='plain'/>
  <portgroup name='guests' default='yes'>
    <port isolated='yes'/>
  </portgroup>
</network>
X
for n in iso pg; do
	run V define "$R/$n.xml"
	[ "$RC" -eq 0 ] || { t_fail "define $n" "$ERR"; t_done; }
done

run V plan piso
printf '%s\n' "$OUT" | grep -q '^no portgroup (default): isolated on$' &&
	printf '%s\n' "$OUT" | grep -q '^portgroup shared: isolated off$' &&
	t_ok "vnet plan shows each portgroup's isolation" || t_fail "vnet plan shows each portgroup's isolation" "$OUT"

run V start piso
[ "$RC" -eq 0 ] || { t_fail "start piso" "$ERR"; t_done; }

# --- namespace guests on an isolated network
run V port-add piso --netns "/run/netns/$G1" --mac 52:54:00:63:00:01
p1=$OUT
run V port-add piso --netns "/run/netns/$G2" --mac 52:54:00:63:00:02
p2=$OUT
[ "$(isolated_flag "$p1")" = 1 ] && [ "$(isolated_flag "$p2")" = 1 ] &&
	t_ok "namespace ports of an isolated network are isolated bridge ports" ||
	t_fail "namespace ports of an isolated network are isolated bridge ports" "$p1=$(isolated_flag "$p1") $p2=$(isolated_flag "$p2")"
a1=$(dhcp "$G1")
a2=$(dhcp "$G2")
case "$a1 $a2" in 10.63.0.*" "10.63.0.*) t_ok "both isolated guests lease ($a1, $a2)" ;; *) t_fail "both isolated guests lease" "'$a1' '$a2'" ;; esac
can_ping "$G1" 10.63.0.1 && can_ping "$G2" 10.63.0.1 &&
	t_ok "both isolated guests reach the gateway" || t_fail "both isolated guests reach the gateway"
if can_ping "$G1" "$a2" || can_ping "$G2" "$a1"; then
	t_fail "isolated guests cannot reach each other" "ping between $a1 and $a2 succeeded"
else
	t_ok "isolated guests cannot reach each other"
fi

# --- a portgroup that is not isolated
run V port-add piso --netns "/run/netns/$G3" --portgroup shared
p3=$OUT
[ "$RC" -eq 0 ] && [ "$(isolated_flag "$p3")" = 0 ] &&
	t_ok "port-add --portgroup shared: <port isolated='no'> there wins" || t_fail "port-add --portgroup shared" "rc $RC $ERR flag $(isolated_flag "$p3")"
a3=$(dhcp "$G3")
can_ping "$G3" "$a1" && t_ok "a non-isolated port reaches an isolated one" || t_fail "a non-isolated port reaches an isolated one" "$a3 -> $a1"

# --- taps
run V port-add piso
pt=$OUT
[ "$RC" -eq 0 ] && [ "$(isolated_flag "$pt")" = 1 ] && t_ok "a tap port is isolated too" || t_fail "a tap port is isolated too" "rc $RC $ERR flag $(isolated_flag "$pt")"
run V --json port-list piso
printf '%s' "$OUT" | python3 -c '
import json, sys
ports = {p["ifname"]: p for p in json.load(sys.stdin)}
assert ports[sys.argv[1]]["isolated"] is True and ports[sys.argv[1]]["portgroup"] is None
assert ports[sys.argv[2]]["isolated"] is False and ports[sys.argv[2]]["portgroup"] == "shared"
' "$pt" "$p3" && t_ok "port-list --json shows portgroup and isolation" || t_fail "port-list --json shows portgroup and isolation" "$OUT"

# --- an unknown portgroup is refused and leaves nothing
links_before=$(HX ip -o link show | wc -l)
expect_fail "an unknown --portgroup is refused" 1 "network 'piso' has no <portgroup name='nosuch'>" \
	V port-add piso --portgroup nosuch
expect_fail "--portgroup on a namespace port too" 1 "has no <portgroup name='nosuch'>" \
	V port-add piso --netns "/run/netns/$G4" --portgroup nosuch
[ "$(HX ip -o link show | wc -l)" = "$links_before" ] && [ -z "$(ip -n "$G4" -o link show eth0 2>/dev/null)" ] &&
	t_ok "refused ports created no link" || t_fail "refused ports created no link" "$(HX ip -o link show)"

# --- the default portgroup decides for ports without --portgroup
run V start ppg
[ "$RC" -eq 0 ] || { t_fail "start ppg" "$ERR"; t_done; }
run V port-add ppg
q1=$OUT
run V port-add ppg --portgroup plain
q2=$OUT
[ "$(isolated_flag "$q1")" = 1 ] && [ "$(isolated_flag "$q2")" = 0 ] &&
	t_ok "without --portgroup a port gets the default='yes' portgroup's isolation" ||
	t_fail "without --portgroup a port gets the default='yes' portgroup's isolation" "$q1=$(isolated_flag "$q1") $q2=$(isolated_flag "$q2")"

V destroy ppg >/dev/null
V destroy piso >/dev/null
[ -z "$(HX ip -o link show | grep -E 'vnbr-|vnet')" ] && t_ok "destroy removes the bridges and every port" || t_fail "destroy removes the bridges and every port" "$(HX ip -o link show)"
t_done
