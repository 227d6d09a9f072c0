#!/bin/bash
# libvirt-import.sh: `vnet import` against a REAL libvirtd (the throwaway sandbox of
# tests/libvirtd-sandbox.sh: its own network and mount namespace). libvirt's default network
# (/usr/share/libvirt/networks/default.xml) and every examples/*.xml are defined in libvirt
# (examples/nat.xml is itself named "default" on virbr0: it goes in renamed, on its own bridge
# and subnet), then imported into a vnet --root: names, UUIDs, bridges, addresses, DHCP
# hosts and autostart flags carried over, the report says what vnet realizes differently,
# nothing is started; a network vnet cannot realize is refused and not defined; an unknown
# name imports nothing; --connect, LIBVIRT_DEFAULT_URI and --json. SKIPs (visibly) when
# libvirtd cannot run here or vnet was built without libvirt's client library.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
. "$top_srcdir/tests/libvirtd-sandbox.sh"
why=$(lvsb_need) || { echo "SKIP: $why"; exit 77; }
if ! grep -q 'define WITH_LIBVIRT 1' "$top_builddir/config.h"; then
	echo "SKIP: vnet built without libvirt's client library (apt-get install libvirt-dev; ./configure)"
	exit 77
fi

setup_ns H || exit 1
R=$(mktemp_dir) # vnet's --root
L=$(mktemp_dir) # libvirt's private directories
lvsb_prepare "$L"
if ! lvsb_start "$H" "$L" >"$L/why"; then
	echo "SKIP: $(cat "$L/why")"
	exit 77
fi
URI="qemu:///system?socket=$L/run/libvirt-sock"
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
t_ok "libvirtd $(LV version 2>/dev/null | awk '/libvirt/{print $NF; exit}') runs in a private namespace"

# libvirt's default network, as Debian ships it (else the same text)
DEF=/usr/share/libvirt/networks/default.xml
if [ ! -r "$DEF" ]; then
	DEF=$L/default.xml
	printf '%s\n' "<network><name>default</name><bridge name='virbr0'/><forward/>" \
		"<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>" \
		"<range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>" >"$DEF"
