#!/bin/bash
# dnsmasq-user.sh: dnsmasq as its own user, remembered by root (issue 13, section 4).
# Under a root only root may traverse (a 0700 mktemp -d, as a new user would make it) the
# network still serves its <dns><host> names and its static <host> reservation; dnsmasq runs
# as its dedicated user; a decoy pid in dnsmasq's own pid file never gets destroy's signal;
# a file dnsmasq could not read makes start refuse, and `vnet info` unhealthy.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/integration/lib.sh"
need_root
DUSER=${VNET_DNSMASQ_USER:-dnsmasq}
if ! getent passwd "$DUSER" >/dev/null; then
	echo "SKIP: dnsmasq's user '$DUSER' does not exist (tools/install-deps.sh creates it)"
	exit 77
fi

setup_ns H G || exit 1
R=$(mktemp -d "$TEST_TMP/root.XXXXXX") # 0700, root's: not traversable by dnsmasq's user
V() { ip netns exec "$H" "$VNET" --root "$R" "$@"; }
cat >"$R/n.xml" <<X
<network><name>dn</name><bridge name='vdu0' stp='off'/><domain name='du.test'/>
<dns><host ip='10.78.0.50'><hostname>web</hostname><hostname>www</hostname></host></dns>
<ip address='10.78.0.1' prefix='24'><dhcp><range start='10.78.0.10' end='10.78.0.20'/>
<host mac='52:54:00:78:00:05' name='g5' ip='10.78.0.5'/></dhcp></ip></network>
X
run V define "$R/n.xml"
[ "$RC" -eq 0 ] || t_fail "define" "$ERR"
run V start dn
[ "$RC" -eq 0 ] && t_ok "start under a 0700 root" || t_fail "start under a 0700 root" "$ERR"

# --- a guest sees the static reservation and the DNS names -------------------------------
plug_guest "$H" "$G" vdu0 52:54:00:78:00:05
a=$(dhcp "$G")
[ "$a" = 10.78.0.5 ] && t_ok "static <host> reservation served (10.78.0.5)" || t_fail "static <host> reservation served (10.78.0.5)" "got '$a'"
lookup() { ip netns exec "$G" busybox nslookup -type=a "$1" 10.78.0.1 2>/dev/null | awk '/^Address/ {a=$2} END {print a}'; }
v=$(lookup web.du.test)
[ "$v" = 10.78.0.50 ] && t_ok "<dns><host> name resolves (web.du.test)" || t_fail "<dns><host> name resolves (web.du.test)" "got '$v'"
v=$(lookup www)
[ "$v" = 10.78.0.50 ] && t_ok "<dns><host> second name resolves unqualified (www)" || t_fail "<dns><host> second name resolves unqualified (www)" "got '$v'"
v=$(lookup g5.du.test)
[ "$v" = 10.78.0.5 ] && t_ok "static host's name resolves (g5.du.test)" || t_fail "static host's name resolves (g5.du.test)" "got '$v'"

# --- its user, its identity in root's state ----------------------------------------------
conf="$R/run/vnet/dn/dnsmasq.conf"
pid=$(pgrep -f -- "--conf-file=$conf" | head -n1)
u=$(ps -o user= -p "$pid" 2>/dev/null | tr -d ' ')
[ "$u" = "$DUSER" ] && t_ok "dnsmasq runs as its own user ($DUSER), not nobody" || t_fail "dnsmasq runs as its own user ($DUSER), not nobody" "pid '$pid' user '$u'"
idf="$R/run/vnet/dn/dnsmasq.id"
[ "$(stat -c '%U %a' "$idf" 2>/dev/null)" = "root 600" ] && [ "$(cut -d' ' -f1 "$idf")" = "$pid" ] &&
	t_ok "its pid and start time are kept in a root-only file" || t_fail "its pid and start time are kept in a root-only file" "$(ls -l "$idf" 2>&1) $(cat "$idf" 2>&1)"
run V --json info dn
printf '%s' "$OUT" | grep -q '"dnsmasq_healthy":true' && printf '%s' "$OUT" | grep -q "\"dnsmasq_user\":\"$DUSER\"" &&
	t_ok "info: dnsmasq healthy, as $DUSER" || t_fail "info: dnsmasq healthy, as $DUSER" "$OUT $ERR"

