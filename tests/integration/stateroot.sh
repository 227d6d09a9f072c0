#!/bin/bash
# stateroot.sh: a state root that cannot be turned against root (issue 13, section 3).
# vnet runs as root here; a directory of the root that another user owns or may write, a
# symbolic link planted where vnet keeps state, a network whose name is "locks", and two
# defines racing for one bridge name must never make root write, delete or trust what it
# should not. Everything happens in namespaces and temporary roots this script makes.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root

setup_ns H || exit 1
V() { ip netns exec "$H" "$VNET" "$@"; }
net_xml() { # NAME BRIDGE OCTET
	cat <<X
<network><name>$1</name><bridge name='$2' stp='off'/>
<ip address='10.79.$3.1' prefix='24'/></network>
X
}

# --- a root another user may write to is refused, naming the directory ------------------
R=$(mktemp_dir)
net_xml a vsra 1 >"$R/a.xml"
chmod 0777 "$R"
expect_fail "a world-writable root is refused (named in the error)" 1 "'$R' is writable by group or others" \
	V --root "$R" define "$R/a.xml"
[ ! -e "$R/etc" ] && t_ok "... and nothing was written under it" || t_fail "... and nothing was written under it" "$(find "$R/etc")"
chmod 0755 "$R"
rm -rf "$R/etc" "$R/run"

# ROOT/run/vnet owned by another user: a journal planted there would make root delete
# whatever it names (here an address of the host namespace)
mkdir -p "$R/run/vnet/x"
ip -n "$H" link add vsrdum type veth peer name vsrdum1
ip -n "$H" addr add 10.79.9.1/24 dev vsrdum
printf 'addr\tvsrdum\t10.79.9.1/24\n' >"$R/run/vnet/x/journal"
chown -R nobody "$R/run/vnet"
expect_fail "a state directory owned by another user is refused" 1 "'$R/run/vnet' is owned by uid [0-9]+, not root" \
	V --root "$R" destroy x
ip -n "$H" -4 addr show dev vsrdum | grep -q 10.79.9.1/24 &&
	t_ok "... and the address its planted journal names is still there" ||
	t_fail "... and the address its planted journal names is still there" "address 10.79.9.1/24 was deleted"
rm -rf "$R/run"

# --- symbolic links planted where vnet keeps state are never followed ---------------------
VICTIM=$(mktemp_dir)
echo precious >"$VICTIM/keep"
rm -rf "$R/etc" "$R/run"
mkdir -p "$R/etc/vnet"
ln -s "$VICTIM" "$R/etc/vnet/networks"
expect_fail "define does not write through a symlinked definitions directory" 1 "networks' is not a directory \(a symbolic link\?\)" \
	V --root "$R" define "$R/a.xml"
[ "$(ls "$VICTIM")" = keep ] && t_ok "... and the link's target got no file" || t_fail "... and the link's target got no file" "$(ls "$VICTIM")"
rm -f "$R/etc/vnet/networks"

mkdir -p "$R/run/vnet"
ln -s "$VICTIM" "$R/run/vnet/x"
run V --root "$R" destroy x
[ -f "$VICTIM/keep" ] && t_ok "destroy of a symlinked state directory leaves its target alone" ||
	t_fail "destroy of a symlinked state directory leaves its target alone" "rc=$RC $ERR; $VICTIM now: $(ls -A "$VICTIM")"
printf '%s\n' "$ERR" | grep -q "not a directory" && t_ok "... and says why it refuses" || t_fail "... and says why it refuses" "rc=$RC $ERR"
rm -f "$R/run/vnet/x"

# --- a network named "locks" cannot reach the other networks' locks ----------------------
net_xml locks vsrl 2 >"$R/locks.xml"
net_xml b vsrb 3 >"$R/b.xml"
V --root "$R" define "$R/locks.xml" >/dev/null && V --root "$R" define "$R/b.xml" >/dev/null || t_fail "define locks, b"
V --root "$R" start locks >/dev/null || t_fail "start locks" "$(V --root "$R" start locks 2>&1)"
lockb=$(find "$R/run" -name b.lock | head -n1)
if [ -z "$lockb" ]; then
	t_fail "network b has a lock file" "$(find "$R/run")"
else
	# hold b's lock as another vnet command would, while "locks" is destroyed
	flock -x "$lockb" sleep 30 &
	holder=$!
	PIDS+=("$holder")
	busywait 2000 sh -c "! flock -n -x '$lockb' true"
	V --root "$R" destroy locks >/dev/null || t_fail "destroy locks"
	expect_fail "destroying a network named 'locks' keeps the other networks' locks" 1 "network 'b' is busy" \
		env VNET_LOCK_TIMEOUT_MS=200 ip netns exec "$H" "$VNET" --root "$R" start b
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
fi
V --root "$R" destroy b >/dev/null 2>&1

# --- define: loading the others, checking and writing are one step for the whole root ------
R2=$(mktemp_dir)
TRIES=${DEFINE_TRIES:-20}
both=0
for i in $(seq 1 "$TRIES"); do
	rm -rf "$R2/etc"
	net_xml "p$i" vsrsame 4 >"$R2/p.xml"
	net_xml "q$i" vsrsame 5 >"$R2/q.xml"
	V --root "$R2" define "$R2/p.xml" >/dev/null 2>&1 &
	p1=$!
	V --root "$R2" define "$R2/q.xml" >/dev/null 2>&1 &
	p2=$!
	ok=0
	wait $p1 && ok=$((ok + 1))
	wait $p2 && ok=$((ok + 1))
	[ "$ok" -eq 2 ] && both=$((both + 1))
done
[ "$both" -eq 0 ] && t_ok "concurrent defines sharing a bridge name: one wins ($TRIES tries)" ||
	t_fail "concurrent defines sharing a bridge name: one wins ($TRIES tries)" "both landed in $both of $TRIES tries"

before_after=$(ip -n "$H" -o link show | grep -c vsr[lb])
[ "$before_after" -eq 0 ] && t_ok "nothing left in the namespace" || t_fail "nothing left in the namespace" "$(ip -n "$H" -o link show)"
t_done