fi
names=(default)
run LV net-define "$DEF"
[ "$RC" -eq 0 ] || { t_fail "virsh net-define libvirt's default network" "$ERR"; t_done; }
LV net-autostart default >/dev/null
for f in "$top_srcdir"/examples/*.xml; do
	x=$f
	if [ "$(basename "$f")" = nat.xml ]; then
		x=$L/ex-nat.xml
		sed -e 's|<name>default</name>|<name>ex-nat</name>|' -e "s|name='virbr0'|name='vnbr-exnat'|" \
			-e 's/192\.168\.122\./192.168.124./g' "$f" >"$x"
	fi
	run LV net-define "$x"
	if [ "$RC" -ne 0 ]; then
		t_fail "virsh net-define $(basename "$f")" "$ERR"
		continue
	fi
	names+=("$(sed -n 's|.*<name>\(.*\)</name>.*|\1|p' "$x" | head -n1)")
done
t_ok "libvirt holds its default network and ${#names[@]} networks in all"
before_links=$(ip -n "$H" -o link show | wc -l)

# an unknown name: nothing is imported
expect_fail "import of an unknown name fails and imports nothing" 1 "libvirt has no network 'nosuch'" \
	V import --connect "$URI" default nosuch
[ -z "$(V list --all --name 2>/dev/null)" ] && [ -z "$(ls "$R/etc/vnet/networks" 2>/dev/null | grep .xml)" ] &&
	t_ok "the failed import defined nothing" || t_fail "the failed import defined nothing" "$(V list --all)"
expect_fail "import needs --all or names" 2 "either --all or network NAMEs" V import --connect "$URI"
expect_fail "a bad URI is refused" 1 "cannot connect to libvirt" V import --connect "bogus+nope:///x" --all

# libvirt's default network alone, the URI from LIBVIRT_DEFAULT_URI
run ip netns exec "$H" env LIBVIRT_DEFAULT_URI="$URI" "$VNET" --root "$R" import default
echo "$OUT" | sed 's/^/      /'
[ "$RC" -eq 0 ] && t_ok "import default (LIBVIRT_DEFAULT_URI)" || t_fail "import default" "$ERR"
lu=$(LV net-uuid default)
vu=$(V dumpxml default | sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p')
[ -n "$lu" ] && [ "$lu" = "$vu" ] && t_ok "UUID kept ($vu)" || t_fail "UUID kept" "libvirt $lu, vnet $vu"
lmac=$(LV net-dumpxml --inactive default | sed -n "s|.*<mac address='\([^']*\)'.*|\1|p")
V dumpxml default | grep -q "<mac address='$lmac'/>" && t_ok "bridge MAC kept ($lmac)" || t_fail "bridge MAC kept"
V dumpxml default | grep -q "<bridge name='virbr0'" && V dumpxml default | grep -q "<range start='192.168.122.2' end='192.168.122.254'/>" &&
	t_ok "bridge, address and DHCP range kept" || t_fail "bridge, address and DHCP range kept" "$(V dumpxml default)"
V list --all | grep -E '^ *default +inactive +yes' >/dev/null && t_ok "autostart flag kept, not started" || t_fail "autostart flag kept, not started" "$(V list --all)"
echo "$OUT" | grep -q "differs: STP off" && echo "$OUT" | grep -q "differs: dnsmasq offers addresses without ping" &&
	t_ok "the report names what vnet does differently (STP, no-ping)" || t_fail "the report names the differences" "$OUT"

# a network vnet cannot realize: refused, not defined
cat >"$L/hostdev.xml" <<EOF
<network><name>sriov</name><forward mode='hostdev' managed='yes'><pf dev='eth9'/></forward></network>
EOF
run LV net-define "$L/hostdev.xml"
if [ "$RC" -eq 0 ]; then
	run V import --connect "$URI" sriov
	[ "$RC" -eq 1 ] && echo "$OUT" | grep -q "^sriov: refused: .*hostdev" && ! V dumpxml sriov >/dev/null 2>&1 &&
		t_ok "a hostdev network is refused with the reason and not defined" || t_fail "a hostdev network is refused" "rc=$RC" "$OUT" "$ERR"
else
	t_skip "a hostdev network is refused" "libvirt does not define it here: $ERR"
fi

# --all, --json: every example, the default again (updated)
run V --json import --connect "$URI" --all
echo "$OUT" >"$L/import.json"
python3 - "$L/import.json" "${names[@]}" <<'PY' >"$L/check" 2>&1
import json, sys
items = {i["name"]: i for i in json.load(open(sys.argv[1]))}
bad = []
for n in sys.argv[2:]:
    i = items.get(n)
    if not i:
        bad.append(n + ": missing")
    elif not i["imported"]:
        print("REFUSED %s: %s" % (n, i["refused"]))
    else:
        print("IMPORTED %s %s differs=%d" % (n, i["mode"], len(i["differences"])))
if not items["default"]["updated"]:
    bad.append("default: not 'updated' on the second import")
if items.get("sriov", {}).get("imported"):
    bad.append("sriov imported")
print("BAD " + "; ".join(bad) if bad else "GOOD")
PY
sed 's/^/      /' "$L/check"
grep -q '^GOOD' "$L/check" && t_ok "import --all --json: an entry per network, default updated" || t_fail "import --all --json" "$(cat "$L/check")" "$ERR"
n_imp=$(grep -c '^IMPORTED' "$L/check")
[ "$n_imp" -eq "${#names[@]}" ] && t_ok "every example and the default network imported ($n_imp)" ||
	t_fail "every example and the default network imported" "$(grep REFUSED "$L/check")"
bad=""
for n in "${names[@]}"; do
	lu=$(LV net-uuid "$n")
	vu=$(V dumpxml --inactive "$n" 2>/dev/null | sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p')
	[ -n "$lu" ] && [ "$lu" = "$vu" ] || bad+=" $n (libvirt $lu, vnet $vu)"
done
[ -z "$bad" ] && t_ok "every imported network keeps libvirt's UUID" || t_fail "every imported network keeps libvirt's UUID" "$bad"
[ -z "$(V list --name 2>/dev/null)" ] && [ "$(ip -n "$H" -o link show | wc -l)" -eq "$before_links" ] &&
	t_ok "import started nothing (no running network, no new link)" || t_fail "import started nothing" "$(V list)"

# a clash: libvirt's network under a name vnet has with another UUID is refused
V undefine open >/dev/null
sed -e 's|<name>open</name>|<name>open</name><uuid>0b0d8a5e-1111-4222-8333-944455556666</uuid>|' "$top_srcdir/examples/open.xml" >"$L/open2.xml"
V define "$L/open2.xml" >/dev/null
run V import --connect "$URI" open
[ "$RC" -eq 1 ] && echo "$OUT" | grep -q "^open: refused: .*already defined with uuid" &&
	V dumpxml open | grep -q 0b0d8a5e-1111 && t_ok "a vnet network with the same name and another UUID is kept; import refused" ||
	t_fail "same name, other UUID refused" "$OUT"

kill "$LVSB_PID" 2>/dev/null
t_done
