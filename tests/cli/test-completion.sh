#!/bin/bash
# test-completion.sh: tools/vnet.bash-completion, sourced in bash, completes
# commands, global and per-command options, network names (under --root),
# file names, --nic values and, for port-del, the interface names of a running
# network's ports (that case needs root and network namespaces; SKIP without).
. "$top_srcdir/tests/cli/lib.sh"

D=$(mktemp -d)
NS=""
cleanup() {
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

# complete WORDS...: COMP_WORDS/COMP_CWORD (the cursor on the last word) -> $GOT (sorted)
complete_words() {
	GOT=$(bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
		_vnet; printf "%s\n" "${COMPREPLY[@]}"' sh "$top_srcdir/tools/vnet.bash-completion" "$@" | sort | tr '\n' ' ')
	GOT=${GOT% }
}
expect() { # expect NAME WANT WORDS...
	local name=$1 want=$2
	shift 2
	complete_words "$@"
	if [ "$GOT" = "$want" ]; then t_ok "$name"; else t_fail "$name" "words: $*" "want: '$want'" "got:  '$GOT'"; fi
}

"$VNET" --root "$D" define "$top_srcdir/examples/nat.xml" >/dev/null &&
	"$VNET" --root "$D" define "$top_srcdir/examples/route.xml" >/dev/null || t_fail "define two networks"
touch "$D/net-a.xml" "$D/net-b.xml"

expect "commands: port-" "port-add port-del port-list" "$VNET" port-
expect "commands: every command of vnet --help" \
	"$("$VNET" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')" "$VNET" ""
expect "global options: --r" "--root" "$VNET" --r
expect "--firewall-backend values" "iptables nftables none" "$VNET" --firewall-backend ""
expect "network names under --root" "default routed" "$VNET" --root "$D" start ""
expect "network names under --root=DIR" "default routed" "$VNET" --root = "$D" info ""
expect "network names: prefix" "routed" "$VNET" --root "$D" destroy r
expect "no second name for start" "" "$VNET" --root "$D" start default ""
expect "lab options from vnet lab --help" "--qemu --quiet" "$VNET" lab --q
expect "forward-add options" "--port --proto" "$VNET" forward-add default --p
expect "qemu --nic takes a network name" "default routed" "$VNET" --root "$D" qemu --nic ""
expect "files for define" "$D/net-a.xml $D/net-b.xml" "$VNET" define "$D/net-"
expect "files for lab --kernel" "$D/net-a.xml" "$VNET" lab --qemu --kernel "$D/net-a"
expect "plan: files and names" "default" "$VNET" --root "$D" plan def

# port-del: the interface names of a running network's ports
if [ "$(id -u)" -eq 0 ] && ip netns add "vnt-compl-$$" 2>/dev/null; then
	NS="vnt-compl-$$"
	ip -n "$NS" link set lo up
	if ip netns exec "$NS" "$VNET" --root "$D" start routed >/dev/null &&
		p1=$(ip netns exec "$NS" "$VNET" --root "$D" port-add routed --ifname vnet7) &&
		p2=$(ip netns exec "$NS" "$VNET" --root "$D" port-add routed --ifname vnet8); then
		GOT=$(ip netns exec "$NS" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			_vnet; printf "%s\n" "${COMPREPLY[@]}"' sh "$top_srcdir/tools/vnet.bash-completion" \
			"$VNET" --root "$D" port-del routed "" | sort | tr '\n' ' ')
		[ "${GOT% }" = "$p1 $p2" ] && t_ok "port-del completes the network's ports ($p1 $p2)" ||
			t_fail "port-del completes the network's ports" "want '$p1 $p2'" "got '$GOT'"
		ip netns exec "$NS" "$VNET" --root "$D" destroy routed >/dev/null
	else
		t_fail "port-del completion: start a network with two ports"
	fi
else
	t_skip "port-del completes the network's ports" "needs root and network namespaces"
fi

# vnet-define completes files
GOT=$(bash -c '. "$1"; COMP_WORDS=(vnet-define "$2"); COMP_CWORD=1; _vnet_define; printf "%s\n" "${COMPREPLY[@]}"' \
	sh "$top_srcdir/tools/vnet.bash-completion" "$D/net-b" | tr -d '\n')
[ "$GOT" = "$D/net-b.xml" ] && t_ok "vnet-define completes files" || t_fail "vnet-define completes files" "got '$GOT'"
t_done
