#!/bin/bash
# test-cli.sh: the definition commands of vnet(8) — define, list, dumpxml,
# autostart, undefine, vnet-define — under a private --root. No root needed.
. "$top_srcdir/tests/cli/lib.sh"

ROOT=$(mktemp -d /tmp/vnet-cli.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
V() { "$VNET" --root "$ROOT" "$@"; }
EX="$top_srcdir/examples"

run V list --all
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q '^ Name'; then t_ok "list on an empty root"; else t_fail "list on an empty root" "$OUT $ERR"; fi

run V define "$EX/nat.xml"
if [ "$RC" -eq 0 ] && [ -f "$ROOT/etc/vnet/networks/default.xml" ]; then t_ok "define writes the definition"; else t_fail "define writes the definition" "$ERR"; fi

run V dumpxml default
uuid=$(printf '%s\n' "$OUT" | sed -n 's:.*<uuid>\(.*\)</uuid>.*:\1:p')
if [ -n "$uuid" ] && printf '%s\n' "$OUT" | grep -q "<bridge name='virbr0' stp='off' delay='0'/>" \
	&& printf '%s\n' "$OUT" | grep -q "<mac address='52:54:00:"; then
	t_ok "dumpxml: uuid generated, mac filled in"
else
	t_fail "dumpxml: uuid generated, mac filled in" "$OUT"
fi

run V define "$EX/nat.xml"
run2=$(V dumpxml default | sed -n 's:.*<uuid>\(.*\)</uuid>.*:\1:p')
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q updated && [ "$run2" = "$uuid" ]; then
	t_ok "re-define updates in place, keeps the uuid"
else
	t_fail "re-define updates in place, keeps the uuid" "$OUT" "$run2 vs $uuid"
fi
[ "$(ls "$ROOT/etc/vnet/networks" | grep -c '\.xml$')" -eq 1 ] && t_ok "no duplicate definition" || t_fail "no duplicate definition"

sed "s/<name>default</<name>other</" "$EX/nat.xml" | sed "s/<forward/<uuid>$uuid<\/uuid><forward/" >"$ROOT/same-uuid.xml"
expect_fail "same uuid under another name is refused" 1 "uuid $uuid is already used by network 'default'" V define "$ROOT/same-uuid.xml"

sed "s/<name>default</<name>second</; s/192\.168\.122\./192.168.200./g; s/virbr0/virbr9/" "$EX/nat.xml" >"$ROOT/second.xml"
run V define "$ROOT/second.xml"
[ "$RC" -eq 0 ] && t_ok "second network defined" || t_fail "second network defined" "$ERR"

sed "s/<name>default</<name>overlap</; s/virbr0/virbr8/" "$EX/nat.xml" >"$ROOT/overlap.xml"
expect_fail "overlapping subnet with another network is refused" 1 "overlap" V define "$ROOT/overlap.xml"
[ ! -e "$ROOT/etc/vnet/networks/overlap.xml" ] && t_ok "failed define leaves no file" || t_fail "failed define leaves no file"

# bridge name filled in as the first free virbrN
cat >"$ROOT/nobridge.xml" <<X
<network><name>nobr</name><ip address='10.99.0.1' prefix='24'/></network>
X
run V define "$ROOT/nobridge.xml"
if [ "$RC" -eq 0 ] && V dumpxml nobr | grep -q "<bridge name='virbr1'"; then t_ok "bridge name defaults to the first free virbrN"; else t_fail "bridge name defaults to the first free virbrN" "$(V dumpxml nobr)"; fi

run V autostart default
if [ "$RC" -eq 0 ] && V list --all | grep -E '^ default +inactive +yes +yes' >/dev/null; then t_ok "autostart marks the network"; else t_fail "autostart marks the network" "$(V list --all)"; fi
run V autostart --disable default
V list --all | grep -E '^ default +inactive +no +yes' >/dev/null && t_ok "autostart --disable" || t_fail "autostart --disable"

run V --json list --all
if printf '%s\n' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert sorted(x["name"] for x in d)==["default","nobr","second"], d; assert all(x["persistent"] and x["state"]=="inactive" for x in d)'; then
	t_ok "list --json is a JSON array of every network"
else
	t_fail "list --json is a JSON array of every network" "$OUT"
fi
# define refuses what it could not read back: 300 KB whose canonical form is 1.2 MB ('>' as &gt;)
python3 -c "print('<network><name>big</name><description>' + '>' * 300000 + '</description></network>')" >"$ROOT/big.xml"
expect_fail "define refuses a definition whose canonical form exceeds the read limit" 1 \
	"network 'big': its definition would be [0-9]+ bytes in canonical form" V define "$ROOT/big.xml"
[ ! -e "$ROOT/etc/vnet/networks/big.xml" ] && t_ok "the refused define wrote nothing" ||
	t_fail "the refused define wrote nothing" "$(ls -la "$ROOT/etc/vnet/networks")"
rm -f "$ROOT/big.xml"
# a definition that cannot be read is reported, not hidden; the others are still listed
printf '<network><name>broken' >"$ROOT/etc/vnet/networks/broken.xml"
run V list --all
if [ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -qE '^ default ' &&
	printf '%s\n' "$ERR" | grep -q 'warning: not listed: .*broken.xml'; then
	t_ok "list names an unreadable definition and lists the rest"
else
	t_fail "list names an unreadable definition and lists the rest" "rc=$RC $OUT" "$ERR"
fi
rm -f "$ROOT/etc/vnet/networks/broken.xml"
run V list
[ "$(printf '%s\n' "$OUT" | grep -c 'inactive')" -eq 0 ] && t_ok "list without --all hides inactive networks" || t_fail "list without --all hides inactive networks" "$OUT"

run "$top_builddir/tools/vnet-define" --root "$ROOT" "$ROOT/second.xml" 2>/dev/null
# vnet-define takes global options before FILE too
run env VNET_ROOT="$ROOT" "$top_builddir/tools/vnet-define" "$ROOT/second.xml"
[ "$RC" -eq 0 ] && printf '%s\n' "$OUT" | grep -q 'Network second updated' && t_ok "vnet-define FILE works as define" || t_fail "vnet-define FILE works as define" "$OUT $ERR"

run V undefine second
[ "$RC" -eq 0 ] && [ ! -e "$ROOT/etc/vnet/networks/second.xml" ] && t_ok "undefine removes the definition" || t_fail "undefine removes the definition" "$ERR"
expect_fail "undefine of an unknown network" 1 "network 'second' is not defined" V undefine second
expect_fail "dumpxml of an unknown network" 1 "network 'nope' is not defined" V dumpxml nope
expect_fail "path traversal in a name is refused" 1 "not a valid network name" V dumpxml ../../etc/passwd

# usage errors: exit 2
expect_fail "unknown command is a usage error" 2 "unknown command" V frobnicate
expect_fail "missing argument is a usage error" 2 "exactly one" V dumpxml
expect_fail "unknown option is a usage error" 2 "unknown option '--bogus'" V list --bogus
for c in validate define undefine list dumpxml autostart start destroy create plan info dhcp-leases autostart-all; do
	run V "$c" --help
	if [ "$RC" -ne 0 ] || ! printf '%s\n' "$OUT" | grep -q "^Usage: vnet $c"; then
		t_fail "$c --help" "$OUT"
		continue
	fi
	ok_help=$((${ok_help:-0} + 1))
done
[ "${ok_help:-0}" -eq 13 ] && t_ok "--help on every command" || t_fail "--help on every command" "${ok_help:-0}/13"
run V --help
printf '%s\n' "$OUT" | grep -q 'dhcp-leases' && t_ok "vnet --help lists the commands" || t_fail "vnet --help lists the commands"

t_done
