#!/bin/bash
# test-man.sh: vnet(8) documents every command `vnet --help` lists, and the
# man pages render without groff warnings.
. "$top_srcdir/tests/cli/lib.sh"

for c in $("$VNET" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p'); do
	# a .TP entry whose first line names the command
	if grep -A1 '^\.TP' "$top_srcdir/man/vnet.8" | grep -qE "^(\.BR? |\.BI |\\\\fB)$c(\\\\fR)?( |\"|$)"; then
		t_ok "vnet(8) documents $c"
	else
		t_fail "vnet(8) documents $c"
	fi
done
grep -qx '\.so man8/vnet\.8' "$top_srcdir/man/vnet-define.8" && t_ok "vnet-define(8) is vnet(8)" || t_fail "vnet-define(8) is vnet(8)"
if command -v groff >/dev/null; then
	for f in "$top_srcdir"/man/*.[58]; do
		case $f in */vnet-define.8) continue ;; esac
		w=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
		[ -z "$w" ] && t_ok "$(basename "$f") renders without warnings" || t_fail "$(basename "$f") renders without warnings" "$w"
	done
else
	t_skip "man pages render without warnings" "groff is not installed"
fi
t_done
