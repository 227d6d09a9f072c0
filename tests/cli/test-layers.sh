#!/bin/bash
# test-layers.sh: the architecture as a check (see README.md, "Layout", and each folder's
# README.md). Dependencies point one way:
#   tools, hooks, bench -> backend -> backend/engine -> {backend/plan, backend/drivers}
#   backend/plan -> xml -> lib        backend/drivers -> lib
# - every #include "..." of a folder's files names a header of a folder it may use;
# - fork( appears only in the one process runner (lib/spawn.c);
# - no call cycle between source files (a file calls a vn_ function defined in another);
# - the planner's unit tests link without libnl and libnftables.
# Run alone: top_srcdir=. top_builddir=BUILD VNET=BUILD/tools/vnet bash tests/cli/test-layers.sh
. "$top_srcdir/tests/cli/lib.sh"
cd "$top_srcdir" || exit 1

# folder: the folders its files may include from (itself first)
declare -A MAY=(
	[lib]="lib"
	[xml]="xml lib"
	[backend/plan]="backend/plan xml lib"
	[backend/drivers]="backend/drivers lib"
	[backend/engine]="backend/engine backend/plan backend/drivers xml lib"
	[backend]="backend backend/engine backend/plan backend/drivers xml lib"
	[tools/lab]="tools/lab backend backend/engine backend/plan backend/drivers xml lib"
	[tools]="tools tools/lab backend backend/engine backend/plan backend/drivers xml lib"
	[hooks]="hooks backend backend/engine backend/plan backend/drivers xml lib"
	[bench]="bench backend backend/engine backend/plan backend/drivers xml lib"
)
FOLDERS="lib xml backend/plan backend/drivers backend/engine backend tools/lab tools hooks bench"

# which folder holds each header (config.h is the build's)
declare -A OWNER=()
for d in $FOLDERS; do
	for h in "$d"/*.h; do
		[ -f "$h" ] && [ -z "${OWNER[${h##*/}]}" ] && OWNER[${h##*/}]=$d
	done
done

for dir in $FOLDERS; do
	bad=""
	for f in "$dir"/*.[ch]; do
		[ -f "$f" ] || continue
		while IFS= read -r h; do
			[ "$h" = config.h ] && continue
			o=${OWNER[$h]:-?}
			case " ${MAY[$dir]} " in
			*" $o "*) ;;
			*) bad="$bad $f includes $h (from ${o});" ;;
			esac
		done < <(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done
	if [ -z "$bad" ]; then
		t_ok "$dir includes only from: ${MAY[$dir]}"
	else
		t_fail "$dir includes only from: ${MAY[$dir]}" "$bad"
	fi
done

# the one process runner; FORK_TODO: files whose own fork() is still to be moved onto it
FORK_TODO="backend/port.c backend/drivers/dnsmasq.c backend/drivers/fw-ipt.c tools/lab/lab.c"
forks=$(grep -nE '(^|[^_a-z])v?fork[[:space:]]*\(' lib/*.c xml/*.c backend/*.c backend/*/*.c tools/*.c tools/*/*.c hooks/*.c 2>/dev/null |
	grep -v '^lib/spawn\.c:' | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' |
	while IFS=: read -r f rest; do case " $FORK_TODO " in *" $f "*) ;; *) echo "$f:$rest" ;; esac; done)
[ -z "$forks" ] && t_ok "fork() only in the process runner (lib/spawn.c)" || t_fail "fork() only in the process runner (lib/spawn.c)" "$forks"

# every nft transaction goes through the engine's submitter, which holds the firewall lock
nft=$(grep -nE '\bvn_nft_run[[:space:]]*\(' lib/*.c xml/*.c backend/*.c backend/*/*.c | grep -vE '^(backend/drivers/|backend/engine/firewall\.c:)')
[ -z "$nft" ] && t_ok "nft submitted only by backend/engine/firewall.c (under its lock)" || t_fail "nft submitted only by backend/engine/firewall.c (under its lock)" "$nft"

# file-level call graph: A -> B when A calls a vn_ function defined (non-static) in B. A
# definition: a line at column 0 naming vn_NAME( whose body's "{" opens at column 0 before any
# line ends with ";" (a prototype).
srcs=$(ls lib/*.c xml/*.c backend/*.c backend/*/*.c tools/*.c tools/*/*.c hooks/*.c)
edges=$(awk '
	FNR == 1 { cand = "" }
	/^[a-z]/ && !/^static/ && match($0, /[ *]vn_[a-z0-9_]+\(/) { cand = substr($0, RSTART + 1, RLENGTH - 2) }
	/;[[:space:]]*$/ { cand = "" }
	/^\{/ { if (cand != "") def[cand] = FILENAME; cand = "" }
	{
		line = $0
		sub(/\/\/.*/, "", line)
		while (match(line, /vn_[a-z0-9_]+\(/)) {
			if (RSTART == 1 || substr(line, RSTART - 1, 1) !~ /[a-zA-Z0-9_]/)
				calls[FILENAME SUBSEP substr(line, RSTART, RLENGTH - 1)] = 1
			line = substr(line, RSTART + RLENGTH)
		}
	}
	END {
		for (k in calls) {
			split(k, x, SUBSEP)
			if ((x[2] in def) && def[x[2]] != x[1]) print x[1], def[x[2]]
		}
	}' $srcs | sort -u)
loops=$(printf '%s\n' "$edges" | tsort 2>&1 >/dev/null | grep -v 'input contains a loop' | sed 's/^tsort: //' | tr '\n' ' ')
[ -z "$loops" ] && t_ok "no call cycle between files ($(printf '%s\n' "$edges" | wc -l) edges)" || t_fail "no call cycle between files" "files in a cycle: $loops"

# upward calls (an include path can be worked around with a prototype; the call graph cannot)
up=""
while read -r a b; do
	[ -n "$a" ] || continue
	da=${a%/*} db=${b%/*}
	case " ${MAY[$da]} " in *" $db "*) ;; *) up="$up $a calls into $b;" ;; esac
done <<<"$edges"
[ -z "$up" ] && t_ok "every call goes to a folder the caller may use" || t_fail "every call goes to a folder the caller may use" "$up"

# the public API documents every function: a /** NAME: ... Returns ... */ block before it
# (so far backend/vnet.h; engine.h has three newer undocumented functions)
undoc=$(awk '
	/\/\*\*/ { indoc = 1; doc = "" }
	indoc { doc = doc " " $0; if ($0 ~ /\*\//) indoc = 0; next }
	/^[a-z]/ && match($0, /[ *]vn_[a-z0-9_]+\(/) {
		name = substr($0, RSTART + 1, RLENGTH - 2)
		if (index(doc, name ":") == 0 || doc !~ /Returns/) print FILENAME ": " name
		doc = ""
	}' backend/vnet.h)
[ -z "$undoc" ] && t_ok "public headers: a /** name: ... Returns */ comment per function" || t_fail "public headers: a /** name: ... Returns */ comment per function" $undoc

# the planner's tests link without the kernel's libraries
for t in test-plan test-forward test-overlay test-conformance test-check test-addr test-confdata; do
	b="$top_builddir/tests/unit/$t"
	if [ ! -x "$b" ]; then
		t_skip "$t links without libnl and libnftables" "not built"
	elif ldd "$b" | grep -qE 'libnl|libnftables'; then
		t_fail "$t links without libnl and libnftables" "$(ldd "$b" | grep -E 'libnl|libnftables')"
	else
		t_ok "$t links without libnl and libnftables"
	fi
done

t_done