# --- the configuration on disk no longer the network's: info says so ----------------------
cp "$conf" "$R/conf.saved"
echo "# changed behind vnet's back" >>"$conf"
run V --json info dn
printf '%s' "$OUT" | grep -q '"dnsmasq_healthy":false' && printf '%s' "$OUT" | grep -q 'is not the network' &&
	t_ok "info: not healthy when its configuration is not the network's" || t_fail "info: not healthy when its configuration is not the network's" "$OUT"
cp "$R/conf.saved" "$conf"

# --- a decoy pid in dnsmasq's own pid file (which its user may write) -----------------------
setpriv --reuid=nobody --regid=nogroup --clear-groups -- bash -c "exec -a '--conf-file=$conf' sleep 600" &
decoy=$!
PIDS+=("$decoy")
busywait 2000 grep -q -- "--conf-file" "/proc/$decoy/cmdline"
echo "$decoy" >"$R/run/vnet/dn/dnsmasq.pid"
run V destroy dn
[ "$RC" -eq 0 ] || t_fail "destroy" "$ERR"
kill -0 "$decoy" 2>/dev/null && t_ok "destroy leaves the decoy named in dnsmasq's pid file alone" ||
	t_fail "destroy leaves the decoy named in dnsmasq's pid file alone" "decoy $decoy was killed"
busywait 2000 sh -c "! kill -0 $pid 2>/dev/null" && t_ok "... and stops the real dnsmasq" ||
	t_fail "... and stops the real dnsmasq" "pid $pid still runs: $(ps -o user,args= -p "$pid")"
kill "$decoy" 2>/dev/null

# --- start refuses, with the reason, what dnsmasq could not read -------------------------
mkdir -m 0755 "$R/tftp"
sed -e "s|</dhcp></ip>|</dhcp><tftp root='$R/tftp'/></ip>|" "$R/n.xml" >"$R/t.xml"
run V define "$R/t.xml"
run V start dn
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "dnsmasq runs as user '$DUSER' and could not read '$R/tftp'"; then
	t_ok "start refuses a tftp root dnsmasq's user cannot reach, naming it"
else
	t_fail "start refuses a tftp root dnsmasq's user cannot reach, naming it" "exit $RC: $ERR"
fi
ip -n "$H" link show vdu0 >/dev/null 2>&1 && t_fail "... and rolls back (no bridge left)" || t_ok "... and rolls back (no bridge left)"
V destroy dn >/dev/null 2>&1

# --- a directory dnsmasq reads after dropping privileges, made unreadable: info says so ----
T=$(mktemp_dir)
sed -e "s|</dhcp></ip>|</dhcp><tftp root='$T'/></ip>|" "$R/n.xml" >"$R/t.xml"
V define "$R/t.xml" >/dev/null 2>&1
run V start dn
[ "$RC" -eq 0 ] || t_fail "start with a readable tftp root" "$ERR"
chmod 0700 "$T"
run V --json info dn
printf '%s' "$OUT" | grep -q '"dnsmasq_healthy":false' && printf '%s' "$OUT" | grep -q "could not read '$T'" &&
	t_ok "info: not healthy when dnsmasq's user cannot read its tftp root" || t_fail "info: not healthy when dnsmasq's user cannot read its tftp root" "$OUT"
V destroy dn >/dev/null 2>&1

# --- dnsmasq's user must exist: a clear error, nothing left ---------------------------------
V define "$R/n.xml" >/dev/null 2>&1
run env VNET_DNSMASQ_USER=vnet-no-such-user ip netns exec "$H" "$VNET" --root "$R" start dn
[ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "dnsmasq's user 'vnet-no-such-user' does not exist" &&
	t_ok "start refuses when dnsmasq's user does not exist" || t_fail "start refuses when dnsmasq's user does not exist" "exit $RC: $ERR"
ip -n "$H" link show vdu0 >/dev/null 2>&1 && t_fail "... and leaves no bridge" || t_ok "... and leaves no bridge"
V destroy dn >/dev/null 2>&1
left=$(pgrep -f -- "--conf-file=$R/" | wc -l)
[ "$left" -eq 0 ] && t_ok "no dnsmasq of this root left" || t_fail "no dnsmasq of this root left" "$(pgrep -af -- "--conf-file=$R/")"
t_done
